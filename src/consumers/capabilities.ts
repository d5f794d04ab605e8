// What each consumer of a mirrors configuration honours, in one table: lint findings, render
// warnings, `config --explain --for werf` and the README's table all read it, so that a claim
// such as "BuildKit honours digest-only" is written once. Each `instead` is one sentence of what
// the consumer does with the setting, checked against its source (the `source` field names where;
// werf's lines are v2.77.1's, the same code in v3.2.0 sits at the noted lines).
import type { Mirror, Model, Origin, Registry } from "../config/types.js";
import { isDockerHub } from "../config/addresses.js";
import { isCidr, splitByShape } from "../backends/common.js";
import type { RenderWarning } from "../backends/types.js";

/** A setting of the configuration that a consumer may or may not honour. */
export type Feature =
  | "other-registry"
  | "namespaced-key"
  | "wildcard-key"
  | "mirror-path"
  | "pull-digest-only"
  | "pull-tag-only"
  | "no-fallback"
  | "blocked"
  | "http-mirror"
  | "insecure-https"
  | "mirror-ca"
  | "insecure-registry"
  | "insecure-cidr"
  | "search-registries"
  | "ipv6-mirror"
  | "mirror-path-host-like"
  | "mirror-path-charset"
  | "tls-conflict"
  | "mirror-host-insecure"
  | "ca-per-host"
  | "loopback-registry";

export const FEATURES: Record<Feature, string> = {
  "other-registry": "mirrors of a registry other than docker.io",
  "namespaced-key": "a registry key with a namespace (`docker.io/library`)",
  "wildcard-key": "a wildcard registry key (`*.example.com`)",
  "mirror-path": "a mirror URL with a path (a namespace on the mirror)",
  "pull-digest-only": "`pull: digest-only`",
  "pull-tag-only": "`pull: tag-only`",
  "no-fallback": "`fallback: false`",
  blocked: "`blocked: true`",
  "http-mirror": "an http:// mirror",
  "insecure-https": "`insecure: true` on an https mirror",
  "mirror-ca": "a mirror's `ca` file",
  "insecure-registry": "`insecureRegistries` entries (host[:port])",
  "insecure-cidr": "`insecureRegistries` address ranges (CIDR)",
  "search-registries": "`unqualifiedSearchRegistries`",
  "ipv6-mirror": "a mirror on an IPv6 address",
  "mirror-path-host-like": "a mirror path whose first segment contains `.` (`/cache.v2/...`)",
  "mirror-path-charset": "a mirror path with characters other than a-z, 0-9, `.`, `_`, `-` and `/` (upper case, `~`)",
  "tls-conflict": "different TLS settings for mirrors on one host (verified, `insecure: true`, http://)",
  "mirror-host-insecure": "a verified https mirror whose host is also in `insecureRegistries`",
  "ca-per-host": "different `ca` files for mirrors on one host",
  "loopback-registry": "https for a loopback registry (localhost, 127.0.0.0/8, ::1) that is not in `insecureRegistries`",
};

export type ConsumerId = "werf-buildah" | "werf-api" | "dockerd" | "registries-conf" | "containerd" | "buildkit" | "k3s" | "kaniko";

/**
 * `instead`: what the consumer does with the setting. `limit`: the case an honoured setting still
 * cannot be expressed in (registries.conf and `fallback: false` on a wildcard key).
 */
export type Support = { honoured: true; how?: string; limit?: string } | { honoured: false; instead: string; source?: string };

export interface Consumer {
  id: ConsumerId;
  /** How messages name it: "werf's Buildah backend", "dockerd (daemon.json)". */
  name: string;
  /** Short name for lists: "BuildKit". */
  short: string;
  features: Record<Feature, Support>;
}

const yes = (how?: string, limit?: string): Support => ({ honoured: true, ...(how ? { how } : {}), ...(limit ? { limit } : {}) });
const no = (instead: string, source?: string): Support => (source ? { honoured: false, instead, source } : { honoured: false, instead });

