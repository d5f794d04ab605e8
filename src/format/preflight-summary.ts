// Counting and wording shared by the human-readable report formats.
import type { MirrorResult, PreflightReport } from "../preflight/types.js";

export function allMirrors(report: PreflightReport): MirrorResult[] {
  return report.registries.flatMap((r) => r.mirrors);
}

export function summaryLine(report: PreflightReport): string {
  const mirrors = allMirrors(report);
  const count = (s: MirrorResult["status"]) => mirrors.filter((m) => m.status === s).length;
  const parts = (["healthy", "degraded", "unreachable", "unchecked"] as const).filter((s) => count(s) > 0).map((s) => `${count(s)} ${s}`);
  const what = mirrors.length === 0 ? "no mirrors configured" : `${mirrors.length} mirror${mirrors.length === 1 ? "" : "s"}: ${parts.join(", ")}`;
  return `preflight ${report.ok ? "passed" : "FAILED"} (${what}${report.offline ? ", offline" : ""}) in ${report.durationMs} ms`;
}

export function fate(m: MirrorResult): string {
  return m.kept ? "handed on" : "left out";
}

export function latency(m: MirrorResult): string {
  return m.latencyMs === undefined ? "-" : `${m.latencyMs} ms`;
}
