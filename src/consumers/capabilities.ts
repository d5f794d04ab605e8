// What each consumer of a mirrors configuration honours, in one table: lint findings, render
// warnings, `config --explain --for werf` and the README's table all read it, so that a claim
// such as "BuildKit honours digest-only" is written once. Each `instead` is one sentence of what
// the consumer does with the setting, checked against its source (the `source` field names where;
// werf's lines are v2.77.1's, the same code in v3.2.0 sits at the noted lines).
import type { Mirror, Model, Origin, Registry } from "../config/types.js";
import { isDockerHub } from "../config/addresses.js";
import { isCidr } from "../backends/common.js";

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
  | "search-registries";

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
};

export type ConsumerId = "werf-buildah" | "werf-api" | "dockerd" | "registries-conf" | "containerd" | "buildkit" | "k3s" | "kaniko";

export type Support = { honoured: true; how?: string } | { honoured: false; instead: string; source?: string };

export interface Consumer {
  id: ConsumerId;
  /** How messages name it: "werf's Buildah backend", "dockerd (daemon.json)". */
  name: string;
  /** Short name for lists: "BuildKit". */
  short: string;
  features: Record<Feature, Support>;
}

const yes = (how?: string): Support => (how ? { honoured: true, how } : { honoured: true });
const no = (instead: string, source?: string): Support => (source ? { honoured: false, instead, source } : { honoured: false, instead });

