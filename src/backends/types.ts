// The contract of a renderer: the normalized model in, file texts out. Pure: no fs, no env,
// no clock. Where a consumer cannot express something, a warning names the registry and the
// consumer; nothing is dropped silently.
import type { Model } from "../config/types.js";
import type { Feature } from "../consumers/capabilities.js";

export interface RenderInput {
  model: Model;
  /** How headers name the source config, e.g. `werf-mirror.yaml` (relative, for determinism). */
  sourceName: string;
  /** Text of the host's effective registries.conf, merged so no host setting is lost. */
  baseRegistriesConf?: string;
  /** Name of the base file, for messages. */
  baseRegistriesConfName?: string;
  /**
   * Reads a CA file (undefined when it cannot), for the one bundle per host that k3s and kaniko
   * need when mirrors on one host have different CAs. Injected: the renderers do no I/O.
   */
  readFile?: (path: string) => string | undefined;
}

export interface RenderedFile {
  /** Path relative to the output directory, `/`-separated: `registries.conf`, `certs.d/docker.io/hosts.toml`. */
  path: string;
  content: string;
  /** Whether `content` starts with the generated-by header comment (formats with comments). */
  hasHeader: boolean;
}

export interface RenderWarning {
  /** Registry key the warning is about, e.g. `quay.io`. */
  registry: string;
  /** Consumer that cannot express it, e.g. `dockerd`. */
  consumer: string;
  message: string;
  /** For a consumer gap (capabilities.ts gapWarning): the setting it cannot express. */
  feature?: Feature;
  /** The mirror URL (or value) the gap is about, when there is one. */
  subject?: string;
}

export interface RenderResult {
  files: RenderedFile[];
  warnings: RenderWarning[];
}

export interface Renderer {
  /** Target name for `render --target NAME`. */
  name: string;
  /** Who reads the files. */
  consumers: string;
  render(input: RenderInput): RenderResult;
}
