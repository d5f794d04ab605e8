// Semantic checks that a schema cannot express, on the merged model. Each rule has an id, a
// severity and a message that says what to do. Syntax-level rules (credentials in URLs,
// wildcards, schemes...) are reported while parsing, in addresses.ts and model.ts.
import type { Diagnostic, Model, Registry } from "./types.js";
import { DOCKER_HUB_ALIASES, isDockerHub, isDockerHubKey } from "./addresses.js";
import { CONSUMERS, FEATURES, featureUses, honourClause, honouredBy, werfConsumers, type Feature } from "../consumers/capabilities.js";
import { leftOutBecause } from "../consumers/werf-handoff.js";

export interface RuleContext {
  /** Whether a file exists; injected so the rules stay pure. */
  fileExists: (path: string) => boolean;
}

/** One semantic check: the model in, its findings out. */
export type Check = (model: Model, ctx: RuleContext) => Diagnostic[];

/** The checks, by name, run in this order by checkModel (as changesets' rules are a named list). */
export const CHECKS = {
  /** Each registry and its mirrors: self-mirrors, CA files, http mirrors, blocked, fallback, minHealthy. */
  registries: (model, ctx) => {
    const out: Diagnostic[] = [];
    for (const reg of model.registries) checkRegistry(model, reg, ctx, out);
    return out;
  },
  /** What werf, with the effective backend, does not honour (src/consumers/capabilities.ts). */
  werf: (model) => werfFindings(model),
} satisfies Record<string, Check>;

export function checkModel(model: Model, ctx: RuleContext): Diagnostic[] {
  return Object.values(CHECKS).flatMap((check: Check) => check(model, ctx));
}

function checkRegistry(model: Model, reg: Registry, ctx: RuleContext, out: Diagnostic[]): void {
  const hub = isDockerHub(reg.prefix);
  const key = reg.prefix.key;
  if (reg.prefix.host === "hub.docker.com" && !reg.prefix.wildcard) {
    out.push({
      severity: "warning",
      rule: "invalid-registry",
      message: "`hub.docker.com` is Docker Hub's website, not its registry: images are pulled from `docker.io`, so use `docker.io` as the key",
      origin: reg.origin,
    });
  }
  for (const m of reg.mirrors) {
    const sameHost = m.url.hostPort === reg.prefix.hostPort || (hub && DOCKER_HUB_ALIASES.includes(m.url.host) && m.url.port === undefined);
    if (sameHost && (m.url.path === "" || m.url.path === `/${reg.prefix.namespace}`)) {
      out.push({
        severity: "error",
        rule: "mirror-is-registry",
        message: `this mirror is \`${key}\` itself; a mirror must be another host (a proxy cache), or remove it`,
        origin: m.origin,
      });
    }
    if (m.url.path === "/v2" || m.url.path.startsWith("/v2/")) {
      const rest = m.url.path.slice(3);
      out.push({
        severity: "warning",
        rule: "url-v2-path",
        message: `a mirror's path is a namespace on the mirror and every consumer puts /v2/ in front of it, so this mirror is asked for /v2${m.url.path}/...; write ${m.url.scheme}://${m.url.hostPort}${rest} instead`,
        origin: m.origin,
      });
    }
    if (m.ca && !ctx.fileExists(m.ca)) {
      out.push({
        severity: "warning",
        rule: "ca-missing",
        message: `the CA file ${m.ca} does not exist; fix the path (relative to the config file)`,
        origin: m.caOrigin ?? m.origin,
      });
    }
    if (m.ca && m.url.scheme === "http") {
      out.push({
        severity: "warning",
        rule: "ca-unused",
        message: "an http:// mirror has no TLS, so its `ca` is never used; use https:// or remove `ca`",
        origin: m.caOrigin ?? m.origin,
      });
    } else if (m.ca && m.insecure) {
      out.push({
        severity: "warning",
        rule: "ca-unused",
        message: "`insecure: true` skips TLS verification, so `ca` is never used; remove one of them",
        origin: m.caOrigin ?? m.origin,
      });
    }
    if (isDockerHubKey(reg.prefix) && m.url.scheme === "http") {
      out.push({
        severity: "warning",
        rule: "werf-http-mirror",
        message:
          "werf accepts only https mirrors in WERF_CONTAINER_REGISTRY_MIRROR_*, so werf-mirror hands this mirror to werf through registries.conf (Buildah mode); in Docker mode werf takes it from dockerd, which needs it in registry-mirrors and insecure-registries (`werf-mirror apply docker`)",
        origin: m.origin,
      });
    }
  }
  if (reg.blocked && reg.mirrors.length > 0) {
    out.push({
      severity: "warning",
      rule: "blocked-with-mirrors",
      message: `\`${key}\` is blocked, so its mirrors are never used; remove the mirrors or \`blocked: true\``,
      origin: reg.origin,
    });
  }
  if (!reg.fallback && reg.mirrors.length === 0 && !reg.blocked) {
    out.push({
      severity: "warning",
      rule: "no-fallback-without-mirrors",
      message: `\`fallback: false\` on \`${key}\` without mirrors leaves nowhere to pull from; add mirrors, or use \`blocked: true\` to refuse the registry`,
      origin: reg.origin,
    });
  }
  if (reg.mirrors.length > 0 && model.preflight.minHealthy > reg.mirrors.length) {
    out.push({
      severity: "warning",
      rule: "min-healthy-unreachable",
      message: `preflight.minHealthy is ${model.preflight.minHealthy} but \`${key}\` has ${reg.mirrors.length} mirror(s), so preflight always fails; add mirrors or lower minHealthy`,
      origin: reg.origin,
    });
  }
}