const WERF_CONF = "werf pkg/buildah/registries_config_linux.go";
const WERF_NATIVE = "werf pkg/buildah/native_linux.go";
const WERF_API = "werf pkg/docker_registry/generic_api.go";

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
      "pull-digest-only": no("uses the mirror for every pull, tags included (the registries.conf it writes has no pull-from-mirror)", `${WERF_CONF}:31-34, ${WERF_NATIVE}:296-299`),
      "pull-tag-only": no("uses the mirror for every pull, digests included (the registries.conf it writes has no pull-from-mirror)", `${WERF_CONF}:31-34, ${WERF_NATIVE}:296-299`),
      "no-fallback": no("always tries docker.io itself after its mirrors (the registries.conf it writes has location = docker.io)", `${WERF_NATIVE}:292-294`),
      blocked: no("cannot block a registry (it does not read `blocked`)", `${WERF_CONF}:24-29`),
      "http-mirror": yes("through the handed registries.conf (`insecure = true`); werf's environment variables refuse http://"),
      "insecure-https": yes("through the handed registries.conf alone (`insecure = true`); listed in werf's variables too it would be verified"),
      "mirror-ca": no("does not read `ca`; it verifies with /etc/containers/certs.d/<host>/ca.crt (rootless: ~/.config/containers/certs.d) and the system roots"),
      "insecure-registry": yes("from registries.conf entries with `insecure = true`"),
      "insecure-cidr": no("takes insecure registries from registries.conf entries, which name hosts, not address ranges", `${WERF_CONF}:144-186`),
      "search-registries": no("always searches docker.io only (its registries.conf sets unqualified-search-registries = [\"docker.io\"])", `${WERF_NATIVE}:290`),
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
      "mirror-ca": yes("through SSL_CERT_FILE: it verifies with Go's system roots only, never certs.d, so the hand-off gives it a bundle of the system roots and the mirrors' CAs"),
      "insecure-registry": yes(),
      "insecure-cidr": yes("in Docker mode, from the daemon's insecure registries"),
      "search-registries": no("expands short names to docker.io only"),
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
      "pull-digest-only": no("uses every mirror for every pull"),
      "pull-tag-only": no("uses every mirror for every pull"),
      "no-fallback": no("always falls back to Docker Hub after its mirrors"),
      blocked: no("cannot block a registry"),
      "http-mirror": yes("with the host in insecure-registries"),
      "insecure-https": yes("with the host in insecure-registries"),
      "mirror-ca": no("does not read a CA from daemon.json; it uses /etc/docker/certs.d/<host>/ca.crt"),
      "insecure-registry": yes(),
      "insecure-cidr": yes(),
      "search-registries": no("expands short names to docker.io only"),
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
      "pull-digest-only": yes(),
      "pull-tag-only": yes(),
      "no-fallback": yes("the last mirror becomes the location (not for wildcard keys)"),
      blocked: yes(),
      "http-mirror": yes(),
      "insecure-https": yes(),
      "mirror-ca": no("cannot name a CA file; it reads /etc/containers/certs.d/<host>/ca.crt (rootless: ~/.config/containers/certs.d/<host>/ca.crt)"),
      "insecure-registry": yes(),
      "insecure-cidr": no("cannot mark an address range insecure"),
      "search-registries": yes(),
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
      "pull-digest-only": yes("as capabilities [\"pull\"]"),
      "pull-tag-only": no("cannot restrict a mirror to tag pulls (capabilities are pull and resolve); it is used for every pull"),
      "no-fallback": yes("the last mirror becomes the server"),
      blocked: no("cannot block a registry"),
      "http-mirror": yes(),
      "insecure-https": yes("as skip_verify"),
      "mirror-ca": yes(),
      "insecure-registry": yes(),
      "insecure-cidr": no("cannot mark an address range insecure"),
      "search-registries": no("has no search registries (short names are expanded by the client)"),
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
    },
  },
  k3s: {
    id: "k3s",
    name: "k3s/RKE2 (registries.yaml)",
    short: "k3s/RKE2",
    features: {
      "other-registry": yes(),
      "namespaced-key": no("mirrors whole hosts, not namespaces"),
      "wildcard-key": no("has no `*.domain` entries (its `\"*\"` means every registry)"),
      "mirror-path": yes("as override_path"),
      "pull-digest-only": no("uses every mirror for every pull"),
      "pull-tag-only": no("uses every mirror for every pull"),
      "no-fallback": no("always tries the registry itself last"),
      blocked: no("cannot block a registry"),
      "http-mirror": yes(),
      "insecure-https": yes("as insecure_skip_verify"),
      "mirror-ca": yes("as ca_file"),
      "insecure-registry": yes(),
      "insecure-cidr": no("cannot mark an address range insecure"),
      "search-registries": no("has no search registries"),
    },
  },
  kaniko: {
    id: "kaniko",
    name: "kaniko (flags)",
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
    const at = (feature: Feature, mirror?: Mirror) => uses.push({ feature, registry: reg, ...(mirror ? { mirror } : {}), origin: mirror?.origin ?? reg.origin });
    const withMirrors = reg.mirrors.length > 0;
    if (withMirrors && !hub && !reg.prefix.wildcard) at("other-registry");
    if (withMirrors && reg.prefix.wildcard) at("wildcard-key");
    if (withMirrors && reg.prefix.namespace) at("namespaced-key");
    for (const m of reg.mirrors) {
      if (m.url.path) at("mirror-path", m);
      if (m.pull === "digest-only") at("pull-digest-only", m);
      if (m.pull === "tag-only") at("pull-tag-only", m);
      if (m.url.scheme === "http") at("http-mirror", m);
      else if (m.insecure) at("insecure-https", m);
      if (m.ca && m.url.scheme === "https" && !m.insecure) at("mirror-ca", m); // else never used (lint: ca-unused)
    }
    if (!reg.fallback && withMirrors) at("no-fallback");
    if (reg.blocked) at("blocked");
  }
  // Top-level lists: their entries' origins are recorded as `insecureRegistries[i]` etc.
  const originOf = (path: string) => model.explained.find((e) => e.path === path)?.origin ?? { kind: "default" as const };
  model.insecureRegistries.forEach((entry, i) => uses.push({ feature: isCidr(entry) ? "insecure-cidr" : "insecure-registry", origin: originOf(`insecureRegistries[${i}]`) }));
  if (model.unqualifiedSearchRegistries.length > 0) uses.push({ feature: "search-registries", origin: originOf("unqualifiedSearchRegistries[0]") });
  return uses;
}
