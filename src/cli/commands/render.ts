import { readFileSync } from "node:fs";
import { isAbsolute, join, relative, resolve } from "node:path";
import type { RenderAllResult } from "../../backends/index.js";
import { RENDER_TARGET_NAMES } from "../../backends/names.js";
import { readDefaultBase } from "../../render/base.js";
import type { RenderWarning } from "../../backends/types.js";
import { displayPath } from "../../config/origin.js";
import type { Model } from "../../config/types.js";
import { EXIT_FINDINGS, EXIT_OK, EXIT_USAGE, type Command, type Context } from "../command.js";
import { loadForCommand } from "../load.js";
import { limitList } from "../diagnostics.js";

export const renderCommand: Command = {
  name: "render",
  summary: "Write every consumer's native mirror config (registries.conf, daemon.json, hosts.toml, ...)",
  usage: "werf-mirror render [--target buildah|podman|docker|containerd|buildkit|k3s|kaniko|all] [--out-dir DIR] [--stdout] [--force] [--base PATH]",
  description: `
Renders the mirrors configuration into each consumer's own file under the output directory
(output.dir, --out-dir; default .werf-mirror): registries.conf (buildah, podman, skopeo, CRI-O;
werf's Buildah backend takes only its docker.io mirrors), daemon.json (dockerd; \`werf-mirror apply docker\` merges it into the real
file), certs.d/<host>/hosts.toml (containerd), buildkitd.toml, registries.yaml (k3s, RKE2) and
kaniko.args. Files are written all at once or not at all. A file that exists but was not written
by werf-mirror is never overwritten without --force. What a consumer cannot express is printed as
a warning naming the registry and the consumer.
registries.conf starts from the host's effective file (--base; default: $CONTAINERS_REGISTRIES_CONF,
else ~/.config/containers/registries.conf for non-root users when it exists, else
/etc/containers/registries.conf), so the host's other settings are kept.`,
  options: [
    { name: "target", type: "string", choices: RENDER_TARGET_NAMES, default: "all", description: "Which consumer's files to render" },
    // Until 0.2: elsewhere --backend is werf's backend, so here it is only an old name of --target.
    { name: "backend", type: "string", choices: RENDER_TARGET_NAMES, description: "Deprecated name of --target (elsewhere --backend is werf's backend)" },
    { name: "stdout", type: "boolean", description: "Print the files instead of writing them" },
    { name: "force", type: "boolean", description: "Overwrite files that werf-mirror did not write" },
    { name: "base", type: "string", value: "PATH", description: "registries.conf to merge onto (/dev/null: none)" },
  ],
  configOptions: true,
  examples: [
    "werf-mirror render",
    "werf-mirror render --target containerd --out-dir /etc/werf-mirror",
    "werf-mirror render --target buildah --stdout",
    "werf-mirror render --base /dev/null       # registries.conf without the host's settings",
  ],
  exitCodes: [
    "0 written (warnings allowed)",
    "1 a target belongs to the user, or a write failed (nothing written)",
    "2 usage error, or a config or base file that cannot be used",
  ],
  async run(ctx) {
    const loaded = await loadForCommand(ctx, { warnings: "count", announce: true });
    if ("exit" in loaded) return loaded.exit;
    const { model } = loaded;
    const given = ctx.values.target as string | undefined;
    const old = ctx.values.backend as string | undefined;
    if (old !== undefined) {
      if (given !== undefined && given !== old) {
        ctx.io.stderr(`werf-mirror render: --backend is the old name of --target; give one of them (got --target ${given} and --backend ${old})\n`);
        return EXIT_USAGE;
      }
      ctx.io.stderr("warning: `render --backend` is deprecated and will be removed in 0.2; use `--target` (elsewhere --backend names werf's backend)\n");
    }
    const target = given ?? old ?? "all";

    // Loaded on use, so other commands do not pay for the renderers at start-up.
    const { renderAll, RenderError } = await import("../../backends/index.js");
    const { UnsafePathError, UserOwnedError, writeRendered } = await import("../../render/write.js");
    const base = await readBase(ctx);
    if ("exit" in base) return base.exit;
    let result: RenderAllResult;
    try {
      result = renderAll([target], {
        model,
        sourceName: sourceName(model, ctx.cwd),
        baseRegistriesConf: base.text,
        baseRegistriesConfName: base.name,
      });
    } catch (err) {
      if (!(err instanceof RenderError)) throw err;
      ctx.io.stderr(`werf-mirror render: ${err.message}\n`);
      return EXIT_USAGE;
    }
    if (!ctx.quiet) printWarnings(ctx, result.warnings);

    if (ctx.values.stdout) {
      const several = result.files.length > 1;
      ctx.io.stdout(result.files.map((f) => (several ? `==> ${f.path} <==\n${f.content}` : f.content)).join(several ? "\n" : ""));
      return EXIT_OK;
    }
    const outDir = model.output.dir;
    try {
      const written = await writeRendered(outDir, result.files, { force: ctx.values.force === true, backends: result.backends, env: ctx.io.env });
      if (!ctx.quiet) {
        const shown = displayPath(outDir, ctx.cwd);
        const wrote = new Set(written.written);
        const lines = result.files.map((f) => `  ${wrote.has(f.path) ? "wrote    " : "unchanged"} ${join(shown, f.path)}`);
        for (const r of written.removed) lines.push(`  removed   ${join(shown, r)} (no longer produced)`);
        const listed = limitList(ctx, lines);
        if (listed.hidden > 0) {
          listed.shown.push(
            `  ... and ${listed.hidden} more (${written.written.length} written, ${written.unchanged.length} unchanged, ${written.removed.length} removed in all; --verbose lists every file)`,
          );
        }
        ctx.io.stdout(`${listed.shown.join("\n")}\n${nextSteps(result, shown)}`);
      }
      return EXIT_OK;
    } catch (err) {
      if (err instanceof UserOwnedError) {
        ctx.io.stderr(`werf-mirror render: in ${displayPath(outDir, ctx.cwd)}: ${err.message}\n`);
        return EXIT_FINDINGS;
      }
      if (err instanceof UnsafePathError) {
        ctx.io.stderr(`werf-mirror render: ${err.message}; nothing written\n`);
        return EXIT_FINDINGS;
      }
      const e = err as NodeJS.ErrnoException;
      ctx.io.stderr(
        `werf-mirror render: cannot write to ${displayPath(outDir, ctx.cwd)} (${e.code ?? e.message}); nothing written. Check that it is a writable directory, or use --out-dir\n`,
      );
      return EXIT_FINDINGS;
    }
  },
};