const WERF_CONF = "werf pkg/buildah/registries_config_linux.go";
const WERF_NATIVE = "werf pkg/buildah/native_linux.go";
const WERF_API = "werf pkg/docker_registry/generic_api.go";
const CONTAINERD_V1_HOSTS = "containerd v1.7 remotes/docker/config/hosts.go parseHostsFile (toml.LoadBytes, go-toml v1.9)";
const BUILDKIT_RESOLVER = "buildkit util/resolver/resolver.go fillInsecureOpts";
const KANIKO_REMOTE = "kaniko pkg/image/remote/remote.go remapRepository; go-containerregistry pkg/name NewRepository";
const KANIKO_TLS = "kaniko pkg/util/transport_util.go MakeTransport; pkg/config/args.go keyValueArg";
const REGCONF_LAST_MIRROR =
  "makes the last mirror the location for `fallback: false`, and the location serves every pull, so that mirror's pull policy cannot apply";
const K3S_HOSTS = "k3s pkg/agent/containerd/config.go getHostConfigs; rancher/wharfie pkg/registries/types.go";

export const CONSUMERS: Record<ConsumerId, Consumer> = {
  "werf-buildah": {
    id: "werf-buildah",
    name: "werf's Buildah backend",
    short: "werf (Buildah)",
    features: {
      "other-registry": no("uses mirrors of docker.io only and pulls every other registry directly", `${WERF_CONF}:217-225`),
      "namespaced-key": no("reads mirrors only from entries whose prefix is exactly docker.io, so this key's mirrors are not used", `${WERF_CONF}:217-225`),
      "wildcard-key": no("reads mirrors only from entries whose prefix is exactly docker.io, so this key's mirrors are not used", `${WERF_CONF}:217-225`),
      "mirror-path": yes("the path is kept in the mirror's location (a namespace on the mirror)"),
      "pull-digest-only": no(
        "uses the mirror for every pull, tags included (the registries.conf it writes has no pull-from-mirror)",
        `${WERF_CONF}:31-34, ${WERF_NATIVE}:296-299`,
      ),
      "pull-tag-only": no(
        "uses the mirror for every pull, digests included (the registries.conf it writes has no pull-from-mirror)",
        `${WERF_CONF}:31-34, ${WERF_NATIVE}:296-299`,
      ),
      "no-fallback": no("always tries docker.io itself after its mirrors (the registries.conf it writes has location = docker.io)", `${WERF_NATIVE}:292-294`),
      blocked: no("cannot block a registry (it does not read `blocked`)", `${WERF_CONF}:24-29`),
      "http-mirror": yes("through the handed registries.conf (`insecure = true`); werf's environment variables refuse http://"),
      "insecure-https": yes("through the handed registries.conf alone (`insecure = true`); listed in werf's variables too it would be verified"),
      "mirror-ca": no(
        "does not read `ca`; it verifies with /etc/containers/certs.d/<host>/ca.crt (rootless: ~/.config/containers/certs.d) and the system roots",
      ),
      "insecure-registry": yes("from registries.conf entries with `insecure = true`"),
      "insecure-cidr": no("takes insecure registries from registries.conf entries, which name hosts, not address ranges", `${WERF_CONF}:144-186`),
      "search-registries": no('always searches docker.io only (its registries.conf sets unqualified-search-registries = ["docker.io"])', `${WERF_NATIVE}:290`),
      "ipv6-mirror": yes(),
      "mirror-path-host-like": yes("the path is kept in the mirror's location"),
      "mirror-path-charset": no(
        "rewrites the image reference to <mirror>/<path>/<repository> and parses it; upper case or `~` make it invalid and the pull fails",
        "containers/image pkg/sysregistriesv2 rewriteReference",
      ),
      "tls-conflict": yes("`insecure` is per mirror in the registries.conf it writes"),
      "mirror-host-insecure": yes("a mirror's `insecure` is its own"),
      "ca-per-host": yes("certs.d/<host>/ takes several *.crt files"),
      "loopback-registry": yes(),
    },
  },
  "werf-api": {
    id: "werf-api",
    name: "werf's registry API (base-image lookups)",
    short: "werf (registry API)",
    features: {
      "other-registry": no("asks mirrors for Docker Hub references only", `${WERF_API}:135-138`),
      "namespaced-key": no("asks every mirror for every Docker Hub reference; a key below docker.io is not read", `${WERF_API}:140-157`),
      "wildcard-key": no("asks mirrors for Docker Hub references only", `${WERF_API}:135-138`),
      "mirror-path": no("drops the mirror's path and asks <host>/v2/<repository>/..., then docker.io", `${WERF_API}:146-150`),
      "pull-digest-only": no("asks the mirror for tags and digests alike", `${WERF_API}:148-154`),
      "pull-tag-only": no("asks the mirror for tags and digests alike", `${WERF_API}:148-154`),
      "no-fallback": no("always asks docker.io itself after its mirrors", `${WERF_API}:101-124`),
      blocked: no("cannot block a registry"),
      "http-mirror": yes("the host of an http:// mirror becomes an insecure host"),
      "insecure-https": yes("when handed as http:// (through registries.conf in Buildah mode, or dockerd's insecure-registries in Docker mode)"),
      "mirror-ca": yes(
        "through SSL_CERT_FILE: it verifies with Go's system roots only, never certs.d, so the hand-off gives it a bundle of the system roots and the mirrors' CAs",
      ),
      "insecure-registry": yes(),
      "insecure-cidr": yes("in Docker mode, from the daemon's insecure registries"),
      "search-registries": no("expands short names to docker.io only"),
      "ipv6-mirror": yes(),
      "mirror-path-host-like": yes("the path is dropped anyway"),
      "mirror-path-charset": yes("the path is dropped anyway"),
      "tls-conflict": no("keeps one list of insecure hosts, so every mirror on the host of an http:// mirror is insecure", `${WERF_API}:127-160`),
      "mirror-host-insecure": no("keeps one list of insecure hosts"),
      "ca-per-host": yes("through the SSL_CERT_FILE bundle of every mirror's CA"),
      "loopback-registry": yes(),
    },
  },
  dockerd: {
    id: "dockerd",
    name: "dockerd (daemon.json)",
    short: "dockerd",
    features: {
      "other-registry": no("uses mirrors of docker.io only"),
      "namespaced-key": no("applies its mirrors to all of Docker Hub, not to one namespace"),
      "wildcard-key": no("uses mirrors of docker.io only"),
      "mirror-path": no("puts a mirror's path before /v2 (Engine 24+) or refuses to start (older), so a path mirror is left out of daemon.json"),
      "pull-digest-only": no("uses every mirror for every pull, tags included, so a digest-only mirror is left out of daemon.json"),
      "pull-tag-only": no("uses every mirror for every pull"),
      "no-fallback": no("always falls back to Docker Hub after its mirrors"),
      blocked: no("cannot block a registry"),
      "http-mirror": yes("with the host in insecure-registries"),
      "insecure-https": yes("with the host in insecure-registries"),
      "mirror-ca": no("does not read a CA from daemon.json; it reads the *.crt files in /etc/docker/certs.d/<host>/"),
      "insecure-registry": yes(),
      "insecure-cidr": yes(),
      "search-registries": no("expands short names to docker.io only"),
      "ipv6-mirror": yes(),
      "mirror-path-host-like": no("leaves path mirrors out of daemon.json"),
      "mirror-path-charset": no("leaves path mirrors out of daemon.json"),
      "tls-conflict": no("keeps insecure-registries per host, so every mirror on such a host is used without verification"),
      "mirror-host-insecure": no("keeps insecure-registries per host, so the mirror is used without verification (and over plain http if https fails)"),
      "ca-per-host": yes("certs.d/<host>/ takes several *.crt files"),
      "loopback-registry": no("treats 127.0.0.0/8 as insecure: https without verification, then plain http"),
    },
  },
  "registries-conf": {
    id: "registries-conf",
    name: "buildah/podman/skopeo/CRI-O (registries.conf)",
    short: "buildah/podman/skopeo/CRI-O (registries.conf)",
    features: {
      "other-registry": yes(),
      "namespaced-key": yes(),
      "wildcard-key": yes(),
      "mirror-path": yes(),
      "pull-digest-only": yes(undefined, REGCONF_LAST_MIRROR),
      "pull-tag-only": yes(undefined, REGCONF_LAST_MIRROR),
      "no-fallback": yes(
        "the last mirror becomes the location",
        "allows no location for a wildcard prefix (containers/image), so the matched registries are still tried after the mirrors",
      ),
      blocked: yes(),
      "http-mirror": yes(),
      "insecure-https": yes(),
      "mirror-ca": no("cannot name a CA file; it reads the *.crt files in /etc/containers/certs.d/<host>/ (rootless: ~/.config/containers/certs.d/<host>/)"),
      "insecure-registry": yes(),
      "insecure-cidr": no("cannot mark an address range insecure"),
      "search-registries": yes(),
      "ipv6-mirror": yes(),
      "mirror-path-host-like": yes(),
      "mirror-path-charset": no(
        "rewrites the image reference to <mirror>/<path>/<repository> and parses it; upper case or `~` make it invalid and the pull fails",
        "containers/image pkg/sysregistriesv2 rewriteReference",
      ),
      "tls-conflict": yes("`insecure` is per mirror"),
      "mirror-host-insecure": yes("a mirror's `insecure` is its own; the insecure registry's entry applies to its own images"),
      "ca-per-host": yes("certs.d/<host>/ takes several *.crt files"),
      "loopback-registry": yes(),
    },
  },
  containerd: {
    id: "containerd",
    name: "containerd (hosts.toml)",
    short: "containerd",
    features: {
      "other-registry": yes(),
      "namespaced-key": no("configures whole hosts, not namespaces"),
      "wildcard-key": no("has no wildcard host directories"),
      "mirror-path": yes("as override_path /v2<path>"),
      "pull-digest-only": yes('as capabilities ["pull"]'),
      "pull-tag-only": no("cannot restrict a mirror to tag pulls (capabilities are pull and resolve); it is used for every pull"),
      "no-fallback": yes("the last mirror becomes the server"),
      blocked: no("cannot block a registry"),
      "http-mirror": yes(),
      "insecure-https": yes("as skip_verify"),
      "mirror-ca": yes(),
      "insecure-registry": yes(),
      "insecure-cidr": no("cannot mark an address range insecure"),
      "search-registries": no("has no search registries (short names are expanded by the client)"),
      "ipv6-mirror": no(
        '1.6 and 1.7 read hosts.toml with go-toml v1, which cannot read a `[host."..."]` key holding an IPv6 address, and ignore the whole file (2.x reads it; 2.x reads mirrors only from such tables, so no spelling serves both)',
        CONTAINERD_V1_HOSTS,
      ),
      "mirror-path-host-like": yes(),
      "mirror-path-charset": yes(),
      "tls-conflict": yes('TLS settings are per [host."<url>"] table'),
      "mirror-host-insecure": yes("the insecure registry's hosts.toml applies to its own images"),
      "ca-per-host": yes('`ca` is per [host."<url>"] table'),
      "loopback-registry": yes('`server = "https://..."`'),
    },
  },
  buildkit: {
    id: "buildkit",
    name: "BuildKit (buildkitd.toml)",
    short: "BuildKit",
    features: {
      "other-registry": yes(),
      "namespaced-key": no("mirrors whole hosts, not namespaces"),
      "wildcard-key": no("has no wildcard registry entries"),
      "mirror-path": yes(),
      "pull-digest-only": no("uses every mirror for every pull"),
      "pull-tag-only": no("uses every mirror for every pull"),
      "no-fallback": no("always falls back to the registry after its mirrors"),
      blocked: no("cannot block a registry"),
      "http-mirror": yes(),
      "insecure-https": yes(),
      "mirror-ca": yes(),
      "insecure-registry": yes(),
      "insecure-cidr": no("cannot mark an address range insecure"),
      "search-registries": no("has no search registries"),
      "ipv6-mirror": yes("as inline tables under [registry], which go-toml v1 (BuildKit up to v0.27, buildx --buildkitd-config) and v2 read alike"),
      "mirror-path-host-like": yes(),
      "mirror-path-charset": yes(),
      "tls-conflict": no('keeps http, insecure and ca per host ([registry."<host:port>"]), shared by every mirror on it', BUILDKIT_RESOLVER),
      "mirror-host-insecure": no("keeps http and insecure per host, so the mirror is used without verification and over plain http", BUILDKIT_RESOLVER),
      "ca-per-host": yes("as the host's `ca` list"),
      "loopback-registry": yes("as `http = false`: without it BuildKit reaches loopback hosts over plain http and ignores their `ca`"),
    },
  },
  k3s: {
    id: "k3s",
    name: "k3s/RKE2 (registries.yaml)",
    short: "k3s/RKE2",
    features: {
      "other-registry": yes(),
      "namespaced-key": no("mirrors whole hosts, not namespaces"),
      "wildcard-key": no('has no `*.domain` entries (its `"*"` means every registry)'),
      "mirror-path": yes("as override_path"),
      "pull-digest-only": no("uses every mirror for every pull"),
      "pull-tag-only": no("uses every mirror for every pull"),
      "no-fallback": no(
        "always tries the registry itself last: the node-wide --disable-default-registry-endpoint only leaves out containerd's `server`, not for a registry that also has a `configs` entry, and upstream containerd falls back to the registry without `server` too",
        K3S_HOSTS,
      ),
      blocked: no("cannot block a registry"),
      "http-mirror": yes(),
      "insecure-https": yes("as insecure_skip_verify"),
      "mirror-ca": yes("as ca_file"),
      "insecure-registry": yes(),
      "insecure-cidr": no("cannot mark an address range insecure"),
      "search-registries": no("has no search registries"),
      "ipv6-mirror": no(
        'writes each endpoint as a `[host."<url>"]` table of containerd\'s hosts.toml, which containerd 1.6/1.7 (go-toml v1) cannot read when the URL holds an IPv6 address; k3s releases that embed containerd 1.x then ignore the whole file',
        K3S_HOSTS,
      ),
      "mirror-path-host-like": yes(),
      "mirror-path-charset": yes(),
      "tls-conflict": no("keeps TLS settings per host (configs.<host:port>.tls), shared by every https endpoint on it", K3S_HOSTS),
      "mirror-host-insecure": no("keeps TLS settings per host (configs.<host:port>.tls), so the mirror is used without verification", K3S_HOSTS),
      "ca-per-host": yes("as one bundle file per host (`ca_file` names one file)"),
      "loopback-registry": no("reaches a loopback registry with a port other than 443 over plain http as its default endpoint", K3S_HOSTS),
    },
  },
  kaniko: {
    id: "kaniko",
    name: "kaniko (kaniko.args)",
    short: "kaniko",
    features: {
      "other-registry": yes("through --registry-map"),
      "namespaced-key": no("maps whole registries, not namespaces"),
      "wildcard-key": no("maps registries by exact host"),
      "mirror-path": yes(),
      "pull-digest-only": no("uses every mirror for every pull"),
      "pull-tag-only": no("uses every mirror for every pull"),
      "no-fallback": no("has one switch for every registry (--skip-default-registry-fallback)"),
      blocked: no("cannot block a registry"),
      "http-mirror": yes("with --insecure-registry"),
      "insecure-https": yes("with --skip-tls-verify-registry"),
      "mirror-ca": yes("with --registry-certificate"),
      "insecure-registry": yes(),
      "insecure-cidr": no("takes insecure registries by name, not address ranges"),
      "search-registries": no("has no search registries"),
      "ipv6-mirror": yes(),
      "mirror-path-host-like": no(
        "reads a first path segment with `.` as a registry name (go-containerregistry's pkg/name), so the mirror is silently not used",
        KANIKO_REMOTE,
      ),
      "mirror-path-charset": no(
        "refuses a repository with characters outside a-z, 0-9, `_`, `-`, `.` and `/`, and fails the pull without trying the next mirror or the registry",
        KANIKO_REMOTE,
      ),
      "tls-conflict": no("keeps --insecure-registry, --skip-tls-verify-registry and --registry-certificate per host, shared by every mirror on it", KANIKO_TLS),
      "mirror-host-insecure": no(
        "keeps --insecure-registry and --skip-tls-verify-registry per host, so the mirror is used without verification and over plain http",
        KANIKO_TLS,
      ),
      "ca-per-host": yes("as one bundle file per host (--registry-certificate keeps the last file per host)"),
      "loopback-registry": yes(),
    },
  },
};

