// The hand-off flow is the library's (preflightAndHandoff), not the CLI's: a library user gets the
// report, the files under output.dir and the variables with no command-line context at all.
import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadConfig, preflightAndHandoff } from "../src/index.js";

test("preflightAndHandoff: report, hand-off files and variables from the library alone", async () => {
  const dir = mkdtempSync(join(tmpdir(), "library-handoff-"));
  try {
    writeFileSync(join(dir, "werf-mirror.yaml"), "version: 1\nbackend: docker\nregistries:\n  docker.io:\n    mirrors: [https://m.example]\n");
    const env = { HOME: dir, CONTAINERS_REGISTRIES_CONF: "/dev/null" };
    const { model } = await loadConfig({ cwd: dir, env });
    const events: number[] = [];
    const run = await preflightAndHandoff(model!, { env, cwd: dir, offline: true, reuse: false, onProgress: (e) => events.push(e.done) });
    assert.equal(run.report.ok, true);
    assert.equal(run.report.offline, true);
    assert.deepEqual(
      run.handoff.entries.filter((e) => e.key.startsWith("WERF_")).map((e) => `${e.key}=${e.value}`),
      ["WERF_CONTAINER_REGISTRY_MIRROR_00=https://m.example/"],
    );
    assert.ok(existsSync(run.paths.report) && existsSync(run.paths.envSh));
    assert.match(readFileSync(run.paths.envSh, "utf8"), /^export WERF_CONTAINER_REGISTRY_MIRROR_00="https:\/\/m\.example\/"$/m);
    assert.deepEqual(events, [1]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
