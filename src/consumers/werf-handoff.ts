// How werf-mirror hands docker.io mirrors to werf so that werf does what the config asks wherever
// werf can (see werf.ts for what werf does with them). One decision per mirror, used by the
// hand-off (`env`, `exec`) and by `config --explain --for werf`.
//
// - Buildah mode: werf takes its mirror list from WERF_CONTAINER_REGISTRY_MIRROR_* first and
//   registries.conf second, and marks only http:// ones insecure. So every docker.io mirror goes
//   through the handed registries.conf alone, in the declared order (http and insecure ones
//   included), and werf's variables stay empty: the order is kept and an insecure https mirror is
//   listed once, insecure.
// - Docker mode: werf reads dockerd's mirrors (with a trailing `/`) after its variables, so the
//   variables spell each https mirror as dockerd does and werf lists it once; http ones reach werf
//   from dockerd only (werf refuses http:// variables).
// - Left out, with a warning: a digest-only mirror (werf would pull tags from it, which may be
//   stale); in Docker mode a mirror with a path (dockerd cannot use it and werf's registry API
//   would ask the host without the path).
import type { Mirror, Model } from "../config/types.js";
import { isDockerHubKey } from "../config/addresses.js";
import { isCidr } from "../backends/common.js";
import { dockerMirrorValue } from "../backends/docker.js";
import type { Feature } from "./capabilities.js";

export interface WerfHandoffPlan {
  backend: "docker" | "buildah";
  /** Values of WERF_CONTAINER_REGISTRY_MIRROR_00, _01, ... in order. */
  envMirrors: string[];
  /** docker.io mirrors written to the handed registries.conf for werf, in order. */
  confMirrors: Mirror[];
  /** Insecure registries (host[:port]) werf learns from the handed registries.conf. */
  insecureRegistries: string[];
  /** Docker mode: http mirrors werf's variables cannot carry; werf takes them from dockerd. */
  viaDaemon: Mirror[];
  /** Mirrors werf is not given, and why (one sentence each). */
  leftOut: { mirror: Mirror; reason: string }[];
  /** CA files of handed https mirrors: werf's registry API verifies with the system roots only. */
  caFiles: string[];
}

export const LEFT_OUT_DIGEST_ONLY = "it is `pull: digest-only`, and werf would also pull tags from it (werf reads no pull policy), which may be stale";
export const LEFT_OUT_DOCKER_PATH = "dockerd cannot use a mirror with a path, and werf's registry API would ask its host without the path";

/** Why a mirror with this setting is left out of werf's hand-off in this mode, if it is. */
export function leftOutBecause(feature: Feature, backend: "docker" | "buildah"): string | undefined {
  if (feature === "pull-digest-only") return LEFT_OUT_DIGEST_ONLY;
  if (feature === "mirror-path" && backend === "docker") return LEFT_OUT_DOCKER_PATH;
  return undefined;
}

/** What to hand werf, from the model restricted to the mirrors preflight kept. */
export function planWerfHandoff(model: Model): WerfHandoffPlan {
  const backend = model.effectiveBackend;
  const hub = model.registries.find((r) => isDockerHubKey(r.prefix));
  const plan: WerfHandoffPlan = { backend, envMirrors: [], confMirrors: [], insecureRegistries: [], viaDaemon: [], leftOut: [], caFiles: [] };
  for (const m of hub?.mirrors ?? []) {
    const reason =
      (m.pull === "digest-only" ? leftOutBecause("pull-digest-only", backend) : undefined) ?? (m.url.path ? leftOutBecause("mirror-path", backend) : undefined);
    if (reason) {
      plan.leftOut.push({ mirror: m, reason });
      continue;
    }
    if (backend === "buildah") plan.confMirrors.push(m);
    else if (m.url.scheme === "https") plan.envMirrors.push(dockerMirrorValue(m));
    else plan.viaDaemon.push(m);
    if (m.ca && m.url.scheme === "https" && !m.insecure && !plan.caFiles.includes(m.ca)) plan.caFiles.push(m.ca);
  }
  if (backend === "buildah") plan.insecureRegistries = model.insecureRegistries.filter((e) => !isCidr(e));
  return plan;
}

/**
 * The model the handed registries.conf is rendered from: docker.io holds exactly the planned
 * mirrors and keeps its fallback (werf always falls back, and the rewrite that expresses
 * `fallback: false` would make werf read the last mirror first); other registries as configured.
 */
export function handoffModel(model: Model, plan: WerfHandoffPlan): Model {
  if (plan.backend !== "buildah") return model;
  return {
    ...model,
    registries: model.registries.map((r) => (isDockerHubKey(r.prefix) ? { ...r, mirrors: plan.confMirrors, fallback: true } : r)),
  };
}
