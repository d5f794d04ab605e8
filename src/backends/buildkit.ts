// buildkitd.toml: `[registry]` with one inline table per host, `"<host>" = { mirrors = [...] }`.
// Mirrors are hosts, not URLs; BuildKit requests `/v2<path>/...`, so a path is a repository
// namespace as in the config. A mirror's http/insecure/ca go in the mirror host's own entry.
// Inline tables because go-toml v1 (BuildKit up to v0.27, buildx --buildkitd-config) fails on a
// `]` inside a quoted table header (`[registry."[::1]:5000"]`); v1 and v2 read this form alike.
import { stringify } from "smol-toml";
import { gapCollector, hostKeyedGaps, pullFeature } from "../consumers/capabilities.js";
import { header, isCidr, isLoopbackHost, mirrorRepoLocation, safeHostPort, splitByShape, tlsMode, unique, weakenedMirrors } from "./common.js";
import type { RenderInput, RenderResult, RenderWarning, Renderer } from "./types.js";

const ID = "buildkit";

interface HostTable {
  mirrors?: string[];
  http?: boolean;
  insecure?: boolean;
  ca?: string[];
}

export function renderBuildkit(input: RenderInput): RenderResult {
  const { model } = input;
  const warnings: RenderWarning[] = hostKeyedGaps(ID, model);
  const gap = gapCollector(ID, warnings);
  const { plain } = splitByShape(model.registries);

  const insecureHosts = new Set(model.insecureRegistries.filter((e) => !isCidr(e)));
  const tables = new Map<string, HostTable>();
  const table = (host: string) => {
    const key = safeHostPort(host);
    if (!tables.has(key)) tables.set(key, {});
    return tables.get(key)!;
  };
  const mirrored = plain.filter((r) => r.mirrors.length > 0);
  for (const reg of plain) {
    const key = reg.prefix.key;
    if (reg.mirrors.length > 0) table(reg.prefix.hostPort).mirrors = reg.mirrors.map((m) => mirrorRepoLocation(m));
    for (const m of reg.mirrors) {
      // The mirror host's own entry only when it has something to say.
      if (m.url.scheme === "http") table(m.url.hostPort).http = true;
      else if (m.insecure) table(m.url.hostPort).insecure = true;
      if (m.ca && m.url.scheme === "https") table(m.url.hostPort).ca = unique([...(table(m.url.hostPort).ca ?? []), m.ca]);
      const pull = pullFeature(m);
      if (pull) gap(pull, key, m);
    }
    if (!reg.fallback && reg.mirrors.length > 0) gap("no-fallback", key);
    if (reg.blocked) gap("blocked", key);
  }
  for (const host of insecureHosts) {
    // http + insecure: BuildKit tries https without verification, then plain http.
    const t = table(host);
    t.http = true;
    t.insecure = true;
  }
  // Without `http`, BuildKit reaches a loopback host over plain http and ignores its `ca`
  // (resolver.go fillInsecureOpts); https mirrors and registries there must say `http = false`.
  const httpsLoopback = [
    ...mirrored.filter((r) => isLoopbackHost(r.prefix.host)).map((r) => r.prefix.hostPort),
    ...mirrored.flatMap((r) => r.mirrors.filter((m) => tlsMode(m) !== "http" && isLoopbackHost(m.url.host)).map((m) => m.url.hostPort)),
  ];
  for (const host of httpsLoopback) if (table(host).http === undefined) table(host).http = false;

  // TLS settings are per host: any other mode on a verified mirror's host weakens it.
  for (const { registry, mirror, by } of weakenedMirrors(mirrored, ["http", "insecure"])) {
    gap(
      "tls-conflict",
      registry.prefix.key,
      mirror,
      `[registry."${mirror.url.hostPort}"] gets ${by === "http" ? "`http = true`, so it is reached over plain http" : "`insecure = true`, so it is used without verification"}`,
    );
  }
  for (const reg of mirrored) {
    for (const m of reg.mirrors) if (tlsMode(m) === "verified" && insecureHosts.has(m.url.hostPort)) gap("mirror-host-insecure", reg.prefix.key, m);
  }

  const body = tables.size > 0 ? `[registry]\n${[...tables].map(([host, t]) => inlineEntry(host, t)).join("\n")}\n` : "";
  const content = body ? `${header(input)}\n${body}` : header(input);
  return { files: [{ path: "buildkitd.toml", content, hasHeader: true }], warnings };
}

/**
 * `"<host>" = { mirrors = [...], http = ..., insecure = ..., ca = [...] }`. smol-toml writes every
 * key and value (quoting, escapes); an inline table is those `key = value` lines joined in braces.
 */
function inlineEntry(host: string, t: HostTable): string {
  const fields = Object.fromEntries(Object.entries({ mirrors: t.mirrors, http: t.http, insecure: t.insecure, ca: t.ca }).filter(([, v]) => v !== undefined));
  const pairs = stringify(fields).trimEnd().split("\n").join(", ");
  const key = stringify({ [host]: true })
    .trimEnd()
    .slice(0, -" = true".length);
  return `${key} = { ${pairs} }`;
}

export const buildkitRenderer: Renderer = {
  name: "buildkit",
  consumers: "buildkitd, docker buildx create --buildkitd-config (buildkitd.toml)",
  render: renderBuildkit,
};
