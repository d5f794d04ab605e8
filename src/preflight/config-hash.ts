// A hash of everything that decides a preflight result. `env` and `exec` reuse a recent
// preflight.json only when its hash matches the current configuration.
import { createHash } from "node:crypto";
import type { Model } from "../config/types.js";

export function configHash(model: Model, dockerHost: string | undefined): string {
  const relevant = {
    backend: model.backend,
    effectiveBackend: model.effectiveBackend,
    dockerHost: model.effectiveBackend === "docker" ? (dockerHost ?? "") : "",
    registries: model.registries.map((r) => ({
      key: r.prefix.key,
      fallback: r.fallback,
      blocked: r.blocked,
      mirrors: r.mirrors.map((m) => ({ url: m.url.href, pull: m.pull, insecure: m.insecure, ca: m.ca ?? null })),
    })),
    insecureRegistries: model.insecureRegistries,
    unqualifiedSearchRegistries: model.unqualifiedSearchRegistries,
    preflight: { ...model.preflight, probe: model.preflight.probe ?? null },
  };
  return `sha256:${createHash("sha256").update(JSON.stringify(relevant)).digest("hex")}`;
}
