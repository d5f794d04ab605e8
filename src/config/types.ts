// The normalized model that every later stage (renderers, preflight, env hand-off) reads.
// Raw config types are generated from the JSON Schema (src/generated/config-types.ts).
export type { WerfMirrorConfig, PullPolicy } from "../generated/config-types.js";
import type { Preflight, PullPolicy, WerfMirrorConfig } from "../generated/config-types.js";
import type { RuleId } from "../lint/rules-catalog.js";

export type Severity = "error" | "warning";

/** Where a value came from. `file` carries a 1-based line and column. */
export type Origin =
  | { kind: "default" }
  | { kind: "file"; file: string; line: number; col: number }
  | { kind: "env"; name: string }
  | { kind: "flag"; name: string };

export interface Diagnostic {
  severity: Severity;
  /** Stable rule id, e.g. `unknown-key`, from the catalog (src/lint/rules-catalog.ts). */
  rule: RuleId;
  /** What is wrong and what to do. Never contains a secret. */
  message: string;
  origin: Origin;
}

// The allowed values, from the schema (src/generated/config-types.ts), not written again here.
export type Backend = NonNullable<WerfMirrorConfig["backend"]>;
export type Unhealthy = NonNullable<Preflight["unhealthy"]>;
export type Order = NonNullable<Preflight["order"]>;

/** A parsed, normalized mirror URL. */
export interface MirrorUrl {
  scheme: "http" | "https";
  /** Lower-case host; IPv6 without brackets. */
  host: string;
  port?: number;
  /** `host`, `host:port`, `[::1]:5000`: what registries.conf and hosts.toml call a location. */
  hostPort: string;
  /** Path without trailing slash, `""` or `/dockerhub`. */
  path: string;
  /** `scheme://hostPort/path`, no trailing slash. */
  href: string;
  /** Whether the user wrote the scheme (werf's env hand-off adds https to bare hosts). */
  explicitScheme: boolean;
}

/** A parsed registry key: `docker.io`, `registry.local:5000`, `quay.io/org`, `*.example.com`. */
export interface RegistryPrefix {
  /** Normalized key (docker.io aliases folded, host lower-cased). */
  key: string;
  host: string;
  port?: number;
  hostPort: string;
  /** Repository namespace below the host, without slashes at either end; `""` for none. */
  namespace: string;
  /** `*.example.com`: matches every subdomain. */
  wildcard: boolean;
}

export interface Mirror {
  url: MirrorUrl;
  pull: PullPolicy;
  /** Skip TLS verification or use plain http. True for every http:// mirror. */
  insecure: boolean;
  /** Absolute path of a PEM CA file. */
  ca?: string;
  /** Where `ca` was written (findings about the CA point there). */
  caOrigin?: Origin;
  origin: Origin;
}

export interface Registry {
  prefix: RegistryPrefix;
  mirrors: Mirror[];
  fallback: boolean;
  blocked: boolean;
  origin: Origin;
}

export interface PreflightSettings {
  timeoutMs: number;
  probe?: string;
  unhealthy: Unhealthy;
  order: Order;
  minHealthy: number;
}

/** One resolved value and where it came from, for `config --explain`. */
export interface Explained {
  path: string;
  value: unknown;
  origin: Origin;
}

export interface Model {
  version: 1;
  backend: Backend;
  /** `auto` resolved through WERF_BUILDAH_MODE. */
  effectiveBackend: "docker" | "buildah";
  registries: Registry[];
  insecureRegistries: string[];
  unqualifiedSearchRegistries: string[];
  preflight: PreflightSettings;
  output: { dir: string };
  /** Absolute path of the config file, when there is one. */
  configFile?: string;
  explained: Explained[];
}
