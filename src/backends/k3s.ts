// registries.yaml for k3s and RKE2: `mirrors.<host>.endpoint` and `configs.<host>.tls`.
// k3s turns an endpoint path other than /v2 into containerd's override_path, so a mirror with
// a namespace path is written as `scheme://host/v2<path>` (per endpoint); `rewrite` is not used
// because k3s applies it to every endpoint of a registry alike. TLS settings are per host
// (rancher/wharfie pkg/registries), so one `ca_file` serves every mirror on a host.
import { toBlockYaml } from "./yaml-emit.js";
import { isIP } from "../config/addresses.js";
import type { Mirror } from "../config/types.js";
import { CONSUMERS, gapCollector, hostKeyedGaps, pullFeature } from "../consumers/capabilities.js";
import { caFileFor, casByHost, header, isCidr, isLoopbackHost, safeHostPort, splitByShape, tlsMode, weakenedMirrors } from "./common.js";
import type { RenderInput, RenderResult, RenderWarning, RenderedFile, Renderer } from "./types.js";

const ID = "k3s";

interface Tls {
  ca_file?: string;
  insecure_skip_verify?: boolean;
}

export function k3sEndpoint(m: Mirror): string {
  return `${m.url.scheme}://${m.url.hostPort}${m.url.path ? `/v2${m.url.path}` : ""}`;
}

export function renderK3s(input: RenderInput): RenderResult {
  const { model } = input;
  const warnings: RenderWarning[] = hostKeyedGaps(ID, model);
  const gap = gapCollector(ID, warnings);
  const files: RenderedFile[] = [];
  const { plain } = splitByShape(model.registries);
  const insecureHosts = new Set(model.insecureRegistries.filter((e) => !isCidr(e)));
  const mirrored = plain.filter((r) => r.mirrors.length > 0);

  const mirrors = new Map<string, string[]>();
  const configs = new Map<string, Tls>();
  const tls = (host: string) => {
    const key = safeHostPort(host);
    if (!configs.has(key)) configs.set(key, {});
    return configs.get(key)!;
  };
  const cas = casByHost(mirrored);
  for (const reg of plain) {
    const key = reg.prefix.key;
    if (reg.mirrors.length > 0) mirrors.set(safeHostPort(reg.prefix.hostPort), reg.mirrors.map(k3sEndpoint));
    for (const m of reg.mirrors) {
      if (m.url.scheme === "https" && m.insecure) tls(m.url.hostPort).insecure_skip_verify = true;
      if (m.url.scheme === "https" && m.ca && tls(m.url.hostPort).ca_file === undefined) {
        const ca = caFileFor(input, CONSUMERS[ID].name, m.url.hostPort, cas.get(m.url.hostPort)!);
        tls(m.url.hostPort).ca_file = ca.path;
        if (ca.file) files.push(ca.file);
        if (ca.warning) warnings.push(ca.warning);
      }
      const pull = pullFeature(m);
      if (pull) gap(pull, key, m);
      if (isIP(m.url.host) === 6) gap("ipv6-mirror", key, m);
    }
    if (!reg.fallback && reg.mirrors.length > 0) gap("no-fallback", key);
    if (reg.blocked) gap("blocked", key);
    // k3s's default endpoint for a loopback host with a port other than 443 is plain http.
    const port = reg.prefix.port;
    if (reg.mirrors.length > 0 && isLoopbackHost(reg.prefix.host) && port !== undefined && port !== 443 && !insecureHosts.has(reg.prefix.hostPort)) {
      gap("loopback-registry", key, undefined, `after the mirrors it asks http://${reg.prefix.hostPort}`);
    }
  }
  for (const host of insecureHosts) {
    // Plain http as an extra endpoint, then the default https endpoint without verification.
    const key = safeHostPort(host);
    mirrors.set(key, [...(mirrors.get(key) ?? []), `http://${host}`]);
    tls(host).insecure_skip_verify = true;
    if (host.startsWith("[")) gap("ipv6-mirror", host, `http://${host}`);
  }
  for (const { registry, mirror } of weakenedMirrors(mirrored, ["insecure"])) {
    gap("tls-conflict", registry.prefix.key, mirror, `configs."${mirror.url.hostPort}".tls gets insecure_skip_verify, so it is used without verification`);
  }
  for (const reg of mirrored) {
    for (const m of reg.mirrors) if (tlsMode(m) === "verified" && insecureHosts.has(m.url.hostPort)) gap("mirror-host-insecure", reg.prefix.key, m);
  }

  const doc: Record<string, unknown> = {};
  if (mirrors.size > 0) doc.mirrors = Object.fromEntries([...mirrors].map(([h, endpoint]) => [h, { endpoint }]));
  if (configs.size > 0) doc.configs = Object.fromEntries([...configs].map(([h, t]) => [h, { tls: t }]));
  const body = Object.keys(doc).length > 0 ? toBlockYaml(doc) : "";
  return { files: [{ path: "registries.yaml", content: `${header(input)}${body}`, hasHeader: true }, ...files], warnings };
}

export const k3sRenderer: Renderer = {
  name: "k3s",
  consumers: "k3s, RKE2 (/etc/rancher/k3s/registries.yaml, /etc/rancher/rke2/registries.yaml)",
  render: renderK3s,
};
