// Loading the configuration for a command: diagnostics to stderr, exit 2 when it cannot load.
import { loadConfig, type LoadResult } from "../config/load.js";
import { displayPath } from "../config/origin.js";
import type { Model } from "../config/types.js";
import type { Context } from "./command.js";
import { EXIT_USAGE } from "./command.js";
import { printDiagnostics } from "./diagnostics.js";
import { printable } from "../preflight/printable.js";

/**
 * `warnings: "count"` for commands whose job is not to check the config (see printDiagnostics).
 * `announce`: commands that hand off to werf or write files say which config they use, and
 * when they found none (at default verbosity: a hand-off built from nothing must not look like
 * one built from the project's config).
 */
export async function loadForCommand(
  ctx: Context,
  opts: { warnings?: "all" | "count"; explain?: boolean; announce?: boolean } = { warnings: "count" },
): Promise<{ model: Model } | { exit: number }> {
  const result = await loadConfig({
    cwd: ctx.cwd,
    env: ctx.io.env,
    flags: ctx.flags,
    configPath: ctx.values.config as string | undefined,
    dir: ctx.values.dir as string | undefined,
    explain: opts.explain === true,
  });
  printDiagnostics(ctx, result.diagnostics, result.configFile ? [result.configFile] : [], opts);
  if (!result.model || result.hasErrors) {
    ctx.io.stderr("werf-mirror: the configuration cannot be loaded; fix the errors above (`werf-mirror lint` lists them).\n");
    return { exit: EXIT_USAGE };
  }
  if (!ctx.quiet && (opts.announce || (ctx.verbose && !result.configFile))) ctx.io.stderr(`${printable(whichConfig(result, ctx.cwd))}\n`);
  return { model: result.model };
}

/** The config a command works from, or a warning that it found none. */
function whichConfig(result: LoadResult, cwd: string): string {
  if (result.configFile) return `werf-mirror: using ${displayPath(result.configFile, cwd)}`;
  const where = result.searchedFrom ? ` in ${displayPath(result.searchedFrom, cwd)} or above` : "";
  if (result.werfConfig) {
    const werf = displayPath(result.werfConfig, cwd);
    return (
      `warning: no werf-mirror config found${where}: ${werf} has no werf-mirror block and no werf-mirror.yaml (or another config file) exists; ` +
      `using the environment and flags only. Add a block at the very top of ${werf} (\`{{- /* werf-mirror\` ... \`*/ -}}\`) or run \`werf-mirror init\``
    );
  }
  return `werf-mirror: no config file found${where}; using the environment and flags only`;
}
