// The lint output formats: one file each, one line here per format.
import type { LintFormatter } from "./types.js";
import { stylish } from "./stylish.js";
import { json } from "./json.js";
import { sarif } from "./sarif.js";
import { github } from "./github.js";

export const LINT_FORMATS: Record<string, LintFormatter> = { stylish, json, sarif, github };
export type { LintReport, LintFormatter } from "./types.js";
