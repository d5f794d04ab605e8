// Where the Registry API of a mirror lives. A mirror URL with a path (a namespaced proxy cache,
// e.g. https://nexus:8082/dockerhub) is read differently by the two families of consumers:
// - containers/image (buildah, podman, werf's Buildah backend) rewrites the image reference:
//   `docker.io/library/alpine` becomes `nexus:8082/dockerhub/library/alpine`, so the path
//   becomes part of the repository name: GET https://nexus:8082/v2/ then
//   HEAD https://nexus:8082/v2/dockerhub/library/alpine/manifests/latest.
// - dockerd (Engine 24+) uses the mirror URL as the API base: https://nexus:8082/dockerhub/v2/...
// The probe asks the way the consumer that will pull through the mirror asks.
import type { Mirror } from "../config/types.js";

export type UrlStyle = "containers" | "dockerd";

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

export function mirrorEndpoints(mirror: Mirror, style: UrlStyle): MirrorEndpoints {
  const origin = `${mirror.url.scheme}://${mirror.url.hostPort}`;
  const path = mirror.url.path.replace(/^\/+|\/+$/g, "");
  if (style === "dockerd") {
    const base = `${origin}${path ? `/${path}` : ""}`;
    return {
      ping: new URL(`${base}/v2/`),
      repository: (name) => name,
      manifest: (ref) => new URL(`${base}/v2/${ref.name}/manifests/${ref.reference}`),
    };
  }
  const repository = (name: string) => (path ? `${path}/${name}` : name);
  return {
    ping: new URL(`${origin}/v2/`),
    repository,
    manifest: (ref) => new URL(`${origin}/v2/${repository(ref.name)}/manifests/${ref.reference}`),
  };
}
