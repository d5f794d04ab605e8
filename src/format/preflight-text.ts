// Text for people: a table with a header and aligned columns, on a terminal and in logs alike
// (colors only where asked).
// Every value is passed through `printable`: reasons and the daemon's answer carry server text.
import { printable } from "../preflight/printable.js";
import type { MirrorResult } from "../preflight/types.js";
import type { PreflightFormatter } from "./preflight-types.js";
import { allMirrors, fate, latency, summaryLine } from "./preflight-summary.js";

const COLORS: Record<string, string> = { healthy: "32", degraded: "33", unreachable: "31", unchecked: "36", error: "31", warning: "33", info: "36" };
const paint = (on: boolean, key: string, text: string) => (on && COLORS[key] ? `\u001b[${COLORS[key]}m${text}\u001b[0m` : text);

export const preflightText: PreflightFormatter = (report, opts = {}) => {
  const color = opts.color === true;
  const mirrors = allMirrors(report);
  const out: string[] = [];
  {
    const head = ["STATUS", "REGISTRY", "MIRROR", "LATENCY", "HAND-OFF", "REASON"];
    const rows = mirrors.map((m: MirrorResult) => [m.status, m.registry, m.url, latency(m), fate(m), m.reason ?? ""].map((c) => printable(c)));
    const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
    const fmt = (r: string[], isHead = false) =>
      r
        .map((c, i) => {
          const padded = i === r.length - 1 ? c : c.padEnd(widths[i]!);
          return !isHead && i === 0 ? paint(color, c, padded) : padded;
        })
        .join("  ")
        .trimEnd();
    if (rows.length) out.push(fmt(head, true), ...rows.map((r) => fmt(r)));
  }
  const d = report.docker;
  if (d.checked) {
    out.push(
      printable(
        d.reachable
          ? `docker daemon ${d.host}: mirrors ${d.mirrors.length ? d.mirrors.join(", ") : "(none)"}${d.missing.length ? `; lacks ${d.missing.join(", ")}` : ""}`
          : `docker daemon ${d.host}: not reachable (${d.error})`,
      ),
    );
  }
  for (const f of report.findings) out.push(`${paint(color, f.severity, printable(f.severity))}: ${printable(f.message, { multiline: true })}`);
  out.push(summaryLine(report));
  return `${out.join("\n")}\n`;
};