/** The consumers that honour a feature, for "... honour it" in messages. */
export function honouredBy(feature: Feature, among: ConsumerId[] = Object.keys(CONSUMERS) as ConsumerId[]): ConsumerId[] {
  return among.filter((id) => CONSUMERS[id].features[feature].honoured);
}

/** "a, b and c" of the consumers' short names. */
export function listConsumers(ids: ConsumerId[]): string {
  const names = ids.map((id) => CONSUMERS[id].short);
  return names.length <= 1 ? (names[0] ?? "no consumer") : `${names.slice(0, -1).join(", ")} and ${names[names.length - 1]}`;
}

/** "X honours it" / "X and Y honour it"; empty when none does. */
export function honourClause(ids: ConsumerId[], verb: "honour" | "use", object = "it"): string {
  if (ids.length === 0) return "";
  return `${listConsumers(ids)} ${ids.length === 1 ? `${verb}s` : verb} ${object}`;
}

/** The werf consumers for a backend: Buildah mode pulls with werf's Buildah; Docker mode with dockerd. */
export function werfConsumers(backend: "docker" | "buildah"): ConsumerId[] {
  return backend === "buildah" ? ["werf-buildah", "werf-api"] : ["dockerd", "werf-api"];
}

/** One use of a feature in the model, with where it was written. */
export interface FeatureUse {
  feature: Feature;
  /** The registry it is set on; none for top-level lists. */
  registry?: Registry;
  mirror?: Mirror;
  origin: Origin;
}

