import { resolve } from "node:path";
import { EXIT_FINDINGS, EXIT_OK, EXIT_USAGE, type Command, type Context } from "../command.js";
import { loadForCommand } from "../load.js";
import { WERF_BACKEND_OPTION } from "../options.js";
import type { PreflightRun } from "../preflight-run.js";
import type { EnvShell } from "../../format/env.js";

export const envCommand: Command = {
  name: "env",
  summary: "Print the environment that hands the healthy mirrors to werf (like `werf ci-env`)",
  usage: "werf-mirror env [--as-file | --as-env-file | --output-file-path PATH] [--shell sh|powershell] [--offline]",
  description: `
Prints, in the style of \`werf ci-env\`, the variables that give the next werf invocation the
mirrors that passed preflight, in the intended order:
  WERF_CONTAINER_REGISTRY_MIRROR_00, _01, ...  the https docker.io mirrors (werf sorts these
                                               variables by name, so the numbers keep the order;
                                               werf refuses http:// values, so none are listed)
  CONTAINERS_REGISTRIES_CONF                   a registries.conf of the kept mirrors of every
                                               registry (http ones included), for werf's Buildah
                                               backend, buildah, podman and skopeo
WERF_CONTAINER_REGISTRY_MIRROR_* variables already in the environment are unset first (sh,
PowerShell), so a dropped mirror is really gone.

Runs preflight first, unless <output.dir>/preflight.json is fresh: written by an online run less
than 10 minutes ago for the same configuration. --refresh always probes; --offline never does and
hands on every declared mirror.`,
  options: [
    { name: "as-file", type: "boolean", description: "Write a sourceable file under <output.dir>/handoff/ and print its path" },
    { name: "as-env-file", type: "boolean", description: "Write plain KEY=VALUE lines (no quoting, no unset) and print the file's path" },
    { name: "output-file-path", type: "string", value: "PATH", description: "Write to PATH instead and print PATH" },
    { name: "shell", type: "string", choices: ["sh", "powershell"], default: "sh", description: "Syntax of the export lines" },
    { name: "offline", type: "boolean", description: "Probe nothing: hand on every declared mirror" },
    { name: "refresh", type: "boolean", description: "Probe even if a fresh preflight.json exists" },
    WERF_BACKEND_OPTION,
  ],
  configOptions: true,
  examples: [
    ". $(werf-mirror env --as-file) && werf build",
    "eval \"$(werf-mirror env)\"",
    "werf-mirror env --shell powershell | Out-String | Invoke-Expression",
    "werf-mirror env --as-env-file          # KEY=VALUE, e.g. for GitLab's artifacts:reports:dotenv",
  ],
  exitCodes: [
    "0 success",
    "1 preflight failed (nothing is printed; run `werf-mirror preflight` for the report)",
    "2 usage error or a configuration that cannot be loaded",
  ],
  async run(ctx) {
    const loaded = await loadForCommand(ctx);
    if ("exit" in loaded) return loaded.exit;
    const modes = ["as-file", "as-env-file"].filter((m) => ctx.values[m] === true);
    if (modes.length > 1) {
      ctx.io.stderr("werf-mirror env: use one of --as-file and --as-env-file\n");
      return EXIT_USAGE;
    }
    const { runPreflight } = await import("../preflight-run.js");
    const { formatEnv, formatEnvFile } = await import("../../format/env.js");
    const { writeFileAtomic } = await import("../../preflight/files.js");
    const run = await runPreflight(ctx, loaded.model, {
      offline: ctx.values.offline === true,
      reuse: ctx.values.refresh !== true,
      progress: true,
    });
    if (!reportFailure(ctx, run)) return EXIT_FINDINGS;
    const shell = ((ctx.values.shell as string | undefined) ?? "sh") as EnvShell;
    const plain = ctx.values["as-env-file"] === true;
    const text = plain ? formatEnvFile(run.handoff) : formatEnv(run.handoff, shell);
    const explicit = ctx.values["output-file-path"] as string | undefined;
    const target = explicit
      ? resolve(ctx.cwd, explicit)
      : plain
        ? run.paths.envFile
        : ctx.values["as-file"] === true
          ? shell === "powershell"
            ? run.paths.envPs1
            : run.paths.envSh
          : undefined;
    if (target) {
      // Below output.dir nothing may be a link; a path the user names is checked itself only.
      await writeFileAtomic(target, text, explicit ? {} : { root: loaded.model.output.dir });
      ctx.io.stdout(`${target}\n`);
    } else {
      ctx.io.stdout(text);
    }
    if (plain && run.handoff.unset.length && !ctx.quiet) {
      ctx.io.stderr(`warning: ${run.handoff.unset.join(", ")} ${run.handoff.unset.length === 1 ? "is" : "are"} set in this environment and werf will read ${run.handoff.unset.length === 1 ? "it" : "them"} too; an env file cannot unset variables\n`);
    }
    return EXIT_OK;
  },
};

/** Prints notes, and on a failed preflight its errors; false when the command must stop. */
export function reportFailure(ctx: Context, run: PreflightRun): boolean {
  if (!ctx.quiet) for (const n of run.notes) ctx.io.stderr(`${n}\n`);
  if (run.reused && ctx.verbose) ctx.io.stderr(`using the preflight result of ${run.report.createdAt} (${run.paths.report})\n`);
  if (run.report.ok) {
    if (!ctx.quiet) for (const f of run.report.findings.filter((x) => x.severity === "warning")) ctx.io.stderr(`warning: ${f.message}\n`);
    return true;
  }
  for (const f of run.report.findings.filter((x) => x.severity === "error")) ctx.io.stderr(`error: ${f.message}\n`);
  ctx.io.stderr(`werf-mirror: preflight failed; the full report: werf-mirror preflight (or ${run.paths.report})\n`);
  return false;
}
