import { formatOrigin } from "../../config/origin.js";
import type { Model } from "../../config/types.js";
import { EXIT_OK, EXIT_USAGE, type Command } from "../command.js";
import { loadForCommand } from "../load.js";
import { WERF_BACKEND_OPTION } from "../options.js";

export const configCommand: Command = {
  name: "config",
  summary: "Show the effective configuration, and with --explain where each value came from",
  usage: "werf-mirror config [--explain [--for werf]] [--format yaml|json]",
  description: `
Prints the configuration werf-mirror will use: the config file merged with the environment and the
flags, defaults filled in, every address normalized. With --explain, each value is shown with its
origin: FILE:LINE:COL, the environment variable, the flag, or "default".

With --explain --for werf, shows what werf itself will do with what \`werf-mirror env\` hands it,
worked out from werf's own mirror code: werf's docker.io mirror list in the order werf uses it,
the registries.conf werf's Buildah backend writes for itself (Buildah mode), the references
werf's registry API tries for a base image (preflight.probe, else library/alpine:latest), the
mirrors left out of the hand-off and why, and every setting werf does not honour.`,
  options: [
    { name: "explain", type: "boolean", description: "Show every resolved value with its origin" },
    { name: "for", type: "string", value: "CONSUMER", choices: ["werf"], description: "With --explain: what this consumer will do with the hand-off" },
    { name: "format", type: "string", choices: ["yaml", "json"], default: "yaml", description: "Output format" },
    WERF_BACKEND_OPTION,
  ],
  configOptions: true,
  examples: [
    "werf-mirror config",
    "werf-mirror config --explain",
    "werf-mirror config --explain --for werf --backend buildah",
    "WERF_CONTAINER_REGISTRY_MIRROR_GCR=mirror.gcr.io werf-mirror config --explain --format json",
  ],
  exitCodes: ["0 success", "2 usage error or a configuration that cannot be loaded"],
  async run(ctx) {
    const loaded = await loadForCommand(ctx, { warnings: "all", explain: true });
    if ("exit" in loaded) return loaded.exit;
    const { model } = loaded;
    const json = ctx.values.format === "json";
    if (ctx.values.for !== undefined) {
      if (!ctx.values.explain || json) {
        ctx.io.stderr("werf-mirror config: --for goes with --explain (text output)\n");
        return EXIT_USAGE;
      }
      const { explainForWerf } = await import("../../consumers/werf-explain.js");
      const { werfFindings } = await import("../../config/rules.js");
      const { readDefaultBase } = await import("../../render/base.js");
      const base =
        model.effectiveBackend === "buildah" ? await readDefaultBase({ env: ctx.io.env, uid: ctx.io.uid ?? process.getuid?.(), cwd: ctx.cwd }) : undefined;
      const { checkWerfOnPath } = await import("../werf-version.js");
      const versionWarning = await checkWerfOnPath(ctx.io.env);
      if (versionWarning) ctx.io.stderr(`warning: ${versionWarning}\n`);
      ctx.io.stdout(explainForWerf({ model, findings: werfFindings(model), cwd: ctx.cwd, ...(base ? { base } : {}) }));
      return EXIT_OK;
    }
    if (ctx.values.explain) {
      const rows = model.explained.map((e) => ({ ...e, from: formatOrigin(e.origin, ctx.cwd) }));
      if (json) {
        ctx.io.stdout(
          JSON.stringify(
            rows.map((r) => ({ path: r.path, value: r.value, origin: r.from })),
            null,
            2,
          ) + "\n",
        );
      } else {
        const width = Math.max(...rows.map((r) => `${r.path} = ${show(r.value)}`.length)) + 2;
        ctx.io.stdout(rows.map((r) => `${`${r.path} = ${show(r.value)}`.padEnd(width)}# ${r.from}`).join("\n") + "\n");
      }
      return EXIT_OK;
    }
    const view = effectiveConfig(model);
    const { stringify } = await import("yaml");
    ctx.io.stdout(json ? JSON.stringify(view, null, 2) + "\n" : stringify(view, { lineWidth: 0 }));
    return EXIT_OK;
  },
};

function show(v: unknown): string {
  return typeof v === "string" ? v : JSON.stringify(v);
}

/** The model in the shape of a config file, fully resolved. */
export function effectiveConfig(model: Model): Record<string, unknown> {
  return {
    version: model.version,
    backend: model.backend,
    effectiveBackend: model.effectiveBackend,
    configFile: model.configFile ?? null,
    registries: Object.fromEntries(
      model.registries.map((r) => [
        r.prefix.key,
        {
          mirrors: r.mirrors.map((m) => ({ url: m.url.href, pull: m.pull, insecure: m.insecure, ...(m.ca ? { ca: m.ca } : {}) })),
          fallback: r.fallback,
          blocked: r.blocked,
        },
      ]),
    ),
    insecureRegistries: model.insecureRegistries,
    unqualifiedSearchRegistries: model.unqualifiedSearchRegistries,
    preflight: {
      timeout: `${model.preflight.timeoutMs}ms`,
      ...(model.preflight.probe ? { probe: model.preflight.probe } : {}),
      unhealthy: model.preflight.unhealthy,
      order: model.preflight.order,
      minHealthy: model.preflight.minHealthy,
    },
    output: { dir: model.output.dir },
  };
}
