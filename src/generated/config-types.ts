/* Generated from schema/werf-mirror.schema.json by scripts/generate.mjs. Do not edit. */

/**
 * This interface was referenced by `WerfMirrorConfig`'s JSON-Schema
 * via the `definition` "mirror".
 */
export type Mirror = (MirrorUrl | MirrorObject)
/**
 * Mirror URL. Scheme optional (https assumed); a path selects a namespaced proxy cache.
 * 
 * This interface was referenced by `WerfMirrorConfig`'s JSON-Schema
 * via the `definition` "mirrorUrl".
 */
export type MirrorUrl = string
/**
 * What a mirror serves: all pulls, only pulls by digest, or only pulls by tag.
 * 
 * This interface was referenced by `WerfMirrorConfig`'s JSON-Schema
 * via the `definition` "pullPolicy".
 */
export type PullPolicy = ("all" | "digest-only" | "tag-only")
/**
 * A duration such as 500ms, 5s or 1m.
 * 
 * This interface was referenced by `WerfMirrorConfig`'s JSON-Schema
 * via the `definition` "duration".
 */
export type Duration = string

/**
 * werf-mirror configuration: one place for the registry mirrors of every werf build backend and container runtime.
 */
export interface WerfMirrorConfig {
/**
 * Optional schema reference for editors.
 */
$schema?: string
/**
 * Configuration format version. Always 1.
 */
version: 1
/**
 * werf's container backend. auto: buildah when WERF_BUILDAH_MODE selects a Buildah mode, docker otherwise.
 */
backend?: ("auto" | "docker" | "buildah")
/**
 * Mirrors per registry. Key: host[:port], host/namespace prefix, or *.example.com.
 */
registries?: {
[k: string]: Registry
}
/**
 * Registries reached over plain http or without TLS verification: host[:port] or an IPv4/IPv6 CIDR.
 */
insecureRegistries?: string[]
/**
 * Registries tried, in order, for short image names such as alpine (host[:port] only).
 */
unqualifiedSearchRegistries?: string[]
preflight?: Preflight
output?: Output
}
/**
 * This interface was referenced by `WerfMirrorConfig`'s JSON-Schema
 * via the `definition` "registry".
 */
export interface Registry {
/**
 * Mirrors tried in order before the registry itself.
 */
mirrors?: Mirror[]
/**
 * Try the registry itself after its mirrors.
 */
fallback?: boolean
/**
 * Refuse pulls from this registry entirely.
 */
blocked?: boolean
}
/**
 * This interface was referenced by `WerfMirrorConfig`'s JSON-Schema
 * via the `definition` "mirrorObject".
 */
export interface MirrorObject {
url: MirrorUrl
pull?: PullPolicy
/**
 * Skip TLS verification for this mirror. Implied by http://.
 */
insecure?: boolean
/**
 * PEM CA file used to verify this mirror, relative to the config file.
 */
ca?: string
}
/**
 * This interface was referenced by `WerfMirrorConfig`'s JSON-Schema
 * via the `definition` "preflight".
 */
export interface Preflight {
/**
 * Time limit of each probe.
 */
timeout?: string
/**
 * A manifest (repository:tag) that must exist on each docker.io mirror, e.g. library/alpine:latest.
 */
probe?: string
/**
 * What to do with a mirror that fails its probe.
 */
unhealthy?: ("drop" | "warn" | "fail")
/**
 * Order of healthy mirrors in what is handed on.
 */
order?: ("declared" | "latency")
/**
 * Healthy mirrors needed per registry that has mirrors.
 */
minHealthy?: number
}
/**
 * This interface was referenced by `WerfMirrorConfig`'s JSON-Schema
 * via the `definition` "output".
 */
export interface Output {
/**
 * Directory for rendered files, preflight.json and the env file, relative to the config file.
 */
dir?: string
}
