import { resolve } from "node:path";
import { EXIT_FINDINGS, EXIT_OK, EXIT_USAGE, type Command } from "../command.js";
import { loadForCommand } from "../load.js";
import { WERF_BACKEND_OPTION } from "../options.js";
import { printable } from "../../preflight/printable.js";
import { FAILED_HANDOFF_PATH, failedHandoffText, SHELL_CHOICES, shellOf } from "../../format/env.js";

export const envCommand: Command = {
  name: "env",
  summary: "Print the environment that hands the healthy mirrors to werf (like `werf ci-env`)",
  usage: "werf-mirror env [--as-file | --as-env-file | --output-file-path PATH] [--shell default|cmdexe|powershell] [--offline]",
  description: `
Prints, in the style of \`werf ci-env\`, the variables that give the next werf invocation the
mirrors that passed preflight, so that werf uses them in the declared order, each once:
  CONTAINERS_REGISTRIES_CONF                   a registries.conf of the kept mirrors. In Buildah
                                               mode werf's Buildah backend takes only the docker.io
                                               mirrors and insecure registries from it (and writes
                                               its own file from them); buildah and podman
                                               read all of it. Every docker.io mirror goes here, in
                                               order (werf would put its variables first).
  WERF_CONTAINER_REGISTRY_MIRROR_00, _01, ...  Docker mode: the https docker.io mirrors, spelled as
                                               dockerd reports them (werf then lists each once)
  SSL_CERT_FILE                                the system roots plus the mirrors' CA files, for
                                               werf's registry API (it never reads certs.d)
Left out, with a warning: digest-only mirrors (werf would pull tags from them) and, in Docker mode,
mirrors with a path. \`werf-mirror config --explain --for werf\` shows what werf will do.
WERF_CONTAINER_REGISTRY_MIRROR_* variables already in the environment are unset first (sh,
PowerShell), so a dropped mirror is really gone.

Runs preflight first, unless <output.dir>/preflight.json is fresh: a passing online run less than
10 minutes ago, under the same configuration, environment (DOCKER_HOST and TLS, proxies), CA and
credentials files, in Docker mode with the daemon's mirrors unchanged (it is asked again), and
exactly what preflight derives from its own probe results (a report that is not is ignored, with a
note). Its reuse is said, with its age. \`apply docker\` discards it. --refresh always probes;
--offline never does and hands on every declared mirror.

--as-file and --as-env-file print the path so that an unquoted \`. $(werf-mirror env --as-file)\`
sources that file: relative to the working directory when the absolute path holds a space, a glob
or a quote character (exit 2 when neither form is safe). Quoting \`"$(...)"\` is better still.

Fails closed: when anything goes wrong (a failed preflight, a config that cannot be loaded, a usage
error), it prints a path no shell can source (${FAILED_HANDOFF_PATH}) in the --as-file modes and
\`false\` otherwise, so that \`. "$(werf-mirror env --as-file)" && werf build\` and
\`eval "$(werf-mirror env)"\` (under \`set -e\` or with \`&& werf build\`) stop before werf runs in sh,
dash, bash, zsh and busybox sh. After a failed preflight <output.dir>/handoff/env.sh fails when sourced.`,
  options: [
    { name: "as-file", type: "boolean", description: "Write a sourceable file under <output.dir>/handoff/ and print its path" },
    { name: "as-env-file", type: "boolean", description: "Write plain KEY=VALUE lines (no quoting, no unset) and print the file's path" },
    { name: "output-file-path", type: "string", value: "PATH", description: "Write to PATH instead and print PATH" },
    {
      name: "shell",
      type: "string",
      choices: [...SHELL_CHOICES],
      description:
        "Syntax of the lines, as `werf ci-env --shell`: default (any POSIX shell), cmdexe (a .bat file), powershell (default: $WERF_SHELL, else default)",
    },
    { name: "offline", type: "boolean", description: "Probe nothing: hand on every declared mirror" },
    { name: "refresh", type: "boolean", description: "Probe even if a fresh preflight.json exists" },
    WERF_BACKEND_OPTION,
  ],
  configOptions: true,
  examples: [
    '. "$(werf-mirror env --as-file)" && werf build',
    'eval "$(werf-mirror env)"',
    "werf-mirror env --shell powershell | Out-String | Invoke-Expression",
    "FOR /F \"tokens=*\" %g IN ('werf-mirror env --as-file --shell cmdexe') do (CALL %g)   # cmd.exe",
    "werf-mirror env --as-env-file          # KEY=VALUE, e.g. for GitLab's artifacts:reports:dotenv",
  ],
  exitCodes: [
    "0 success",
    `1 preflight failed (prints \`false\`, or ${FAILED_HANDOFF_PATH} in the --as-file modes; \`werf-mirror preflight\` shows the report)`,
    "2 usage error, a configuration that cannot be loaded, an output file that cannot be written, or a path --as-file cannot print safely (printed: the same)",
  ],
  failClosed(io, args) {
    // The raw arguments: this runs after a usage error too, when nothing was parsed.
    const pathMode = args.some((a) => /^--(as-file|as-env-file|output-file-path)(=|$)/.test(a));
    const given = args.find((a, i) => a.startsWith("--shell=") || args[i - 1] === "--shell");
    io.stdout(pathMode ? `${FAILED_HANDOFF_PATH}\n` : failedHandoffText(shellOf(given?.replace(/^--shell=/, "") ?? io.env.WERF_SHELL)));
  },
  async run(ctx) {
    const loaded = await loadForCommand(ctx, { warnings: "count", announce: true });
    if ("exit" in loaded) return loaded.exit;
    const modes = ["as-file", "as-env-file"].filter((m) => ctx.values[m] === true);
    if (modes.length > 1) {
      ctx.io.stderr("werf-mirror env: use one of --as-file and --as-env-file\n");
      return EXIT_USAGE;
    }
    const { runPreflightForCommand, reportFailure, reportOutputError, writeOutput } = await import("../preflight-run.js");
    const { EnvFileError, formatEnv, formatEnvFile, pathForUnquotedUse } = await import("../../format/env.js");
    const run = await runPreflightForCommand(ctx, loaded.model, {
      offline: ctx.values.offline === true,
      reuse: ctx.values.refresh !== true,
      progress: true,
    });
    if ("exit" in run) return run.exit;
    if (!reportFailure(ctx, run)) return EXIT_FINDINGS;
    const shell = shellOf((ctx.values.shell as string | undefined) ?? ctx.io.env.WERF_SHELL);
    const plain = ctx.values["as-env-file"] === true;
    let text: string;
    try {
      text = plain ? formatEnvFile(run.handoff) : formatEnv(run.handoff, shell);
    } catch (err) {
      if (!(err instanceof EnvFileError)) throw err;
      ctx.io.stderr(`werf-mirror env: ${printable(err.message)}\n`);
      return EXIT_USAGE;
    }
    const explicit = ctx.values["output-file-path"] as string | undefined;
    const target = explicit
      ? resolve(ctx.cwd, explicit)
      : plain
        ? run.paths.envFile
        : ctx.values["as-file"] === true
          ? shell === "powershell"
            ? run.paths.envPs1
            : shell === "cmdexe"
              ? run.paths.envCmd
              : run.paths.envSh
          : undefined;
    if (target) {
      // --as-file and --as-env-file print a path meant for `$(...)`, which people leave unquoted
      // (`. $(werf ci-env --as-file)` is the common form): it must survive word splitting and
      // globbing. A path given with --output-file-path is printed as given.
      const shown = explicit ? target : pathForUnquotedUse(target, ctx.io.cwd);
      if (shown === undefined) {
        ctx.io.stderr(
          `werf-mirror env: cannot print ${printable(target)} for \`. $(werf-mirror env --as-file)\`: it holds characters ` +
            "(a space, a glob or quote character) that an unquoted $(...) splits or expands, and so does its path relative to " +
            "the working directory. Set output.dir (--out-dir) to a path of letters, digits and ._/+,:@%=- only; or quote " +
            'the command substitution with a file of your choice, `. "$(werf-mirror env --output-file-path FILE)"`; ' +
            'or use `eval "$(werf-mirror env)"` or `werf-mirror exec -- werf build`\n',
        );
        return EXIT_USAGE;
      }
      try {
        await writeOutput(target, text, explicit ? { setting: "--output-file-path" } : { root: loaded.model.output.dir });
      } catch (err) {
        return reportOutputError(ctx, err);
      }
      ctx.io.stdout(`${shown}\n`);
    } else {
      ctx.io.stdout(text);
    }
    if (plain && run.handoff.unset.length && !ctx.quiet) {
      ctx.io.stderr(
        `warning: ${run.handoff.unset.join(", ")} ${run.handoff.unset.length === 1 ? "is" : "are"} set in this environment and werf will read ${run.handoff.unset.length === 1 ? "it" : "them"} too; an env file cannot unset variables\n`,
      );
    }
    return EXIT_OK;
  },
};
