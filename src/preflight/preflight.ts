// preflight(model): probe every mirror at once, ask the Docker daemon for its mirrors when werf
// runs in Docker mode, and apply the policy. Pure apart from the injected network, clock and
// file reader: no console, no exit, no process.env (the caller passes `env`; credential helpers
// run with it too, so pass PATH and HOME when they are wanted).
import { homedir } from "node:os";
import type { Env } from "../config/layers.js";
import { isDockerHubKey, parseMirrorUrl } from "../config/addresses.js";
import type { Mirror, Model, Registry } from "../config/types.js";
import { configHash, digestInputFiles, type FileDigests } from "./config-hash.js";
import { authFiles, dockerConfigFile, runHelperProcess, readTextFile, type ReadText, type RunHelper } from "./credentials.js";
import { daemonJsonFragment } from "../backends/docker.js";
import { keptModel } from "./handoff.js";
import { dockerEndpoint, dockerHostForDisplay, normalizeDaemonMirror, readDaemonMirrors } from "./docker-daemon.js";
import { envTransport, HttpError, type Transport } from "./http.js";
import { applyPolicy } from "./policy.js";
import { printable } from "./printable.js";
import { probeMirror } from "./probe-mirror.js";
import { WERF_API_CHECK } from "./endpoints.js";
import type { DockerCheck, Finding, MirrorResult, PreflightReport, ProgressEvent, RegistryResult } from "./types.js";

export interface PreflightDeps {
  /** Environment for DOCKER_HOST, DOCKER_CONFIG, REGISTRY_AUTH_FILE, XDG_RUNTIME_DIR, HOME. */
  env?: Env;
  /** Network; tests inject fakes. Default: node:http/https. */
  transport?: Transport;
  /** Monotonic clock in ms. Default: performance.now. */
  now?: () => number;
  /** Wall clock for `createdAt`. */
  date?: () => Date;
  /** Reads CA and auth files; undefined when missing. */
  readText?: ReadText;
  /** Runs Docker credential helpers (`docker-credential-<name> get`). Default: node:child_process. */
  runHelper?: RunHelper;
  /** Skip probes and the daemon check: every declared mirror is kept. */
  offline?: boolean;
  onProgress?: (e: ProgressEvent) => void;
}

/** The registry whose mirrors werf and dockerd use (src/config/addresses.ts decides it). */
function isDockerHub(r: Registry): boolean {
  return isDockerHubKey(r.prefix);
}

export async function preflight(model: Model, deps: PreflightDeps = {}): Promise<PreflightReport> {
  const env = deps.env ?? {};
  const now = deps.now ?? (() => performance.now());
  const transport = deps.transport ?? envTransport(env);
  const readText = deps.readText ?? readTextFile;
  const home = env.HOME || (deps.env ? undefined : homedir());
  const offline = deps.offline === true;
  const started = now();
  const settings = model.preflight;
  const files = authFiles(env, home);
  // A helper finds its own store through the environment (HOME, DBUS_*, AWS_*) and is found on PATH.
  const helpers = { run: deps.runHelper ?? runHelperProcess, env, dockerConfig: dockerConfigFile(env, home) };
  const withMirrors = model.registries.filter((r) => r.mirrors.length > 0);
  const total = withMirrors.reduce((n, r) => n + r.mirrors.length, 0);
  let done = 0;

  const probeAll = withMirrors.map((r) =>
    Promise.all(
      r.mirrors.map(async (m): Promise<MirrorResult> => {
        const res: MirrorResult = offline
          ? { registry: r.prefix.key, url: m.url.href, scheme: m.url.scheme, status: "unchecked", reason: "not probed (offline)", checks: [], kept: false }
          : await probeMirror(m, {
              registry: r.prefix.key,
              timeoutMs: settings.timeoutMs,
              probe: isDockerHub(r) ? settings.probe : undefined,
              // werf's registry API gets the mirror in Buildah mode only (werf-handoff.ts).
              werfApi: isDockerHub(r) && model.effectiveBackend === "buildah",
              transport,
              now,
              readText,
              authFiles: files,
              helpers,
            });
        done++;
        deps.onProgress?.({ done, total, mirror: m.url.href });
        return res;
      }),
    ),
  );
  const dockerWanted = model.effectiveBackend === "docker" && !offline;
  // werf in Docker mode appends the daemon's own mirrors to its list (werf
  // cmd/werf/common/common.go:1344-1377), so those the configuration does not name are probed too,
  // as soon as the daemon has answered.
  const daemonAsk = dockerWanted
    ? askDaemon(env, home, { transport, now, timeoutMs: settings.timeoutMs, readText }).then(async (answer) => {
        const own = "error" in answer ? [] : daemonOwnMirrors(model, answer.mirrors);
        const results = await Promise.all(
          own.map((m) =>
            probeMirror(m, {
              registry: "docker.io",
              timeoutMs: settings.timeoutMs,
              probe: settings.probe,
              transport,
              now,
              readText,
              authFiles: files,
              helpers,
            }),
          ),
        );
        return { answer, results };
      })
    : undefined;
  const [probed, asked, inputFiles] = await Promise.all([Promise.all(probeAll), daemonAsk, digestInputFiles(model, env, home, readText)]);
  return assembleReport(
    model,
    { probed, daemon: asked?.answer, ...(asked?.results.length ? { daemonProbed: asked.results } : {}) },
    {
      env,
      inputFiles,
      offline,
      createdAt: (deps.date ?? (() => new Date()))().toISOString(),
      durationMs: Math.round(now() - started),
    },
  );
}

