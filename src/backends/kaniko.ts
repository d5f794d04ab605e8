// kaniko.args: kaniko executor flags, one `--flag=value` per line (one line = one argv element,
// e.g. `mapfile -t args < kaniko.args; /kaniko/executor "${args[@]}" ...`). No comments: the
// file is read as arguments. `--registry-mirror X` is kaniko's `--registry-map index.docker.io=X`;
// both take `host[:port][/path]`, the path being a repository prefix on the mirror.
import { isDockerHub } from "../config/addresses.js";
import { isCidr, mirrorRepoLocation, safeToken, splitByShape, unique, warningFor } from "./common.js";
import type { RenderInput, RenderResult, RenderWarning, Renderer } from "./types.js";

const CONSUMER = "kaniko (kaniko.args)";

export function renderKaniko(input: RenderInput): RenderResult {
  const { model } = input;
  const warnings: RenderWarning[] = [];
  const say = (registry: string, message: string) => warnings.push(warningFor(registry, CONSUMER, message));
  const { plain, wildcard, namespaced } = splitByShape(model.registries);
  for (const reg of wildcard) say(reg.prefix.key, "kaniko maps registries by exact host; wildcards cannot be expressed (nothing rendered for it)");
  for (const reg of namespaced) say(reg.prefix.key, `kaniko maps whole registries, not namespaces; use \`${reg.prefix.hostPort}\` as the key (nothing rendered for ${reg.prefix.key})`);
  for (const cidr of model.insecureRegistries.filter(isCidr)) say(cidr, "kaniko takes insecure registries by name, not address ranges; list them as host[:port] in insecureRegistries");

  const flags: string[] = [];
  const mirrored = plain.filter((r) => r.mirrors.length > 0);
  for (const reg of plain) {
    const key = reg.prefix.key;
    for (const m of reg.mirrors) {
      const target = safeToken(mirrorRepoLocation(m));
      flags.push(isDockerHub(reg.prefix) ? `--registry-mirror=${target}` : `--registry-map=${safeToken(reg.prefix.hostPort)}=${target}`);
      if (m.url.scheme === "http") flags.push(`--insecure-registry=${safeToken(m.url.hostPort)}`);
      else if (m.insecure) flags.push(`--skip-tls-verify-registry=${safeToken(m.url.hostPort)}`);
      if (m.ca && m.url.scheme === "https") flags.push(`--registry-certificate=${safeToken(m.url.hostPort)}=${safeToken(m.ca)}`);
      if (m.pull !== "all") say(key, `kaniko cannot restrict ${m.url.href} to ${m.pull} pulls; it is used for every pull`);
    }
    if (reg.blocked) say(key, "kaniko cannot block a registry; `blocked: true` is not expressed");
  }
  // --skip-default-registry-fallback is one switch for every mapped registry.
  const noFallback = mirrored.filter((r) => !r.fallback);
  if (noFallback.length > 0 && noFallback.length === mirrored.length) {
    flags.push("--skip-default-registry-fallback");
  } else {
    for (const reg of noFallback) {
      say(reg.prefix.key, "kaniko's --skip-default-registry-fallback applies to every mirrored registry, and others here keep their fallback; `fallback: false` is not expressed");
    }
  }
  for (const host of model.insecureRegistries.filter((e) => !isCidr(e))) {
    flags.push(`--insecure-registry=${safeToken(host)}`, `--skip-tls-verify-registry=${safeToken(host)}`);
  }
  const lines = unique(flags);
  return { files: [{ path: "kaniko.args", content: lines.map((l) => `${l}\n`).join(""), hasHeader: false }], warnings };
}

export const kanikoRenderer: Renderer = {
  name: "kaniko",
  consumers: "kaniko executor (kaniko.args, one flag per line)",
  render: renderKaniko,
};
