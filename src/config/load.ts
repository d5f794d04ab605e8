// Loading: find the config file (the search places below), parse it with positions, validate it against the
// schema, build the env and flag layers, merge, and run the semantic rules.
// Pure apart from reading files: no process.env, no console, no exit (the caller passes env).
import { option } from "./options.js";
import { type Dirent, closeSync, constants, existsSync, fstatSync, lstatSync, openSync, readdirSync, readFileSync } from "node:fs";
import { basename, dirname, join, resolve } from "node:path";
import type { Diagnostic, Model, Origin } from "./types.js";
import { LineTable, originAt, parseConfigText, type ConfigSource } from "./source.js";
import { isWerfYaml, scanWerfYaml, WERF_YAML_NAMES } from "./werf-yaml.js";
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
/** Our own places; werf's config (werf.yaml, else werf.yml, or WERF_CONFIG) is looked for as werf does. */
const OWN_PLACES = SEARCH_PLACES.filter((p) => !WERF_YAML_NAMES.includes(p));

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
  /**
   * werf's project directory (werf's `--dir`; else env WERF_DIR; else `cwd`): where werf reads
   * werf.yaml, and where the search starts.
   */
  dir?: string;
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
  /** werf's own config file where werf reads it (werf.yaml, werf.yml, WERF_CONFIG), whether or not it holds a block. */
  werfConfig?: string;
  /** Where the search started (werf's project directory), when there was one. */
  searchedFrom?: string;
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
  let search: ConfigSearch | undefined;
  const named = option("config");
  if (opts.configPath) {
    configFile = resolve(cwd, opts.configPath);
    explicitOrigin = { kind: "flag", name: named.flag };
  } else if (env[named.env]) {
    configFile = resolve(cwd, env[named.env]!);
    explicitOrigin = { kind: "env", name: named.env };
  } else if (!opts.noSearch) {
    // As werf: the project directory is --dir, else WERF_DIR, else the working directory; its
    // config is WERF_CONFIG (relative to the working directory), else werf.yaml, else werf.yml.
    const start = resolve(cwd, opts.dir || env.WERF_DIR || ".");
    search = findConfig(start, {
      ...(env.WERF_CONFIG ? { werfConfig: resolve(cwd, env.WERF_CONFIG) } : {}),
      ...(env.WERF_CONFIG_TEMPLATES_DIR ? { templatesDir: resolve(cwd, env.WERF_CONFIG_TEMPLATES_DIR) } : {}),
    });
    configFile = search.file;
    diagnostics.push(...search.diagnostics);
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

  const result = complete(layers, diagnostics, { env, cwd, configFile, fileExists, explain: opts.explain });
  return search ? { ...result, searchedFrom: search.from, ...(search.werfConfig ? { werfConfig: search.werfConfig } : {}) } : result;
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
  const werfScan = isWerfYaml(file) || WERF_CONFIG_SIGNS.test(text) ? scanWerfYaml(file, text) : undefined;
  if (werfScan && (isWerfYaml(file) || werfScan.opened || /^configVersion[ \t]*:/m.test(text))) {
    // werf's config, whatever its name (WERF_CONFIG, `--config custom-werf.yaml`): only the block is ours.
    const scan = werfScan;
    diagnostics.push(...scan.diagnostics);
    if (!scan.block) {
      if ((opts.requireConfig !== false || namedBy) && !scan.opened) {
        diagnostics.push({
          severity: "error",
          rule: "werf-yaml-block",
          message: `${basename(file)} is a werf config without a werf-mirror block; add one in a Go template comment: \`{{- /* werf-mirror\` ... \`*/ -}}\` at its very top`,
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

/** What a werf config's text shows (a `{{`, or the meta document's `configVersion:`), to read it as one whatever its name. */
const WERF_CONFIG_SIGNS = /\{\{|^configVersion[ \t]*:/m;

/** The first config file found from `cwd` upwards (see findConfig). */
export async function searchConfigFile(cwd: string): Promise<string | undefined> {
  return findConfig(resolve(cwd)).file;
}

export interface ConfigSearch {
  /** The config file to read. */
  file?: string;
  /** werf's config file where werf reads it, whether or not it holds a werf-mirror block. */
  werfConfig?: string;
  /** The directory the search started from. */
  from: string;
  /** Two sources at once, a block werf-mirror would never read. */
  diagnostics: Diagnostic[];
}

/**
 * The config file found from `start` upwards: in each directory our search places in order, then
 * werf's config (`werfConfig`, which is WERF_CONFIG, at the start only; else werf.yaml, else
 * werf.yml: werf reads werf.yml only without werf.yaml), then the parent, up to the root. In the
 * first directory that holds a config, every other one is an error naming both: werf-mirror
 * would read one and silently ignore the other. Nothing else is read: no tool's
 * meta-configuration in the project, no global directory (cosmiconfig did both, executing a
 * project's `.config/config.js` and failing on a malformed package.json before our loaders ran).
 */
export function findConfig(start: string, opts: { werfConfig?: string; templatesDir?: string } = {}): ConfigSearch {
  const diagnostics: Diagnostic[] = [];
  let werfConfig: string | undefined;
  for (let dir = start; ; dir = dirname(dir)) {
    const found = OWN_PLACES.map((place) => join(dir, place)).filter(holdsConfigFile);
    const candidates = opts.werfConfig ? (dir === start ? [opts.werfConfig] : []) : WERF_YAML_NAMES.map((n) => join(dir, n));
    const werf = candidates.find((f) => readConfigText(f).code !== "ENOENT");
    if (werf) {
      werfConfig ??= werf;
      if (holdsConfigFile(werf)) found.push(werf);
      if (!opts.werfConfig && basename(werf) === "werf.yaml") diagnostics.push(...unreadWerfYml(join(dir, "werf.yml"), werf));
      diagnostics.push(...blocksInTemplates(opts.templatesDir ?? join(dirname(werf), ".werf"), werf));
    }
    if (found.length > 0) {
      for (const other of found.slice(1)) {
        diagnostics.push({
          severity: "error",
          rule: "config-conflict",
          message:
            `two werf-mirror configs at once: ${found[0]} and ${other}. werf-mirror reads one config file; ` +
            `merge them into one and delete the other (or name one with --config)`,
          origin: { kind: "file", file: other, line: 1, col: 1 },
        });
      }
      return { file: found[0], werfConfig, from: start, diagnostics };
    }
    if (dirname(dir) === dir) return { werfConfig, from: start, diagnostics };
  }
}

/** Whether a search place holds a config (an unreadable file counts: reading it reports why). */
function holdsConfigFile(file: string): boolean {
  const read = readConfigText(file);
  return "text" in read ? holdsConfig(file, read.text) : !["ENOENT", "ENOTDIR", "EISDIR"].includes(read.code);
}

/** werf reads werf.yml only when there is no werf.yaml: a block in werf.yml next to one is read by nobody. */
function unreadWerfYml(yml: string, yaml: string): Diagnostic[] {
  const read = readConfigText(yml);
  if (!("text" in read)) return [];
  const scan = scanWerfYaml(yml, read.text);
  if (!scan.opened) return [];
  const at = scan.block ? originAt({ file: yml, lines: new LineTable(read.text) }, scan.block.start) : { kind: "file" as const, file: yml, line: 1, col: 1 };
  return [
    {
      severity: "error",
      rule: "config-conflict",
      message: `${yml} holds a werf-mirror block, but werf reads ${yaml} (werf.yaml wins when both exist), and so does werf-mirror; move the block into ${yaml}`,
      origin: at,
    },
  ];
}

/** How far blocksInTemplates looks: werf's templates are a handful of small files. */
const TEMPLATES_LIMIT = { files: 1000, depth: 8, bytes: 1 << 20 };

/**
 * A werf-mirror block in one of werf's config templates (`.werf/**\/*.tmpl`, included from
 * werf.yaml) is read by nobody: werf-mirror reads werf's config file itself. A warning each.
 * Links are not followed; the walk is bounded.
 */
function blocksInTemplates(dir: string, werfConfig: string): Diagnostic[] {
  const out: Diagnostic[] = [];
  let budget = TEMPLATES_LIMIT.files;
  const walk = (d: string, depth: number) => {
    let entries: Dirent[];
    try {
      entries = readdirSync(d, { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of entries.sort((a, b) => (a.name < b.name ? -1 : 1))) {
      if (budget-- <= 0) return;
      const p = join(d, e.name);
      if (e.isDirectory() && depth < TEMPLATES_LIMIT.depth) walk(p, depth + 1);
      if (!e.isFile() || !e.name.endsWith(".tmpl")) continue;
      const read = lstatSync(p).size <= TEMPLATES_LIMIT.bytes ? readConfigText(p) : { code: "EFBIG" };
      if (!("text" in read)) continue;
      const scan = scanWerfYaml(p, read.text);
      if (!scan.opened) continue;
      out.push({
        severity: "warning",
        rule: "werf-yaml-block",
        message: `this werf config template holds a werf-mirror block, which werf-mirror never reads (it reads werf's config file only); move the block to the very top of ${werfConfig}`,
        origin: scan.block ? originAt({ file: p, lines: new LineTable(read.text) }, scan.block.start) : { kind: "file", file: p, line: 1, col: 1 },
      });
    }
  };
  walk(dir, 0);
  return out;
}

const NOT_REGULAR = "not a regular file";

/**
 * A config file's text, or why it cannot be read (an errno code, or NOT_REGULAR). Only regular
 * files: a committed symlink to /dev/zero or to a FIFO would otherwise stall every command
 * (O_NONBLOCK, so that opening a FIFO does not wait for a writer).
 */
function readConfigText(file: string): { text: string; code?: undefined } | { code: string } {
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
  if (isWerfYaml(file) || WERF_CONFIG_SIGNS.test(text)) {
    const scan = scanWerfYaml(file, text);
    if (isWerfYaml(file) || scan.opened) return scan.opened;
  }
  // An empty file of ours is found (and reported as empty): passing over it would run without the config it was meant to hold.
  if (!text.trim()) return basename(file) !== "package.json";
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
