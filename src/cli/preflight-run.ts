// What preflight, env and exec share: run preflight (or reuse a fresh preflight.json), write
// the report and the hand-off files under output.dir, and build the hand-off variables.
import type { Model } from "../config/types.js";
import { render } from "../backends/index.js";
import { readDefaultBase } from "../render/base.js";
import { preflight } from "../preflight/preflight.js";
import { configHash } from "../preflight/config-hash.js";
import { buildHandoff, keptModel, type Handoff } from "../preflight/handoff.js";
import { PREFLIGHT_TTL_MS, preflightPaths, readFreshReport, writeFileAtomic, type PreflightPaths } from "../preflight/files.js";
import type { PreflightReport } from "../preflight/types.js";
import { PREFLIGHT_FORMATS } from "../format/preflight-index.js";
import { formatEnvSh } from "../format/env.js";
import type { Context } from "./command.js";

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
    const fresh = await readFreshReport(paths.report, configHash(model, env.DOCKER_HOST), Date.now(), PREFLIGHT_TTL_MS);
    if ("report" in fresh) {
      report = fresh.report;
      reused = true;
    } else if (ctx.verbose) notes.push(`running preflight: ${fresh.stale}`);
  }
  if (!report) {
    // Progress goes to stderr: shown when stderr is a terminal, even if stdout is captured.
    const showProgress = opts.progress && (ctx.io.stderrIsTTY ?? ctx.io.isTTY) && !ctx.quiet;
    report = await preflight(model, {
      env,
      offline: opts.offline,
      ...(showProgress
        ? {
            onProgress: (e) => {
              ctx.io.stderr(`\rprobing mirrors: ${e.done}/${e.total}${e.done === e.total ? "\r\u001b[K" : ""}`);
            },
          }
        : {}),
    });
    await writeFileAtomic(paths.report, PREFLIGHT_FORMATS.json!(report), { root: model.output.dir });
  }

  const hasMirrors = model.registries.some((r) => r.mirrors.length > 0);
  if (hasMirrors) {
    const base = await readDefaultBase({ env, uid: ctx.io.uid ?? process.getuid?.(), cwd: ctx.cwd, exclude: paths.registriesConf });
    const rendered = render(keptModel(model, report), {
      backends: ["buildah"],
      ...(base ? { baseRegistriesConf: base.text, baseRegistriesConfName: base.name } : {}),
    });
    const file = rendered.files.find((f) => f.path === "registries.conf");
    if (file) await writeFileAtomic(paths.registriesConf, file.content, { root: model.output.dir });
    for (const w of rendered.warnings) notes.push(`warning: registries.conf: ${w.registry}: ${w.message}`);
  }
  const handoff = buildHandoff(model, report, hasMirrors ? paths.registriesConf : undefined, env);
  for (const u of handoff.httpOnlyInRegistriesConf) {
    notes.push(`note: ${u} is http; werf's WERF_CONTAINER_REGISTRY_MIRROR_* accept https only, so it is handed on through registries.conf only`);
  }
  await writeFileAtomic(paths.envSh, formatEnvSh(handoff), { root: model.output.dir });
  return { report, paths, handoff, reused, notes };
}

