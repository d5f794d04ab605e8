// werf-mirror's library API. The CLI is a thin layer over these; nothing here exits the
// process or writes to the console.
export { loadConfig, lintFile, searchConfigFile, SEARCH_PLACES } from "./config/load.js";
export type { LoadOptions, LoadResult } from "./config/load.js";
export { lint } from "./lint/lint.js";
export type { LintOptions, LintResult } from "./lint/lint.js";
export { LINT_FORMATS } from "./format/index.js";
export { RULES } from "./lint/rules-catalog.js";
export { formatOrigin } from "./config/origin.js";
export { parseMirrorUrl, parseRegistryKey } from "./config/addresses.js";
export type * from "./config/types.js";
export type { Env, FlagValues } from "./config/layers.js";
export { preflight } from "./preflight/preflight.js";
export type { PreflightDeps } from "./preflight/preflight.js";
export type * from "./preflight/types.js";
export type { Transport, HttpRequest, HttpResponse } from "./preflight/http.js";
export { buildHandoff, keptModel } from "./preflight/handoff.js";
export { preflightAndHandoff, OutputError } from "./preflight/run.js";
export type { PreflightAndHandoffOptions, PreflightRun } from "./preflight/run.js";
export type { Handoff, EnvEntry } from "./preflight/handoff.js";
export { PREFLIGHT_FORMATS } from "./format/preflight-index.js";
export { render, renderAll, RENDERERS, RENDER_TARGETS, RenderError } from "./backends/index.js";
export type { RenderOptions, RenderAllResult, TargetFile } from "./backends/index.js";
export type { RenderInput, RenderResult, RenderWarning, RenderedFile, Renderer } from "./backends/types.js";
export { writeRendered, UserOwnedError, MANIFEST_NAME } from "./render/write.js";
export type { WriteOptions, WriteResult, WritableFile } from "./render/write.js";
export { mergeDaemonJson, applyDaemonJson, DaemonJsonError } from "./render/daemon-json.js";
export { daemonJsonFragment } from "./backends/docker.js";