/** What preflight saw: each mirror's probe (per registry with mirrors, in order) and the daemon's answer. */
export interface Observations {
  probed: MirrorResult[][];
  /** Undefined when the daemon was not asked (not Docker mode, or offline). */
  daemon: DaemonAnswer | undefined;
  /** The probes of the daemon's own mirrors that the configuration does not name (daemonOwnMirrors). */
  daemonProbed?: MirrorResult[];
}

/**
 * The daemon's mirrors that the configuration does not name, as mirrors to probe: werf uses them
 * after its own. A URL that does not parse is left out (dockerd would not have started with it).
 */
export function daemonOwnMirrors(model: Model, daemonMirrors: string[]): Mirror[] {
  const hub = model.registries.find(isDockerHub);
  const named = new Set((hub?.mirrors ?? []).map((m) => normalizeDaemonMirror(m.url.href)));
  const out: Mirror[] = [];
  for (const raw of daemonMirrors) {
    if (named.has(normalizeDaemonMirror(raw))) continue;
    const url = parseMirrorUrl(raw.replace(/\/+$/, ""));
    if (url.ok && !out.some((m) => m.url.href === url.value.href))
      out.push({ url: url.value, pull: "all", insecure: url.value.scheme === "http", origin: { kind: "default" } });
  }
  return out;
}

/**
 * The report from what was observed: the policy's verdicts, the daemon check and every finding
 * are derived here and only here, so a stored report can be checked by deriving it again.
 */
export function assembleReport(
  model: Model,
  seen: Observations,
  /** inputFiles: the digests of the files that decide the result (config-hash.ts), for the report's hash. */
  meta: { env: Env; inputFiles: FileDigests; offline: boolean; createdAt: string; durationMs: number },
): PreflightReport {
  const settings = model.preflight;
  const findings: Finding[] = [];
  const registries: RegistryResult[] = model.registries
    .filter((r) => r.mirrors.length > 0)
    .map((r, i) => {
      const applied = applyPolicy(r.prefix.key, seen.probed[i]!, settings, meta.offline);
      findings.push(...applied.findings);
      return applied.result;
    });
  for (const r of registries) {
    for (const m of r.mirrors) {
      const werfApi = m.checks.find((c) => c.request.endsWith(WERF_API_CHECK));
      if (werfApi && !werfApi.ok && m.kept) {
        findings.push({
          severity: "warning",
          registry: r.registry,
          mirror: m.url,
          message:
            `werf's registry API will not find ${settings.probe} on ${m.url}: it asks ${werfApi.request.slice(0, -WERF_API_CHECK.length).replace(/^HEAD /, "")} without the mirror's path (${werfApi.reason}), ` +
            "so werf's base-image lookups move on to the next mirror and docker.io; werf's Buildah backend pulls through the path",
        });
      }
    }
  }
  const docker = dockerCheck(model, registries, seen.daemon, meta.env, findings, seen.daemonProbed ?? []);
  return {
    version: 1,
    createdAt: meta.createdAt,
    configHash: configHash(model, meta.env, meta.inputFiles),
    offline: meta.offline,
    ok: !findings.some((f) => f.severity === "error"),
    settings: {
      timeoutMs: settings.timeoutMs,
      ...(settings.probe ? { probe: settings.probe } : {}),
      unhealthy: settings.unhealthy,
      order: settings.order,
      minHealthy: settings.minHealthy,
      backend: model.effectiveBackend,
    },
    registries,
    docker,
    findings,
    durationMs: meta.durationMs,
  };
}

export type DaemonAnswer = { host: string; mirrors: string[] } | { host: string; error: string };

