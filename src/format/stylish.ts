// `werf-mirror.yaml:7:9 error <message> [rule-id]`, one line per finding, then a summary.
import { formatOrigin } from "../config/origin.js";
import type { LintFormatter } from "./types.js";

export const stylish: LintFormatter = (report) => {
  const paint = (code: number, s: string) => (report.color ? `\u001b[${code}m${s}\u001b[0m` : s);
  const lines = report.diagnostics.map((d) => {
    const sev = d.severity === "error" ? paint(31, "error") : paint(33, "warning");
    const message = d.message.replace(/\n/g, "\n    ");
    return `${formatOrigin(d.origin, report.cwd)} ${sev} ${message} ${paint(2, `[${d.rule}]`)}`;
  });
  const errors = report.diagnostics.filter((d) => d.severity === "error").length;
  const warnings = report.diagnostics.length - errors;
  const files = `${report.files.length} file${report.files.length === 1 ? "" : "s"}`;
  if (report.diagnostics.length === 0) return `${paint(32, "✔")} ${files} checked, no problems\n`;
  const summary = `${errors} error${errors === 1 ? "" : "s"}, ${warnings} warning${warnings === 1 ? "" : "s"} in ${files}`;
  return `${lines.join("\n")}\n\n${errors ? paint(31, `✖ ${summary}`) : paint(33, `⚠ ${summary}`)}\n`;
};
