// Printing diagnostics of commands other than lint (which has its own formats), and keeping long
// lists readable: beyond a screenful, the rest is counted (never dropped) and --verbose shows all.
import type { Diagnostic } from "../config/types.js";
import { stylish } from "../format/stylish.js";
import type { Context } from "./command.js";
import { VERSION } from "./version.js";

/** How many items a list shows before the rest is summarized (unless --verbose). */
export const LIST_LIMIT = 20;

/** The first LIST_LIMIT items and a count of the others, or all of them with --verbose. */
export function limitList<T>(ctx: Context, items: T[]): { shown: T[]; hidden: number } {
  if (ctx.verbose || items.length <= LIST_LIMIT) return { shown: items, hidden: 0 };
  return { shown: items.slice(0, LIST_LIMIT), hidden: items.length - LIST_LIMIT };
}

/**
 * Prints errors to stderr in lint's stylish format, and the warnings too unless --quiet. With
 * `warnings: "count"` (commands whose job is not to check the config) only the number of
 * warnings is said, and --verbose prints them.
 */
export function printDiagnostics(ctx: Context, diagnostics: Diagnostic[], files: string[] = [], opts: { warnings?: "all" | "count" } = {}): void {
  const errors = diagnostics.filter((d) => d.severity === "error");
  let warnings = ctx.quiet ? [] : diagnostics.filter((d) => d.severity === "warning");
  if (opts.warnings === "count" && !ctx.verbose && warnings.length > 0) {
    ctx.io.stderr(
      `${warnings.length} configuration warning${warnings.length === 1 ? "" : "s"} (\`werf-mirror lint\` or --verbose shows ${warnings.length === 1 ? "it" : "them"})\n`,
    );
    warnings = [];
  }
  const { shown, hidden } = limitList(ctx, warnings);
  const all = [...errors, ...shown];
  if (all.length === 0) return;
  ctx.io.stderr(stylish({ files, diagnostics: all, cwd: ctx.cwd, color: ctx.color, version: VERSION }));
  if (hidden > 0) ctx.io.stderr(`... and ${hidden} more warnings (--verbose or \`werf-mirror lint\` shows all)\n`);
}
