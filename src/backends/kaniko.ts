// kaniko.args: kaniko executor flags, one `--flag=value` per line (one line = one argv element,
// e.g. `mapfile -t args < kaniko.args; /kaniko/executor "${args[@]}" ...`). No comments: the
// file is read as arguments. `--registry-mirror X` is kaniko's `--registry-map index.docker.io=X`;
// both take `host[:port][/path]`, the path being a repository prefix on the mirror. TLS flags
// are per host; `--registry-certificate` keeps one file per host (the last one given).
import { isDockerHub } from "../config/addresses.js";
import { CONSUMERS, gapCollector, hostKeyedGaps, mirrorPathFeatures, pullFeature } from "../consumers/capabilities.js";
import { caFileFor, casByHost, isCidr, mirrorRepoLocation, safeToken, splitByShape, tlsMode, unique, weakenedMirrors } from "./common.js";
import type { RenderInput, RenderResult, RenderWarning, RenderedFile, Renderer } from "./types.js";

const ID = "kaniko";

export function renderKaniko(input: RenderInput): RenderResult {
  const { model } = input;
  const warnings: RenderWarning[] = hostKeyedGaps(ID, model);
  const gap = gapCollector(ID, warnings);
  const files: RenderedFile[] = [];
  const { plain } = splitByShape(model.registries);
  const insecureHosts = new Set(model.insecureRegistries.filter((e) => !isCidr(e)));

  // A path kaniko would read as a registry name, or refuse as a repository name, is left out:
  // the first is silently unused, the second fails the pull without trying anything else.
  const usable = plain.map((reg) => ({
    ...reg,
    mirrors: reg.mirrors.filter((m) => {
      const cannot = mirrorPathFeatures(m).filter((f) => !CONSUMERS[ID].features[f].honoured);
      for (const f of cannot) gap(f, reg.prefix.key, m, "it is left out of kaniko.args");
      return cannot.length === 0;
    }),
  }));
  const mirrored = usable.filter((r) => r.mirrors.length > 0);
  const cas = casByHost(mirrored);
  const certificates = new Map<string, string>();
  const certificate = (host: string): string => {
    if (!certificates.has(host)) {
      const ca = caFileFor(input, CONSUMERS[ID].name, host, cas.get(host)!);
      if (ca.file) files.push(ca.file);
      if (ca.warning) warnings.push(ca.warning);
      certificates.set(host, ca.path);
    }
    return certificates.get(host)!;
  };

  const flags: string[] = [];
  for (const reg of usable) {
    const key = reg.prefix.key;
    for (const m of reg.mirrors) {
      const target = safeToken(mirrorRepoLocation(m));
      flags.push(isDockerHub(reg.prefix) ? `--registry-mirror=${target}` : `--registry-map=${safeToken(reg.prefix.hostPort)}=${target}`);
      if (m.url.scheme === "http") flags.push(`--insecure-registry=${safeToken(m.url.hostPort)}`);
      else if (m.insecure) flags.push(`--skip-tls-verify-registry=${safeToken(m.url.hostPort)}`);
      if (m.ca && m.url.scheme === "https") flags.push(`--registry-certificate=${safeToken(m.url.hostPort)}=${safeToken(certificate(m.url.hostPort))}`);
      const pull = pullFeature(m);
      if (pull) gap(pull, key, m);
    }
    if (reg.blocked) gap("blocked", key);
  }
  // --skip-default-registry-fallback is one switch for every mapped registry.
  const noFallback = mirrored.filter((r) => !r.fallback);
  if (noFallback.length > 0 && noFallback.length === mirrored.length) {
    flags.push("--skip-default-registry-fallback");
  } else {
    for (const reg of noFallback) gap("no-fallback", reg.prefix.key, undefined, "other mirrored registries here keep their fallback, so it is not set");
  }
  for (const host of insecureHosts) {
    flags.push(`--insecure-registry=${safeToken(host)}`, `--skip-tls-verify-registry=${safeToken(host)}`);
  }
  for (const { registry, mirror, by } of weakenedMirrors(mirrored, ["http", "insecure"])) {
    gap(
      "tls-conflict",
      registry.prefix.key,
      mirror,
      `${mirror.url.hostPort} is given ${by === "http" ? "--insecure-registry, so it may be reached over plain http" : "--skip-tls-verify-registry, so it is used without verification"}`,
    );
  }
  for (const reg of mirrored) {
    for (const m of reg.mirrors) if (tlsMode(m) === "verified" && insecureHosts.has(m.url.hostPort)) gap("mirror-host-insecure", reg.prefix.key, m);
  }
  const lines = unique(flags);
  return { files: [{ path: "kaniko.args", content: lines.map((l) => `${l}\n`).join(""), hasHeader: false }, ...files], warnings };
}

export const kanikoRenderer: Renderer = {
  name: "kaniko",
  consumers: "kaniko executor (kaniko.args, one flag per line)",
  render: renderKaniko,
};
