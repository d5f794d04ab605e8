import { displayPath } from "../config/origin.js";
import type { LintFormatter } from "./types.js";

/** Machine-readable findings; file paths relative to the working directory. */
export const json: LintFormatter = (report) =>
  JSON.stringify(
    {
      files: report.files.map((f) => displayPath(f, report.cwd)),
      errorCount: report.diagnostics.filter((d) => d.severity === "error").length,
      warningCount: report.diagnostics.filter((d) => d.severity === "warning").length,
      diagnostics: report.diagnostics.map((d) => ({
        severity: d.severity,
        rule: d.rule,
        message: d.message,
        ...(d.origin.kind === "file"
          ? { file: displayPath(d.origin.file, report.cwd), line: d.origin.line, column: d.origin.col }
          : { source: d.origin.kind, name: "name" in d.origin ? d.origin.name : undefined }),
      })),
    },
    null,
    2,
  ) + "\n";
