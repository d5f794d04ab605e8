/**
 * The pre-commit hooks (.pre-commit-hooks.yaml) with the real `pre-commit` (Debian's package) in
 * a scratch git repository: a broken config blocks `git commit` with the file:line:col message,
 * a fixed one commits.
 *
 * The hook repository is the working tree committed into a temp repository (pre-commit clones a
 * commit), so the test checks the hooks file and the build as they are now.
 *
 * werf-mirror-lint (language: node) is installed by pre-commit itself: npm builds the package in
 * pre-commit's cache from the npm cache, offline: the package has no runtime dependencies (its
 * bundle holds them), so the last step, `npm install -g` of the packed tarball, needs no registry
 * either. werf-mirror-lint-system runs the packed tarball installed offline.
 */
import assert from "node:assert/strict";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { delimiter, join } from "node:path";
import { after, before, describe, it } from "node:test";
import { parse } from "yaml";

import { SEARCH_PLACES } from "../../../src/config/load.js";
import { makeTempDir, removeTempDir, requireTool, run, runOk, type RunResult } from "../harness/tools.js";
import { CHECKOUT, installTarball, packWorkingTree, quietEnv, workingTreeRepo } from "./package.js";

const BAD = "version: 1\nregistries:\n  docker.io:\n    mirrors: [ftp://mirror.example.com]\n";
const GOOD = "version: 1\nregistries:\n  docker.io:\n    mirrors: [https://mirror.example.com]\n";
const BAD_WERF_YAML = `{{- /* werf-mirror\n${BAD}*/ -}}\nproject: app\nconfigVersion: 1\n`;
const PLAIN_WERF_YAML = "project: app\nconfigVersion: 1\n";

interface Hook {
  id: string;
  entry: string;
  language: string;
  files: string;
  pass_filenames: boolean;
}
const hooks = parse(readFileSync(join(CHECKOUT, ".pre-commit-hooks.yaml"), "utf8")) as Hook[];

describe(".pre-commit-hooks.yaml", () => {
  it("each hook runs `werf-mirror lint` on the files it is given, and `files` matches every config place and nothing else", () => {
    assert.deepEqual(hooks.map((h) => h.id).sort(), ["werf-mirror-lint", "werf-mirror-lint-system"]);
    for (const h of hooks) {
      assert.equal(h.entry, "werf-mirror lint", h.id);
      assert.equal(h.pass_filenames, true, h.id);
      // pre-commit matches `files` with Python's re.search; this pattern means the same in JS.
      const files = new RegExp(h.files);
      for (const place of SEARCH_PLACES) for (const at of [place, `services/api/${place}`]) assert.ok(files.test(at), `${h.id}: files does not match ${at}`);
      for (const other of ["werf-mirror.yaml.example", "my-werf.yaml", "werf-mirror.json", ".werf/other.yaml", "docs/werf.yaml.md"])
        assert.ok(!files.test(other), `${h.id}: files matches ${other}`);
    }
  });
});

