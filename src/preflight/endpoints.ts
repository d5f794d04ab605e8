// Where the Registry API of a mirror lives. A mirror URL with a path (a namespaced proxy cache,
// e.g. https://nexus:8082/dockerhub) is a repository namespace on the mirror, as every consumer
// werf-mirror configures reads it (registries.conf, hosts.toml's override_path, BuildKit, k3s,
// kaniko; dockerd gets no path mirror): `docker.io/library/alpine` is pulled as
// GET https://nexus:8082/v2/ then HEAD https://nexus:8082/v2/dockerhub/library/alpine/manifests/latest.
// werf's own registry API is the exception: it drops the path (werfApiManifest).
import type { Mirror } from "../config/types.js";

export interface ProbeRef {
  /** Repository, e.g. `library/alpine`. */
  name: string;
  /** Tag or `sha256:...` digest. */
  reference: string;
}

export function parseProbe(probe: string): ProbeRef {
  const at = probe.indexOf("@");
  if (at >= 0) return { name: probe.slice(0, at), reference: probe.slice(at + 1) };
  const colon = probe.lastIndexOf(":");
  if (colon > probe.lastIndexOf("/")) return { name: probe.slice(0, colon), reference: probe.slice(colon + 1) };
  return { name: probe, reference: "latest" };
}

export interface MirrorEndpoints {
  ping: URL;
  /** Repository name as the mirror sees it (used in the token scope). */
  repository(name: string): string;
  manifest(ref: ProbeRef): URL;
}

export function mirrorEndpoints(mirror: Mirror): MirrorEndpoints {
  const origin = `${mirror.url.scheme}://${mirror.url.hostPort}`;
  const path = mirror.url.path.replace(/^\/+|\/+$/g, "");
  const repository = (name: string) => (path ? `${path}/${name}` : name);
  return {
    ping: new URL(`${origin}/v2/`),
    repository,
    manifest: (ref) => new URL(`${origin}/v2/${repository(ref.name)}/manifests/${ref.reference}`),
  };
}

/** Marks the check of what werf's registry API asks, in a mirror's checks. */
export const WERF_API_CHECK = " (werf's registry API, which drops the mirror's path)";

/**
 * Where werf's registry API asks a mirror for a Docker Hub image: the mirror's host only, the
 * path dropped (werf pkg/docker_registry/generic_api.go:146-150, v2.77.1).
 */
export function werfApiManifest(mirror: Mirror, ref: ProbeRef): URL {
  return new URL(`${mirror.url.scheme}://${mirror.url.hostPort}/v2/${ref.name}/manifests/${ref.reference}`);
}