/** Features that keep a registry's mirrors away from werf altogether (`not-used-by-werf`). */
const NOT_FOR_WERF: Feature[] = ["other-registry", "namespaced-key", "wildcard-key"];

/**
 * What werf, with the effective backend, will not honour: one finding per setting, naming each
 * werf consumer that ignores it and what it does instead (src/consumers/capabilities.ts), and
 * the consumers that do honour it.
 */
export function werfFindings(model: Model): Diagnostic[] {
  const out: Diagnostic[] = [];
  const werf = werfConsumers(model.effectiveBackend);
  const mode = model.effectiveBackend === "buildah" ? "Buildah mode" : "Docker mode";
  const seenRegistries = new Set<string>();
  const uses = featureUses(model);
  // Registries whose mirrors werf never uses: only `blocked` still matters to werf there.
  const unused = new Set(uses.filter((u) => NOT_FOR_WERF.includes(u.feature)).map((u) => u.registry));
  for (const use of uses) {
    if (use.registry && unused.has(use.registry) && !NOT_FOR_WERF.includes(use.feature) && use.feature !== "blocked") continue;
    const ignoring = werf.filter((id) => !CONSUMERS[id].features[use.feature].honoured);
    if (ignoring.length === 0) continue;
    const others = honouredBy(use.feature).filter((id) => !werf.includes(id) && !id.startsWith("werf"));
    const leftOut = use.mirror && isDockerHubKey(use.registry!.prefix) ? leftOutBecause(use.feature, model.effectiveBackend) : undefined;
    const what = ignoring.map((id) => `${CONSUMERS[id].name} ${(CONSUMERS[id].features[use.feature] as { instead: string }).instead}`).join("; ");
    if (NOT_FOR_WERF.includes(use.feature) && use.registry) {
      if (seenRegistries.has(use.registry.prefix.key)) continue;
      seenRegistries.add(use.registry.prefix.key);
      out.push({
        severity: "warning",
        rule: "not-used-by-werf",
        message: `werf (${mode}) does not use the mirrors of \`${use.registry.prefix.key}\`: ${what}. ${honourClause(others, "use", "them")}: render those with \`werf-mirror render\``,
        origin: use.origin,
      });
      continue;
    }
    out.push({
      severity: "warning",
      rule: "werf-ignores",
      message: `werf (${mode}) does not honour ${FEATURES[use.feature]}${use.mirror ? ` of ${use.mirror.url.href}` : use.registry ? ` on \`${use.registry.prefix.key}\`` : ""}: ${what}${leftOut ? `. So werf-mirror leaves this mirror out of werf's hand-off: ${leftOut}` : ""}${others.length ? `; ${honourClause(others, "honour")}` : ""}`,
      origin: use.origin,
    });
  }
  return out;
}
