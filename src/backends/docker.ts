// dockerd's daemon.json fragment: only `registry-mirrors` (Docker Hub only) and
// `insecure-registries`. dockerd refuses to start on an unknown key (a `_comment` included), so
// the fragment holds real keys only and has no header; everything else becomes a warning.
import { isDockerHub } from "../config/addresses.js";
import type { Mirror } from "../config/types.js";
import { unique, warningFor } from "./common.js";
import type { RenderInput, RenderResult, RenderWarning, Renderer } from "./types.js";

const CONSUMER = "dockerd (daemon.json)";

export interface DaemonJsonFragment {
  "registry-mirrors"?: string[];
  "insecure-registries"?: string[];
}

/**
 * A mirror as dockerd stores it: scheme, host, and one trailing `/` (what `docker info` and
 * `GET /info` report), so the fragment compares equal to the running daemon's list.
 */
export function dockerMirrorValue(m: Mirror): string {
  return `${m.url.scheme}://${m.url.hostPort}/`;
}

export function daemonJsonFragment(input: RenderInput): { fragment: DaemonJsonFragment; warnings: RenderWarning[] } {
  const { model } = input;
  const warnings: RenderWarning[] = [];
  const mirrors: string[] = [];
  const insecure: string[] = [];
  const say = (registry: string, message: string) => warnings.push(warningFor(registry, CONSUMER, message));

  for (const reg of model.registries) {
    const key = reg.prefix.key;
    if (!isDockerHub(reg.prefix)) {
      if (reg.mirrors.length > 0) {
        say(key, `dockerd uses mirrors of docker.io only; the mirrors of ${key} are not in daemon.json (containerd, BuildKit, k3s and registries.conf consumers use them)`);
      }
      if (reg.blocked) say(key, `dockerd cannot block a registry; \`blocked: true\` on ${key} is not expressed`);
      continue;
    }
    if (reg.prefix.namespace) {
      if (reg.mirrors.length > 0) {
        say(key, `dockerd's mirrors apply to all of Docker Hub, not to ${key} alone; the mirrors of ${key} are not in daemon.json`);
      }
      continue;
    }
    for (const m of reg.mirrors) {
      if (m.url.path) {
        // dockerd (Engine 24+) puts a mirror's path before /v2 (`/dockerhub/v2/...`), whereas the
        // config's path is a repository namespace on the mirror (`/v2/dockerhub/...`); before 24
        // dockerd refuses to start on it. Either way the mirror would not work, so it is left out.
        say(key, `${m.url.href} has a path: dockerd would send /${m.url.path.slice(1)}/v2/... (Engine 24+) or refuse to start (older), not the namespace ${m.url.path} other consumers use; it is left out of registry-mirrors`);
        continue;
      }
      mirrors.push(dockerMirrorValue(m));
      if (m.insecure) insecure.push(m.url.hostPort);
      if (m.pull !== "all") say(key, `dockerd cannot restrict ${m.url.href} to ${m.pull} pulls and uses it for every pull`);
      if (m.ca) say(key, `dockerd does not read a CA from daemon.json; copy ${m.ca} to /etc/docker/certs.d/${m.url.hostPort}/ca.crt`);
    }
    if (!reg.fallback && reg.mirrors.length > 0) say(key, "dockerd always falls back to Docker Hub after its mirrors; `fallback: false` is not expressed");
    if (reg.blocked) say(key, "dockerd cannot block Docker Hub; `blocked: true` is not expressed");
  }
  insecure.push(...model.insecureRegistries);

  const fragment: DaemonJsonFragment = {};
  const m = unique(mirrors);
  const i = unique(insecure);
  if (m.length > 0) fragment["registry-mirrors"] = m;
  if (i.length > 0) fragment["insecure-registries"] = i;
  return { fragment, warnings };
}

export function renderDaemonJson(input: RenderInput): RenderResult {
  const { fragment, warnings } = daemonJsonFragment(input);
  return { files: [{ path: "daemon.json", content: `${JSON.stringify(fragment, null, 2)}\n`, hasHeader: false }], warnings };
}

export const dockerRenderer: Renderer = {
  name: "docker",
  consumers: "dockerd (daemon.json; `werf-mirror apply docker` merges it into the real file)",
  render: renderDaemonJson,
};
