// buildkitd.toml: `[registry."<host>"] mirrors = ["host[:port][/path]"]`. Mirrors are hosts,
// not URLs; BuildKit requests `/v2<path>/...`, so a path is a repository namespace as in the
// config. A mirror's http/insecure/ca go in the mirror host's own [registry."<mirror>"] table.
import { stringify } from "smol-toml";
import { header, isCidr, mirrorRepoLocation, safeHostPort, splitByShape, unique, warningFor } from "./common.js";
import type { RenderInput, RenderResult, RenderWarning, Renderer } from "./types.js";

const CONSUMER = "BuildKit (buildkitd.toml)";

interface HostTable {
  mirrors?: string[];
  http?: boolean;
  insecure?: boolean;
  ca?: string[];
}

export function renderBuildkit(input: RenderInput): RenderResult {
  const { model } = input;
  const warnings: RenderWarning[] = [];
  const say = (registry: string, message: string) => warnings.push(warningFor(registry, CONSUMER, message));
  const { plain, wildcard, namespaced } = splitByShape(model.registries);
  for (const reg of wildcard) say(reg.prefix.key, "BuildKit has no wildcard registry entries; write one entry per registry host (nothing rendered for it)");
  for (const reg of namespaced) say(reg.prefix.key, `BuildKit mirrors whole hosts, not namespaces; use \`${reg.prefix.hostPort}\` as the key (nothing rendered for ${reg.prefix.key})`);
  for (const cidr of model.insecureRegistries.filter(isCidr)) say(cidr, "buildkitd.toml cannot mark an address range insecure; list its registries as host[:port] in insecureRegistries");

  const tables = new Map<string, HostTable>();
  const table = (host: string) => {
    const key = safeHostPort(host);
    if (!tables.has(key)) tables.set(key, {});
    return tables.get(key)!;
  };
  for (const reg of plain) {
    const key = reg.prefix.key;
    if (reg.mirrors.length > 0) table(reg.prefix.hostPort).mirrors = reg.mirrors.map((m) => mirrorRepoLocation(m));
    for (const m of reg.mirrors) {
      // The mirror host's own table only when it has something to say.
      if (m.url.scheme === "http") table(m.url.hostPort).http = true;
      else if (m.insecure) table(m.url.hostPort).insecure = true;
      if (m.ca && m.url.scheme === "https") table(m.url.hostPort).ca = unique([...(table(m.url.hostPort).ca ?? []), m.ca]);
      if (m.pull !== "all") say(key, `BuildKit cannot restrict ${m.url.href} to ${m.pull} pulls; it is used for every pull`);
    }
    if (!reg.fallback && reg.mirrors.length > 0) say(key, `BuildKit always falls back to ${key} after its mirrors; \`fallback: false\` is not expressed`);
    if (reg.blocked) say(key, "BuildKit cannot block a registry; `blocked: true` is not expressed");
  }
  for (const host of model.insecureRegistries.filter((e) => !isCidr(e))) {
    // http + insecure: BuildKit tries https without verification, then plain http.
    const t = table(host);
    t.http = true;
    t.insecure = true;
  }
  const doc = tables.size > 0 ? { registry: Object.fromEntries(tables) } : {};
  const body = stringify(doc).replace(/^\n+/, "").trimEnd() + "\n";
  const content = body.trim() ? `${header(input)}\n${body}` : header(input);
  return { files: [{ path: "buildkitd.toml", content, hasHeader: true }], warnings };
}

export const buildkitRenderer: Renderer = {
  name: "buildkit",
  consumers: "buildkitd, docker buildx create --buildkitd-config (buildkitd.toml)",
  render: renderBuildkit,
};
