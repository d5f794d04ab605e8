// The preflight report formats: one file each, one line here per format.
import type { PreflightFormatter } from "./preflight-types.js";
import { preflightText } from "./preflight-text.js";
import { preflightJson } from "./preflight-json.js";
import { preflightMarkdown } from "./preflight-markdown.js";
import { preflightJunit } from "./preflight-junit.js";

export const PREFLIGHT_FORMATS: Record<string, PreflightFormatter> = {
  text: preflightText,
  json: preflightJson,
  markdown: preflightMarkdown,
  junit: preflightJunit,
};
export type { PreflightFormatter, PreflightFormatOptions } from "./preflight-types.js";
