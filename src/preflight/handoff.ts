// The hand-off to werf: which mirrors the next werf invocation gets, and how (the decisions are
// src/consumers/werf-handoff.ts's).
// - WERF_CONTAINER_REGISTRY_MIRROR_<NN> (Docker mode): the kept https docker.io mirrors spelled
//   as dockerd spells them. werf sorts these variables as whole `KEY=VALUE` strings, so
//   fixed-width numbers keep the intended order.
// - CONTAINERS_REGISTRIES_CONF: a registries.conf rendered from the kept mirrors only; in Buildah
//   mode werf takes its docker.io mirrors and insecure registries from it (and nothing else).
// - SSL_CERT_FILE: the system roots plus the CA files of handed https mirrors, for werf's registry
//   API, which verifies with the system roots only.
import type { Model, Registry } from "../config/types.js";
import { ENV_PREFIXES } from "../config/options.js";
import type { PreflightReport } from "./types.js";
import type { WerfHandoffPlan } from "../consumers/werf-handoff.js";

export const WERF_MIRROR_PREFIX = ENV_PREFIXES.werfMirror;

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
}

/**
 * The model restricted to what preflight kept, in the kept order. Only mirrors the model names
 * can come out of it, whatever the report says: a URL it does not name is ignored, and a
 * registry the report does not cover keeps no mirrors.
 */
export function keptModel(model: Model, report: Pick<PreflightReport, "registries">): Model {
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

/** Whether the hand-off has a registries.conf to give: mirrors, or (Buildah mode) insecure registries werf would read from it. */
export function needsRegistriesConf(model: Model, plan: WerfHandoffPlan): boolean {
  return model.registries.some((r) => r.mirrors.length > 0) || plan.insecureRegistries.length > 0;
}

/**
 * The variables of the hand-off, from the plan of what werf gets (planWerfHandoff of the kept
 * model: only mirrors the configuration names) and the files written for it.
 */
export function buildHandoff(plan: WerfHandoffPlan, files: { registriesConf?: string; caBundle?: string }, env: Record<string, string | undefined>): Handoff {
  const suffixes = mirrorSuffixes(plan.envMirrors.length);
  const entries: EnvEntry[] = plan.envMirrors.map((value, i) => ({ section: "WERF MIRRORS (docker.io)", key: `${WERF_MIRROR_PREFIX}${suffixes[i]}`, value }));
  if (files.registriesConf) {
    entries.push({
      section: "CONTAINERS REGISTRIES (werf's Buildah backend reads docker.io mirrors and insecure registries)",
      key: "CONTAINERS_REGISTRIES_CONF",
      value: files.registriesConf,
    });
  }
  if (files.caBundle) {
    entries.push({ section: "TLS (system roots plus the mirrors' CAs, for werf's registry API)", key: "SSL_CERT_FILE", value: files.caBundle });
  }
  const ours = new Set(entries.map((e) => e.key));
  const unset = Object.keys(env)
    .filter((k) => k.startsWith(WERF_MIRROR_PREFIX) && !ours.has(k))
    .sort();
  return { entries, unset };
}
