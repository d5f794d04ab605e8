// registries.yaml for k3s and RKE2: `mirrors.<host>.endpoint` and `configs.<host>.tls`.
// k3s turns an endpoint path other than /v2 into containerd's override_path, so a mirror with
// a namespace path is written as `scheme://host/v2<path>` (per endpoint); `rewrite` is not used
// because k3s applies it to every endpoint of a registry alike.
import { toBlockYaml } from "./yaml-emit.js";
import type { Mirror } from "../config/types.js";
import { header, isCidr, safeHostPort, splitByShape, warningFor } from "./common.js";
import type { RenderInput, RenderResult, RenderWarning, Renderer } from "./types.js";

const CONSUMER = "k3s/RKE2 (registries.yaml)";

interface Tls {
  ca_file?: string;
  insecure_skip_verify?: boolean;
}

export function k3sEndpoint(m: Mirror): string {
  return `${m.url.scheme}://${m.url.hostPort}${m.url.path ? `/v2${m.url.path}` : ""}`;
}

export function renderK3s(input: RenderInput): RenderResult {
  const { model } = input;
  const warnings: RenderWarning[] = [];
  const say = (registry: string, message: string) => warnings.push(warningFor(registry, CONSUMER, message));
  const { plain, wildcard, namespaced } = splitByShape(model.registries);
  for (const reg of wildcard) say(reg.prefix.key, "k3s has no `*.domain` entries (its `\"*\"` means every registry); write one entry per registry host (nothing rendered for it)");
  for (const reg of namespaced) say(reg.prefix.key, `k3s mirrors whole hosts, not namespaces; use \`${reg.prefix.hostPort}\` as the key (nothing rendered for ${reg.prefix.key})`);
  for (const cidr of model.insecureRegistries.filter(isCidr)) say(cidr, "registries.yaml cannot mark an address range insecure; list its registries as host[:port] in insecureRegistries");

  const mirrors = new Map<string, string[]>();
  const configs = new Map<string, Tls>();
  const tls = (host: string) => {
    const key = safeHostPort(host);
    if (!configs.has(key)) configs.set(key, {});
    return configs.get(key)!;
  };
  for (const reg of plain) {
    const key = reg.prefix.key;
    if (reg.mirrors.length > 0) mirrors.set(safeHostPort(reg.prefix.hostPort), reg.mirrors.map(k3sEndpoint));
    for (const m of reg.mirrors) {
      if (m.url.scheme === "https" && m.insecure) tls(m.url.hostPort).insecure_skip_verify = true;
      if (m.url.scheme === "https" && m.ca) tls(m.url.hostPort).ca_file = m.ca;
      if (m.pull !== "all") say(key, `k3s cannot restrict ${m.url.href} to ${m.pull} pulls; it is used for every pull`);
    }
    if (!reg.fallback && reg.mirrors.length > 0) {
      say(key, `k3s always tries ${key} itself last; only the node-wide \`--disable-default-registry-endpoint\` turns that off (for every registry)`);
    }
    if (reg.blocked) say(key, "k3s cannot block a registry; `blocked: true` is not expressed");
  }
  for (const host of model.insecureRegistries.filter((e) => !isCidr(e))) {
    // Plain http as an extra endpoint, then the default https endpoint without verification.
    const key = safeHostPort(host);
    mirrors.set(key, [...(mirrors.get(key) ?? []), `http://${host}`]);
    tls(host).insecure_skip_verify = true;
  }

  const doc: Record<string, unknown> = {};
  if (mirrors.size > 0) doc.mirrors = Object.fromEntries([...mirrors].map(([h, endpoint]) => [h, { endpoint }]));
  if (configs.size > 0) doc.configs = Object.fromEntries([...configs].map(([h, t]) => [h, { tls: t }]));
  const body = Object.keys(doc).length > 0 ? toBlockYaml(doc) : "";
  return { files: [{ path: "registries.yaml", content: `${header(input)}${body}`, hasHeader: true }], warnings };
}

export const k3sRenderer: Renderer = {
  name: "k3s",
  consumers: "k3s, RKE2 (/etc/rancher/k3s/registries.yaml, /etc/rancher/rke2/registries.yaml)",
  render: renderK3s,
};
