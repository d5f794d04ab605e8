// Printing diagnostics of commands other than lint (which has its own formats).
import type { Diagnostic } from "../config/types.js";
import { stylish } from "../format/stylish.js";
import type { Context } from "./command.js";
import { VERSION } from "./version.js";

/** Prints errors (and warnings unless --quiet) to stderr in lint's stylish format. */
export function printDiagnostics(ctx: Context, diagnostics: Diagnostic[], files: string[] = []): void {
  const shown = ctx.quiet ? diagnostics.filter((d) => d.severity === "error") : diagnostics;
  if (shown.length === 0) return;
  ctx.io.stderr(stylish({ files, diagnostics: shown, cwd: ctx.cwd, color: ctx.color, version: VERSION }));
}
