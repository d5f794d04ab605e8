// Loading the configuration for a command: diagnostics to stderr, exit 2 when it cannot load.
import { loadConfig } from "../config/load.js";
import type { Model } from "../config/types.js";
import type { Context } from "./command.js";
import { EXIT_USAGE } from "./command.js";
import { printDiagnostics } from "./diagnostics.js";

/** `warnings: "count"` for commands whose job is not to check the config (see printDiagnostics). */
export async function loadForCommand(
  ctx: Context,
  opts: { warnings?: "all" | "count"; explain?: boolean } = { warnings: "count" },
): Promise<{ model: Model } | { exit: number }> {
  const result = await loadConfig({
    cwd: ctx.cwd,
    env: ctx.io.env,
    flags: ctx.flags,
    configPath: ctx.values.config as string | undefined,
    explain: opts.explain === true,
  });
  printDiagnostics(ctx, result.diagnostics, result.configFile ? [result.configFile] : [], opts);
  if (!result.model || result.hasErrors) {
    ctx.io.stderr("werf-mirror: the configuration cannot be loaded; fix the errors above (`werf-mirror lint` lists them).\n");
    return { exit: EXIT_USAGE };
  }
  if (!result.configFile && ctx.verbose) {
    ctx.io.stderr("werf-mirror: no config file found; using the environment and flags only.\n");
  }
  return { model: result.model };
}
