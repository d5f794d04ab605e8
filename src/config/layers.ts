// The three sources of configuration, each turned into a Layer: the same shape, every value
// carrying its origin. Precedence (lowest first): file < env < flags. Defaults live in model.ts.
import { ENV_PREFIXES, option, schemaEnum } from "./options.js";
import type { Backend, Diagnostic, Order, Origin, PullPolicy, Unhealthy, WerfMirrorConfig } from "./types.js";
import { locate, type ConfigSource, type PathSegment } from "./source.js";

export interface Valued<T> {
  value: T;
  origin: Origin;
}

export interface LayerMirror {
  url: Valued<string>;
  pull?: Valued<PullPolicy>;
  insecure?: Valued<boolean>;
  ca?: Valued<string>;
  /** werf's env/flag semantics: http:// is refused, bare hosts get https. */
  werfSemantics?: boolean;
}

export interface LayerRegistry {
  key: Valued<string>;
  mirrors: LayerMirror[];
  fallback?: Valued<boolean>;
  blocked?: Valued<boolean>;
}

export interface Layer {
  kind: "file" | "env" | "flag";
  /** Relative paths (ca, output.dir) resolve against this directory. */
  baseDir: string;
  version?: Valued<number>;
  backend?: Valued<Backend>;
  registries: LayerRegistry[];
  insecureRegistries?: Valued<string>[];
  unqualifiedSearchRegistries?: Valued<string>[];
  timeout?: Valued<string>;
  probe?: Valued<string>;
  unhealthy?: Valued<Unhealthy>;
  order?: Valued<Order>;
  minHealthy?: Valued<number>;
  outDir?: Valued<string>;
}

/** The file layer, from a schema-valid document. */
export function fileLayer(source: ConfigSource, baseDir: string): Layer {
  const data = (source.data ?? {}) as WerfMirrorConfig;
  const at = (path: PathSegment[]) => locate(source, path);
  const val = <T>(value: T | undefined, path: PathSegment[]): Valued<T> | undefined => (value === undefined ? undefined : { value, origin: at(path) });
  const registries: LayerRegistry[] = Object.entries(data.registries ?? {}).map(([key, reg]) => {
    const base: PathSegment[] = ["registries", key];
    return {
      key: { value: key, origin: locate(source, base, { key: true }) },
      fallback: val(reg?.fallback, [...base, "fallback"]),
      blocked: val(reg?.blocked, [...base, "blocked"]),
      mirrors: (reg?.mirrors ?? []).map((m, i): LayerMirror => {
        const mp: PathSegment[] = [...base, "mirrors", i];
        if (typeof m === "string") return { url: { value: m, origin: at(mp) } };
        return {
          url: { value: m.url, origin: at([...mp, "url"]) },
          pull: val(m.pull, [...mp, "pull"]),
          insecure: val(m.insecure, [...mp, "insecure"]),
          ca: val(m.ca, [...mp, "ca"]),
        };
      }),
    };
  });
  const list = (name: "insecureRegistries" | "unqualifiedSearchRegistries") => data[name]?.map((value, i) => ({ value, origin: at([name, i]) }));
  return {
    kind: "file",
    baseDir,
    version: val(data.version, ["version"]),
    backend: val(data.backend, ["backend"]),
    registries,
    insecureRegistries: list("insecureRegistries"),
    unqualifiedSearchRegistries: list("unqualifiedSearchRegistries"),
    timeout: val(data.preflight?.timeout, ["preflight", "timeout"]),
    probe: val(data.preflight?.probe, ["preflight", "probe"]),
    unhealthy: val(data.preflight?.unhealthy, ["preflight", "unhealthy"]),
    order: val(data.preflight?.order, ["preflight", "order"]),
    minHealthy: val(data.preflight?.minHealthy, ["preflight", "minHealthy"]),
    outDir: val(data.output?.dir, ["output", "dir"]),
  };
}

export type Env = Record<string, string | undefined>;

export const WERF_MIRROR_ENV_PREFIX = ENV_PREFIXES.werfMirror;
export const ADD_MIRROR_ENV_PREFIX = ENV_PREFIXES.addMirror;

const BACKENDS = schemaEnum("backend") as Backend[];
const UNHEALTHY = schemaEnum("preflight.unhealthy") as Unhealthy[];

/** What the options of the env and flag layers carry before they become a Layer. */
export interface ScalarOptions {
  backend?: Valued<string>;
  outDir?: Valued<string>;
  timeout?: Valued<string>;
  unhealthy?: Valued<string>;
}

