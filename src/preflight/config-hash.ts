// A hash of everything that decides a preflight result. `env` and `exec` reuse a recent
// preflight.json only when its hash matches today's: the configuration, the environment preflight
// reads (the Docker daemon's address and TLS settings, the proxies), and the contents of the
// files it reads (each mirror's CA file, the credential stores). Contents are hashed, never
// stored. What cannot be hashed is checked elsewhere: the Docker daemon's current mirrors
// (src/cli/preflight-run.ts asks it), a credential helper's answer (not covered).
import { createHash } from "node:crypto";
import type { Env } from "../config/layers.js";
import type { Model } from "../config/types.js";
import { authFiles, readTextFile, type ReadText } from "./credentials.js";
import { proxyEnv } from "./http.js";

/** Path → sha256 of the file's contents (null when it cannot be read). */
export type FileDigests = Record<string, string | null>;

export function configHash(model: Model, env: Env, files: FileDigests = {}): string {
  const docker = model.effectiveBackend === "docker";
  const relevant = {
    backend: model.backend,
    effectiveBackend: model.effectiveBackend,
    dockerHost: docker ? (env.DOCKER_HOST ?? "") : "",
    dockerTls: docker ? [env.DOCKER_TLS_VERIFY ?? "", env.DOCKER_TLS ?? "", env.DOCKER_CERT_PATH ?? ""] : [],
    proxies: proxyEnv(env),
    registries: model.registries.map((r) => ({
      key: r.prefix.key,
      fallback: r.fallback,
      blocked: r.blocked,
      mirrors: r.mirrors.map((m) => ({ url: m.url.href, pull: m.pull, insecure: m.insecure, ca: m.ca ?? null })),
    })),
    insecureRegistries: model.insecureRegistries,
    unqualifiedSearchRegistries: model.unqualifiedSearchRegistries,
    preflight: { ...model.preflight, probe: model.preflight.probe ?? null },
    files: Object.entries(files).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)),
  };
  return `sha256:${createHash("sha256").update(JSON.stringify(relevant)).digest("hex")}`;
}

/** The files whose contents decide a result: every mirror's CA file, then the credential stores preflight reads. */
export function preflightInputFiles(model: Model, env: Env, home: string | undefined): string[] {
  const cas = model.registries.flatMap((r) => r.mirrors.flatMap((m) => (m.ca ? [m.ca] : [])));
  return [...new Set([...cas, ...authFiles(env, home)])];
}

/** The digests of `preflightInputFiles`, as configHash takes them. */
export async function digestInputFiles(model: Model, env: Env, home: string | undefined, readText: ReadText = readTextFile): Promise<FileDigests> {
  const out: FileDigests = {};
  for (const path of preflightInputFiles(model, env, home)) {
    const text = await readText(path);
    out[path] = text === undefined ? null : createHash("sha256").update(text).digest("hex");
  }
  return out;
}
