// The preflight and the hand-off to werf, as the library offers it: run preflight (or reuse a
// fresh preflight.json that checks out against the configuration), write the report and the
// hand-off files under output.dir, and build the hand-off variables. `preflight`, `env` and
// `exec` are thin layers over preflightAndHandoff (src/cli/preflight-run.ts).
import { isDeepStrictEqual } from "node:util";
import { join } from "node:path";
import type { Env } from "../config/layers.js";
import type { Model } from "../config/types.js";
import { render } from "../backends/index.js";
import { readDefaultBase } from "../render/base.js";
import { handoffModel, planWerfHandoff } from "../consumers/werf-handoff.js";
import { option } from "../config/options.js";
import { PREFLIGHT_FORMATS } from "../format/preflight-index.js";
import { failedEnvSh, formatEnvSh } from "../format/env.js";
import { askDockerDaemon, preflight } from "./preflight.js";
import { configHash, digestInputFiles } from "./config-hash.js";
import { buildHandoff, keptModel, needsRegistriesConf, type Handoff } from "./handoff.js";
import { buildCaBundle } from "./ca-bundle.js";
import { PREFLIGHT_TTL_MS, preflightPaths, readFreshReport, writeFileAtomic, type PreflightPaths } from "./files.js";
import { checkStoredReport } from "./stored-report.js";
import type { PreflightReport, ProgressEvent } from "./types.js";

export interface PreflightRun {
  report: PreflightReport;
  paths: PreflightPaths;
  handoff: Handoff;
  /** Whether a stored result was reused instead of probing. */
  reused: boolean;
  /** Notes for stderr (renderer warnings, why a stored result was not reused). */
  notes: string[];
}

export interface PreflightAndHandoffOptions {
  /** The environment (the library never reads process.env by itself). */
  env: Env;
  /** Where relative paths of the host's registries.conf candidates resolve. */
  cwd: string;
  /** The user the host's registries.conf is looked up for (rootless users have their own). */
  uid?: number;
  /** Probe nothing: every declared mirror is handed on. */
  offline: boolean;
  /** Reuse a stored preflight.json while it checks out against the configuration and its inputs. */
  reuse: boolean;
  /** Also explain, in a note, why a stored result was not reused. */
  verbose?: boolean;
  onProgress?: (e: ProgressEvent) => void;
}

/**
 * Preflight (or a stored result that still holds), then the hand-off: preflight.json, the
 * registries.conf, CA bundle and env.sh under output.dir, and the variables for werf. What
 * `preflight`, `env` and `exec` do; the CLI only maps its flags to these options.
 */
