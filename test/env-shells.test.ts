// env --shell as `werf ci-env --shell`: default (any POSIX shell), cmdexe (a .bat file),
// powershell; WERF_SHELL picks the default, as werf does (cmd/werf/ci_env/ci_env.go:88).
// No cmd.exe or pwsh runs here: the lines are checked as literal text.
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runCli } from "./helpers/cli.js";
import { cmdSet } from "../src/format/env.js";

function project(): { dir: string; env: Record<string, string>; done: () => void } {
  const dir = mkdtempSync(join(tmpdir(), "env-shells-"));
  writeFileSync(join(dir, "werf-mirror.yaml"), "version: 1\nbackend: docker\nregistries:\n  docker.io:\n    mirrors: [https://m.example]\n");
  return { dir, env: { HOME: dir, CONTAINERS_REGISTRIES_CONF: "/dev/null" }, done: () => rmSync(dir, { recursive: true, force: true }) };
}

test("--shell default is accepted (werf's name) and prints POSIX exports", async () => {
  const p = project();
  try {
    const r = await runCli(["env", "--offline", "--shell", "default", "--cwd", p.dir], { cwd: p.dir, env: p.env });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^export WERF_CONTAINER_REGISTRY_MIRROR_00="https:\/\/m\.example\/"$/m);
  } finally {
    p.done();
  }
});

test('--shell cmdexe writes a .bat with set "KEY=VALUE" lines, :: comments and CRLF; WERF_SHELL chooses the default', async () => {
  const p = project();
  try {
    const r = await runCli(["env", "--offline", "--shell", "cmdexe", "--as-file", "--cwd", p.dir], { cwd: p.dir, env: p.env });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout.trim(), /handoff\/env\.bat$/);
    const bat = readFileSync(join(p.dir, ".werf-mirror", "handoff", "env.bat"), "utf8");
    assert.ok(bat.startsWith("@echo off\r\n:: WERF MIRRORS SET EARLIER"), bat);
    assert.match(bat, /\r\nset "WERF_CONTAINER_REGISTRY_MIRROR_00=https:\/\/m\.example\/"\r\n/);
    assert.doesNotMatch(bat, /(^|[^\r])\n/, "every line ends in CRLF");
    const ps = await runCli(["env", "--offline", "--cwd", p.dir], { cwd: p.dir, env: { ...p.env, WERF_SHELL: "powershell" } });
    assert.match(ps.stdout, /^\$Env:WERF_CONTAINER_REGISTRY_MIRROR_00 = 'https:\/\/m\.example\/'$/m);
  } finally {
    p.done();
  }
});

test("cmd.exe values: % doubled (a batch file expands %...%), & and ^ literal inside the quotes, a quote refused", () => {
  assert.equal(cmdSet("K", "C:\\a b&c^d%PATH%"), 'set "K=C:\\a b&c^d%%PATH%%"');
  assert.throws(() => cmdSet("K", 'a"b'), /holds a quote or a line break/);
});
