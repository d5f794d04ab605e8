import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { displayPath } from "../../config/origin.js";
import { searchConfigFile } from "../../config/load.js";
import { EXIT_FINDINGS, EXIT_OK, EXIT_USAGE, type Command } from "../command.js";
import { INIT_TEMPLATE } from "../init-template.js";

export const initCommand: Command = {
  name: "init",
  summary: "Write a commented starter werf-mirror.yaml (never over an existing file)",
  usage: "werf-mirror init [FILE]",
  description: `
Writes a commented starter configuration to FILE (default: werf-mirror.yaml in the working
directory). An existing file is never overwritten. Edit it, then run \`werf-mirror lint\`.`,
  options: [{ name: "cwd", type: "string", value: "DIR", description: "Work as if started in DIR" }],
  examples: ["werf-mirror init", "werf-mirror init .werf/mirror.yaml"],
  exitCodes: ["0 written", "1 the file exists (nothing written)", "2 usage error"],
  async run(ctx) {
    if (ctx.positionals.length > 1) {
      ctx.io.stderr(`werf-mirror init: one FILE at most (got ${ctx.positionals.length}); nothing written\n`);
      return EXIT_USAGE;
    }
    const target = resolve(ctx.cwd, ctx.positionals[0] ?? "werf-mirror.yaml");
    const shown = displayPath(target, ctx.cwd);
    try {
      // A missing directory (`.werf/` for .werf/mirror.yaml) is made; the file itself is created
      // only (`wx`): it fails if the file exists, so a user's file is never clobbered.
      mkdirSync(dirname(target), { recursive: true });
      writeFileSync(target, INIT_TEMPLATE, { flag: "wx", mode: 0o644 });
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === "EEXIST") {
        ctx.io.stderr(`werf-mirror init: ${shown} already exists; nothing written. Edit it, or name another file: werf-mirror init FILE\n`);
      } else {
        ctx.io.stderr(`werf-mirror init: cannot create ${shown} (${code ?? String(err)}); check that its directory exists and is writable\n`);
      }
      return EXIT_FINDINGS;
    }
    if (!ctx.quiet) {
      ctx.io.stdout(`Wrote ${shown}. Next: edit it, then run \`werf-mirror lint\` and \`werf-mirror config --explain\`.\n`);
    }
    const gitignore = join(ctx.cwd, ".gitignore");
    const ignored = existsSync(gitignore) && /^\/?\.werf-mirror\/?$/m.test(readFileSync(gitignore, "utf8"));
    if (!ignored && !ctx.quiet) {
      ctx.io.stdout("Generated files go to .werf-mirror/ (output.dir); keep them out of git: echo .werf-mirror/ >> .gitignore\n");
    }
    const found = await searchConfigFile(ctx.cwd);
    if (found && found !== target && !ctx.quiet) {
      ctx.io.stderr(`note: ${displayPath(found, ctx.cwd)} is found first when searching from ${ctx.cwd}; use --config ${shown} or remove the other file.\n`);
    }
    return EXIT_OK;
  },
};
