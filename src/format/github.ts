// GitHub Actions workflow commands: each finding becomes an annotation on the file and line.
import { displayPath } from "../config/origin.js";
import type { LintFormatter } from "./types.js";

const escapeData = (s: string) => s.replace(/%/g, "%25").replace(/\r/g, "%0D").replace(/\n/g, "%0A");
const escapeProperty = (s: string) => escapeData(s).replace(/:/g, "%3A").replace(/,/g, "%2C");

export const github: LintFormatter = (report) =>
  report.diagnostics
    .map((d) => {
      const props =
        d.origin.kind === "file"
          ? [`file=${escapeProperty(displayPath(d.origin.file, report.root ?? report.cwd))}`, `line=${d.origin.line}`, `col=${d.origin.col}`]
          : [];
      props.push(`title=${escapeProperty(`werf-mirror ${d.rule}`)}`);
      const where = d.origin.kind === "env" || d.origin.kind === "flag" ? `${d.origin.name}: ` : "";
      return `::${d.severity} ${props.join(",")}::${escapeData(where + d.message)}\n`;
    })
    .join("");
