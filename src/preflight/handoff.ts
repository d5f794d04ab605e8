// The hand-off to werf: which mirrors the next werf invocation gets, and how.
// - WERF_CONTAINER_REGISTRY_MIRROR_<NN>: the kept https docker.io mirrors. werf sorts these
//   variables as whole `KEY=VALUE` strings, so fixed-width numbers keep the intended order.
//   werf refuses http:// values; those mirrors reach werf only through registries.conf.
// - CONTAINERS_REGISTRIES_CONF: a registries.conf rendered from the kept mirrors only.
import type { Model, Registry } from "../config/types.js";
import type { PreflightReport } from "./types.js";

export const WERF_MIRROR_PREFIX = "WERF_CONTAINER_REGISTRY_MIRROR_";

export interface EnvEntry {
  /** `# SECTION` the variable is listed under. */
  section: string;
  key: string;
  value: string;
}

export interface Handoff {
  entries: EnvEntry[];
  /** Variables of the same family already in the environment that the hand-off replaces. */
  unset: string[];
  /** Kept mirrors werf's variables cannot carry (http://), for a note. */
  httpOnlyInRegistriesConf: string[];
}

/**
 * The model restricted to what preflight kept, in the kept order. Only mirrors the model names
 * can come out of it, whatever the report says: a URL it does not name is ignored, and a
 * registry the report does not cover keeps no mirrors.
 */
export function keptModel(model: Model, report: PreflightReport): Model {
  const registries: Registry[] = model.registries.map((r) => {
    const kept = report.registries.find((x) => x.registry === r.prefix.key)?.kept ?? [];
    const mirrors = kept.map((u) => r.mirrors.find((m) => m.url.href === u)).filter((m) => m !== undefined);
    return { ...r, mirrors: [...new Set(mirrors)] };
  });
  return { ...model, registries };
}

/** `_00`, `_01`, ...: as wide as needed so that string order is numeric order. */
export function mirrorSuffixes(count: number): string[] {
  const width = Math.max(2, String(Math.max(0, count - 1)).length);
  return Array.from({ length: count }, (_, i) => String(i).padStart(width, "0"));
}

export function buildHandoff(
  model: Model,
  report: PreflightReport,
  registriesConfPath: string | undefined,
  env: Record<string, string | undefined>,
): Handoff {
  const hub = keptModel(model, report).registries.find((r) => r.prefix.key === "docker.io")?.mirrors ?? [];
  const https = hub.filter((m) => m.url.scheme === "https").map((m) => m.url.href);
  const httpOnly = hub.filter((m) => m.url.scheme !== "https").map((m) => m.url.href);
  const suffixes = mirrorSuffixes(https.length);
  const entries: EnvEntry[] = https.map((value, i) => ({ section: "WERF MIRRORS (docker.io)", key: `${WERF_MIRROR_PREFIX}${suffixes[i]}`, value }));
  if (registriesConfPath && model.registries.some((r) => r.mirrors.length > 0)) {
    entries.push({ section: "CONTAINERS REGISTRIES (Buildah backend, podman, skopeo)", key: "CONTAINERS_REGISTRIES_CONF", value: registriesConfPath });
  }
  const ours = new Set(entries.map((e) => e.key));
  const unset = Object.keys(env)
    .filter((k) => k.startsWith(WERF_MIRROR_PREFIX) && !ours.has(k))
    .sort();
  return { entries, unset, httpOnlyInRegistriesConf: httpOnly };
}
