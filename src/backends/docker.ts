// dockerd's daemon.json fragment: only `registry-mirrors` (Docker Hub only) and
// `insecure-registries`. dockerd refuses to start on an unknown key (a `_comment` included), so
// the fragment holds real keys only and has no header; everything else becomes a warning.
import { isDockerHub } from "../config/addresses.js";
import type { Mirror } from "../config/types.js";
import { gapCollector, othersHonouring, pullFeature } from "../consumers/capabilities.js";
import { isCidr, tlsMode, unique } from "./common.js";
import type { RenderInput, RenderResult, RenderWarning, Renderer } from "./types.js";

const ID = "dockerd";

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
  const gap = gapCollector(ID, warnings);
  const insecureHosts = new Set(model.insecureRegistries.filter((e) => !isCidr(e)));
  if (model.unqualifiedSearchRegistries.length > 0)
    gap("search-registries", "unqualifiedSearchRegistries", undefined, othersHonouring("search-registries", ID));

  for (const reg of model.registries) {
    const key = reg.prefix.key;
    if (!isDockerHub(reg.prefix)) {
      if (reg.mirrors.length > 0)
        gap("other-registry", key, undefined, `the mirrors of ${key} are not in daemon.json; ${othersHonouring("other-registry", ID, "use", "them")}`);
      if (reg.blocked) gap("blocked", key);
      continue;
    }
    if (reg.prefix.namespace) {
      if (reg.mirrors.length > 0) gap("namespaced-key", key, undefined, `the mirrors of ${key} are not in daemon.json`);
      continue;
    }
    for (const m of reg.mirrors) {
      if (m.url.path) {
        // dockerd (Engine 24+) puts a mirror's path before /v2 (`/dockerhub/v2/...`), whereas the
        // config's path is a repository namespace on the mirror (`/v2/dockerhub/...`); before 24
        // dockerd refuses to start on it. Either way the mirror would not work, so it is left out.
        gap("mirror-path", key, m, `it would send ${m.url.path}/v2/..., not /v2${m.url.path}/...`);
        continue;
      }
      const pull = pullFeature(m);
      if (pull === "pull-digest-only") {
        // dockerd would pull tags from it too, which a digest-only mirror may serve stale: left out,
        // as from werf's hand-off (src/consumers/werf-handoff.ts).
        gap(pull, key, m);
        continue;
      }
      mirrors.push(dockerMirrorValue(m));
      if (m.insecure) insecure.push(m.url.hostPort);
      if (pull) gap(pull, key, m);
      if (m.ca) gap("mirror-ca", key, m, `copy ${m.ca} to /etc/docker/certs.d/${m.url.hostPort}/ca.crt`);
      if (tlsMode(m) === "verified" && insecureHosts.has(m.url.hostPort)) gap("mirror-host-insecure", key, m);
    }
    if (!reg.fallback && reg.mirrors.length > 0) gap("no-fallback", key);
    if (reg.blocked) gap("blocked", key);
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
