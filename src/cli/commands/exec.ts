import { spawn } from "node:child_process";
import { constants } from "node:os";
import { EXIT_FINDINGS, EXIT_USAGE, type Command } from "../command.js";
import { loadForCommand } from "../load.js";
import { WERF_BACKEND_OPTION } from "../options.js";
import { reportFailure } from "./env.js";

const FORWARDED = ["SIGINT", "SIGTERM"] as const;

export const execCommand: Command = {
  name: "exec",
  summary: "Run a command (e.g. werf build) with the mirrors that passed preflight",
  usage: "werf-mirror exec [--offline] -- COMMAND [ARG...]",
  description: `
Runs preflight (or reuses a fresh <output.dir>/preflight.json: same configuration, less than 10
minutes old), then runs COMMAND with the environment \`werf-mirror env\` prints: the kept https
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
    "2 usage error or a configuration that cannot be loaded",
    "127 COMMAND not found",
  ],
  async run(ctx) {
    const [cmd, ...args] = ctx.positionals;
    if (!cmd) {
      ctx.io.stderr("werf-mirror exec: name the command to run after `--`, as in `werf-mirror exec -- werf build`\n");
      return EXIT_USAGE;
    }
    const loaded = await loadForCommand(ctx);
    if ("exit" in loaded) return loaded.exit;
    const { runPreflight } = await import("../preflight-run.js");
    const { WERF_MIRROR_PREFIX } = await import("../../preflight/handoff.js");
    const run = await runPreflight(ctx, loaded.model, {
      offline: ctx.values.offline === true,
      reuse: ctx.values.refresh !== true,
      progress: true,
    });
    if (!reportFailure(ctx, run)) return EXIT_FINDINGS;
    const env: Record<string, string> = {};
    for (const [k, v] of Object.entries(ctx.io.env)) if (v !== undefined && !k.startsWith(WERF_MIRROR_PREFIX)) env[k] = v;
    for (const e of run.handoff.entries) env[e.key] = e.value;
    return runChild(cmd, args, env, ctx.cwd, (m) => ctx.io.stderr(m));
  },
};

function runChild(cmd: string, args: string[], env: Record<string, string>, cwd: string, warn: (m: string) => void): Promise<number> {
  return new Promise((resolveExit) => {
    const child = spawn(cmd, args, { stdio: "inherit", env, cwd });
    const forward = (sig: NodeJS.Signals) => () => {
      if (child.exitCode === null && child.signalCode === null) child.kill(sig);
    };
    const handlers = FORWARDED.map((sig) => [sig, forward(sig)] as const);
    for (const [sig, h] of handlers) process.on(sig, h);
    const cleanup = () => {
      for (const [sig, h] of handlers) process.off(sig, h);
    };
    child.on("error", (err: NodeJS.ErrnoException) => {
      cleanup();
      warn(`werf-mirror exec: cannot run ${cmd}: ${err.code === "ENOENT" ? "command not found" : err.message}\n`);
      resolveExit(err.code === "ENOENT" ? 127 : 126);
    });
    child.on("exit", (code, signal) => {
      cleanup();
      resolveExit(signal ? 128 + (constants.signals[signal] ?? 0) : (code ?? 1));
    });
  });
}
