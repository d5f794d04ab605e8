import type { Diagnostic } from "../config/types.js";

export interface LintReport {
  /** Files that were linted (absolute paths). */
  files: string[];
  diagnostics: Diagnostic[];
  /** Paths are shown relative to this directory. */
  cwd: string;
  /**
   * The repository's root, when known: formats that a code host reads (github annotations,
   * SARIF) give paths relative to it, whichever subdirectory lint ran in.
   */
  root?: string;
  color?: boolean;
  version: string;
}

export type LintFormatter = (report: LintReport) => string;
