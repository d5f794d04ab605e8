// The preflight report as people read it: a table with a header in logs too, the daemon.json to
// use printed once however many mirrors the daemon lacks, markdown findings without a dangling colon.
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadConfig } from "../src/config/load.js";
import { assembleReport } from "../src/preflight/preflight.js";
import type { MirrorResult } from "../src/preflight/types.js";
import { PREFLIGHT_FORMATS } from "../src/format/preflight-index.js";

async function reportWithTwoMissing() {
  const dir = mkdtempSync(join(tmpdir(), "fmt-preflight-"));
  try {
    writeFileSync(
      join(dir, "werf-mirror.yaml"),
      "version: 1\nbackend: docker\nregistries:\n  docker.io:\n    mirrors: [https://a.example, https://longer-name.example]\n",
    );
    const { model } = await loadConfig({ cwd: dir, env: {} });
    const healthy = (url: string, latencyMs: number): MirrorResult => ({
      registry: "docker.io",
      url,
      scheme: "https",
      status: "healthy",
      latencyMs,
      checks: [{ request: "GET /v2/", ok: true, status: 200 }],
      kept: false,
    });
    return assembleReport(
      model!,
      { probed: [[healthy("https://a.example", 12), healthy("https://longer-name.example", 250)]], daemon: { host: "unix:///run/docker.sock", mirrors: [] } },
      { env: {}, inputFiles: {}, offline: false, createdAt: "2026-12-03T00:00:00.000Z", durationMs: 300 },
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

test("the text table has a header and aligned columns when piped, not only on a terminal", async () => {
  const text = PREFLIGHT_FORMATS.text!(await reportWithTwoMissing(), { isTTY: false, color: false });
  const lines = text.split("\n");
  assert.match(lines[0]!, /^STATUS +REGISTRY +MIRROR +LATENCY +HAND-OFF/);
  const col = lines[0]!.indexOf("MIRROR");
  assert.equal(lines[1]!.indexOf("https://a.example"), col);
  assert.equal(lines[2]!.indexOf("https://longer-name.example"), col);
  assert.equal(lines[1]!.indexOf("12 ms"), lines[0]!.indexOf("LATENCY"));
});

test("the daemon.json to use is printed once, however many mirrors the daemon lacks", async () => {
  const report = await reportWithTwoMissing();
  const text = PREFLIGHT_FORMATS.text!(report, { isTTY: false, color: false });
  assert.equal(text.match(/"registry-mirrors"/g)?.length, 1, text);
  assert.match(text, /lacks the docker\.io mirrors https:\/\/a\.example, https:\/\/longer-name\.example;/);
  assert.equal(report.findings.filter((f) => f.severity === "error").length, 1);
});

test("markdown findings end in a sentence, not in the colon that introduced the daemon.json", async () => {
  const md = PREFLIGHT_FORMATS.markdown!(await reportWithTwoMissing(), {});
  const findings = md.split("\n").filter((l) => l.startsWith("- **"));
  assert.ok(findings.length > 0);
  for (const f of findings) assert.doesNotMatch(f, /:\s*$/);
  assert.match(md, /```json\n\{\n  "registry-mirrors"/);
});