/** The Docker daemon's mirrors now (one GET /info): what a stored report's Docker check is compared with. */
export function askDockerDaemon(env: Env, timeoutMs: number): Promise<DaemonAnswer> {
  return askDaemon(env, env.HOME || undefined, { transport: envTransport(env), now: () => performance.now(), timeoutMs, readText: readTextFile });
}

async function askDaemon(
  env: Env,
  home: string | undefined,
  o: { transport: Transport; now: () => number; timeoutMs: number; readText: ReadText },
): Promise<DaemonAnswer> {
  let host = dockerHostForDisplay(env.DOCKER_HOST);
  try {
    const endpoint = dockerEndpoint(env, home);
    host = endpoint.host;
    const info = await readDaemonMirrors(endpoint, o);
    return { host, mirrors: info.mirrors };
  } catch (err) {
    return { host, error: printable(err instanceof HttpError || err instanceof Error ? err.message : String(err)) };
  }
}

function dockerCheck(
  model: Model,
  registries: RegistryResult[],
  daemon: DaemonAnswer | undefined,
  env: Env,
  findings: Finding[],
  ownProbed: MirrorResult[],
): DockerCheck {
  const host = daemon?.host ?? dockerHostForDisplay(env.DOCKER_HOST);
  if (!daemon) return { checked: false, host, reachable: false, mirrors: [], missing: [], extra: [] };
  if ("error" in daemon) {
    const explicit = model.backend === "docker";
    findings.push({
      severity: explicit ? "error" : "warning",
      message:
        `cannot ask the Docker daemon at ${host} for its mirrors: ${daemon.error}. ` +
        (explicit
          ? "backend is docker: start dockerd or point DOCKER_HOST at it"
          : "backend is auto (Docker mode); if werf runs with Buildah, set WERF_BUILDAH_MODE"),
    });
    return { checked: true, host, reachable: false, error: daemon.error, mirrors: [], missing: [], extra: [] };
  }
  // What the daemon should hold is what the docker renderer gives it (`apply docker` writes the
  // same): the kept docker.io mirrors dockerd can use, spelled as dockerd reports them, and the
  // insecure registries. A path mirror is not among them: dockerd cannot use one.
  const hub = model.registries.find(isDockerHub);
  const { fragment } = daemonJsonFragment({ model: keptModel(model, { registries }), sourceName: "" });
  const have = new Set(daemon.mirrors.map(normalizeDaemonMirror));
  const want = (fragment["registry-mirrors"] ?? []).map(normalizeDaemonMirror);
  const missing = want.filter((u) => !have.has(u));
  const extra = [...have].filter((u) => !want.includes(u) && !(hub?.mirrors ?? []).some((m) => normalizeDaemonMirror(m.url.href) === u));
  const daemonJson = JSON.stringify(fragment, null, 2);
  if (missing.length > 0) {
    // One finding, whatever the number of missing mirrors: the daemon.json to use is one file.
    findings.push({
      severity: "error",
      registry: "docker.io",
      ...(missing.length === 1 ? { mirror: missing[0]! } : {}),
      message:
        `the Docker daemon at ${host} lacks the docker.io mirror${missing.length === 1 ? "" : "s"} ${missing.join(", ")}; werf in Docker mode pulls only through the daemon's mirrors. ` +
        "Run `werf-mirror apply docker`, or put this in /etc/docker/daemon.json (keeping its other keys), then restart dockerd (`sudo systemctl restart docker`):\n" +
        daemonJson,
    });
  }
  for (const u of extra) {
    const probe = ownProbed.find((p) => normalizeDaemonMirror(p.url) === u);
    if (probe && probe.status !== "healthy") {
      // werf will try it too, after its own mirrors: a dead one costs every base-image lookup a timeout.
      findings.push({
        severity: "warning",
        registry: "docker.io",
        mirror: u,
        message:
          `the Docker daemon's own mirror ${u}, which the configuration does not name and werf also uses (werf appends the daemon's mirrors to its own), is ${probe.status}: ${probe.reason ?? "no reason given"}; ` +
          "fix it, or remove it from the daemon's registry-mirrors",
      });
    } else {
      findings.push({
        severity: "info",
        registry: "docker.io",
        mirror: u,
        message: `the Docker daemon also uses ${u}, which the configuration does not name${probe ? " (it answers)" : ""}`,
      });
    }
  }
  return {
    checked: true,
    host,
    reachable: true,
    mirrors: daemon.mirrors,
    missing,
    extra,
    ...(ownProbed.length ? { probed: ownProbed } : {}),
    ...(want.length ? { daemonJson } : {}),
  };
}
