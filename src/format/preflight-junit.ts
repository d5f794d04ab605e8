// JUnit XML for GitLab's `artifacts:reports:junit`: one test case per mirror, one per registry for
// minHealthy, one for the Docker daemon. The report agrees with the exit code: a case fails only
// for an error of the report (an unreachable mirror under `unhealthy: fail`, too few mirrors, the
// daemon), so a passing run shows no failure. An unreachable mirror left out under `drop` is
// skipped, one kept under `warn` passes with a note; unchecked (offline) ones are skipped.
import { printable } from "../preflight/printable.js";
import type { PreflightFormatter } from "./preflight-types.js";

// Controls are shown as text (XML 1.0 cannot hold most of them, and the file may be printed).
const xml = (s: string) =>
  printable(s, { multiline: true }).replace(/[<>&"']/g, (c) => ({ "<": "&lt;", ">": "&gt;", "&": "&amp;", '"': "&quot;", "'": "&apos;" })[c]!);

interface Case {
  classname: string;
  name: string;
  timeS: number;
  failure?: string;
  skipped?: string;
  out?: string;
}

export const preflightJunit: PreflightFormatter = (report) => {
  const cases: Case[] = [];
  for (const r of report.registries) {
    for (const m of r.mirrors) {
      const c: Case = { classname: `werf-mirror.preflight.${r.registry}`, name: m.url, timeS: (m.latencyMs ?? 0) / 1000 };
      const error = report.findings.find((f) => f.severity === "error" && f.registry === r.registry && f.mirror === m.url);
      if (m.status === "unreachable" && error) c.failure = `unreachable: ${m.reason ?? ""}`;
      else if (m.status === "unreachable" && !m.kept) c.skipped = `unreachable, left out (unhealthy: ${report.settings.unhealthy}): ${m.reason ?? ""}`;
      else if (m.status === "unreachable") c.out = `unreachable, kept (unhealthy: ${report.settings.unhealthy}): ${m.reason ?? ""}`;
      else if (m.status === "unchecked") c.skipped = m.reason ?? "not probed";
      else if (m.status === "degraded") c.out = `degraded: ${m.reason ?? ""}`;
      cases.push(c);
    }
    const min: Case = { classname: `werf-mirror.preflight.${r.registry}`, name: `at least ${r.minHealthy} mirror(s) answer`, timeS: 0 };
    if (!report.offline && r.usable < r.minHealthy) min.failure = `${r.usable} of ${r.mirrors.length} answer`;
    cases.push(min);
  }
  const d = report.docker;
  if (d.checked) {
    const c: Case = { classname: "werf-mirror.preflight.docker", name: `daemon ${d.host} has the docker.io mirrors`, timeS: 0 };
    if (!d.reachable) {
      const err = report.findings.some((f) => f.severity === "error" && f.message.includes("cannot ask the Docker daemon"));
      if (err) c.failure = `daemon not reachable: ${d.error ?? ""}`;
      else c.skipped = `daemon not reachable: ${d.error ?? ""}`;
    } else if (d.missing.length) {
      c.failure = `lacks ${d.missing.join(", ")}; daemon.json:\n${d.daemonJson ?? ""}`;
    }
    cases.push(c);
  }
  // Every error has its case above; should one ever not, the run's verdict still shows.
  if (!report.ok && !cases.some((c) => c.failure)) {
    const errors = report.findings.filter((f) => f.severity === "error").map((f) => f.message);
    cases.push({ classname: "werf-mirror.preflight", name: "preflight passes", timeS: 0, failure: errors.join("\n") || "preflight failed" });
  }
  const failures = cases.filter((c) => c.failure).length;
  const skipped = cases.filter((c) => c.skipped).length;
  const time = (report.durationMs / 1000).toFixed(3);
  const lines = [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites name="werf-mirror preflight" tests="${cases.length}" failures="${failures}" time="${time}">`,
    `  <testsuite name="werf-mirror preflight" tests="${cases.length}" failures="${failures}" skipped="${skipped}" errors="0" time="${time}" timestamp="${xml(report.createdAt)}">`,
  ];
  for (const c of cases) {
    const open = `    <testcase classname="${xml(c.classname)}" name="${xml(c.name)}" time="${c.timeS.toFixed(3)}"`;
    if (!c.failure && !c.skipped && !c.out) {
      lines.push(`${open}/>`);
      continue;
    }
    lines.push(`${open}>`);
    if (c.failure) lines.push(`      <failure message="${xml(c.failure.split("\n")[0] ?? "")}">${xml(c.failure)}</failure>`);
    if (c.skipped) lines.push(`      <skipped message="${xml(c.skipped)}"/>`);
    if (c.out) lines.push(`      <system-out>${xml(c.out)}</system-out>`);
    lines.push("    </testcase>");
  }
  lines.push("  </testsuite>", "</testsuites>");
  return `${lines.join("\n")}\n`;
};
