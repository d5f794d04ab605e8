// Loading: find the config file (SPEC 1.1), parse it with positions, validate it against the
// schema, build the env and flag layers, merge, and run the semantic rules.
// Pure apart from reading files: no process.env, no console, no exit (the caller passes env).
import { closeSync, constants, existsSync, fstatSync, openSync, readFileSync } from "node:fs";
import { basename, dirname, join, resolve } from "node:path";
import type { Diagnostic, Model, Origin } from "./types.js";
import { LineTable, originAt, parseConfigText, type ConfigSource } from "./source.js";
import { isWerfYaml, scanWerfYaml } from "./werf-yaml.js";
import { jsonSyntaxError } from "./json-syntax.js";
import { validateSchema } from "./schema.js";
import { envLayer, fileLayer, flagLayer, type Env, type FlagValues, type Layer } from "./layers.js";
import { buildModel } from "./model.js";
import { checkModel } from "./rules.js";

export const PACKAGE_PROP = "werfMirror";
export const SEARCH_PLACES = [
  "werf-mirror.yaml",
  "werf-mirror.yml",
  ".werf/mirror.yaml",
  ".werf-mirrorrc",
  ".werf-mirrorrc.json",
  ".werf-mirrorrc.yaml",
  ".werf-mirrorrc.yml",
  ".config/werf-mirrorrc.yaml",
  "package.json",
  "werf.yaml",
  "werf.yml",
];

export interface LoadOptions {
  /** Directory to search from and to resolve relative paths against. Default: process.cwd(). */
  cwd?: string;
  /** A config file named directly (`--config`); else WERF_MIRROR_CONFIG; else searched. */
  configPath?: string;
  /** The environment to read (the library never reads process.env by itself). */
  env?: Env;
  flags?: FlagValues;
  /** Skip the search when no file is named (flags and env only). */
  noSearch?: boolean;
  fileExists?: (path: string) => boolean;
  /** Record the origin of every mirror in `model.explained` (default true; scalars always are). */
  explain?: boolean;
}

export interface LoadResult {
  /** The merged model, absent when an error prevents building it. */
  model?: Model;
  diagnostics: Diagnostic[];
  /** The config file read, if any. */
  configFile?: string;
  /** Whether an error diagnostic was found. */
  hasErrors: boolean;
}

/** Loads the effective configuration from file, environment and flags. */
export async function loadConfig(opts: LoadOptions = {}): Promise<LoadResult> {
  const cwd = resolve(opts.cwd ?? process.cwd());
  const env = opts.env ?? {};
  const fileExists = opts.fileExists ?? existsSync;
  const diagnostics: Diagnostic[] = [];
  const layers: Layer[] = [];

  let configFile: string | undefined;
  let explicitOrigin: Origin | undefined;
  if (opts.configPath) {
    configFile = resolve(cwd, opts.configPath);
    explicitOrigin = { kind: "flag", name: "--config" };
  } else if (env.WERF_MIRROR_CONFIG) {
    configFile = resolve(cwd, env.WERF_MIRROR_CONFIG);
    explicitOrigin = { kind: "env", name: "WERF_MIRROR_CONFIG" };
  } else if (!opts.noSearch) {
    configFile = await searchConfigFile(cwd);
  }

  if (configFile) {
    const file = await readConfigFile(configFile, explicitOrigin);
    diagnostics.push(...file.diagnostics);
    if (file.layer) layers.push(file.layer);
  }
  const fromEnv = envLayer(env, cwd);
  const fromFlags = flagLayer(opts.flags ?? {}, cwd);
  diagnostics.push(...fromEnv.diagnostics, ...fromFlags.diagnostics);
  layers.push(fromEnv.layer, fromFlags.layer);

  return complete(layers, diagnostics, { env, cwd, configFile, fileExists, explain: opts.explain });
}

