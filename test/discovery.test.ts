// Finding the config file (SPEC 1.1): search places in order, upwards from the working directory.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, symlinkSync } from "node:fs";
import { join } from "node:path";
import { searchConfigFile, loadConfig, SEARCH_PLACES } from "../src/config/load.js";
import { runCli } from "./helpers/cli.js";
import { tempTree } from "./helpers/tmp.js";

const CONFIG = "version: 1\nregistries:\n  docker.io:\n    mirrors: [https://m.example.com]\n";
const BLOCK = `{{- /* werf-mirror\n${CONFIG}*/ -}}\nproject: x\nconfigVersion: 1\n`;

test("the search places are tried in the documented order", async () => {
  const files: Record<string, string> = {
    "werf-mirror.yaml": CONFIG,
    "werf-mirror.yml": CONFIG,
    ".werf/mirror.yaml": CONFIG,
    ".werf-mirrorrc": CONFIG,
    ".werf-mirrorrc.json": JSON.stringify({ version: 1 }),
    ".werf-mirrorrc.yaml": CONFIG,
    ".werf-mirrorrc.yml": CONFIG,
    ".config/werf-mirrorrc.yaml": CONFIG,
    "package.json": JSON.stringify({ name: "x", werfMirror: { version: 1 } }),
    "werf.yaml": BLOCK,
    "werf.yml": BLOCK,
  };
  assert.deepEqual(Object.keys(files), SEARCH_PLACES);
  const t = tempTree(files);
  try {
    const { rmSync } = await import("node:fs");
    for (const place of SEARCH_PLACES) {
      assert.equal(await searchConfigFile(t.dir), join(t.dir, place));
      rmSync(join(t.dir, place));
    }
    assert.equal(await searchConfigFile(t.dir), undefined);
  } finally {
    t.cleanup();
  }
});

test("search goes upwards from a subdirectory", async () => {
  const t = tempTree({ "werf-mirror.yaml": CONFIG, "a/b/c/.keep": "" });
  try {
    assert.equal(await searchConfigFile(join(t.dir, "a/b/c")), join(t.dir, "werf-mirror.yaml"));
  } finally {
    t.cleanup();
  }
});

test("werf.yaml without a werf-mirror block and package.json without werfMirror are passed over", async () => {
  const t = tempTree({
    "werf.yaml": "project: x\nconfigVersion: 1\n{{/* an ordinary comment */}}\n",
    "package.json": JSON.stringify({ name: "x" }),
    "sub/.keep": "",
  });
  const parent = tempTree({});
  try {
    assert.equal(await searchConfigFile(join(t.dir, "sub")), undefined);
  } finally {
    t.cleanup();
    parent.cleanup();
  }
});

test("--config and WERF_MIRROR_CONFIG name a file directly; flags win over env", async () => {
  const t = tempTree({ "a.yaml": CONFIG, "b.yaml": CONFIG.replace("m.example.com", "b.example.com"), "werf-mirror.yaml": "version: 1\n" });
  try {
    const viaEnv = await loadConfig({ cwd: t.dir, env: { WERF_MIRROR_CONFIG: "b.yaml" } });
    assert.equal(viaEnv.configFile, join(t.dir, "b.yaml"));
    const both = await loadConfig({ cwd: t.dir, configPath: "a.yaml", env: { WERF_MIRROR_CONFIG: "b.yaml" } });
    assert.equal(both.configFile, join(t.dir, "a.yaml"));
    const missing = await loadConfig({ cwd: t.dir, configPath: "nope.yaml" });
    assert.equal(missing.diagnostics[0]?.rule, "config-not-found");
    assert.deepEqual(missing.diagnostics[0]?.origin, { kind: "flag", name: "--config" });
  } finally {
    t.cleanup();
  }
});

test("diagnostics in the werf.yaml block point at werf.yaml's own lines", async () => {
  const text = `project: {{ .Env }}\nconfigVersion: 1\n{{/* werf-mirror\nversion: 1\nregistries:\n  docker.io:\n    mirrors: [ftp://m.example.com]\n*/}}\n`;
  const t = tempTree({ "werf.yaml": text });
  try {
    const r = await loadConfig({ cwd: t.dir });
    assert.equal(r.configFile, join(t.dir, "werf.yaml"));
    assert.deepEqual(r.diagnostics.map((d) => [d.rule, d.origin]), [
      ["url-scheme", { kind: "file", file: join(t.dir, "werf.yaml"), line: 7, col: 15 }],
    ]);
  } finally {
    t.cleanup();
  }
});

