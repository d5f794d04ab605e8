import type { PreflightReport } from "../preflight/types.js";

export interface PreflightFormatOptions {
  /** A terminal: the text format draws a table. */
  isTTY?: boolean;
  color?: boolean;
}

export type PreflightFormatter = (report: PreflightReport, opts?: PreflightFormatOptions) => string;
