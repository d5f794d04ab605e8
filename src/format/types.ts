import type { Diagnostic } from "../config/types.js";

export interface LintReport {
  /** Files that were linted (absolute paths). */
  files: string[];
  diagnostics: Diagnostic[];
  /** Paths are shown relative to this directory. */
  cwd: string;
  color?: boolean;
  version: string;
}

export type LintFormatter = (report: LintReport) => string;
