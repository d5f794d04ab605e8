// Semantic checks that a schema cannot express, on the merged model. Each rule has an id, a
// severity and a message that says what to do. Syntax-level rules (credentials in URLs,
// wildcards, schemes...) are reported while parsing, in addresses.ts and model.ts.
import type { Diagnostic, Model, Registry } from "./types.js";
import { DOCKER_HUB_ALIASES, isDockerHub } from "./addresses.js";

export interface RuleContext {
  /** Whether a file exists; injected so the rules stay pure. */
  fileExists: (path: string) => boolean;
}

/** Consumers that use mirrors of registries other than docker.io. */
const NON_HUB_CONSUMERS =
  "buildah/podman/skopeo/CRI-O (registries.conf), containerd (hosts.toml), BuildKit (buildkitd.toml) and k3s/RKE2 (registries.yaml)";

export function checkModel(model: Model, ctx: RuleContext): Diagnostic[] {
  const out: Diagnostic[] = [];
  for (const reg of model.registries) checkRegistry(model, reg, ctx, out);
  return out;
}

function checkRegistry(model: Model, reg: Registry, ctx: RuleContext, out: Diagnostic[]): void {
  const hub = isDockerHub(reg.prefix);
  const key = reg.prefix.key;
  for (const m of reg.mirrors) {
    const sameHost =
      m.url.hostPort === reg.prefix.hostPort || (hub && DOCKER_HUB_ALIASES.includes(m.url.host) && m.url.port === undefined);
    if (sameHost && (m.url.path === "" || m.url.path === `/${reg.prefix.namespace}`)) {
      out.push({
        severity: "error",
        rule: "mirror-is-registry",
        message: `this mirror is \`${key}\` itself; a mirror must be another host (a proxy cache), or remove it`,
        origin: m.origin,
      });
    }
    if (m.ca && !ctx.fileExists(m.ca)) {
      out.push({ severity: "warning", rule: "ca-missing", message: `the CA file ${m.ca} does not exist; fix the path (relative to the config file)`, origin: m.origin });
    }
    if (m.ca && m.url.scheme === "http") {
      out.push({ severity: "warning", rule: "ca-unused", message: "an http:// mirror has no TLS, so its `ca` is never used; use https:// or remove `ca`", origin: m.origin });
    } else if (m.ca && m.insecure) {
      out.push({ severity: "warning", rule: "ca-unused", message: "`insecure: true` skips TLS verification, so `ca` is never used; remove one of them", origin: m.origin });
    }
    if (hub && m.url.scheme === "http") {
      out.push({
        severity: "warning",
        rule: "werf-http-mirror",
        message:
          "werf accepts only https mirrors in WERF_CONTAINER_REGISTRY_MIRROR_*, so this mirror is handed to werf through registries.conf only (Buildah backend); dockerd needs it in insecure-registries as well",
        origin: m.origin,
      });
    }
    if (hub && model.effectiveBackend === "docker") checkDockerDaemon(m, out);
  }
  if (!hub && reg.mirrors.length > 0) {
    out.push({
      severity: "warning",
      rule: "not-used-by-werf",
      message: `werf and the Docker daemon use mirrors of docker.io only; the mirrors of \`${key}\` are used by ${NON_HUB_CONSUMERS}: render those with \`werf-mirror render\``,
      origin: reg.origin,
    });
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

/** What dockerd's `registry-mirrors` cannot express, and which consumers can. */
function checkDockerDaemon(m: Registry["mirrors"][number], out: Diagnostic[]): void {
  const say = (what: string, who: string) =>
    out.push({ severity: "warning", rule: "docker-daemon-limit", message: `${what}; ${who} honour it`, origin: m.origin });
  if (m.url.path) {
    say(
      "dockerd cannot use a namespaced mirror path: Engine before 24 refuses to start with it, and 24+ reads the path as the registry API's location, so `render` leaves this mirror out of daemon.json",
      "buildah/podman (registries.conf), containerd, BuildKit, k3s and kaniko",
    );
  }
  if (m.pull !== "all") {
    say(
      `dockerd cannot restrict a mirror to ${m.pull} pulls and uses it for every pull`,
      m.pull === "digest-only" ? "buildah/podman/skopeo/CRI-O (registries.conf) and containerd" : "buildah/podman/skopeo/CRI-O (registries.conf)",
    );
  }
  if (m.ca) {
    say("dockerd does not read `ca` from daemon.json (it uses /etc/docker/certs.d/<host>/ca.crt)", "containerd, BuildKit and k3s");
  }
}
