import { resolve } from "node:path";
import { EXIT_FINDINGS, EXIT_OK, EXIT_USAGE, type Command, type Context } from "../command.js";
import { loadForCommand } from "../load.js";

export const DEFAULT_DAEMON_JSON = "/etc/docker/daemon.json";

export const RESTART_ADVICE = `Next: make dockerd read it. dockerd reloads registry-mirrors and insecure-registries on SIGHUP,
without stopping containers: sudo systemctl reload docker (or: sudo kill -HUP "$(pidof dockerd)").
A restart works too: sudo systemctl restart docker. Check with \`docker info\` (Registry Mirrors,
Insecure Registries) or \`werf-mirror preflight\`. If dockerd is started with --registry-mirror or
--insecure-registry flags, remove them first: dockerd refuses a setting given both as a flag and in
daemon.json. Rootless Docker reads ~/.config/docker/daemon.json (systemctl --user reload docker).
`;

/** After daemon.json changed, a stored preflight result says nothing about the daemon: `env` and `exec` probe again. */
async function forgetPreflight(ctx: Context, outDir: string): Promise<void> {
  const { forgetStoredReport } = await import("../../preflight/files.js");
  try {
    if (forgetStoredReport(outDir) && !ctx.quiet)
      ctx.io.stderr("note: the stored preflight result was discarded; `werf-mirror env` and `exec` will probe again\n");
  } catch (err) {
    ctx.io.stderr(
      `warning: could not discard the stored preflight result in ${outDir} (${(err as Error).message}); run \`werf-mirror preflight\` after reloading dockerd\n`,
    );
  }
}

export const applyCommand: Command = {
  name: "apply",
  summary: "Merge the docker.io mirrors into the Docker daemon's daemon.json (with a backup)",
  usage: "werf-mirror apply docker [--daemon-json PATH] [--dry-run]",
  description: `
Merges registry-mirrors (the configured docker.io mirrors) and insecure-registries into the
Docker daemon's daemon.json. Only their values are edited: every other byte of the file stays as
it was (other keys, their order, numbers, spacing). registry-mirrors is replaced by the configured
list; insecure-registries keeps its entries and gains the configured ones. A file that is not
strict JSON (comments, trailing commas), or whose registry-mirrors or insecure-registries is not a
list of strings, is refused and left untouched, as dockerd would refuse it. Before writing, the old
file is copied to daemon.json.bak-YYYYMMDDTHHMMSSZ; the new one is written atomically with the old
file's mode. A symlinked daemon.json is edited in its target and stays a link. Temp files left by
an interrupted apply are removed. The change is printed as a diff, followed by how to make dockerd
read it.`,
  options: [
    { name: "daemon-json", type: "string", value: "PATH", default: DEFAULT_DAEMON_JSON, description: "The daemon.json to update" },
    { name: "dry-run", type: "boolean", description: "Print the diff; write nothing" },
  ],
  configOptions: true,
  examples: ["sudo werf-mirror apply docker --dry-run", "sudo werf-mirror apply docker", "werf-mirror apply docker --daemon-json ~/.config/docker/daemon.json"],
  exitCodes: [
    "0 written, or already up to date",
    "1 daemon.json cannot be read, parsed or written (nothing written)",
    "2 usage error or a configuration that cannot be loaded",
  ],
  async run(ctx) {
    const [what, ...extra] = ctx.positionals;
    if (what !== "docker" || extra.length > 0) {
      ctx.io.stderr(
        `werf-mirror apply: ${what === undefined ? "name what to apply" : `cannot apply \`${[what, ...extra].join(" ").slice(0, 40)}\``}; the only target is \`docker\`: werf-mirror apply docker [--daemon-json PATH] [--dry-run]\n` +
          "For other consumers, `werf-mirror render` writes their files.\n",
      );
      return EXIT_USAGE;
    }
    const loaded = await loadForCommand(ctx, { warnings: "count", announce: true });
    if ("exit" in loaded) return loaded.exit;
    const { daemonJsonFragment } = await import("../../backends/docker.js");
    const { applyDaemonJson, DaemonJsonError } = await import("../../render/daemon-json.js");
    const { fragment, warnings } = daemonJsonFragment({ model: loaded.model, sourceName: "" });
    if (!ctx.quiet) for (const w of warnings) ctx.io.stderr(`warning: ${w.consumer}: ${w.registry}: ${w.message}\n`);
    if (!fragment["registry-mirrors"] && !fragment["insecure-registries"]) {
      ctx.io.stderr("werf-mirror apply docker: the config has no docker.io mirror and no insecure registry for dockerd; nothing to apply\n");
      return EXIT_OK;
    }
    const path = resolve(ctx.cwd, (ctx.values["daemon-json"] as string | undefined) ?? DEFAULT_DAEMON_JSON);
    const dryRun = ctx.values["dry-run"] === true;
    try {
      const result = await applyDaemonJson({ path, fragment, now: ctx.io.now?.() ?? new Date(), dryRun });
      if (result.diff) ctx.io.stdout(result.diff);
      if (!ctx.quiet) for (const n of result.notes) ctx.io.stderr(`note: ${n}\n`);
      if (result.status === "unchanged") {
        if (!ctx.quiet) ctx.io.stdout(`${path} already has these mirrors; nothing written.\n`);
      } else if (result.status === "dry-run") {
        const link = result.target ? ` (a symlink: its target ${result.target} would be edited, the link would stay)` : "";
        if (!ctx.quiet) ctx.io.stdout(`Dry run: ${path} not ${result.created ? "created" : "changed"}${link}.\n`);
      } else if (!ctx.quiet) {
        const about = [
          result.target && `a symlink: its target ${result.target} was edited, the link stays`,
          result.backupPath && `backup: ${result.backupPath}`,
        ].filter(Boolean);
        ctx.io.stdout(`${result.created ? "Created" : "Updated"} ${path}${about.length ? ` (${about.join("; ")})` : ""}.\n${RESTART_ADVICE}`);
      }
      if (result.status === "written") await forgetPreflight(ctx, loaded.model.output.dir);
      return EXIT_OK;
    } catch (err) {
      if (err instanceof DaemonJsonError) {
        ctx.io.stderr(`werf-mirror apply docker: ${err.message}\n`);
        return EXIT_FINDINGS;
      }
      const e = err as NodeJS.ErrnoException;
      const hint = e.code === "EACCES" || e.code === "EPERM" ? "; run it as root (sudo)" : "";
      ctx.io.stderr(`werf-mirror apply docker: cannot update ${path} (${e.code ?? e.message})${hint}; nothing written\n`);
      return EXIT_FINDINGS;
    }
  },
};