/** How headers name the config: relative to the working directory, so output is reproducible. */
function sourceName(model: Model, cwd: string): string {
  if (!model.configFile) return "environment and flags";
  const rel = relative(cwd, model.configFile).split("\\").join("/");
  return rel && !rel.startsWith("..") && !isAbsolute(rel) ? rel : model.configFile;
}

async function readBase(ctx: Context): Promise<{ text?: string; name?: string } | { exit: number }> {
  const explicit = ctx.values.base as string | undefined;
  if (explicit !== undefined) {
    const path = resolve(ctx.cwd, explicit);
    try {
      return { text: readFileSync(path, "utf8"), name: displayPath(path, ctx.cwd) };
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      ctx.io.stderr(
        `werf-mirror render: cannot read --base ${explicit} (${code ?? String(err)}); name an existing registries.conf, or --base /dev/null for none\n`,
      );
      return { exit: EXIT_USAGE };
    }
  }
  const base = await readDefaultBase({ env: ctx.io.env, uid: ctx.io.uid ?? process.getuid?.(), cwd: ctx.cwd });
  if (base && ctx.verbose) ctx.io.stderr(`werf-mirror render: merging registries.conf onto ${base.name}\n`);
  return base ?? {};
}

function printWarnings(ctx: Context, warnings: RenderWarning[]): void {
  const { shown, hidden } = limitList(ctx, warnings);
  for (const w of shown) ctx.io.stderr(`warning: ${w.consumer}: ${w.registry}: ${w.message}\n`);
  if (hidden > 0) ctx.io.stderr(`... and ${hidden} more warnings (--verbose shows all)\n`);
}

function nextSteps(result: RenderAllResult, dir: string): string {
  const has = (p: (path: string) => boolean) => result.files.some((f) => p(f.path));
  const steps: string[] = [];
  if (has((p) => p === "registries.conf")) {
    steps.push(`  buildah/podman: CONTAINERS_REGISTRIES_CONF=${join(dir, "registries.conf")} (or \`werf-mirror exec -- werf build\`)`);
    // Debian's skopeo 1.9 does not read CONTAINERS_REGISTRIES_CONF; its flag works everywhere.
    steps.push(`  skopeo: --registries-conf ${join(dir, "registries.conf")}`);
  }
  if (has((p) => p === "daemon.json")) steps.push("  dockerd: sudo werf-mirror apply docker");
  if (has((p) => p.startsWith("certs.d/")))
    steps.push(`  containerd: config_path = "${join(dir, "certs.d")}" (or ctr images pull --hosts-dir ${join(dir, "certs.d")})`);
  if (has((p) => p === "buildkitd.toml")) steps.push(`  BuildKit: docker buildx create --buildkitd-config ${join(dir, "buildkitd.toml")}`);
  if (has((p) => p === "registries.yaml"))
    steps.push("  k3s/RKE2: copy registries.yaml to /etc/rancher/k3s/ (/etc/rancher/rke2/) on every node and restart the service");
  if (has((p) => p === "kaniko.args")) steps.push(`  kaniko: mapfile -t args < ${join(dir, "kaniko.args")}; /kaniko/executor "\${args[@]}" ...`);
  return steps.length ? `Use them:\n${steps.join("\n")}\n` : "";
}
