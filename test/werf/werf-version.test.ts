// The version check of the werf on PATH. No werf binary runs here: a stand-in script named `werf`
// prints what `werf version` prints (werf's Version variable, cmd/werf/version/main.go:19).
import { test } from "node:test";
import assert from "node:assert/strict";
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseWerfVersion, werfVersionWarning } from "../../src/consumers/werf-version.js";
import { runCli } from "../helpers/cli.js";

test("werf versions inside 2.68.2..3.2.0 pass; others, and output that is no version, get a warning", () => {
  assert.deepEqual(parseWerfVersion("v2.77.1\n"), [2, 77, 1]);
  assert.deepEqual(parseWerfVersion("3.2.0"), [3, 2, 0]);
  assert.equal(werfVersionWarning("v2.68.2\n"), undefined);
  assert.equal(werfVersionWarning("v3.2.0\n"), undefined);
  assert.match(werfVersionWarning("v2.68.1\n") ?? "", /werf 2\.68\.1 is on PATH, but .* covers werf 2\.68\.2 to 3\.2\.0/);
  assert.match(werfVersionWarning("v3.3.0\n") ?? "", /werf 3\.3\.0 is on PATH/);
  assert.match(werfVersionWarning("dev\n") ?? "", /printed "dev", not a version/);
});

test("config --explain --for werf and env warn about a werf on PATH outside the range (stand-in werf script)", async () => {
  const dir = mkdtempSync(join(tmpdir(), "werf-version-"));
  try {
    const bin = join(dir, "bin");
    const { mkdirSync } = await import("node:fs");
    mkdirSync(bin);
    writeFileSync(join(dir, "werf-mirror.yaml"), "version: 1\nregistries:\n  docker.io:\n    mirrors: [https://m.example]\n");
    for (const [version, warned] of [
      ["v3.9.0", true],
      ["v2.77.1", false],
    ] as const) {
      writeFileSync(join(bin, "werf"), `#!/bin/sh\n[ "$1" = version ] && echo ${version}\n`);
      chmodSync(join(bin, "werf"), 0o755);
      const r = await runCli(["config", "--explain", "--for", "werf", "--cwd", dir], {
        cwd: dir,
        env: { PATH: `${bin}:/usr/bin:/bin`, HOME: dir, CONTAINERS_REGISTRIES_CONF: "/dev/null" },
      });
      assert.equal(r.code, 0, r.stderr);
      if (warned) assert.match(r.stderr, /warning: werf 3\.9\.0 is on PATH/);
      else assert.doesNotMatch(r.stderr, /is on PATH/);
      // The hand-off says it too.
      const env = await runCli(["env", "--offline", "--cwd", dir], {
        cwd: dir,
        env: { PATH: `${bin}:/usr/bin:/bin`, HOME: dir, CONTAINERS_REGISTRIES_CONF: "/dev/null" },
      });
      assert.equal(env.code, 0, env.stderr);
      if (warned) assert.match(env.stderr, /warning: werf 3\.9\.0 is on PATH/);
      else assert.doesNotMatch(env.stderr, /is on PATH/);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