/** The CLI from the current sources in a real process, so that its working directory is `cwd` (the search starts there). */
function runInOwnProcess(cwd: string, args: string[]): { code: number | null; stdout: string; stderr: string } {
  const bin = join(import.meta.dirname, "..", "src", "cli", "bin.ts");
  const r = spawnSync(process.execPath, ["--import", import.meta.resolve("tsx"), bin, ...args], { cwd, encoding: "utf8", env: { PATH: process.env.PATH } });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

const BROKEN_PACKAGE_JSON = '{\n  "name": "x",\n  "token": "ghp_PLANTEDs3cret",\n  "werfMirror": {"version": 1,}\n}\n';

test("a malformed package.json where the search starts: a positioned error without its lines or secrets, exit 2", () => {
  const t = tempTree({ "package.json": BROKEN_PACKAGE_JSON });
  try {
    const r = runInOwnProcess(t.dir, ["config"]);
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, /^package\.json:4:31 error package\.json is not valid JSON: expected a property name in double quotes here.* \[yaml-syntax\]$/m);
    assert.doesNotMatch(r.stdout + r.stderr, /PLANTED|internal error|"name"/);
  } finally {
    t.cleanup();
  }
});

test("a malformed package.json higher up the search path stops the search with the same error (it is not passed over)", async () => {
  const t = tempTree({ "package.json": BROKEN_PACKAGE_JSON, "sub/.keep": "" });
  try {
    assert.equal(await searchConfigFile(join(t.dir, "sub")), join(t.dir, "package.json"));
    const r = await runCli(["render", "--base", "/dev/null"], { cwd: join(t.dir, "sub") });
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, /package\.json:4:31 error .* \[yaml-syntax\]/);
    assert.doesNotMatch(r.stdout + r.stderr, /PLANTED/);
    assert.equal(existsSync(join(t.dir, "sub", ".werf-mirror")), false, "nothing rendered");
  } finally {
    t.cleanup();
  }
});

test("package.json without werfMirror holds no config: passed over by the search, no finding when linted, an error when named", async () => {
  const t = tempTree({ "package.json": JSON.stringify({ name: "x" }) });
  try {
    const linted = await runCli(["lint", "package.json"], { cwd: t.dir });
    assert.equal(linted.code, 0, linted.stdout);
    const named = await loadConfig({ cwd: t.dir, configPath: "package.json" });
    assert.deepEqual(named.diagnostics.map((d) => d.rule), ["empty-config"]);
    assert.match(named.diagnostics[0]!.message, /package\.json has no `werfMirror` key/);
  } finally {
    t.cleanup();
  }
});

test("the search runs no project code (cosmiconfig ran .config/config.js as its own settings)", () => {
  const marker = "ran-project-code";
  const t = tempTree({
    ".config/config.js": `require("node:fs").writeFileSync(${JSON.stringify(marker)}, "x"); module.exports = {};`,
    "werf-mirror.yaml": CONFIG,
  });
  try {
    const r = runInOwnProcess(t.dir, ["lint"]);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.match(r.stdout, /1 file checked, no problems/);
    assert.equal(existsSync(join(t.dir, marker)), false, "a project file was executed");
  } finally {
    t.cleanup();
  }
});

test("werf.yaml with an unclosed werf-mirror block is found and reported, not passed over", async () => {
  const t = tempTree({ "werf.yaml": `{{- /* werf-mirror\n${CONFIG}project: x\n`, "sub/.keep": "" });
  try {
    const r = await runCli(["config"], { cwd: join(t.dir, "sub") });
    assert.equal(r.code, 2, r.stdout);
    assert.match(r.stderr, /werf\.yaml:1:1 error the werf-mirror comment block is never closed.* \[werf-yaml-block\]/);
  } finally {
    t.cleanup();
  }
});

test("a search place that is not a regular file (a symlink to /dev/zero, a FIFO) is an error at once, not a stall", { timeout: 20_000 }, async () => {
  const t = tempTree({ "a/.keep": "", "b/.keep": "" });
  try {
    symlinkSync("/dev/zero", join(t.dir, "a", "werf-mirror.yaml"));
    const fifo = spawnSync("mkfifo", [join(t.dir, "b", ".werf-mirrorrc")]);
    assert.equal(fifo.status, 0, "mkfifo");
    for (const [dir, file] of [["a", "werf-mirror.yaml"], ["b", ".werf-mirrorrc"]] as const) {
      const r = await runCli(["config"], { cwd: join(t.dir, dir) });
      assert.equal(r.code, 2, r.stderr);
      assert.match(r.stderr, /:1:1 error config file .* is not a regular file .*\[config-not-found\]$/m);
      assert.ok(r.stderr.startsWith(`${file}:1:1 `), r.stderr);
    }
  } finally {
    t.cleanup();
  }
});
