// The preflight result: what was checked for each mirror and for the Docker daemon, what the
// policy kept, and what the hand-off to werf contains. Plain data: it is written to
// preflight.json as is and read back by `env` and `exec`.
import type { Order, Unhealthy } from "../config/types.js";

/** `unchecked`: not probed (`--offline`); kept as declared. */
export type MirrorStatus = "healthy" | "degraded" | "unreachable" | "unchecked";

/** One HTTP exchange of a probe, for the report (never carries header values or secrets). */
export interface CheckResult {
  /** What was asked, e.g. `GET /v2/` or `HEAD /v2/library/alpine/manifests/latest`. */
  request: string;
  ok: boolean;
  /** HTTP status when an answer came. */
  status?: number;
  /** Why it failed, in words. */
  reason?: string;
  /** `Docker-Content-Digest` of the probe manifest. */
  digest?: string;
}

export interface MirrorResult {
  /** Registry key the mirror belongs to, e.g. `docker.io`. */
  registry: string;
  /** The mirror's normalized URL (`scheme://host[:port][/path]`). */
  url: string;
  scheme: "http" | "https";
  status: MirrorStatus;
  /** Why it is not healthy (or a note, e.g. "not probed (offline)"). */
  reason?: string;
  /** Time until `GET /v2/` answered, ms. */
  latencyMs?: number;
  /** Authentication the mirror asked for on `GET /v2/`. */
  auth?: "none" | "bearer" | "basic" | "other";
  /** Whether credentials for the mirror were found in an auth file (never the credentials). */
  credentials?: boolean;
  checks: CheckResult[];
  /** Whether the policy hands this mirror on. */
  kept: boolean;
}

export interface RegistryResult {
  registry: string;
  mirrors: MirrorResult[];
  /** URLs handed on, in the order consumers should try them. */
  kept: string[];
  /** Healthy or degraded mirrors (the ones that answer). */
  usable: number;
  minHealthy: number;
  ok: boolean;
}

export interface DockerCheck {
  /** Whether the daemon was asked at all (docker backend, not offline). */
  checked: boolean;
  /** `unix:///var/run/docker.sock`, `tcp://host:2375`. */
  host: string;
  reachable: boolean;
  /** Error when the daemon could not be asked. */
  error?: string;
  /** `RegistryConfig.Mirrors` as the daemon reports them. */
  mirrors: string[];
  /** Kept docker.io mirrors the daemon lacks (normalized). */
  missing: string[];
  /** Daemon mirrors that are not in the configuration. */
  extra: string[];
  /** Probes of those (werf uses them too, after its own). */
  probed?: MirrorResult[];
  /** The daemon.json content that would give the daemon the kept docker.io mirrors. */
  daemonJson?: string;
}

export interface Finding {
  severity: "error" | "warning" | "info";
  message: string;
  registry?: string;
  mirror?: string;
}

export interface PreflightReport {
  version: 1;
  /** ISO time of the run. */
  createdAt: string;
  /** Hash of the settings that decide the result; a cached report is reused only when it matches. */
  configHash: string;
  /** Whether probes were skipped (`--offline`): every declared mirror is kept. */
  offline: boolean;
  ok: boolean;
  settings: { timeoutMs: number; probe?: string; unhealthy: Unhealthy; order: Order; minHealthy: number; backend: "docker" | "buildah" };
  registries: RegistryResult[];
  docker: DockerCheck;
  findings: Finding[];
  durationMs: number;
}

/** A progress event while probing, for a spinner or a counter on a terminal. */
export interface ProgressEvent {
  done: number;
  total: number;
  mirror?: string;
}