/** Lints one file on its own (no env, no flags): what `werf-mirror lint FILE` and pre-commit run. */
export async function lintFile(path: string, opts: { cwd?: string; fileExists?: (p: string) => boolean } = {}): Promise<LoadResult> {
  const cwd = resolve(opts.cwd ?? process.cwd());
  const file = resolve(cwd, path);
  const read = await readConfigFile(file, undefined, { requireConfig: false });
  return complete(read.layer ? [read.layer] : undefined, [...read.diagnostics], { env: {}, cwd, configFile: file, fileExists: opts.fileExists ?? existsSync });
}

/** Merges the layers into the model and runs the semantic rules, unless an error came first. */
function complete(
  layers: Layer[] | undefined,
  diagnostics: Diagnostic[],
  o: { env: Env; cwd: string; configFile?: string; fileExists: (path: string) => boolean; explain?: boolean },
): LoadResult {
  if (!layers || hasErrors(diagnostics)) {
    return { diagnostics: sortDiagnostics(diagnostics), configFile: o.configFile, hasErrors: hasErrors(diagnostics) };
  }
  const built = buildModel(layers, o.env, o.cwd, o.configFile, { explain: o.explain });
  diagnostics.push(...built.diagnostics);
  if (built.model) diagnostics.push(...checkModel(built.model, { fileExists: o.fileExists }));
  return { model: built.model, diagnostics: sortDiagnostics(diagnostics), configFile: o.configFile, hasErrors: hasErrors(diagnostics) };
}

interface ReadResult {
  layer?: Layer;
  source?: ConfigSource;
  diagnostics: Diagnostic[];
}

/** Reads and validates one config file of any supported kind. */
export async function readConfigFile(
  file: string,
  namedBy?: Origin,
  /** requireConfig: false — werf.yaml without a block and package.json without the key are no error (lint FILE). */
  opts: { requireConfig?: boolean } = {},
): Promise<ReadResult> {
  const read = readConfigText(file);
  if ("code" in read) {
    return {
      diagnostics: [
        {
          severity: "error",
          rule: "config-not-found",
          message:
            read.code === "ENOENT"
              ? `config file ${file} does not exist; check the path or run \`werf-mirror init\``
              : read.code === NOT_REGULAR
                ? `config file ${file} is not a regular file (a device, pipe or socket, perhaps through a symlink); a config is a regular file: replace or remove it`
                : `cannot read config file ${file} (${read.code}); check its permissions`,
          origin: namedBy ?? { kind: "file", file, line: 1, col: 1 },
        },
      ],
    };
  }
  const text = read.text;
  const diagnostics: Diagnostic[] = [];
  let parsed: Awaited<ReturnType<typeof parseConfigText>>;
  if (isWerfYaml(file)) {
    const scan = scanWerfYaml(file, text);
    diagnostics.push(...scan.diagnostics);
    if (!scan.block) {
      if ((opts.requireConfig !== false || namedBy) && !scan.opened) {
        diagnostics.push({
          severity: "error",
          rule: "werf-yaml-block",
          message: "werf.yaml has no werf-mirror block; add one in a Go template comment: `{{- /* werf-mirror` ... `*/ -}}`",
          origin: { kind: "file", file, line: 1, col: 1 },
        });
      }
      return { diagnostics };
    }
    parsed = await parseConfigText(file, text, scan.block.body, scan.block.bodyOffset);
  } else if (basename(file) === "package.json") {
    // npm reads package.json as strict JSON; the YAML parser (for positions) would accept more.
    const bad = jsonSyntaxError(text);
    if (bad) {
      diagnostics.push({
        severity: "error",
        rule: "yaml-syntax",
        message: `package.json is not valid JSON: expected ${bad.expected} here; fix it (npm cannot read it either)`,
        origin: originAt({ file, lines: new LineTable(text) }, bad.offset),
      });
      return { diagnostics };
    }
    parsed = await parseConfigText(file, text, text, 0, [PACKAGE_PROP]);
  } else {
    parsed = await parseConfigText(file, text, text);
  }
  diagnostics.push(...parsed.diagnostics);
  const source = parsed.source;
  if (!source) return { diagnostics };
  if (source.data === undefined || source.data === null) {
    // A package.json without the key is, like werf.yaml without a block, no config when linted on its own.
    const noKey = source.data === undefined && source.root.length > 0;
    if (noKey && opts.requireConfig === false && !namedBy) return { diagnostics };
    diagnostics.push({
      severity: "error",
      rule: "empty-config",
      message: noKey
        ? `package.json has no \`${PACKAGE_PROP}\` key; put the configuration under it, starting with \`"${PACKAGE_PROP}": { "version": 1 }\``
        : "the configuration is empty; start with `version: 1` (`werf-mirror init` writes a commented example)",
      origin: { kind: "file", file, line: 1, col: 1 },
    });
    return { diagnostics };
  }
  const schemaErrors = validateSchema(source);
  diagnostics.push(...schemaErrors);
  if (schemaErrors.length > 0) return { diagnostics, source };
  return { diagnostics, source, layer: fileLayer(source, dirname(file)) };
}

