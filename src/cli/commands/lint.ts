import { lint } from "../../lint/lint.js";
import { LINT_FORMATS } from "../../format/index.js";
import { SEARCH_PLACES } from "../../config/load.js";
import { EXIT_FINDINGS, EXIT_OK, EXIT_USAGE, type Command } from "../command.js";
import { WERF_BACKEND_OPTION } from "../options.js";
import { VERSION } from "../version.js";
import { existsSync } from "node:fs";
import { dirname, join, resolve } from "node:path";

/** $GITHUB_WORKSPACE, else the nearest directory at or above `cwd` holding .git; undefined outside one. */
function repositoryRoot(cwd: string, env: Record<string, string | undefined>): string | undefined {
  if (env.GITHUB_WORKSPACE) return resolve(env.GITHUB_WORKSPACE);
  for (let dir = cwd; ; dir = dirname(dir)) {
    if (existsSync(join(dir, ".git"))) return dir;
    if (dirname(dir) === dir) return undefined;
  }
}

export const lintCommand: Command = {
  name: "lint",
  summary: "Check config files: schema, addresses, and what each consumer will do with them",
  usage: "werf-mirror lint [FILE...] [--format stylish|json|sarif|github]",
  description: `
Checks werf-mirror configuration and reports every problem as FILE:LINE:COL SEVERITY MESSAGE [RULE].
With FILE arguments each file is checked on its own (werf-mirror.yaml, .werf-mirrorrc*, package.json
with a werfMirror key, or werf.yaml with a werf-mirror comment block); this is what the pre-commit
hook runs. Without arguments the effective configuration is checked: the config file found from the
working directory upwards, merged with the environment and the command-line flags.
Warnings do not change the exit code, unless there are more than --max-warnings; errors do.
The github and sarif formats give paths relative to the repository's root ($GITHUB_WORKSPACE, else
the nearest directory above with .git), as code hosts read them; the others relative to here.`,
  options: [
    {
      name: "format",
      type: "string",
      choices: Object.keys(LINT_FORMATS),
      default: "stylish",
      description: "Output format: stylish for people, json, sarif (code scanning), github (Actions annotations)",
    },
    { name: "max-warnings", type: "string", value: "N", description: "Exit 1 when there are more than N warnings (as eslint's option)" },
    WERF_BACKEND_OPTION,
  ],
  configOptions: true,
  examples: [
    "werf-mirror lint                         # the config found from here upwards",
    "werf-mirror lint werf.yaml werf-mirror.yaml",
    "werf-mirror lint --format sarif > werf-mirror.sarif",
    "werf-mirror lint --format github         # annotations in GitHub Actions",
    "werf-mirror lint --max-warnings 0        # warnings fail the check too",
  ],
  exitCodes: [
    "0 no errors (warnings allowed, up to --max-warnings)",
    "1 errors found, or more warnings than --max-warnings",
    "2 usage error, or no config file found",
  ],
  async run(ctx) {
    const format = (ctx.values.format as string | undefined) ?? "stylish";
    const maxText = ctx.values["max-warnings"] as string | undefined;
    const maxWarnings = maxText === undefined ? undefined : Number(maxText);
    if (maxWarnings !== undefined && !(Number.isInteger(maxWarnings) && maxWarnings >= 0 && /^\d+$/.test(maxText!))) {
      ctx.io.stderr(`werf-mirror lint: --max-warnings takes a whole number of 0 or more (got \`${maxText!.slice(0, 20)}\`)\n`);
      return EXIT_USAGE;
    }
    const result = await lint({
      files: ctx.positionals,
      cwd: ctx.cwd,
      env: ctx.io.env,
      flags: ctx.flags,
      configPath: ctx.values.config as string | undefined,
      dir: ctx.values.dir as string | undefined,
    });
    if (result.noConfig && ctx.positionals.length === 0 && result.diagnostics.length === 0) {
      ctx.io.stderr(
        `werf-mirror lint: no config file found in ${ctx.cwd} or above (looked for ${SEARCH_PLACES.join(", ")}).\n` +
          "Name files to check (`werf-mirror lint FILE`), or create one with `werf-mirror init`.\n",
      );
      return EXIT_USAGE;
    }
    const diagnostics = ctx.quiet ? result.diagnostics.filter((d) => d.severity === "error") : result.diagnostics;
    const root = format === "github" || format === "sarif" ? repositoryRoot(ctx.cwd, ctx.io.env) : undefined;
    const text = LINT_FORMATS[format]!({ files: result.files, diagnostics, cwd: ctx.cwd, ...(root ? { root } : {}), color: ctx.color, version: VERSION });
    // --quiet: nothing at all on success (stylish would say "no problems").
    if (text && !(ctx.quiet && diagnostics.length === 0 && format === "stylish")) ctx.io.stdout(text);
    if (result.diagnostics.some((d) => d.rule === "config-not-found")) return EXIT_USAGE;
    if (result.hasErrors) return EXIT_FINDINGS;
    const warnings = result.diagnostics.filter((d) => d.severity === "warning").length;
    if (maxWarnings !== undefined && warnings > maxWarnings) {
      ctx.io.stderr(`werf-mirror lint: ${warnings} warning${warnings === 1 ? "" : "s"}, more than --max-warnings ${maxWarnings}\n`);
      return EXIT_FINDINGS;
    }
    return EXIT_OK;
  },
};