export async function preflightAndHandoff(model: Model, opts: PreflightAndHandoffOptions): Promise<PreflightRun> {
  const env = opts.env;
  const paths = preflightPaths(model.output.dir);
  const notes: string[] = [];
  let report: PreflightReport | undefined;
  let reused = false;
  if (opts.reuse && !opts.offline) {
    const inputFiles = await digestInputFiles(model, env, env.HOME || undefined);
    const fresh = await readFreshReport(paths.report, configHash(model, env, inputFiles), Date.now(), PREFLIGHT_TTL_MS);
    // Anyone who can write to output.dir can plant a fresh-looking report: check it before use.
    const checked = "report" in fresh ? checkStoredReport(fresh.report, model, env, inputFiles) : undefined;
    const daemonChange = checked && "report" in checked ? await daemonChanged(model, env, checked.report) : undefined;
    if (checked && "report" in checked && !daemonChange) {
      report = checked.report;
      reused = true;
    } else if (checked && "invalid" in checked) notes.push(`note: not using ${paths.report}: ${checked.invalid}; probing again`);
    else if (opts.verbose) notes.push(`running preflight: ${daemonChange ?? ("stale" in fresh ? fresh.stale : "")}`);
  }
  if (!report) {
    report = await preflight(model, { env, offline: opts.offline, ...(opts.onProgress ? { onProgress: opts.onProgress } : {}) });
    await writeOutput(paths.report, PREFLIGHT_FORMATS.json!(report), { root: model.output.dir });
  }

  const kept = keptModel(model, report);
  const plan = planWerfHandoff(kept);
  const files: { registriesConf?: string; caBundle?: string } = {};
  if (needsRegistriesConf(model, plan)) {
    const base = await readDefaultBase({ env, uid: opts.uid, cwd: opts.cwd, exclude: paths.registriesConf });
    const rendered = render(handoffModel(kept, plan), {
      backends: ["buildah"],
      ...(base ? { baseRegistriesConf: base.text, baseRegistriesConfName: base.name } : {}),
    });
    const file = rendered.files.find((f) => f.path === "registries.conf");
    if (file) {
      await writeOutput(paths.registriesConf, file.content, { root: model.output.dir });
      files.registriesConf = paths.registriesConf;
    }
    for (const w of rendered.warnings) notes.push(`warning: registries.conf: ${w.registry}: ${w.message}`);
  }
  if (plan.caFiles.length > 0) {
    const bundle = await buildCaBundle(plan.caFiles, env);
    if ("error" in bundle) notes.push(`warning: no CA bundle for werf's registry API: ${bundle.error}`);
    else {
      const path = join(paths.dir, "ca-bundle.pem");
      await writeOutput(path, bundle.text, { root: model.output.dir });
      files.caBundle = path;
    }
  }
  const handoff = buildHandoff(plan, files, env);
  for (const l of plan.leftOut) notes.push(`warning: ${l.mirror.url.href} is left out of werf's hand-off: ${l.reason}`);
  for (const m of plan.viaDaemon) {
    notes.push(
      `note: ${m.url.href} is http; werf's WERF_CONTAINER_REGISTRY_MIRROR_* accept https only, so in Docker mode werf takes it from dockerd's registry-mirrors`,
    );
  }
  // Fail closed: whoever sources env.sh after a failed preflight must not get a hand-off.
  await writeOutput(paths.envSh, report.ok ? formatEnvSh(handoff) : failedEnvSh(), { root: model.output.dir });
  return { report, paths, handoff, reused, notes };
}

/**
 * Why a stored report's Docker check no longer holds, or undefined: in Docker mode the daemon is
 * asked again (one GET /info, cheap), since a reload after `apply docker`, or a daemon that lost
 * its mirrors, changes the outcome without changing anything else.
 */
async function daemonChanged(model: Model, env: Env, stored: PreflightReport): Promise<string | undefined> {
  if (model.effectiveBackend !== "docker") return undefined;
  const now = await askDockerDaemon(env, model.preflight.timeoutMs);
  if ("error" in now) return stored.docker.reachable ? "the Docker daemon does not answer now" : undefined;
  if (!stored.docker.reachable) return "the Docker daemon answers now";
  return isDeepStrictEqual(now.mirrors, stored.docker.mirrors) ? undefined : "the Docker daemon's mirrors changed since the last preflight";
}

/** A file preflight, env or exec must write could not be written; the message says where and what to do. */
export class OutputError extends Error {}

const WHY: Record<string, string> = {
  ENOTDIR: "a part of its path is a file, not a directory",
  EEXIST: "it exists and is not a directory",
  EISDIR: "it is a directory",
  EACCES: "permission denied",
  EPERM: "permission denied",
  EROFS: "the file system is read-only",
  ENOSPC: "no space left on the device",
  EDQUOT: "the disk quota is used up",
  ENAMETOOLONG: "the name is too long",
  ELOOP: "too many symbolic links",
};

/**
 * writeFileAtomic, with the file system's refusal (output.dir is a file, lies under one, is not
 * writable, ...) turned into an OutputError naming the path. `setting` is what the user changes.
 */
export async function writeOutput(path: string, content: string, opts: { setting?: string; root?: string } = {}): Promise<void> {
  const setting = opts.setting ?? `output.dir (${option("outDir").flag}, ${option("outDir").env})`;
  try {
    // Below output.dir (`root`) nothing may be a link; a path the user names is checked itself only.
    await writeFileAtomic(path, content, opts.root ? { root: opts.root } : {});
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    if (!e || typeof e.code !== "string" || typeof e.syscall !== "string") throw err;
    const where = e.path && e.path !== path ? `${e.path}: ` : "";
    throw new OutputError(
      `werf-mirror: cannot write ${path}: ${where}${WHY[e.code] ?? "the file system refused"} (${e.code}). ` +
        `Point ${setting} at a directory you can write, or move what is in the way.`,
    );
  }
}
