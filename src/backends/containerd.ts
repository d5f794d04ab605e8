// containerd's hosts directory: certs.d/<host[:port]>/hosts.toml per registry (containerd's
// config_path, `ctr --hosts-dir`, nerdctl, kind). No `_default` directory is written: it would
// apply to every registry, and the config has no "all registries" entry.
import { stringify } from "smol-toml";
import type { Mirror, Registry } from "../config/types.js";
import { header, isCidr, safeHostPort, splitByShape, warningFor } from "./common.js";
import type { RenderInput, RenderResult, RenderWarning, RenderedFile, Renderer } from "./types.js";

const CONSUMER = "containerd (hosts.toml)";
type Table = Record<string, unknown>;

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
  const warnings: RenderWarning[] = [];
  const say = (registry: string, message: string) => warnings.push(warningFor(registry, CONSUMER, message));
  const { plain, wildcard, namespaced } = splitByShape(model.registries);
  for (const reg of wildcard) say(reg.prefix.key, "containerd has no wildcard host directories; write one entry per registry host instead (nothing rendered for it)");
  for (const reg of namespaced) say(reg.prefix.key, `containerd configures whole hosts, not namespaces; use \`${reg.prefix.hostPort}\` as the key to mirror all of it (nothing rendered for ${reg.prefix.key})`);
  for (const cidr of model.insecureRegistries.filter(isCidr)) say(cidr, "hosts.toml cannot mark an address range insecure; list its registries as host[:port] in insecureRegistries");

  const insecureHosts = new Set(model.insecureRegistries.filter((e) => !isCidr(e)));
  const files: RenderedFile[] = [];
  const done = new Set<string>();
  for (const reg of plain) {
    if (reg.blocked && reg.mirrors.length === 0) say(reg.prefix.key, "containerd cannot block a registry; `blocked: true` is not expressed");
    // Nothing to configure: containerd's defaults already mean "the registry itself".
    if (reg.mirrors.length === 0 && !insecureHosts.has(reg.prefix.hostPort)) continue;
    files.push(hostsFile(input, reg.prefix.hostPort, reg, insecureHosts.has(reg.prefix.hostPort), say));
    done.add(reg.prefix.hostPort);
  }
  for (const host of insecureHosts) if (!done.has(host)) files.push(hostsFile(input, host, undefined, true, say));
  return { files, warnings };
}

function hostsFile(
  input: RenderInput,
  hostPort: string,
  reg: Registry | undefined,
  insecureRegistry: boolean,
  say: (registry: string, message: string) => void,
): RenderedFile {
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
    for (const m of reg.mirrors) {
      if (m.pull === "tag-only") say(key, `containerd cannot restrict ${m.url.href} to tag pulls (capabilities are pull and resolve); it is used for every pull`);
    }
    if (reg.blocked && reg.mirrors.length > 0) say(key, "containerd cannot block a registry; `blocked: true` is not expressed");
  }
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