/** Every feature the model uses, per registry and mirror, in declared order. */
export function featureUses(model: Model): FeatureUse[] {
  const uses: FeatureUse[] = [];
  for (const reg of model.registries) {
    const hub = isDockerHub(reg.prefix);
    const at = (feature: Feature, mirror?: Mirror) =>
      uses.push({ feature, registry: reg, ...(mirror ? { mirror } : {}), origin: mirror?.origin ?? reg.origin });
    const withMirrors = reg.mirrors.length > 0;
    if (withMirrors && !hub && !reg.prefix.wildcard) at("other-registry");
    if (withMirrors && reg.prefix.wildcard) at("wildcard-key");
    if (withMirrors && reg.prefix.namespace) at("namespaced-key");
    for (const m of reg.mirrors) {
      if (m.url.path) at("mirror-path", m);
      const pull = pullFeature(m);
      if (pull) at(pull, m);
      if (m.url.scheme === "http") at("http-mirror", m);
      else if (m.insecure) at("insecure-https", m);
      if (m.ca && m.url.scheme === "https" && !m.insecure) at("mirror-ca", m); // else never used (lint: ca-unused)
    }
    if (!reg.fallback && withMirrors) at("no-fallback");
    if (reg.blocked) at("blocked");
  }
  // Top-level lists: their entries' origins are recorded as `insecureRegistries[i]` etc.
  const originOf = (path: string) => model.explained.find((e) => e.path === path)?.origin ?? { kind: "default" as const };
  model.insecureRegistries.forEach((entry, i) =>
    uses.push({ feature: isCidr(entry) ? "insecure-cidr" : "insecure-registry", origin: originOf(`insecureRegistries[${i}]`) }),
  );
  if (model.unqualifiedSearchRegistries.length > 0) uses.push({ feature: "search-registries", origin: originOf("unqualifiedSearchRegistries[0]") });
  return uses;
}

