// What werf does with the mirrors it is handed: a model of werf's own mirror code, written from
// reading it (github.com/werf/werf, v2.77.1; the same logic in v3.2.0), not a copy of it. Used by
// `config --explain --for werf` and by the tests that state werf's behaviour. Line numbers are
// v2.77.1's.
import { compareStrings } from "../config/layers.js";
import { ENV_PREFIXES } from "../config/options.js";

/** The werf versions whose mirror code this model describes. */
export const WERF_VERSIONS = { min: "2.68.2", max: "3.2.0" } as const;

/** A `[[registry]]` as werf decodes it (registries_config_linux.go:20-34): nothing else is read. */
export interface WerfRegistryEntry {
  prefix?: string;
  location?: string;
  insecure?: boolean;
  mirror?: { location?: string; insecure?: boolean }[];
}

/**
 * werf's `WERF_CONTAINER_REGISTRY_MIRROR_*` values in the order werf takes them: every variable
 * with the prefix (a bare WERF_CONTAINER_REGISTRY_MIRROR is not one), sorted as whole `KEY=VALUE`
 * strings (cmd/werf/common/common.go:1337, pkg/util PredefinedValuesByEnvNamePrefix).
 */
export function werfEnvMirrors(env: Record<string, string | undefined>): string[] {
  return Object.entries(env)
    .filter((e): e is [string, string] => e[0].startsWith(ENV_PREFIXES.werfMirror) && typeof e[1] === "string")
    .map(([k, v]) => `${k}=${v}`)
    .sort(compareStrings)
    .map((kv) => kv.slice(kv.indexOf("=") + 1));
}

/**
 * The docker.io mirrors werf takes from registries.conf (registries_config_linux.go:192-237):
 * only entries whose prefix (else location) is exactly `docker.io`; the entry's location first
 * when it is not docker.io, then its mirrors; `http://` for insecure ones, `https://` otherwise;
 * each location once.
 */
export function werfMirrorsFromRegistriesConf(entries: WerfRegistryEntry[]): string[] {
  const out: string[] = [];
  const seen = new Set<string>();
  const add = (loc: string | undefined, insecure: boolean | undefined) => {
    if (!loc || seen.has(loc)) return;
    seen.add(loc);
    out.push(`${insecure ? "http" : "https"}://${loc}`);
  };
  for (const e of entries) {
    if ((e.prefix || e.location) !== "docker.io") continue;
    if (e.location && e.location !== "docker.io") add(e.location, e.insecure);
    for (const m of e.mirror ?? []) add(m.location, m.insecure);
  }
  return out;
}

/**
 * werf's insecure registries from registries.conf (registries_config_linux.go:144-186): entries
 * with `insecure = true` whose prefix (else location) is not docker.io; their location (else
 * prefix), each once.
 */
export function werfInsecureFromRegistriesConf(entries: WerfRegistryEntry[]): string[] {
  const out: string[] = [];
  for (const e of entries) {
    if (!e.insecure || (e.prefix || e.location) === "docker.io") continue;
    const loc = e.location || e.prefix;
    if (loc && !out.includes(loc)) out.push(loc);
  }
  return out;
}

/**
 * werf's final mirror list (common.go:1336-1380): the environment's and the flags' mirrors (no
 * scheme means https, `http://` is an error), then the backend's own (registries.conf in Buildah
 * mode, dockerd's `GET /info` mirrors in Docker mode), de-duplicated by exact string.
 */
export function werfMirrorList(envAndFlags: string[], backendMirrors: string[]): { mirrors: string[] } | { error: string } {
  const out: string[] = [];
  for (let m of envAndFlags) {
    if (m.startsWith("http://")) return { error: `invalid container registry mirror "${m}": only https schema allowed` };
    if (!m.startsWith("https://")) m = `https://${m}`;
    if (!out.includes(m)) out.push(m);
  }
  for (const m of backendMirrors) if (!out.includes(m)) out.push(m);
  return { mirrors: out };
}

function withoutScheme(u: string): string {
  return u.replace(/^https:\/\//, "").replace(/^http:\/\//, "");
}

/** One `[[registry.mirror]]` of the registries.conf werf's Buildah backend writes. */
export interface WerfBuildahMirror {
  location: string;
  insecure: boolean;
}

/**
 * The registries.conf werf's Buildah backend writes for itself and pulls with
 * (native_linux.go:140-153, 239-320): docker.io searched, `prefix = location = "docker.io"` (so
 * docker.io is always the fallback), one mirror per list entry (scheme and one trailing `/`
 * removed, path kept; the first of two spellings wins; insecure for http:// or an insecure host),
 * and one insecure `[[registry]]` per other insecure registry, sorted.
 */
export function werfBuildahConf(
  mirrors: string[],
  insecureHosts: string[],
  standaloneInsecure: string[],
): { mirrors: WerfBuildahMirror[]; insecureRegistries: string[]; text: string } {
  const insecure = new Set(insecureHosts.map((h) => withoutScheme(h)).filter((h) => h !== ""));
  const list: WerfBuildahMirror[] = [];
  for (const m of mirrors) {
    const location = withoutScheme(m).replace(/\/$/, "");
    if (location === "" || list.some((x) => x.location === location)) continue;
    list.push({ location, insecure: m.startsWith("http://") || insecure.has(location) });
  }
  const standalone = [...new Set(standaloneInsecure.map((h) => withoutScheme(h).replace(/\/$/, "")).filter((h) => h !== ""))].sort(compareStrings);
  let text = 'unqualified-search-registries = ["docker.io"]\n\n[[registry]]\nprefix = "docker.io"\nlocation = "docker.io"\n\n';
  for (const m of list) text += `[[registry.mirror]]\nlocation = "${m.location}"\ninsecure = ${m.insecure}\n\n`;
  for (const h of standalone) text += `[[registry]]\nlocation = "${h}"\ninsecure = true\n\n`;
  return { mirrors: list, insecureRegistries: standalone, text };
}

/**
 * The references werf's registry API tries for a Docker Hub image (generic_api.go:101-160): for
 * each mirror, its host only (the path is dropped) + repository + tag (+ digest), in order, then
 * the reference itself on docker.io. `repository` is the full Docker Hub path (`library/alpine`).
 */
export function werfApiReferences(mirrors: string[], repository: string, tag: string, digest?: string): string[] {
  const ref = `${repository}:${tag}${digest ? `@${digest}` : ""}`;
  return [...mirrors.map((m) => `${goUrlHost(m)}/${ref}`), `docker.io/${ref}`];
}

/** `url.Parse(u).Host` as Go computes it: the authority without user info, port kept as written. */
export function goUrlHost(u: string): string {
  const authority = /^[a-z][a-z0-9+.-]*:\/\/([^/?#]*)/i.exec(u)?.[1] ?? "";
  return authority.slice(authority.lastIndexOf("@") + 1);
}

/** The hosts werf's registry API treats as insecure (generic_api.go:21-34): those of http:// mirrors, plus the given ones. */
export function werfApiInsecureHosts(mirrors: string[], insecureRegistries: string[]): string[] {
  const hosts = [...insecureRegistries];
  for (const m of mirrors) {
    const host = goUrlHost(m);
    if (m.startsWith("http://") && host && !hosts.includes(host)) hosts.push(host);
  }
  return hosts;
}
