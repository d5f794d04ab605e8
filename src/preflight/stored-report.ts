// A preflight.json read back by `env` and `exec` is not trusted: whoever can write to output.dir
// can plant one, and what it holds would reach werf's environment, an env file and the terminal.
// Before use it must be exactly the report preflight assembles from its own observations under
// the current configuration: the registries and mirrors the configuration names, in its order;
// the verdicts, the kept lists, the Docker check and every finding derived again by the same
// code (assembleReport); and plain values in what was observed (known statuses, bounded whole
// numbers, text without controls). Anything else is not used: preflight probes again.
import { isDeepStrictEqual } from "node:util";
import type { Env } from "../config/layers.js";
import type { Mirror, Model } from "../config/types.js";
import { dockerHostForDisplay } from "./docker-daemon.js";
import type { FileDigests } from "./config-hash.js";
import { assembleReport, daemonOwnMirrors, type DaemonAnswer } from "./preflight.js";
import { hasControlCharacters } from "./printable.js";
import { DIGEST } from "./probe-mirror.js";
import type { CheckResult, MirrorResult, PreflightReport } from "./types.js";

export type StoredCheck = { report: PreflightReport } | { invalid: string };

/** Why a stored report is refused. Messages name fields, never quote stored values. */
class Invalid extends Error {}

const STATUSES = ["healthy", "degraded", "unreachable"] as const;
const AUTH = ["none", "bearer", "basic", "other"] as const;
/**
 * A bound on what a planted file can make us print, above what preflight writes (a reason may
 * name an auth file's path); a longer genuine value only costs a new probe.
 */
const MAX_TEXT = 8192;
/** A day, in ms: bounds latencies and durations. */
const MAX_MS = 86_400_000;
const MAX_DAEMON_MIRRORS = 1000;
/** `Date.prototype.toISOString` output, the only form preflight writes. */
const ISO_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

/** The stored report, re-derived and checked against `model`; or why it cannot be used. */
export function checkStoredReport(stored: unknown, model: Model, env: Env, inputFiles: FileDigests): StoredCheck {
  try {
    const report = rebuild(stored, model, env, inputFiles);
    if (!isDeepStrictEqual(report, stored)) {
      throw new Invalid("it is not what preflight derives from its own probe results under this configuration");
    }
    return { report };
  } catch (err) {
    if (err instanceof Invalid) return { invalid: err.message };
    throw err;
  }
}

function rebuild(stored: unknown, model: Model, env: Env, inputFiles: FileDigests): PreflightReport {
  const r = object(stored, "the report");
  const createdAt = r.createdAt;
  if (typeof createdAt !== "string" || !ISO_TIME.test(createdAt) || Number.isNaN(Date.parse(createdAt))) {
    throw new Invalid("createdAt is not an ISO time");
  }
  const withMirrors = model.registries.filter((x) => x.mirrors.length > 0);
  const registries = array(r.registries, "registries");
  if (registries.length !== withMirrors.length) throw new Invalid("its registries are not the ones the configuration names");
  const probed = withMirrors.map((reg, i) => {
    const where = `registries[${i}]`;
    const sr = object(registries[i], where);
    if (sr.registry !== reg.prefix.key) throw new Invalid(`${where} is not the registry the configuration names there`);
    const mirrors = array(sr.mirrors, `${where}.mirrors`);
    if (mirrors.length !== reg.mirrors.length) throw new Invalid(`${where}.mirrors are not the ones the configuration names`);
    return reg.mirrors.map((m, j) => observedMirror(mirrors[j], reg.prefix.key, m, `${where}.mirrors[${j}]`));
  });
  const daemon = observedDaemon(r.docker, model, env);
  // The daemon's own mirrors were probed too: those exactly, in the order preflight probes them.
  const own = daemon && !("error" in daemon) ? daemonOwnMirrors(model, daemon.mirrors) : [];
  const storedOwn = own.length ? array(object(r.docker, "docker").probed, "docker.probed") : [];
  if (storedOwn.length !== own.length) throw new Invalid("docker.probed is not the daemon's own mirrors");
  const daemonProbed = own.map((m, i) => observedMirror(storedOwn[i], "docker.io", m, `docker.probed[${i}]`));
  return assembleReport(
    model,
    { probed, daemon, ...(daemonProbed.length ? { daemonProbed } : {}) },
    {
      env,
      inputFiles,
      offline: false,
      createdAt,
      durationMs: wholeMs(r.durationMs, "durationMs"),
    },
  );
}

