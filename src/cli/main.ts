// The command line: parse, dispatch, help. A thin layer over the library.
import { parseArgs } from "node:util";
import { resolve } from "node:path";
import { VERSION } from "./version.js";
import type { Command, Context, OptionSpec, Values } from "./command.js";
import { EXIT_USAGE } from "./command.js";
import type { Io } from "./io.js";
import { COMMANDS } from "./registry.js";
import { CONFIG_OPTIONS, OUTPUT_OPTIONS } from "./options.js";
import { closest } from "../config/schema.js";
import { environmentNames } from "../config/options.js";
import { UnsafePathError } from "../fs/output-dir.js";

class UsageError extends Error {}

export async function main(argv: string[], io: Io): Promise<number> {
  const [first, ...rest] = argv;
  if (first === undefined || first === "--help" || first === "-h" || first === "help") {
    const topic = first === "help" ? rest[0] : undefined;
    const cmd = topic ? COMMANDS.find((c) => c.name === topic) : undefined;
    io.stdout(cmd ? commandHelp(cmd) : globalHelp());
    return first === undefined ? EXIT_USAGE : 0;
  }
  if (first === "--version" || first === "-v" || first === "version") {
    io.stdout(`${VERSION}\n`);
    return 0;
  }
  const command = COMMANDS.find((c) => c.name === first);
  if (!command) {
    const guess = closest(
      first,
      COMMANDS.map((c) => c.name),
    );
    io.stderr(
      `werf-mirror: unknown command \`${first.slice(0, 40)}\`${guess ? `; did you mean \`${guess}\`?` : ""}\n` +
        `Run \`werf-mirror --help\` for the list of commands.\n`,
    );
    return EXIT_USAGE;
  }
  if (!command.failClosed) return runCommand(command, rest, io);
  const code = await runCommand(command, rest, io).catch((err: unknown) => {
    command.failClosed!(io, rest);
    throw err;
  });
  if (code !== 0) command.failClosed(io, rest);
  return code;
}

async function runCommand(command: Command, rest: string[], io: Io): Promise<number> {
  let ctx: Context;
  try {
    ctx = parseCommandLine(command, rest, io);
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    io.stderr(`werf-mirror ${command.name}: ${err.message}\nRun \`werf-mirror ${command.name} --help\` for usage.\n`);
    return EXIT_USAGE;
  }
  if (ctx.values.help) {
    io.stdout(commandHelp(command));
    return 0;
  }
  try {
    return await command.run(ctx);
  } catch (err) {
    // A planted link or FIFO in the output directory (preflight, env, exec): the environment
    // cannot be used as it is, which is not a bug of ours. The message names the path and the fix.
    if (!(err instanceof UnsafePathError)) throw err;
    io.stderr(`werf-mirror ${command.name}: ${err.message}\n`);
    return EXIT_USAGE;
  }
}

function allOptions(command: Command): OptionSpec[] {
  return [...command.options, ...(command.configOptions ? CONFIG_OPTIONS : []), ...OUTPUT_OPTIONS];
}

function parseCommandLine(command: Command, args: string[], io: Io): Context {
  const specs = allOptions(command);
  let parsed: { values: Values; positionals: string[] };
  try {
    parsed = parseArgs({
      args,
      options: Object.fromEntries(specs.map((s) => [s.name, { type: s.type, multiple: s.multiple ?? false }])),
      allowPositionals: true,
      strict: true,
    }) as { values: Values; positionals: string[] };
  } catch (err) {
    throw new UsageError(explainParseError(err as Error, specs));
  }
  for (const spec of specs) {
    const v = parsed.values[spec.name];
    if (spec.choices && typeof v === "string" && !spec.choices.includes(v)) {
      throw new UsageError(`--${spec.name} must be one of: ${spec.choices.join(", ")} (got \`${v.slice(0, 40)}\`)`);
    }
  }
  const values = parsed.values;
  const str = (name: string) => (typeof values[name] === "string" ? (values[name] as string) : undefined);
  const list = (name: string) => (Array.isArray(values[name]) ? (values[name] as string[]) : undefined);
  const cwd = resolve(io.cwd, str("cwd") ?? ".");
  return {
    io,
    values,
    positionals: parsed.positionals,
    cwd,
    flags: {
      // `render --backend` is the deprecated name of --target; only other commands pass werf's backend on.
      backend: command.name === "render" ? undefined : str("backend"),
      outDir: str("out-dir"),
      timeout: str("timeout"),
      unhealthy: str("unhealthy"),
      containerRegistryMirror: list("container-registry-mirror"),
      mirror: list("mirror"),
    },
    color: useColor(values["no-color"] === true, io.env, io.isTTY),
    quiet: values.quiet === true,
    verbose: values.verbose === true,
  };
}