/** The consumers render writes files for (werf's own two are handed off, not rendered). */
export const RENDERED_CONSUMERS: ConsumerId[] = ["registries-conf", "dockerd", "containerd", "buildkit", "k3s", "kaniko"];

/**
 * A render warning for a setting `consumer` cannot express, worded from the table: the setting,
 * the mirror or value it is about, what the consumer does instead, and the renderer's advice
 * (`extra`: what to do, "nothing rendered for it", ...). Every renderer's gap warnings come from
 * here, so a consumer fact is written once.
 */
export function gapWarning(consumer: ConsumerId, feature: Feature, registry: string, subject?: Mirror | string, extra?: string): RenderWarning {
  const c = CONSUMERS[consumer];
  const support = c.features[feature];
  const does = support.honoured ? support.limit : support.instead;
  if (does === undefined) throw new Error(`${consumer} honours ${feature}: there is no gap to warn about`);
  const about = typeof subject === "string" ? subject : subject?.url.href;
  const message = `${FEATURES[feature]}${about ? ` for ${about}` : ""} cannot be expressed: ${c.short} ${does}${extra ? `; ${extra}` : ""}`;
  return { registry, consumer: c.name, message, feature, ...(about ? { subject: about } : {}) };
}

/** `gapWarning` bound to one consumer and the renderer's warning list. */
export function gapCollector(consumer: ConsumerId, warnings: RenderWarning[]) {
  return (feature: Feature, registry: string, subject?: Mirror | string, extra?: string): void =>
    void warnings.push(gapWarning(consumer, feature, registry, subject, extra));
}

