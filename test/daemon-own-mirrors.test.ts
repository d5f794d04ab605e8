// Docker mode: werf appends the daemon's own registry-mirrors to its list (werf
// cmd/werf/common/common.go:1344-1377, v2.77.1), so preflight probes those the configuration does
// not name as well, and a dead one is a warning. Driven by an injected transport (a stand-in for
// the daemon's GET /info and the mirrors; the real dockerd is in test/preflight/docker-daemon.test.ts).
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadConfig } from "../src/config/load.js";
import { preflight } from "../src/preflight/preflight.js";
import { checkStoredReport } from "../src/preflight/stored-report.js";
import { digestInputFiles } from "../src/preflight/config-hash.js";
import type { Transport } from "../src/preflight/http.js";

test("the daemon's own mirrors are probed; a dead one is a warning naming it, and the stored report still checks out", async () => {
  const dir = mkdtempSync(join(tmpdir(), "daemon-own-"));
  try {
    writeFileSync(join(dir, "werf-mirror.yaml"), "version: 1\nbackend: docker\nregistries:\n  docker.io:\n    mirrors: [https://ours.example]\n");
    const env = { HOME: dir, DOCKER_HOST: "tcp://127.0.0.1:2375" };
    const { model } = await loadConfig({ cwd: dir, env });
    const asked: string[] = [];
    const transport: Transport = async (req) => {
      asked.push(`${req.method} ${req.url.href}`);
      const ok = (body = "{}") => ({ status: 200, headers: {}, body: Buffer.from(body), truncated: false });
      if (req.url.pathname === "/info")
        return ok(JSON.stringify({ RegistryConfig: { Mirrors: ["https://ours.example/", "https://theirs-dead.example/", "https://theirs-ok.example/"] } }));
      if (req.url.host === "theirs-dead.example") return { status: 503, headers: {}, body: Buffer.alloc(0), truncated: false };
      return ok();
    };
    const report = await preflight(model!, { env, transport });
    assert.ok(asked.includes("GET https://theirs-dead.example/v2/") && asked.includes("GET https://theirs-ok.example/v2/"), asked.join("\n"));
    assert.deepEqual(
      report.docker.probed?.map((p) => [p.url, p.status]),
      [
        ["https://theirs-dead.example", "unreachable"],
        ["https://theirs-ok.example", "healthy"],
      ],
    );
    const dead = report.findings.find((f) => f.mirror === "https://theirs-dead.example");
    assert.equal(dead?.severity, "warning");
    assert.match(dead!.message, /the Docker daemon's own mirror https:\/\/theirs-dead\.example, .* werf also uses .* is unreachable/);
    assert.match(report.findings.find((f) => f.mirror === "https://theirs-ok.example")!.message, /also uses .* \(it answers\)/);
    assert.equal(report.ok, true, "a warning: werf moves on to docker.io");
    // env and exec reuse such a report only if it is exactly what preflight derives from it.
    const files = await digestInputFiles(model!, env, dir);
    const stored = JSON.parse(JSON.stringify(report));
    assert.ok("report" in checkStoredReport(stored, model!, env, files));
    stored.docker.probed[0].status = "healthy";
    assert.ok("invalid" in checkStoredReport(stored, model!, env, files), "a flipped probe of the daemon's mirror is refused");
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
