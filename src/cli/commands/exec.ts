import { EXIT_FINDINGS, EXIT_USAGE, type Command } from "../command.js";
import { loadForCommand } from "../load.js";
import { WERF_BACKEND_OPTION } from "../options.js";

export const execCommand: Command = {
  name: "exec",
  summary: "Run a command (e.g. werf build) with the mirrors that passed preflight",
  usage: "werf-mirror exec [--offline] -- COMMAND [ARG...]",
  description: `
Runs preflight (or reuses a fresh <output.dir>/preflight.json, as \`werf-mirror env\` does: passed,
less than 10 minutes old, nothing that decides it changed; said with its age), then runs COMMAND
with the environment \`werf-mirror env\` prints: the kept https
docker.io mirrors as WERF_CONTAINER_REGISTRY_MIRROR_00, _01, ... (earlier ones removed) and
CONTAINERS_REGISTRIES_CONF. SIGINT and SIGTERM are passed on to COMMAND. The exit code is
COMMAND's (128+N when it dies of signal N); a failed preflight exits 1 without running it.`,
  options: [
    { name: "offline", type: "boolean", description: "Probe nothing: hand on every declared mirror" },
    { name: "refresh", type: "boolean", description: "Probe even if a fresh preflight.json exists" },
    WERF_BACKEND_OPTION,
  ],
  configOptions: true,
  examples: ["werf-mirror exec -- werf build", "werf-mirror exec --timeout 2s -- werf converge --repo registry.example.com/app"],
  exitCodes: [
    "COMMAND's exit code (128+N for signal N)",
    "1 preflight failed; COMMAND was not run",
    "2 usage error, a configuration that cannot be loaded, or an output.dir that cannot be written",
    "127 COMMAND not found",
  ],
  async run(ctx) {
    const [cmd, ...args] = ctx.positionals;
    if (!cmd) {
      ctx.io.stderr("werf-mirror exec: name the command to run after `--`, as in `werf-mirror exec -- werf build`\n");
      return EXIT_USAGE;
    }
    const loaded = await loadForCommand(ctx, { warnings: "count", announce: true });
    if ("exit" in loaded) return loaded.exit;
    const { runPreflightForCommand, reportFailure } = await import("../preflight-run.js");
    const { WERF_MIRROR_PREFIX } = await import("../../preflight/handoff.js");
    const run = await runPreflightForCommand(ctx, loaded.model, {
      offline: ctx.values.offline === true,
      reuse: ctx.values.refresh !== true,
      progress: true,
    });
    if ("exit" in run) return run.exit;
    if (!reportFailure(ctx, run)) return EXIT_FINDINGS;
    const env: Record<string, string> = {};
    for (const [k, v] of Object.entries(ctx.io.env)) if (v !== undefined && !k.startsWith(WERF_MIRROR_PREFIX)) env[k] = v;
    for (const e of run.handoff.entries) env[e.key] = e.value;
    // Loaded on use: child_process (and the net stack it pulls in) costs every other command start-up time.
    const { runChild } = await import("../run-child.js");
    return runChild(cmd, args, env, ctx.cwd, (m) => ctx.io.stderr(m));
  },
};