/** A mirror's probe result as preflight records it; url, registry and scheme come from the model. */
function observedMirror(value: unknown, registry: string, mirror: Mirror, where: string): MirrorResult {
  const m = object(value, where);
  if (m.url !== mirror.url.href) throw new Invalid(`${where} is not the mirror the configuration names there`);
  return {
    registry,
    url: mirror.url.href,
    scheme: mirror.url.scheme,
    status: oneOf(m.status, STATUSES, `${where}.status`),
    ...(m.reason !== undefined ? { reason: text(m.reason, `${where}.reason`) } : {}),
    ...(m.latencyMs !== undefined ? { latencyMs: wholeMs(m.latencyMs, `${where}.latencyMs`) } : {}),
    ...(m.auth !== undefined ? { auth: oneOf(m.auth, AUTH, `${where}.auth`) } : {}),
    ...(m.credentials !== undefined ? { credentials: bool(m.credentials, `${where}.credentials`) } : {}),
    checks: array(m.checks, `${where}.checks`).map((c, k) => observedCheck(c, `${where}.checks[${k}]`)),
    kept: false,
  };
}

function observedCheck(value: unknown, where: string): CheckResult {
  const c = object(value, where);
  const status = c.status;
  if (status !== undefined && !(Number.isInteger(status) && (status as number) >= 100 && (status as number) <= 599)) {
    throw new Invalid(`${where}.status is not an HTTP status`);
  }
  if (c.digest !== undefined && !(typeof c.digest === "string" && DIGEST.test(c.digest))) throw new Invalid(`${where}.digest is not a digest`);
  return {
    request: text(c.request, `${where}.request`),
    ok: bool(c.ok, `${where}.ok`),
    ...(status !== undefined ? { status: status as number } : {}),
    ...(c.reason !== undefined ? { reason: text(c.reason, `${where}.reason`) } : {}),
    ...(c.digest !== undefined ? { digest: c.digest as string } : {}),
  };
}

/** The daemon's answer as recorded; asked only in Docker mode, always at today's DOCKER_HOST. */
function observedDaemon(value: unknown, model: Model, env: Env): DaemonAnswer | undefined {
  if (model.effectiveBackend !== "docker") return undefined;
  const d = object(value, "docker");
  const host = dockerHostForDisplay(env.DOCKER_HOST);
  if (!bool(d.reachable, "docker.reachable")) return { host, error: text(d.error, "docker.error") };
  const mirrors = array(d.mirrors, "docker.mirrors");
  if (mirrors.length > MAX_DAEMON_MIRRORS) throw new Invalid("docker.mirrors is too long");
  return { host, mirrors: mirrors.map((m, i) => text(m, `docker.mirrors[${i}]`)) };
}

function object(value: unknown, where: string): Record<string, unknown> {
  if (!value || typeof value !== "object" || Array.isArray(value)) throw new Invalid(`${where} is not an object`);
  return value as Record<string, unknown>;
}

function array(value: unknown, where: string): unknown[] {
  if (!Array.isArray(value)) throw new Invalid(`${where} is not a list`);
  return value;
}

function bool(value: unknown, where: string): boolean {
  if (typeof value !== "boolean") throw new Invalid(`${where} is not true or false`);
  return value;
}

function wholeMs(value: unknown, where: string): number {
  if (!Number.isSafeInteger(value) || (value as number) < 0 || (value as number) > MAX_MS) throw new Invalid(`${where} is not a duration in ms`);
  return value as number;
}

function oneOf<const T extends readonly string[]>(value: unknown, allowed: T, where: string): T[number] {
  if (typeof value !== "string" || !allowed.includes(value)) throw new Invalid(`${where} is not one of ${allowed.join(", ")}`);
  return value as T[number];
}

/** One line of plain text: what preflight writes into reasons and the daemon's answer. */
function text(value: unknown, where: string): string {
  if (typeof value !== "string" || value.length > MAX_TEXT || hasControlCharacters(value)) throw new Invalid(`${where} is not one line of plain text`);
  return value;
}
