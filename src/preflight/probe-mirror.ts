// Probing one mirror: `GET /v2/` (200, or 401 with a Bearer/Basic challenge, means alive),
// the latency of that answer, TLS verified against the system store plus the mirror's `ca`,
// and with `preflight.probe` a `HEAD` of that manifest with a token from the challenge's
// realm. One deadline covers the whole probe, so a mirror never takes longer than the timeout.
import { rootCertificates } from "node:tls";
import type { Mirror } from "../config/types.js";
import { parseChallenge, type Challenge } from "./challenge.js";
import { findCredentials, basicAuthorization, CredentialHelperError, type Credentials, type HelperOptions, type ReadText } from "./credentials.js";
import { mirrorEndpoints, parseProbe, WERF_API_CHECK, werfApiManifest, type ProbeRef } from "./endpoints.js";
import { HttpError, type Transport } from "./http.js";
import { header, requestFollowingRedirects } from "./redirects.js";
import { printable } from "./printable.js";
import { fetchToken } from "./token.js";
import type { CheckResult, MirrorResult } from "./types.js";

/** Media types a manifest HEAD accepts: OCI and Docker, single images and indexes. */
export const MANIFEST_ACCEPT = [
  "application/vnd.oci.image.index.v1+json",
  "application/vnd.oci.image.manifest.v1+json",
  "application/vnd.docker.distribution.manifest.list.v2+json",
  "application/vnd.docker.distribution.manifest.v2+json",
].join(", ");

export interface ProbeOptions {
  registry: string;
  timeoutMs: number;
  /** Manifest to HEAD, `library/alpine:latest`; only for Docker Hub mirrors. */
  probe?: string;
  /** Also ask for the probe where werf's registry API will (a docker.io mirror with a path, handed to werf). */
  werfApi?: boolean;
  transport: Transport;
  now: () => number;
  readText: ReadText;
  authFiles: string[];
  /** Docker credential helpers (credHelpers / credsStore); without it they are not run. */
  helpers?: Pick<HelperOptions, "run" | "env" | "dockerConfig">;
}

/** A mirror that answers, but slower than this share of the timeout, is degraded. */
const SLOW_SHARE = 0.5;

/** An OCI digest (`algorithm:encoded`, as the image spec defines it); anything else in the header is not kept. */
export const DIGEST = /^[a-z0-9]+(?:[+._-][a-z0-9]+)*:[a-zA-Z0-9=_-]+$/;