function explainParseError(err: Error, specs: OptionSpec[]): string {
  const code = (err as NodeJS.ErrnoException).code;
  const opt = /'(-{1,2}[^'\s]+)/.exec(err.message)?.[1];
  if (code === "ERR_PARSE_ARGS_UNKNOWN_OPTION" && opt) {
    const guess = closest(
      opt.replace(/^-+/, ""),
      specs.map((s) => s.name),
    );
    return `unknown option ${opt}${guess ? `; did you mean --${guess}?` : ""}`;
  }
  if (code === "ERR_PARSE_ARGS_INVALID_OPTION_VALUE" && opt) {
    const spec = specs.find((s) => `--${s.name}` === opt.split(" ")[0]);
    return spec?.type === "boolean" ? `${opt} takes no value` : `${opt} needs a value${spec?.value ? ` (${spec.value})` : ""}`;
  }
  return err.message;
}

function formatOptions(specs: OptionSpec[]): string {
  const rows = specs.map((s) => {
    const arg = s.type === "string" ? ` ${s.choices ? s.choices.join("|") : (s.value ?? "VALUE")}` : "";
    return [`  --${s.name}${arg}`, `${s.description}${s.default ? ` (default: ${s.default})` : ""}`] as const;
  });
  const width = Math.min(44, Math.max(...rows.map(([l]) => l.length)) + 2);
  return rows.map(([l, r]) => (l.length + 2 > width ? `${l}\n${" ".repeat(width)}${r}` : `${l.padEnd(width)}${r}`)).join("\n");
}

export function commandHelp(command: Command): string {
  const parts = [`Usage: ${command.usage}`, "", command.description.trim()];
  if (command.options.length) parts.push("", "Options:", formatOptions(command.options));
  if (command.configOptions) {
    parts.push("", "Configuration (precedence: flags > env > file > defaults):", formatOptions(CONFIG_OPTIONS));
  }
  parts.push("", "Output:", formatOptions(OUTPUT_OPTIONS));
  if (command.examples.length) parts.push("", "Examples:", ...command.examples.map((e) => `  ${e}`));
  const codes = command.exitCodes ?? ["0 success", "1 findings", "2 usage error or a configuration that cannot be loaded"];
  parts.push("", "Exit codes:", ...codes.map((e) => `  ${e}`));
  return parts.join("\n") + "\n";
}

export function globalHelp(): string {
  const width = Math.max(...COMMANDS.map((c) => c.name.length)) + 4;
  return [
    `werf-mirror ${VERSION}: one registry-mirrors config for werf and every container runtime.`,
    "",
    "Usage: werf-mirror <command> [options]",
    "",
    "Commands:",
    ...COMMANDS.map((c) => `  ${c.name.padEnd(width)}${c.summary}`),
    "",
    "The config is found from the working directory upwards: werf-mirror.yaml, .werf/mirror.yaml,",
    ".werf-mirrorrc[.json|.yaml|.yml], package.json (key werfMirror), or a `{{- /* werf-mirror ... */ -}}`",
    "block in werf.yaml. Environment (WERF_CONTAINER_REGISTRY_MIRROR_<ANY> is werf's own, docker.io):",
    ...wrap(`${environmentNames().join(", ")}.`, 100),
    "",
    "Run `werf-mirror <command> --help` for a command's options and examples.",
    "  werf-mirror --version   print the version",
    "",
  ].join("\n");
}

export type { Io };

/** Words joined into lines of at most `width` characters. */
function wrap(text: string, width: number): string[] {
  const lines: string[] = [];
  let line = "";
  for (const word of text.split(" ")) {
    if (line && line.length + 1 + word.length > width) {
      lines.push(line);
      line = word;
    } else line = line ? `${line} ${word}` : word;
  }
  if (line) lines.push(line);
  return lines;
}

/**
 * Colors: --no-color wins; then FORCE_COLOR (any value but 0 or false turns them on, also in a
 * pipe, as CI logs that render ANSI want); then NO_COLOR and TERM=dumb turn them off; else a
 * terminal gets them.
 */
export function useColor(noColorFlag: boolean, env: Record<string, string | undefined>, isTTY: boolean): boolean {
  if (noColorFlag) return false;
  const force = env.FORCE_COLOR;
  if (force !== undefined && force !== "0" && force.toLowerCase() !== "false") return true;
  if ((env.NO_COLOR ?? "") !== "" || env.TERM === "dumb") return false;
  return isTTY;
}
