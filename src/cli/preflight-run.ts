// The CLI's side of preflight, env and exec: flags to the library's preflightAndHandoff
// (src/preflight/run.ts), the progress line on a terminal, and exit codes for what the user must fix.
import type { Model } from "../config/types.js";
import { checkWerfOnPath } from "./werf-version.js";
import { printable } from "../preflight/printable.js";
import { OutputError, preflightAndHandoff, type PreflightRun } from "../preflight/run.js";
import type { ProgressEvent } from "../preflight/types.js";
import { EXIT_USAGE, type Context } from "./command.js";

export { writeOutput, type PreflightRun } from "../preflight/run.js";

/**
 * The library's preflightAndHandoff for a command: its flags mapped to options, the progress line
 * on a terminal, the werf version check; a file it cannot write is the user's to fix (exit 2).
 */
export async function runPreflightForCommand(
  ctx: Context,
  model: Model,
  opts: { offline: boolean; reuse: boolean; progress: boolean },
): Promise<PreflightRun | { exit: number }> {
  // Progress goes to stderr: shown when stderr is a terminal, even if stdout is captured.
  const showProgress = opts.progress && (ctx.io.stderrIsTTY ?? ctx.io.isTTY) && !ctx.quiet && !opts.offline;
  const progress = showProgress ? progressLine(model, ctx.io.stderr) : undefined;
  let run: PreflightRun;
  try {
    const uid = ctx.io.uid ?? process.getuid?.();
    run = await preflightAndHandoff(model, {
      env: ctx.io.env,
      cwd: ctx.cwd,
      ...(uid !== undefined ? { uid } : {}),
      offline: opts.offline,
      reuse: opts.reuse,
      verbose: ctx.verbose,
      ...(progress ? { onProgress: progress.update } : {}),
    });
  } catch (err) {
    return { exit: reportOutputError(ctx, err) };
  } finally {
    progress?.end();
  }
  // The hand-off is built for the werf versions the model of werf's code covers: say so when the
  // werf on PATH is another one.
  const versionWarning = await checkWerfOnPath(ctx.io.env);
  if (versionWarning) run.notes.push(`warning: ${versionWarning}`);
  return run;
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

/** `42 s`, `3 min 5 s`: how old a reused result is. */
export function age(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  return s < 60 ? `${s} s` : `${Math.floor(s / 60)} min${s % 60 ? ` ${s % 60} s` : ""}`;
}

/** Prints notes, and on a failed preflight its errors; false when the command must stop. */
// Messages carry server text (reasons, the daemon's answer) and paths: printed through `printable`.
export function reportFailure(ctx: Context, run: PreflightRun): boolean {
  const say = (text: string) => ctx.io.stderr(`${printable(text, { multiline: true })}\n`);
  if (!ctx.quiet) for (const n of run.notes) say(n);
  if (run.reused && !ctx.quiet) {
    say(`werf-mirror: reusing the preflight result of ${age(Date.now() - Date.parse(run.report.createdAt))} ago (${run.paths.report}); --refresh probes again`);
  }
  if (run.report.ok) {
    if (!ctx.quiet) for (const f of run.report.findings.filter((x) => x.severity === "warning")) say(`warning: ${f.message}`);
    return true;
  }
  for (const f of run.report.findings.filter((x) => x.severity === "error")) say(`error: ${f.message}`);
  say(`werf-mirror: preflight failed; the full report: werf-mirror preflight (or ${run.paths.report})`);
  return false;
}