describe("pre-commit in a scratch repository", { timeout: 600_000 }, () => {
  let work: string;
  let hookRepo: { dir: string; rev: string };
  let preCommit: string | null;
  before(async () => {
    preCommit = requireTool("pre-commit", "apt-get install pre-commit");
    work = makeTempDir("pre-commit");
    hookRepo = await workingTreeRepo(join(work, "hook-repo"));
  });
  after(() => removeTempDir(work));

  /** A git repository using one hook of the hook repository, with pre-commit installed in .git/hooks. */
  async function scratchRepo(name: string, hookId: string, env: NodeJS.ProcessEnv): Promise<string> {
    const dir = join(work, name);
    mkdirSync(dir);
    await runOk("git", ["init", "-q", "-b", "main"], { cwd: dir, env });
    writeFileSync(join(dir, ".pre-commit-config.yaml"), `repos:\n  - repo: ${hookRepo.dir}\n    rev: ${hookRepo.rev}\n    hooks: [{ id: ${hookId} }]\n`);
    await runOk(preCommit!, ["install"], { cwd: dir, env });
    return dir;
  }

  async function commit(dir: string, env: NodeJS.ProcessEnv, files: Record<string, string>, message: string): Promise<RunResult> {
    for (const [name, text] of Object.entries(files)) {
      mkdirSync(join(dir, name, ".."), { recursive: true });
      writeFileSync(join(dir, name), text);
    }
    await runOk("git", ["add", "-A"], { cwd: dir, env });
    return run("git", ["commit", "-m", message], { cwd: dir, env, timeoutMs: 300_000 });
  }

  async function commits(dir: string, env: NodeJS.ProcessEnv): Promise<string[]> {
    const r = await run("git", ["log", "--format=%s"], { cwd: dir, env });
    return r.code === 0 ? r.stdout.trim().split("\n") : [];
  }

  /** The same story for either hook: blocked with the position, then committed once fixed. */
  async function blocksThenCommits(dir: string, env: NodeJS.ProcessEnv): Promise<void> {
    const bad = await commit(dir, env, { "werf-mirror.yaml": BAD }, "bad mirror");
    const out = bad.stdout + bad.stderr;
    assert.equal(bad.code, 1, `a broken config must block the commit:\n${out}`);
    assert.match(out, /^werf-mirror\.yaml:4:15 error mirrors are reached over http or https, not `ftp`.*\[url-scheme\]$/m);
    assert.match(out, /werf-mirror lint\.+Failed/);
    assert.deepEqual(await commits(dir, env), [], "nothing was to be committed");

    const good = await commit(dir, env, { "werf-mirror.yaml": GOOD }, "good mirror");
    assert.equal(good.code, 0, good.stdout + good.stderr);
    assert.match(good.stdout + good.stderr, /werf-mirror lint\.+Passed/);
    assert.deepEqual(await commits(dir, env), ["good mirror"]);

    // The block in werf.yaml is checked too, at werf.yaml's own lines; a werf.yaml without one passes.
    const block = await commit(dir, env, { "deploy/werf.yaml": BAD_WERF_YAML }, "bad block");
    assert.equal(block.code, 1, block.stdout + block.stderr);
    assert.match(block.stdout + block.stderr, /^deploy\/werf\.yaml:5:15 error .*\[url-scheme\]$/m);
    const plain = await commit(dir, env, { "deploy/werf.yaml": PLAIN_WERF_YAML }, "plain werf.yaml");
    assert.equal(plain.code, 0, plain.stdout + plain.stderr);
    assert.deepEqual(await commits(dir, env), ["plain werf.yaml", "good mirror"]);
  }

  it("werf-mirror-lint (language: node, built by pre-commit) blocks a broken config and commits a good one", async (t) => {
    if (!preCommit) return t.skip("pre-commit not installed (apt-get install pre-commit)");
    const env = quietEnv({
      PRE_COMMIT_HOME: join(work, "cache-node"),
      HOME: join(work, "home-node"),
      // The npm cache the checkout's `npm ci` filled; HOME is the test's own.
      npm_config_cache: (await runOk("npm", ["config", "get", "cache"], { env: quietEnv() })).stdout.trim(),
      // Offline: the package has no runtime dependencies (smol-toml and yaml are bundled into
      // dist/), and the build's devDependencies come from that cache; no request leaves the machine.
      npm_config_offline: "true",
      XDG_CACHE_HOME: join(work, "xdg-node"),
    });
    const dir = await scratchRepo("node", "werf-mirror-lint", env);
    await blocksThenCommits(dir, env);
  });

  it("werf-mirror-lint-system (language: system, the werf-mirror on PATH) does the same offline", async (t) => {
    if (!preCommit) return t.skip("pre-commit not installed (apt-get install pre-commit)");
    const installed = join(work, "installed");
    await installTarball(installed, await packWorkingTree());
    const env = quietEnv({
      PRE_COMMIT_HOME: join(work, "cache-system"),
      HOME: join(work, "home-system"),
      PATH: `${join(installed, "node_modules/.bin")}${delimiter}${process.env.PATH}`,
      npm_config_offline: "true",
      XDG_CACHE_HOME: join(work, "xdg-system"),
    });
    const dir = await scratchRepo("system", "werf-mirror-lint-system", env);
    await blocksThenCommits(dir, env);
  });
});