/** The feature a mirror's pull policy uses, if any. */
export function pullFeature(m: Mirror): Feature | undefined {
  return m.pull === "digest-only" ? "pull-digest-only" : m.pull === "tag-only" ? "pull-tag-only" : undefined;
}

/**
 * What no consumer keyed by host[:port] (containerd, BuildKit, k3s, kaniko) can express, in the
 * same words for each: wildcard and namespaced keys (nothing rendered for them), address ranges
 * in insecureRegistries, and search registries.
 */
export function hostKeyedGaps(consumer: ConsumerId, model: Model): RenderWarning[] {
  const warnings: RenderWarning[] = [];
  const gap = gapCollector(consumer, warnings);
  const { wildcard, namespaced } = splitByShape(model.registries);
  for (const reg of wildcard) gap("wildcard-key", reg.prefix.key, undefined, "write one entry per registry host (nothing rendered for it)");
  for (const reg of namespaced)
    gap("namespaced-key", reg.prefix.key, undefined, `use \`${reg.prefix.hostPort}\` as the key to mirror all of it (nothing rendered for ${reg.prefix.key})`);
  for (const cidr of model.insecureRegistries.filter(isCidr)) gap("insecure-cidr", cidr, undefined, "list its registries as host[:port] in insecureRegistries");
  if (model.unqualifiedSearchRegistries.length > 0)
    gap("search-registries", "unqualifiedSearchRegistries", undefined, othersHonouring("search-registries", consumer));
  return warnings;
}

/** "X, Y and Z honour it": the other rendered consumers that honour `feature`; empty when none. */
export function othersHonouring(feature: Feature, self: ConsumerId, verb: "honour" | "use" = "honour", object = "it"): string {
  return honourClause(
    honouredBy(
      feature,
      RENDERED_CONSUMERS.filter((id) => id !== self),
    ),
    verb,
    object,
  );
}

/**
 * What a mirror's path means to consumers that parse `<path>/<repository>` as an image name
 * (kaniko through go-containerregistry, registries.conf through containers/image): a first
 * segment with `.` makes it a registry name, a character outside a repository name's fails it.
 */
export function mirrorPathFeatures(m: Mirror): Feature[] {
  const out: Feature[] = [];
  if (/[^a-z0-9._/-]/.test(m.url.path)) out.push("mirror-path-charset");
  if (/^\/[^/]*[.:]/.test(m.url.path)) out.push("mirror-path-host-like");
  return out;
}
