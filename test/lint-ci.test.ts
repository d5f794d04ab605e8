// lint in CI: --max-warnings, --quiet, and paths that code hosts read from the repository root.
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runCli } from "./helpers/cli.js";

/** A repository with the config in a subdirectory: one warning (a mirror of quay.io). */
function repo(): { root: string; sub: string; done: () => void } {
  const root = mkdtempSync(join(tmpdir(), "lint-ci-"));
  mkdirSync(join(root, ".git"));
  const sub = join(root, "deploy", "app");
  mkdirSync(sub, { recursive: true });
  writeFileSync(join(sub, "werf-mirror.yaml"), "version: 1\nregistries:\n  quay.io:\n    mirrors: [https://quay-cache.example.com]\n");
  return { root, sub, done: () => rmSync(root, { recursive: true, force: true }) };
}

test("--max-warnings N: more warnings than N exit 1, N or fewer exit 0; a bad N is a usage error", async () => {
  const r = repo();
  try {
    assert.equal((await runCli(["lint", "werf-mirror.yaml"], { cwd: r.sub })).code, 0);
    const over = await runCli(["lint", "werf-mirror.yaml", "--max-warnings", "0"], { cwd: r.sub });
    assert.equal(over.code, 1);
    assert.match(over.stderr, /1 warning, more than --max-warnings 0/);
    assert.equal((await runCli(["lint", "werf-mirror.yaml", "--max-warnings", "1"], { cwd: r.sub })).code, 0);
    const bad = await runCli(["lint", "werf-mirror.yaml", "--max-warnings", "many"], { cwd: r.sub });
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /--max-warnings takes a whole number/);
  } finally {
    r.done();
  }
});

test("--quiet prints nothing when there is no error", async () => {
  const r = repo();
  try {
    const q = await runCli(["lint", "werf-mirror.yaml", "--quiet"], { cwd: r.sub });
    assert.equal(q.code, 0);
    assert.equal(q.stdout + q.stderr, "");
  } finally {
    r.done();
  }
});

test("github and sarif paths are relative to the repository root when lint runs in a subdirectory", async () => {
  const r = repo();
  try {
    const gh = await runCli(["lint", "werf-mirror.yaml", "--format", "github"], { cwd: r.sub });
    assert.match(gh.stdout, /^::warning file=deploy\/app\/werf-mirror\.yaml,line=3,col=3,/m);
    const sarif = JSON.parse((await runCli(["lint", "werf-mirror.yaml", "--format", "sarif"], { cwd: r.sub })).stdout);
    assert.equal(sarif.runs[0].results[0].locations[0].physicalLocation.artifactLocation.uri, "deploy/app/werf-mirror.yaml");
    // GITHUB_WORKSPACE names the root where there is no .git (a checkout without history).
    const ws = await runCli(["lint", "werf-mirror.yaml", "--format", "github"], { cwd: r.sub, env: { GITHUB_WORKSPACE: join(r.root, "deploy") } });
    assert.match(ws.stdout, /^::warning file=app\/werf-mirror\.yaml,/m);
    // stylish stays relative to where the user is.
    assert.match((await runCli(["lint", "werf-mirror.yaml", "--no-color"], { cwd: r.sub })).stdout, /^werf-mirror\.yaml:3:3 warning/m);
  } finally {
    r.done();
  }
});
