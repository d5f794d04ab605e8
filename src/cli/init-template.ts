// What `werf-mirror init` writes: a small working config, the rest commented out.
export const INIT_TEMPLATE = `# yaml-language-server: $schema=https://unpkg.com/werf-mirror/schema/werf-mirror.schema.json
# werf-mirror configuration. Check it with \`werf-mirror lint\`, see the result with
# \`werf-mirror config --explain\`. Every option: werf-mirror.yaml.example in the werf-mirror package.
version: 1

# werf's container backend: auto (follows WERF_BUILDAH_MODE) | docker | buildah.
backend: auto

# Mirrors per registry (host[:port], host/namespace, or *.example.com). Tried in order, then the
# registry itself unless \`fallback: false\`. No scheme means https.
registries:
  docker.io:
    mirrors:
      - https://mirror.gcr.io
      # - url: http://nexus.example.com:8082/dockerhub   # a namespaced proxy cache
      #   pull: digest-only                             # all | digest-only | tag-only
  # quay.io:
  #   mirrors: [https://quay-cache.example.com]

# insecureRegistries: [registry.local:5000]
# unqualifiedSearchRegistries: [docker.io]

preflight:
  timeout: 5s          # per probe; all probes run at once
  unhealthy: drop      # drop | warn | fail
  # probe: library/alpine:latest   # a manifest every docker.io mirror must serve

# output:
#   dir: .werf-mirror
`;
