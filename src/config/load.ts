// Loading: find the config file (cosmiconfig, SPEC 1.1), parse it with positions, validate it
// against the schema, build the env and flag layers, merge, and run the semantic rules.
// Pure apart from reading files: no process.env, no console, no exit (the caller passes env).
import { existsSync, readFileSync } from "node:fs";
import { basename, dirname, resolve } from "node:path";
import type { Diagnostic, Model, Origin } from "./types.js";
import { parseConfigText, type ConfigSource } from "./source.js";
import { isWerfYaml, scanWerfYaml } from "./werf-yaml.js";
import { validateSchema } from "./schema.js";
import { envLayer, fileLayer, flagLayer, type Env, type FlagValues, type Layer } from "./layers.js";
import { buildModel } from "./model.js";
import { checkModel } from "./rules.js";

export const MODULE_NAME = "werf-mirror";
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
  const read = await readConfigFile(file, undefined, { requireBlock: false });
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
  opts: { requireBlock?: boolean } = {},
): Promise<ReadResult> {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    return {
      diagnostics: [
        {
          severity: "error",
          rule: "config-not-found",
          message:
            code === "ENOENT"
              ? `config file ${file} does not exist; check the path or run \`werf-mirror init\``
              : `cannot read config file ${file} (${code ?? "error"}); check its permissions`,
          origin: namedBy ?? { kind: "file", file, line: 1, col: 1 },
        },
      ],
    };
  }
  const diagnostics: Diagnostic[] = [];
  let parsed;
  if (isWerfYaml(file)) {
    const scan = scanWerfYaml(file, text);
    diagnostics.push(...scan.diagnostics);
    if (!scan.block) {
      if (opts.requireBlock !== false || namedBy) {
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
    parsed = await parseConfigText(file, text, text, 0, [PACKAGE_PROP]);
  } else {
    parsed = await parseConfigText(file, text, text);
  }
  diagnostics.push(...parsed.diagnostics);
  const source = parsed.source;
  if (!source) return { diagnostics };
  if (source.data === undefined || source.data === null) {
    diagnostics.push({
      severity: "error",
      rule: "empty-config",
      message: "the configuration is empty; start with `version: 1` (`werf-mirror init` writes a commented example)",
      origin: { kind: "file", file, line: 1, col: 1 },
    });
    return { diagnostics };
  }
  const schemaErrors = validateSchema(source);
  diagnostics.push(...schemaErrors);
  if (schemaErrors.length > 0) return { diagnostics, source };
  return { diagnostics, source, layer: fileLayer(source, dirname(file)) };
}

/** The first config file found from `cwd` upwards (cosmiconfig, SPEC 1.1 search places). */
export async function searchConfigFile(cwd: string): Promise<string | undefined> {
  const { cosmiconfig } = await import("cosmiconfig");
  // cosmiconfig only finds the file: each loader says whether a file holds a config; parsing
  // (with positions) is ours. werf.yaml counts only when it has a werf-mirror block.
  const found = (_: string, content: string) => (content.trim() ? { found: true } : undefined);
  const explorer = cosmiconfig(MODULE_NAME, {
    searchPlaces: SEARCH_PLACES,
    packageProp: PACKAGE_PROP,
    searchStrategy: "global",
    stopDir: resolve("/"),
    cache: false,
    loaders: {
      ".yaml": (p, c) => (isWerfYaml(p) ? (scanWerfYaml(p, c).block ? { found: true } : undefined) : found(p, c)),
      ".yml": (p, c) => (isWerfYaml(p) ? (scanWerfYaml(p, c).block ? { found: true } : undefined) : found(p, c)),
      ".json": (p, c) => {
        if (basename(p) !== "package.json") return found(p, c);
        try {
          const pkg = JSON.parse(c) as Record<string, unknown>;
          return pkg[PACKAGE_PROP] !== undefined ? { [PACKAGE_PROP]: { found: true } } : {};
        } catch {
          return {};
        }
      },
      noExt: found,
    },
  });
  const result = await explorer.search(cwd);
  return result?.filepath;
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
