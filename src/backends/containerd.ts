// containerd's hosts directory: certs.d/<host[:port]>/hosts.toml per registry (containerd's
// config_path, `ctr --hosts-dir`, nerdctl, kind). No `_default` directory is written: it would
// apply to every registry, and the config has no "all registries" entry.
import { stringify } from "smol-toml";
import { isIP } from "../config/addresses.js";
import type { Mirror, Registry } from "../config/types.js";
import { gapCollector, hostKeyedGaps } from "../consumers/capabilities.js";
import { header, isCidr, safeHostPort, splitByShape } from "./common.js";
import type { RenderInput, RenderResult, RenderWarning, RenderedFile, Renderer } from "./types.js";

const ID = "containerd";
type Table = Record<string, unknown>;
type Gap = ReturnType<typeof gapCollector>;

/**
 * The host URL of a mirror. The config's path is a repository namespace on the mirror, so the
 * API root is `/v2<path>` and `override_path` stops containerd from appending `/v2` after the
 * path (it would request `<path>/v2/...`).
 */
export function containerdHostUrl(m: Mirror): string {
  return `${m.url.scheme}://${m.url.hostPort}${m.url.path ? `/v2${m.url.path}` : ""}`;
}

function hostSettings(m: Mirror): Table {
  const t: Table = {};
  // `pull` without `resolve`: the mirror never turns a tag into a digest, i.e. digest-only.
  t.capabilities = m.pull === "digest-only" ? ["pull"] : ["pull", "resolve"];
  if (m.url.scheme === "https" && m.insecure) t.skip_verify = true;
  if (m.url.scheme === "https" && m.ca) t.ca = m.ca;
  if (m.url.path) t.override_path = true;
  return t;
}

export function renderContainerd(input: RenderInput): RenderResult {
  const { model } = input;
  const warnings: RenderWarning[] = hostKeyedGaps(ID, model);
  const gap = gapCollector(ID, warnings);
  const { plain } = splitByShape(model.registries);

  const insecureHosts = new Set(model.insecureRegistries.filter((e) => !isCidr(e)));
  const files: RenderedFile[] = [];
  const done = new Set<string>();
  for (const reg of plain) {
    if (reg.blocked && reg.mirrors.length === 0) gap("blocked", reg.prefix.key);
    // Nothing to configure: containerd's defaults already mean "the registry itself".
    if (reg.mirrors.length === 0 && !insecureHosts.has(reg.prefix.hostPort)) continue;
    files.push(hostsFile(input, reg.prefix.hostPort, reg, insecureHosts.has(reg.prefix.hostPort), gap));
    done.add(reg.prefix.hostPort);
  }
  for (const host of insecureHosts) if (!done.has(host)) files.push(hostsFile(input, host, undefined, true, gap));
  return { files, warnings };
}

function hostsFile(input: RenderInput, hostPort: string, reg: Registry | undefined, insecureRegistry: boolean, gap: Gap): RenderedFile {
  const key = reg?.prefix.key ?? hostPort;
  let root: Table;
  if (hostPort === "docker.io") {
    root = { server: "https://registry-1.docker.io" };
    if (insecureRegistry) root.skip_verify = true;
  } else if (insecureRegistry) {
    // http:// plus TLS settings: containerd tries https (unverified) first, then plain http,
    // which is what "insecure registry" means to dockerd.
    root = { server: `http://${hostPort}`, skip_verify: true };
  } else {
    root = { server: `https://${hostPort}` };
  }
  let mirrors = reg?.mirrors ?? [];
  if (reg && !reg.fallback && mirrors.length > 0) {
    // `server` is tried last; making the last mirror the server keeps the declared order and
    // leaves the registry itself out.
    const last = mirrors[mirrors.length - 1]!;
    mirrors = mirrors.slice(0, -1);
    root = { server: containerdHostUrl(last), ...hostSettings(last) };
  }
  if (reg) {
    for (const m of reg.mirrors) if (m.pull === "tag-only") gap("pull-tag-only", key, m);
    if (reg.blocked && reg.mirrors.length > 0) gap("blocked", key);
  }
  // `server` is a value, which every version reads; a `[host."..."]` key with an IPv6 address is
  // what containerd 1.6/1.7 cannot read. containerd 2.x reads mirrors only from such tables.
  for (const m of mirrors) if (isIP(m.url.host) === 6) gap("ipv6-mirror", key, m, "this hosts.toml is written for containerd 2.x");
  const doc: Table = { ...root };
  // Always a `host` table, even an empty one: containerd 1.6 refuses a hosts.toml without it
  // ("invalid `host` tree"), logs that, and silently falls back to the default host.
  doc.host = Object.fromEntries(mirrors.map((m) => [containerdHostUrl(m), hostSettings(m)]));
  const content = `${header(input)}\n${stringify(doc).replace(/^\n+/, "").trimEnd() + "\n"}`;
  return { path: `certs.d/${safeHostPort(hostPort)}/hosts.toml`, content, hasHeader: true };
}

export const containerdRenderer: Renderer = {
  name: "containerd",
  consumers: "containerd, ctr --hosts-dir, nerdctl, kind, Kubernetes nodes (certs.d/<host>/hosts.toml)",
  render: renderContainerd,
};
