// GitHub-flavoured Markdown for $GITHUB_STEP_SUMMARY (or a merge request comment).
import { printable } from "../preflight/printable.js";
import type { PreflightFormatter } from "./preflight-types.js";
import { allMirrors, fate, latency, summaryLine } from "./preflight-summary.js";

const ICON: Record<string, string> = { healthy: "✅", degraded: "⚠️", unreachable: "❌", unchecked: "⏭️" };
// One table cell: controls shown as text (the summary may be printed on a terminal), pipes escaped.
const cell = (s: string) => printable(s.replace(/\\/g, "\\\\").replace(/\|/g, "\\|").replace(/\r?\n/g, "<br>"));

export const preflightMarkdown: PreflightFormatter = (report) => {
  const out: string[] = [`### werf-mirror preflight ${report.ok ? "✅" : "❌"}`, "", summaryLine(report), ""];
  const mirrors = allMirrors(report);
  if (mirrors.length) {
    out.push("| Status | Registry | Mirror | Latency | Hand-off | Reason |", "|---|---|---|---:|---|---|");
    for (const m of mirrors) {
      out.push(`| ${ICON[m.status] ?? ""} ${m.status} | \`${cell(m.registry)}\` | \`${cell(m.url)}\` | ${latency(m)} | ${fate(m)} | ${cell(m.reason ?? "")} |`);
    }
    out.push("");
  }
  const d = report.docker;
  if (d.checked) {
    out.push("#### Docker daemon", "");
    if (!d.reachable) out.push(`Not reachable at \`${cell(d.host)}\`: ${cell(d.error ?? "")}`, "");
    else {
      out.push(`Daemon at \`${cell(d.host)}\` uses: ${d.mirrors.length ? d.mirrors.map((m) => `\`${cell(m)}\``).join(", ") : "no mirrors"}.`, "");
      if (d.missing.length && d.daemonJson) {
        out.push(
          `It lacks ${d.missing.map((m) => `\`${cell(m)}\``).join(", ")}. Use this \`daemon.json\` and restart dockerd:`,
          "",
          "```json",
          printable(d.daemonJson, { multiline: true }),
          "```",
          "",
        );
      }
    }
  }
  const shown = report.findings.filter((f) => f.severity !== "info" || report.ok);
  if (shown.length) {
    out.push("#### Findings", "");
    // One line each: a message's further lines (a daemon.json) are shown above, so its first line
    // does not end on the colon that introduced them.
    for (const f of shown) {
      const [first = "", ...rest] = f.message.split("\n");
      out.push(`- **${f.severity}**: ${cell(rest.length ? first.replace(/:\s*$/, " (see above).") : first)}`);
    }
    out.push("");
  }
  return `${out.join("\n")}\n`;
};
