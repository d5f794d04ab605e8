// `config --explain --for werf`: what werf will do with the mirrors werf-mirror hands it, worked
// out by the model of werf's code (werf.ts) from the very files and variables the hand-off makes.
// Offline: every declared mirror counts as healthy; in Docker mode dockerd is assumed to hold what
// `apply docker` gives it.
import { parse } from "smol-toml";
import type { Diagnostic, Model } from "../config/types.js";
import { formatOrigin } from "../config/origin.js";
import { render } from "../backends/index.js";
import { daemonJsonFragment } from "../backends/docker.js";
import { handoffModel, planWerfHandoff } from "./werf-handoff.js";
import { parseProbe } from "../preflight/endpoints.js";
import {
  WERF_VERSIONS,
  werfApiInsecureHosts,
  werfApiReferences,
  werfBuildahConf,
  werfInsecureFromRegistriesConf,
  werfMirrorList,
  werfMirrorsFromRegistriesConf,
  type WerfRegistryEntry,
} from "./werf.js";

export interface ExplainForWerfInput {
  model: Model;
  /** The host's registries.conf the hand-off merges onto, if any. */
  base?: { text: string; name: string };
  /** lint's werf findings (werf-ignores, not-used-by-werf) for this model. */
  findings: Diagnostic[];
  cwd: string;
}

export function explainForWerf({ model, base, findings, cwd }: ExplainForWerfInput): string {
  const plan = planWerfHandoff(model);
  const lines: string[] = [];
  const mode = plan.backend === "buildah" ? "Buildah mode" : "Docker mode";
  lines.push(`What werf ${WERF_VERSIONS.min} to ${WERF_VERSIONS.max} will do (${mode}) with what \`werf-mirror env\` hands it,`);
  lines.push("if every mirror passes preflight.");
  lines.push("");

  let backendMirrors: string[];
  let insecure: string[] = [];
  let source: string;
  if (plan.backend === "buildah") {
    const conf = render(handoffModel(model, plan), {
      backends: ["buildah"],
      ...(base ? { baseRegistriesConf: base.text, baseRegistriesConfName: base.name } : {}),
    });
    const text = conf.files.find((f) => f.path === "registries.conf")?.content ?? "";
    const entries = ((parse(text) as { registry?: WerfRegistryEntry[] }).registry ?? []) as WerfRegistryEntry[];
    backendMirrors = werfMirrorsFromRegistriesConf(entries);
    insecure = werfInsecureFromRegistriesConf(entries);
    source = "the handed registries.conf (CONTAINERS_REGISTRIES_CONF)";
  } else {
    backendMirrors = daemonJsonFragment({ model, sourceName: "" }).fragment["registry-mirrors"] ?? [];
    source = "dockerd's registry-mirrors (as `werf-mirror apply docker` sets them)";
  }
  const list = werfMirrorList(plan.envMirrors, backendMirrors);
  lines.push("werf's docker.io mirror list (WERF_CONTAINER_REGISTRY_MIRROR_* first, then " + source + "):");
  if ("error" in list) lines.push(`  werf stops: ${list.error}`);
  else if (list.mirrors.length === 0) lines.push("  (none: werf pulls from docker.io directly)");
  else
    list.mirrors.forEach((m, i) =>
      lines.push(
        `  ${i + 1}. ${m}  (${plan.envMirrors.includes(m) ? "from WERF_CONTAINER_REGISTRY_MIRROR_" : "from " + (plan.backend === "buildah" ? "registries.conf" : "dockerd")})`,
      ),
    );
  const mirrors = "error" in list ? [] : list.mirrors;
  lines.push("");

  if (plan.backend === "buildah") {
    const conf = werfBuildahConf(mirrors, insecure, insecure);
    lines.push("The registries.conf werf's Buildah backend writes for itself and pulls with:");
    for (const l of conf.text.trimEnd().split("\n")) lines.push(l ? `  ${l}` : "");
    lines.push("");
  } else {
    lines.push("Pulls in Docker mode: dockerd pulls through its own registry-mirrors, then Docker Hub.");
    lines.push("");
  }

  // A digest probe is shown as the tag werf's references default to (the digest is not asked for).
  const probe = parseProbe(model.preflight.probe ?? "library/alpine:latest");
  const [repository, tag] = [probe.name, probe.reference.includes(":") ? "latest" : probe.reference];
  lines.push(`werf's registry API, for a base image ${repository}:${tag} on Docker Hub, tries in order:`);
  const apiInsecure = werfApiInsecureHosts(mirrors, insecure);
  werfApiReferences(mirrors, repository, tag).forEach((r, i) => {
    const host = r.slice(0, r.indexOf("/"));
    lines.push(`  ${i + 1}. ${r}${apiInsecure.includes(host) ? "  (insecure: https without verification, then http)" : ""}`);
  });
  if (plan.caFiles.length > 0) lines.push(`  TLS: the system roots plus ${plan.caFiles.length} mirror CA file(s), through SSL_CERT_FILE`);
  lines.push("");

  if (plan.leftOut.length > 0) {
    lines.push("Left out of werf's hand-off:");
    for (const l of plan.leftOut) lines.push(`  ${l.mirror.url.href} (${formatOrigin(l.mirror.origin, cwd)}): ${l.reason}`);
    lines.push("");
  }
  lines.push("Settings werf does not honour:");
  if (findings.length === 0) lines.push("  (none)");
  for (const f of findings) lines.push(`  ${formatOrigin(f.origin, cwd)} ${f.message} [${f.rule}]`);
  return `${lines.join("\n")}\n`;
}