/** The environment layer. werf's own WERF_CONTAINER_REGISTRY_MIRROR_<ANY> are read as werf reads them. */
export function envLayer(env: Env, cwd: string): { layer: Layer; diagnostics: Diagnostic[] } {
  const diagnostics: Diagnostic[] = [];
  const registries: LayerRegistry[] = [];
  // werf sorts its mirror variables as whole KEY=VALUE strings.
  const werfMirrors = Object.entries(env)
    .filter(([k, v]) => k.startsWith(WERF_MIRROR_ENV_PREFIX) && k.length > WERF_MIRROR_ENV_PREFIX.length && v)
    .map(([k, v]) => ({ k, v: v as string }))
    .sort((a, b) => compareStrings(`${a.k}=${a.v}`, `${b.k}=${b.v}`));
  for (const { k, v } of werfMirrors) {
    const origin: Origin = { kind: "env", name: k };
    addMirror(registries, "docker.io", origin, { url: { value: v, origin }, werfSemantics: true });
  }
  const adds = Object.entries(env)
    .filter(([k, v]) => k.startsWith(ADD_MIRROR_ENV_PREFIX) && v !== undefined)
    .sort(([a], [b]) => compareStrings(a, b));
  for (const [k, v] of adds) {
    const origin: Origin = { kind: "env", name: k };
    const pair = splitRegistryMirror(v ?? "");
    if (!pair) {
      diagnostics.push({
        severity: "error",
        rule: "invalid-value",
        message: `${k} must be REGISTRY=URL, as in ${k}=quay.io=https://quay-cache.example.com`,
        origin,
      });
      continue;
    }
    addMirror(registries, pair.registry, origin, { url: { value: pair.url, origin } });
  }
  const scalar = (name: string): Valued<string> | undefined =>
    env[name] !== undefined && env[name] !== "" ? { value: env[name] as string, origin: { kind: "env", name } } : undefined;
  const layer = scalarLayer(
    "env",
    cwd,
    registries,
    {
      backend: scalar(option("backend").env),
      outDir: scalar(option("outDir").env),
      timeout: scalar(option("timeout").env),
      unhealthy: scalar(option("unhealthy").env),
    },
    diagnostics,
  );
  return { layer, diagnostics };
}

export interface FlagValues {
  backend?: string;
  outDir?: string;
  timeout?: string;
  unhealthy?: string;
  containerRegistryMirror?: string[];
  mirror?: string[];
}

/** The command-line layer. `--container-registry-mirror` has werf's name and meaning. */
export function flagLayer(flags: FlagValues, cwd: string): { layer: Layer; diagnostics: Diagnostic[] } {
  const diagnostics: Diagnostic[] = [];
  const registries: LayerRegistry[] = [];
  for (const v of flags.containerRegistryMirror ?? []) {
    const origin: Origin = { kind: "flag", name: "--container-registry-mirror" };
    addMirror(registries, "docker.io", origin, { url: { value: v, origin }, werfSemantics: true });
  }
  for (const v of flags.mirror ?? []) {
    const origin: Origin = { kind: "flag", name: "--mirror" };
    const pair = splitRegistryMirror(v);
    if (!pair) {
      diagnostics.push({
        severity: "error",
        rule: "invalid-value",
        message: "--mirror takes REGISTRY=URL, as in --mirror quay.io=https://quay-cache.example.com",
        origin,
      });
      continue;
    }
    addMirror(registries, pair.registry, origin, { url: { value: pair.url, origin } });
  }
  const flag = (name: string, value: string | undefined): Valued<string> | undefined =>
    value === undefined ? undefined : { value, origin: { kind: "flag", name } };
  const layer = scalarLayer(
    "flag",
    cwd,
    registries,
    {
      backend: flag(option("backend").flag, flags.backend),
      outDir: flag(option("outDir").flag, flags.outDir),
      timeout: flag(option("timeout").flag, flags.timeout),
      unhealthy: flag(option("unhealthy").flag, flags.unhealthy),
    },
    diagnostics,
  );
  return { layer, diagnostics };
}

function scalarLayer(kind: "env" | "flag", cwd: string, registries: LayerRegistry[], o: ScalarOptions, diagnostics: Diagnostic[]): Layer {
  const layer: Layer = { kind, baseDir: cwd, registries, outDir: o.outDir, timeout: o.timeout };
  const oneOf = <T extends string>(v: Valued<string> | undefined, allowed: T[]): Valued<T> | undefined => {
    if (!v) return undefined;
    if ((allowed as string[]).includes(v.value)) return v as Valued<T>;
    diagnostics.push({
      severity: "error",
      rule: "invalid-value",
      message: `\`${v.value.slice(0, 40)}\` is not valid here; use one of: ${allowed.join(", ")}`,
      origin: v.origin,
    });
    return undefined;
  };
  layer.backend = oneOf(o.backend, BACKENDS);
  layer.unhealthy = oneOf(o.unhealthy, UNHEALTHY);
  return layer;
}

function addMirror(registries: LayerRegistry[], key: string, origin: Origin, mirror: LayerMirror): void {
  let reg = registries.find((r) => r.key.value === key);
  if (!reg) {
    reg = { key: { value: key, origin }, mirrors: [] };
    registries.push(reg);
  }
  reg.mirrors.push(mirror);
}

/** `quay.io=https://cache` → registry and URL. The registry part holds no `=`. */
function splitRegistryMirror(v: string): { registry: string; url: string } | undefined {
  const eq = v.indexOf("=");
  if (eq <= 0 || eq === v.length - 1) return undefined;
  return { registry: v.slice(0, eq), url: v.slice(eq + 1) };
}

/** Byte-wise comparison, as Go's sort.Strings does (localeCompare would not). */
export function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
