// The renderers, one per consumer. A new consumer is one file and one line in RENDERERS.
import { readFileSync } from "node:fs";
import { basename } from "node:path";
import type { Model } from "../config/types.js";
import { buildahRenderer, podmanRenderer } from "./registries-conf.js";
import { dockerRenderer } from "./docker.js";
import { containerdRenderer } from "./containerd.js";
import { buildkitRenderer } from "./buildkit.js";
import { k3sRenderer } from "./k3s.js";
import { kanikoRenderer } from "./kaniko.js";
import { RenderError } from "./common.js";
import type { RenderInput, RenderResult, RenderWarning, RenderedFile, Renderer } from "./types.js";

export const RENDERERS: Renderer[] = [buildahRenderer, podmanRenderer, dockerRenderer, containerdRenderer, buildkitRenderer, k3sRenderer, kanikoRenderer];

export const RENDER_TARGETS = [...RENDERERS.map((r) => r.name), "all"];
export { RENDER_TARGET_NAMES } from "./names.js";

export interface TargetFile extends RenderedFile {
  /** The renderer that produced the file (the first one, when two produce the same path). */
  backend: string;
}

export interface RenderAllResult {
  files: TargetFile[];
  warnings: RenderWarning[];
  /** The renderers that ran, in RENDERERS order. */
  backends: string[];
}

/** A file's text, or undefined when it cannot be read (the renderer says so in a warning). */
function readFileQuietly(path: string): string | undefined {
  try {
    return readFileSync(path, "utf8");
  } catch {
    return undefined;
  }
}

/**
 * Runs the named renderers (`all` for every one). Files with the same path are written once.
 * The renderers are pure; the one thing they may need from disk, the CA files that k3s and
 * kaniko get as one bundle per host, is read through `input.readFile` (default: from disk).
 */
export function renderAll(names: string[], given: RenderInput): RenderAllResult {
  const input: RenderInput = { ...given, readFile: given.readFile ?? readFileQuietly };
  const wanted = new Set(names.includes("all") ? RENDERERS.map((r) => r.name) : names);
  for (const name of wanted) {
    if (!RENDERERS.some((r) => r.name === name)) {
      throw new RenderError(`unknown render target \`${name.slice(0, 40)}\`; use one of ${RENDER_TARGETS.join(", ")}`);
    }
  }
  const files: TargetFile[] = [];
  const warnings: RenderWarning[] = [];
  const backends: string[] = [];
  const seenWarnings = new Set<string>();
  const seenPaths = new Set<string>();
  // Targets that share a renderer (buildah and podman both write registries.conf) render once.
  const results = new Map<Renderer["render"], RenderResult>();
  for (const renderer of RENDERERS) {
    if (!wanted.has(renderer.name)) continue;
    backends.push(renderer.name);
    const result = results.get(renderer.render) ?? renderer.render(input);
    results.set(renderer.render, result);
    for (const file of result.files) {
      if (seenPaths.has(file.path)) continue;
      seenPaths.add(file.path);
      files.push({ ...file, backend: renderer.name });
    }
    for (const w of result.warnings) {
      const id = `${w.registry}\u0000${w.consumer}\u0000${w.message}`;
      if (!seenWarnings.has(id)) {
        seenWarnings.add(id);
        warnings.push(w);
      }
    }
  }
  return { files, warnings, backends };
}

export interface RenderOptions {
  /** Targets, default every one. */
  backends?: string[];
  /** How headers name the source config; default the config file's base name. */
  sourceName?: string;
  baseRegistriesConf?: string;
  baseRegistriesConfName?: string;
  /** Reads the CA files bundled for k3s and kaniko; default: from disk. */
  readFile?: (path: string) => string | undefined;
}

/** The library's render: the model in, every consumer's files and the warnings out. */
export function render(model: Model, options: RenderOptions = {}): RenderResult {
  const { files, warnings } = renderAll(options.backends ?? ["all"], {
    model,
    sourceName: options.sourceName ?? (model.configFile ? basename(model.configFile) : "environment and flags"),
    baseRegistriesConf: options.baseRegistriesConf,
    baseRegistriesConfName: options.baseRegistriesConfName,
    readFile: options.readFile,
  });
  return { files: files.map(({ backend: _backend, ...file }) => file), warnings };
}

export { RenderError } from "./common.js";
export type { RenderInput, RenderResult, RenderWarning, RenderedFile, Renderer } from "./types.js";
