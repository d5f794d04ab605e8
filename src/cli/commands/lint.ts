import { lint } from "../../lint/lint.js";
import { LINT_FORMATS } from "../../format/index.js";
import { SEARCH_PLACES } from "../../config/load.js";
import { EXIT_FINDINGS, EXIT_OK, EXIT_USAGE, type Command } from "../command.js";
import { WERF_BACKEND_OPTION } from "../options.js";
import { VERSION } from "../version.js";

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
Warnings do not change the exit code; errors do.`,
  options: [
    { name: "format", type: "string", choices: Object.keys(LINT_FORMATS), default: "stylish", description: "Output format: stylish for people, json, sarif (code scanning), github (Actions annotations)" },
    WERF_BACKEND_OPTION,
  ],
  configOptions: true,
  examples: [
    "werf-mirror lint                         # the config found from here upwards",
    "werf-mirror lint werf.yaml werf-mirror.yaml",
    "werf-mirror lint --format sarif > werf-mirror.sarif",
    "werf-mirror lint --format github         # annotations in GitHub Actions",
  ],
  exitCodes: ["0 no errors (warnings allowed)", "1 errors found", "2 usage error, or no config file found"],
  async run(ctx) {
    const format = (ctx.values.format as string | undefined) ?? "stylish";
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
    const text = LINT_FORMATS[format]!({ files: result.files, diagnostics, cwd: ctx.cwd, color: ctx.color, version: VERSION });
    if (text) ctx.io.stdout(text);
    if (result.diagnostics.some((d) => d.rule === "config-not-found")) return EXIT_USAGE;
    return result.hasErrors ? EXIT_FINDINGS : EXIT_OK;
  },
};
