// Preflight report formats by name, without loading them (see preflight-index.ts; a test keeps
// the two in step).
export const PREFLIGHT_FORMAT_NAMES = ["text", "json", "markdown", "junit"];