export async function probeMirror(mirror: Mirror, o: ProbeOptions): Promise<MirrorResult> {
  const start = o.now();
  const deadline = start + o.timeoutMs;
  const checks: CheckResult[] = [];
  // Reasons may quote server text (through error messages): one line each, controls shown as text.
  const result = (status: MirrorResult["status"], reason: string | undefined, extra: Partial<MirrorResult> = {}): MirrorResult => ({
    registry: o.registry,
    url: mirror.url.href,
    scheme: mirror.url.scheme,
    status,
    ...(reason ? { reason: printable(reason) } : {}),
    ...extra,
    checks: checks.map((c) => (c.reason ? { ...c, reason: printable(c.reason) } : c)),
    kept: false,
  });

  let ca: string[] | undefined;
  if (mirror.ca) {
    const pem = await o.readText(mirror.ca);
    if (pem === undefined) return result("unreachable", `cannot read the CA file ${mirror.ca}`);
    ca = [...rootCertificates, pem];
  }
  const verifyTls = !mirror.insecure;
  const endpoints = mirrorEndpoints(mirror);

  // 1. Is it a registry, and does it answer?
  const pingName = `GET ${endpoints.ping.pathname}`;
  let challenge: Challenge | undefined;
  let latencyMs: number;
  try {
    const { response } = await requestFollowingRedirects({ url: endpoints.ping, method: "GET", deadline, ca, verifyTls }, o.transport, o.now);
    latencyMs = Math.max(0, Math.round(o.now() - start));
    const s = response.status;
    if (s === 401) {
      challenge = parseChallenge(header(response, "www-authenticate"));
      if (!challenge || challenge.scheme === "other") {
        checks.push({ request: pingName, ok: false, status: s, reason: "401 without a Bearer or Basic challenge" });
        return result("unreachable", `${pingName} answered 401 without a Bearer or Basic WWW-Authenticate challenge: not a registry`, { latencyMs });
      }
    } else if (s !== 200) {
      const reason =
        s === 404
          ? `${pingName} answered 404: no Registry API v2 there; check the mirror URL and its path`
          : s >= 500
            ? `${pingName} answered ${s} (server error)`
            : `${pingName} answered ${s}; a registry answers 200 or 401`;
      checks.push({ request: pingName, ok: false, status: s, reason });
      return result("unreachable", reason, { latencyMs });
    }
    checks.push({ request: pingName, ok: true, status: s });
  } catch (err) {
    const reason = `${pingName}: ${errorText(err)}`;
    checks.push({ request: pingName, ok: false, reason });
    return result("unreachable", reason);
  }
  const auth: MirrorResult["auth"] = challenge ? challenge.scheme : "none";
  let creds: Credentials | undefined;
  let credsProblem: string | undefined;
  try {
    const helpers = o.helpers ? { ...o.helpers, deadline, now: o.now } : undefined;
    creds = await findCredentials(mirror.url.hostPort, mirror.url.path, o.authFiles, o.readText, helpers);
  } catch (err) {
    // Helper messages hold no helper output; anything else is not expected, and says nothing either.
    credsProblem = err instanceof CredentialHelperError ? err.message : "looking up credentials failed";
  }
  const extra = { latencyMs, auth, credentials: creds !== undefined };

  /** What werf's registry API will find: the probe without the mirror's path. A check, not a verdict. */
  const checkWerfApi = async (ref: ProbeRef): Promise<void> => {
    const url = werfApiManifest(mirror, ref);
    const name = `HEAD ${url.pathname}${WERF_API_CHECK}`;
    try {
      const { status, digest } = await headManifest(url, ref.name);
      checks.push(
        status === 200
          ? { request: name, ok: true, status, ...(digest ? { digest } : {}) }
          : { request: name, ok: false, status, reason: `answered ${status}` },
      );
    } catch (err) {
      checks.push({ request: name, ok: false, reason: errorText(err) });
    }
  };

  /** HEAD of a manifest with the challenge's authorization; the status, or what went wrong. */
  const headManifest = async (url: URL, repository: string): Promise<{ status: number; digest?: string; heldBack?: string }> => {
    let authorization: string | undefined;
    let heldBack: string | undefined;
    if (challenge?.scheme === "bearer") {
      const token = await fetchToken({ challenge, repository, credentials: creds, mirrorUrl: url, deadline, ca, verifyTls }, o.transport, o.now);
      authorization = `Bearer ${token.token}`;
      if (creds && !token.credentialsSent) heldBack = token.realm;
    } else if (challenge?.scheme === "basic" && creds) {
      authorization = basicAuthorization(creds);
    }
    const { response } = await requestFollowingRedirects(
      { url, method: "HEAD", deadline, ca, verifyTls, headers: { Accept: MANIFEST_ACCEPT } },
      o.transport,
      o.now,
      authorization,
    );
    const digest = header(response, "docker-content-digest");
    return { status: response.status, ...(digest && DIGEST.test(digest) ? { digest } : {}), ...(heldBack ? { heldBack } : {}) };
  };

  // 2. Does it serve the manifest that must exist?
  if (o.probe) {
    const ref = parseProbe(o.probe);
    const url = endpoints.manifest(ref);
    const name = `HEAD ${url.pathname}`;
    try {
      const { status: s, digest, heldBack } = await headManifest(url, endpoints.repository(ref.name));
      if (s === 200) {
        checks.push({ request: name, ok: true, status: s, ...(digest ? { digest } : {}) });
      } else {
        const reason =
          s === 404
            ? `probe ${o.probe} not found on the mirror (${name} answered 404)`
            : s === 401 || s === 403
              ? creds && heldBack
                ? `the credentials for ${mirror.url.hostPort} from ${creds.source} were not sent: the token realm ${heldBack} is plain http on another host, and the token it gave without them does not allow pulls (${s}); serve the realm over https`
                : creds
                  ? `the credentials for ${mirror.url.hostPort} from ${creds.source} were refused (${s})`
                  : credsProblem
                    ? `probe ${o.probe} needs credentials (${s}); ${credsProblem}`
                    : `probe ${o.probe} needs credentials (${s}); none found for ${mirror.url.hostPort} in the Docker or containers auth files`
              : `${name} answered ${s}`;
        checks.push({ request: name, ok: false, status: s, reason });
        return result("degraded", reason, extra);
      }
    } catch (err) {
      const reason = `${name}: ${errorText(err)}`;
      checks.push({ request: name, ok: false, reason });
      return result("degraded", reason, extra);
    }
    if (o.werfApi && mirror.url.path) await checkWerfApi(ref);
  }

  // werf's keychain fails on a failing helper too, so the mirror is not fully usable.
  if (credsProblem) return result("degraded", credsProblem, extra);
  if (latencyMs > o.timeoutMs * SLOW_SHARE) {
    return result("degraded", `slow: answered in ${latencyMs} ms, more than half the ${o.timeoutMs} ms timeout`, extra);
  }
  return result("healthy", undefined, extra);
}

function errorText(err: unknown): string {
  if (err instanceof HttpError) return err.message;
  return printable(err instanceof Error ? err.message.split("\n")[0]!.slice(0, 200) : String(err).slice(0, 200));
}
