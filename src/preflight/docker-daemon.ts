// The Docker daemon's mirrors, from the Engine API (`GET /info` → RegistryConfig.Mirrors) over
// DOCKER_HOST: `unix://` (default /var/run/docker.sock) or `tcp://` (with DOCKER_TLS_VERIFY and
// DOCKER_CERT_PATH as the docker CLI reads them). werf in Docker mode pulls through whatever
// the daemon has and never checks it; this is that check.
import { join } from "node:path";
import type { Env } from "../config/layers.js";
import { HttpError, type Transport } from "./http.js";
import type { ReadText } from "./credentials.js";
import { printable } from "./printable.js";

export const DEFAULT_DOCKER_HOST = "unix:///var/run/docker.sock";

/**
 * DOCKER_HOST as messages and preflight.json show it: without user info (`tcp://user:pass@h:2376`
 * becomes `tcp://h:2376`; everything up to the last `@` goes, so a password holding `/` or `@`
 * goes too) and with controls shown as text. The docker CLI ignores user info in tcp:// hosts,
 * and so does the connection made here.
 */
export function dockerHostForDisplay(raw: string | undefined): string {
  const host = raw && raw !== "" ? raw : DEFAULT_DOCKER_HOST;
  const scheme = /^[a-z][a-z0-9+.-]*:\/\//i.exec(host)?.[0] ?? "";
  const rest = host.slice(scheme.length);
  return printable(`${scheme}${rest.slice(rest.lastIndexOf("@") + 1)}`);
}

export interface DaemonInfo {
  mirrors: string[];
  serverVersion?: string;
}

export interface DockerEndpoint {
  host: string;
  url: URL;
  socketPath?: string;
  tls?: { ca?: string; cert?: string; key?: string; verify: boolean };
}

export function dockerEndpoint(env: Env, home: string | undefined): DockerEndpoint {
  const raw = env.DOCKER_HOST && env.DOCKER_HOST !== "" ? env.DOCKER_HOST : DEFAULT_DOCKER_HOST;
  const host = dockerHostForDisplay(raw);
  if (raw.startsWith("unix://")) {
    return { host, url: new URL("http://docker/info"), socketPath: raw.slice("unix://".length) };
  }
  if (host.startsWith("tcp://")) {
    const tlsOn = (env.DOCKER_TLS_VERIFY ?? "") !== "" || (env.DOCKER_TLS ?? "") !== "";
    const hostPort = host.slice("tcp://".length).replace(/\/+$/, "");
    const url = new URL(`${tlsOn ? "https" : "http"}://${hostPort}/info`);
    if (!tlsOn) return { host, url };
    const certDir = env.DOCKER_CERT_PATH || (home ? join(home, ".docker") : "");
    return {
      host,
      url,
      tls: {
        verify: (env.DOCKER_TLS_VERIFY ?? "") !== "",
        ca: certDir ? join(certDir, "ca.pem") : undefined,
        cert: certDir ? join(certDir, "cert.pem") : undefined,
        key: certDir ? join(certDir, "key.pem") : undefined,
      },
    };
  }
  throw new HttpError(`DOCKER_HOST=${host.slice(0, 60)} is not supported (use unix:// or tcp://)`, "EDOCKERHOST");
}

export async function readDaemonMirrors(
  endpoint: DockerEndpoint,
  o: { transport: Transport; now: () => number; timeoutMs: number; readText: ReadText },
): Promise<DaemonInfo> {
  const t = endpoint.tls;
  const [ca, cert, key] = t ? await Promise.all([t.ca, t.cert, t.key].map((p) => (p ? o.readText(p) : undefined))) : [];
  const res = await o.transport(
    {
      url: endpoint.url,
      method: "GET",
      deadline: o.now() + o.timeoutMs,
      verifyTls: t ? t.verify : true,
      maxBodyBytes: 4 * 1024 * 1024,
      ...(endpoint.socketPath ? { socketPath: endpoint.socketPath } : {}),
      ...(ca ? { ca: [ca] } : {}),
      ...(cert ? { cert } : {}),
      ...(key ? { key } : {}),
    },
    o.now,
  );
  if (res.status !== 200) throw new HttpError(`GET /info answered ${res.status}`, "EDOCKER");
  if (res.truncated) throw new HttpError("GET /info answered more than 4 MiB", "EDOCKER");
  let info: { RegistryConfig?: { Mirrors?: unknown }; ServerVersion?: unknown };
  try {
    info = JSON.parse(res.body.toString("utf8")) as typeof info;
  } catch {
    throw new HttpError("GET /info did not answer JSON; is DOCKER_HOST a Docker daemon?", "EDOCKER");
  }
  const raw = info.RegistryConfig?.Mirrors;
  // The daemon's words: shown, stored and compared as text, never as terminal controls.
  const mirrors = Array.isArray(raw) ? raw.filter((m): m is string => typeof m === "string").map((m) => printable(m)) : [];
  return { mirrors, ...(typeof info.ServerVersion === "string" ? { serverVersion: info.ServerVersion } : {}) };
}

/** dockerd stores mirrors as `scheme://host[:port]/path/` (one trailing slash); compare without it. */
export function normalizeDaemonMirror(url: string): string {
  try {
    const u = new URL(url);
    const path = u.pathname.replace(/\/+$/, "");
    return `${u.protocol}//${u.host.toLowerCase()}${path}`;
  } catch {
    return url.replace(/\/+$/, "");
  }
}
