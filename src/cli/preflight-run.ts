// What preflight, env and exec share: run preflight (or reuse a fresh preflight.json that
// checks out against the configuration), write the report and the hand-off files under
// output.dir, and build the hand-off variables.
import type { Model } from "../config/types.js";
import { render } from "../backends/index.js";
import { readDefaultBase } from "../render/base.js";
import { isDeepStrictEqual } from "node:util";
import { askDockerDaemon, preflight } from "../preflight/preflight.js";
import { configHash, digestInputFiles } from "../preflight/config-hash.js";
import { buildHandoff, keptModel, needsRegistriesConf, type Handoff } from "../preflight/handoff.js";
import { handoffModel, planWerfHandoff } from "../consumers/werf-handoff.js";
import { buildCaBundle } from "../preflight/ca-bundle.js";
import { checkWerfOnPath } from "./werf-version.js";
import { join } from "node:path";
import { PREFLIGHT_TTL_MS, preflightPaths, readFreshReport, writeFileAtomic, type PreflightPaths } from "../preflight/files.js";
import { printable } from "../preflight/printable.js";
import { checkStoredReport } from "../preflight/stored-report.js";
import type { PreflightReport, ProgressEvent } from "../preflight/types.js";
import { PREFLIGHT_FORMATS } from "../format/preflight-index.js";
import { failedEnvSh, formatEnvSh } from "../format/env.js";
import { EXIT_USAGE, type Context } from "./command.js";

export interface PreflightRun {
  report: PreflightReport;
  paths: PreflightPaths;
  handoff: Handoff;
  /** Whether a stored result was reused instead of probing. */
  reused: boolean;
  /** Notes for stderr (renderer warnings, why a stored result was not reused). */
  notes: string[];
}

export async function runPreflight(
  ctx: Context,
  model: Model,
  opts: { offline: boolean; reuse: boolean; progress: boolean },
): Promise<PreflightRun> {
  const env = ctx.io.env;
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
    else if (ctx.verbose) notes.push(`running preflight: ${daemonChange ?? ("stale" in fresh ? fresh.stale : "")}`);
  }
  if (!report) {
    // Progress goes to stderr: shown when stderr is a terminal, even if stdout is captured.
    const showProgress = opts.progress && (ctx.io.stderrIsTTY ?? ctx.io.isTTY) && !ctx.quiet && !opts.offline;
    const progress = showProgress ? progressLine(model, ctx.io.stderr) : undefined;
    try {
      report = await preflight(model, { env, offline: opts.offline, ...(progress ? { onProgress: progress.update } : {}) });
    } finally {
      progress?.end();
    }
    await writeOutput(paths.report, PREFLIGHT_FORMATS.json!(report), { root: model.output.dir });
  }

  const kept = keptModel(model, report);
  const plan = planWerfHandoff(kept);
  const files: { registriesConf?: string; caBundle?: string } = {};
  if (needsRegistriesConf(model)) {
    const base = await readDefaultBase({ env, uid: ctx.io.uid ?? process.getuid?.(), cwd: ctx.cwd, exclude: paths.registriesConf });
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
  const handoff = buildHandoff(model, report, files, env);
  // The hand-off is built for the werf versions the model of werf's code covers: say so when the
  // werf on PATH is another one.
  const versionWarning = await checkWerfOnPath(env);
  if (versionWarning) notes.push(`warning: ${versionWarning}`);
  for (const l of plan.leftOut) notes.push(`warning: ${l.mirror.url.href} is left out of werf's hand-off: ${l.reason}`);
  for (const u of handoff.httpOnlyInRegistriesConf) {
    notes.push(`note: ${u} is http; werf's WERF_CONTAINER_REGISTRY_MIRROR_* accept https only, so in Docker mode werf takes it from dockerd's registry-mirrors`);
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
async function daemonChanged(model: Model, env: Context["io"]["env"], stored: PreflightReport): Promise<string | undefined> {
  if (model.effectiveBackend !== "docker") return undefined;
  const now = await askDockerDaemon(env, model.preflight.timeoutMs);
  if ("error" in now) return stored.docker.reachable ? "the Docker daemon does not answer now" : undefined;
  if (!stored.docker.reachable) return "the Docker daemon answers now";
  return isDeepStrictEqual(now.mirrors, stored.docker.mirrors) ? undefined : "the Docker daemon's mirrors changed since the last preflight";
}

/** runPreflight for a command: a file it cannot write is the user's to fix (exit 2), not a crash. */
export async function runPreflightForCommand(
  ctx: Context,
  model: Model,
  opts: { offline: boolean; reuse: boolean; progress: boolean },
): Promise<PreflightRun | { exit: number }> {
  try {
    return await runPreflight(ctx, model, opts);
  } catch (err) {
    return { exit: reportOutputError(ctx, err) };
  }
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
export async function writeOutput(
  path: string,
  content: string,
  opts: { setting?: string; root?: string } = {},
): Promise<void> {
  const setting = opts.setting ?? "output.dir (--out-dir, WERF_MIRROR_OUT_DIR)";
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

/** Prints an OutputError and gives exit 2; anything else is a bug and is thrown on. */
export function reportOutputError(ctx: Context, err: unknown): number {
  if (!(err instanceof OutputError)) throw err;
  ctx.io.stderr(`${printable(err.message)}\n`);
  return EXIT_USAGE;
}

/**
 * The progress line on a terminal: how many mirrors answered, which ones are still waited on, and
 * for how long (redrawn every quarter second, so a hung mirror shows as one), erased at the end.
 */
function progressLine(model: Model, write: (text: string) => void): { update: (e: ProgressEvent) => void; end: () => void } {
  const pending = model.registries.flatMap((r) => r.mirrors.map((m) => m.url.href));
  const total = pending.length;
  const started = Date.now();
  let done = 0;
  const draw = () => {
    const seconds = ((Date.now() - started) / 1000).toFixed(1);
    const shown = pending.slice(0, 2).map((u) => printable(u));
    const more = pending.length > shown.length ? ` and ${pending.length - shown.length} more` : "";
    write(`\rprobing mirrors: ${done}/${total} answered, ${seconds} s${pending.length ? `; waiting for ${shown.join(", ")}${more}` : ""}\u001b[K`);
  };
  const timer = setInterval(draw, 250);
  timer.unref?.();
  draw();
  return {
    update: (e) => {
      done = e.done;
      const i = e.mirror === undefined ? -1 : pending.indexOf(e.mirror);
      if (i !== -1) pending.splice(i, 1);
      draw();
    },
    end: () => {
      clearInterval(timer);
      write("\r\u001b[K");
    },
  };
}
