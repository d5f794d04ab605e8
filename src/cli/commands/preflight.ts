import { EXIT_FINDINGS, EXIT_OK, type Command } from "../command.js";
import { loadForCommand } from "../load.js";
import { WERF_BACKEND_OPTION } from "../options.js";
import { PREFLIGHT_FORMAT_NAMES } from "../../format/preflight-names.js";

export const preflightCommand: Command = {
  name: "preflight",
  summary: "Probe every mirror and the Docker daemon's mirrors before werf runs",
  usage: "werf-mirror preflight [--format text|json|markdown|junit] [--offline]",
  description: `
Checks every configured mirror at once: GET /v2/ (200, or 401 with a Bearer or Basic challenge,
means alive), its latency, TLS against the system store plus the mirror's \`ca\`, and with
\`preflight.probe\` a HEAD of that manifest on each docker.io mirror (anonymous token, or the
credentials from the Docker/containers auth files; they are never printed). Each probe has the
per-probe timeout, and they run concurrently, so a run takes about one timeout.

Each mirror is healthy, degraded (answers, but slow or without the probe manifest; kept, with a
warning) or unreachable (then \`preflight.unhealthy\`: drop leaves it out, warn keeps it, fail
fails). \`preflight.order: latency\` hands the fastest on first; \`preflight.minHealthy\` mirrors must
answer per registry. In Docker mode the daemon's mirrors are read from its API (GET /info over
DOCKER_HOST) and every docker.io mirror it lacks is an error, with the daemon.json to use.

Writes <output.dir>/preflight.json, and the hand-off for werf under <output.dir>/handoff/
(env.sh and registries.conf of the mirrors handed on): see \`werf-mirror env\`.`,
  options: [
    { name: "format", type: "string", choices: PREFLIGHT_FORMAT_NAMES, default: "text", description: "Report format" },
    { name: "offline", type: "boolean", description: "Probe nothing: every declared mirror is handed on as is" },
    WERF_BACKEND_OPTION,
  ],
  configOptions: true,
  examples: [
    "werf-mirror preflight",
    "werf-mirror preflight --timeout 2s --unhealthy fail",
    "# GitHub Actions: a table in the job summary",
    'werf-mirror preflight --format markdown >> "$GITHUB_STEP_SUMMARY"',
    "# GitLab CI: `werf-mirror preflight --format junit > preflight.xml` with",
    "#   artifacts: { when: always, reports: { junit: preflight.xml } }",
    "werf-mirror preflight --format json | jq '.registries[].kept'",
  ],
  exitCodes: [
    "0 preflight passed",
    "1 preflight failed: an unreachable mirror under `unhealthy: fail`, fewer than minHealthy mirrors answering, or a Docker daemon lacking a mirror",
    "2 usage error, a configuration that cannot be loaded, or an output.dir that cannot be written",
  ],
  async run(ctx) {
    const loaded = await loadForCommand(ctx, { warnings: "count", announce: true });
    if ("exit" in loaded) return loaded.exit;
    const format = (ctx.values.format as string | undefined) ?? "text";
    // Loaded on use: the network stack (https, tls) costs start-up time other commands need not pay.
    const { runPreflightForCommand } = await import("../preflight-run.js");
    const { PREFLIGHT_FORMATS } = await import("../../format/preflight-index.js");
    const { printable } = await import("../../preflight/printable.js");
    const run = await runPreflightForCommand(ctx, loaded.model, { offline: ctx.values.offline === true, reuse: false, progress: format === "text" });
    if ("exit" in run) return run.exit;
    const formatter = PREFLIGHT_FORMATS[format]!;
    if (!(ctx.quiet && format === "text" && run.report.ok)) {
      ctx.io.stdout(formatter(run.report, { isTTY: ctx.io.isTTY, color: ctx.color }));
    }
    if (!ctx.quiet) for (const n of run.notes) ctx.io.stderr(`${printable(n, { multiline: true })}\n`);
    return run.report.ok ? EXIT_OK : EXIT_FINDINGS;
  },
};