/**
 * The first config file found from `cwd` upwards: in each directory the SPEC 1.1 search places
 * in order, then the parent, up to the root. Nothing else is read: no tool's meta-configuration
 * in the project, no global directory (cosmiconfig did both, executing a project's
 * `.config/config.js` and failing on a malformed package.json before our loaders ran).
 */
export async function searchConfigFile(cwd: string): Promise<string | undefined> {
  for (let dir = resolve(cwd); ; dir = dirname(dir)) {
    for (const place of SEARCH_PLACES) {
      const file = join(dir, place);
      const read = readConfigText(file);
      if ("text" in read ? holdsConfig(file, read.text) : !["ENOENT", "ENOTDIR", "EISDIR"].includes(read.code)) return file;
    }
    if (dirname(dir) === dir) return undefined;
  }
}

const NOT_REGULAR = "not a regular file";

/**
 * A config file's text, or why it cannot be read (an errno code, or NOT_REGULAR). Only regular
 * files: a committed symlink to /dev/zero or to a FIFO would otherwise stall every command
 * (O_NONBLOCK, so that opening a FIFO does not wait for a writer).
 */
function readConfigText(file: string): { text: string } | { code: string } {
  let fd: number;
  try {
    fd = openSync(file, constants.O_RDONLY | constants.O_NONBLOCK);
  } catch (err) {
    return { code: (err as NodeJS.ErrnoException).code ?? "error" };
  }
  try {
    const stat = fstatSync(fd);
    if (!stat.isFile()) return { code: stat.isDirectory() ? "EISDIR" : NOT_REGULAR };
    return { text: readFileSync(fd, "utf8") };
  } catch (err) {
    return { code: (err as NodeJS.ErrnoException).code ?? "error" };
  } finally {
    closeSync(fd);
  }
}

/**
 * Whether a file found by the search is meant as a config. Empty files are passed over; werf.yaml
 * counts with a werf-mirror block (a broken one included: its errors are reported, not skipped);
 * package.json with a `werfMirror` key, or when it is not valid JSON (then nobody can tell, and
 * readConfigFile reports where it breaks).
 */
function holdsConfig(file: string, text: string): boolean {
  if (!text.trim()) return false;
  if (isWerfYaml(file)) return scanWerfYaml(file, text).opened;
  if (basename(file) === "package.json") {
    if (jsonSyntaxError(text)) return true;
    const pkg = JSON.parse(text.replace(/^\uFEFF/, "")) as unknown;
    return pkg !== null && typeof pkg === "object" && Object.hasOwn(pkg, PACKAGE_PROP);
  }
  return true;
}

export function hasErrors(diagnostics: Diagnostic[]): boolean {
  return diagnostics.some((d) => d.severity === "error");
}

/** File diagnostics by position, then the rest in their order. */
export function sortDiagnostics(diagnostics: Diagnostic[]): Diagnostic[] {
  const rank = (d: Diagnostic) => (d.origin.kind === "file" ? 0 : 1);
  return [...diagnostics].sort((a, b) => {
    if (rank(a) !== rank(b)) return rank(a) - rank(b);
    if (a.origin.kind === "file" && b.origin.kind === "file") {
      if (a.origin.file !== b.origin.file) return a.origin.file < b.origin.file ? -1 : 1;
      return a.origin.line - b.origin.line || a.origin.col - b.origin.col;
    }
    return 0;
  });
}
