// Finding the config file: search places in order, upwards from the working directory.
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
    assert.deepEqual(
      r.diagnostics.map((d) => [d.rule, d.origin]),
      [["url-scheme", { kind: "file", file: join(t.dir, "werf.yaml"), line: 7, col: 15 }]],
    );
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
    assert.deepEqual(
      named.diagnostics.map((d) => d.rule),
      ["empty-config"],
    );
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
    for (const [dir, file] of [
      ["a", "werf-mirror.yaml"],
      ["b", ".werf-mirrorrc"],
    ] as const) {
      const r = await runCli(["config"], { cwd: join(t.dir, dir) });
      assert.equal(r.code, 2, r.stderr);
      assert.match(r.stderr, /:1:1 error config file .* is not a regular file .*\[config-not-found\]$/m);
      assert.ok(r.stderr.startsWith(`${file}:1:1 `), r.stderr);
    }
  } finally {
    t.cleanup();
  }
});

// Discovery follows werf (FORMATS.md, werf: werf.yaml before werf.yml, WERF_CONFIG, WERF_DIR/--dir;
// werf's cmd/werf/common/common.go and pkg/giterminism_manager/file_reader/config.go).

const UNTRIMMED = `{{/* werf-mirror\n${CONFIG}*/}}\n`;
const mirrorsOf = (yaml: string) => [...yaml.matchAll(/https:\/\/[a-z.]+/g)].map((m) => m[0]);

test("werf.yaml and werf.yml: werf reads werf.yaml, so a block in werf.yml next to it is an error, never read", async () => {
  const t = tempTree({ "werf.yaml": "project: x\nconfigVersion: 1\n", "werf.yml": `project: y\nconfigVersion: 1\n${UNTRIMMED}` });
  try {
    const r = await runCli(["config"], { cwd: t.dir });
    assert.equal(r.code, 2, r.stdout + r.stderr);
    assert.match(
      r.stderr,
      /^werf\.yml:3:1 error .*werf\.yml holds a werf-mirror block, but werf reads .*werf\.yaml .*move the block into .*werf\.yaml \[config-conflict\]$/m,
    );
    assert.doesNotMatch(r.stdout, /m\.example\.com/);
  } finally {
    t.cleanup();
  }
});

test("WERF_CONFIG names werf's config: its block is read, under any name, and werf.yaml beside it is not werf's", async () => {
  const t = tempTree({ "ci/custom-werf.yaml": `project: x\nconfigVersion: 1\n${UNTRIMMED}`, "werf.yaml": "project: other\nconfigVersion: 1\n" });
  try {
    const r = await runCli(["config"], { cwd: t.dir, env: { WERF_CONFIG: "ci/custom-werf.yaml" } });
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(mirrorsOf(r.stdout), ["https://m.example.com"]);
    const found = await loadConfig({ cwd: t.dir, env: { WERF_CONFIG: "ci/custom-werf.yaml" } });
    assert.equal(found.configFile, join(t.dir, "ci/custom-werf.yaml"));
  } finally {
    t.cleanup();
  }
});

test("--config names a werf config under another name: only its block is read (it was parsed as plain YAML)", async () => {
  const t = tempTree({ "custom-werf.yaml": `project: {{ env "P" }}\nconfigVersion: 1\n${UNTRIMMED}---\nimage: app\nfrom: alpine\n` });
  try {
    const r = await runCli(["config", "--config", "custom-werf.yaml"], { cwd: t.dir });
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(mirrorsOf(r.stdout), ["https://m.example.com"]);
    const linted = await runCli(["lint", "custom-werf.yaml"], { cwd: t.dir });
    assert.equal(linted.code, 0, linted.stdout);
  } finally {
    t.cleanup();
  }
});

test("WERF_DIR and --dir: werf.yaml is read in werf's project directory, and the search starts there", async () => {
  const t = tempTree({ "app/werf.yaml": BLOCK, "elsewhere/.keep": "" });
  try {
    for (const [args, env] of [
      [["--dir", "app"], {}],
      [[], { WERF_DIR: "app" }],
    ] as const) {
      const r = await runCli(["config", ...args], { cwd: t.dir, env });
      assert.equal(r.code, 0, r.stderr);
      assert.deepEqual(mirrorsOf(r.stdout), ["https://m.example.com"], `${args.join(" ")} ${JSON.stringify(env)}`);
    }
    assert.equal((await loadConfig({ cwd: join(t.dir, "elsewhere"), dir: "../app" })).configFile, join(t.dir, "app/werf.yaml"));
  } finally {
    t.cleanup();
  }
});

test("a block in a .werf/ template is read by nobody: a warning at its opener names werf.yaml", async () => {
  const t = tempTree({
    "werf.yaml": 'project: x\nconfigVersion: 1\n---\n{{ include "images.tmpl" . }}\n',
    ".werf/images.tmpl": `{{ define "images.tmpl" }}\n${UNTRIMMED}image: app\nfrom: alpine\n{{ end }}\n`,
  });
  try {
    const r = await loadConfig({ cwd: t.dir });
    assert.equal(r.configFile, undefined);
    assert.deepEqual(
      r.diagnostics.map((d) => [d.severity, d.rule, d.origin]),
      [["warning", "werf-yaml-block", { kind: "file", file: join(t.dir, ".werf/images.tmpl"), line: 2, col: 1 }]],
    );
    assert.match(r.diagnostics[0]!.message, /werf-mirror never reads .*move the block to the very top of .*werf\.yaml/);
  } finally {
    t.cleanup();
  }
});

test("two config sources at once (werf-mirror.yaml and a werf.yaml block): an error naming both, exit 2 for every command", async () => {
  const t = tempTree({ "werf-mirror.yaml": CONFIG, "werf.yaml": BLOCK });
  try {
    for (const args of [
      ["config"],
      ["render", "--base", "/dev/null"],
      ["env", "--offline"],
      ["preflight", "--offline"],
      ["exec", "--offline", "--", "true"],
      ["lint"],
    ]) {
      const r = await runCli(args, { cwd: t.dir });
      assert.equal(r.code, args[0] === "lint" ? 1 : 2, `${args.join(" ")}: ${r.stdout}${r.stderr}`);
      assert.match(
        r.stdout + r.stderr,
        /werf\.yaml:1:1 error two werf-mirror configs at once: .*werf-mirror\.yaml and .*werf\.yaml\. .* \[config-conflict\]/,
        args.join(" "),
      );
    }
    assert.equal(existsSync(join(t.dir, ".werf-mirror")), false, "nothing written");
  } finally {
    t.cleanup();
  }
});

// Loud discovery: commands that hand off or write files say which config they use, and that they found none.

test("env, exec, preflight and render say which config they use, and warn when werf.yaml has no block and nothing else was found", async () => {
  const withBlock = tempTree({ "werf.yaml": BLOCK });
  const without = tempTree({ "werf.yaml": "project: x\nconfigVersion: 1\n" });
  try {
    for (const args of [
      ["env", "--offline"],
      ["exec", "--offline", "--", "true"],
      ["preflight", "--offline"],
      ["render", "--base", "/dev/null"],
    ]) {
      const used = await runCli(args, { cwd: withBlock.dir });
      assert.equal(used.code, 0, used.stderr);
      assert.match(used.stderr, /^werf-mirror: using werf\.yaml$/m, args.join(" "));
      const none = await runCli(args, { cwd: without.dir });
      assert.equal(none.code, 0, none.stderr);
      assert.match(
        none.stderr,
        /^warning: no werf-mirror config found in .* or above: werf\.yaml has no werf-mirror block .*using the environment and flags only/m,
        args.join(" "),
      );
      const quiet = await runCli([args[0]!, "--quiet", ...args.slice(1)], { cwd: without.dir });
      assert.doesNotMatch(quiet.stderr, /no werf-mirror config/);
    }
  } finally {
    withBlock.cleanup();
    without.cleanup();
  }
});

test("the forms Go also reads as the block's comment (`{{-<TAB>/*`, `*/<TAB>-}}`) are found and read", async () => {
  const t = tempTree({ "werf.yaml": `{{-\t/* werf-mirror\n${CONFIG}*/\t-}}\nproject: x\nconfigVersion: 1\n`, "sub/.keep": "" });
  try {
    const r = await runCli(["config"], { cwd: join(t.dir, "sub") });
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(mirrorsOf(r.stdout), ["https://m.example.com"]);
  } finally {
    t.cleanup();
  }
});

test("a broken block (an opener Go rejects, a `*/` inside) is found by the search and stops every command with exit 2", async () => {
  for (const text of [`{{-/* werf-mirror\n${CONFIG}*/ -}}\nproject: x\n`, `{{/* werf-mirror\n${CONFIG}# a */}} b\n*/}}\nproject: x\n`]) {
    const t = tempTree({ "werf.yaml": text, "sub/.keep": "" });
    try {
      for (const args of [
        ["config"],
        ["render", "--base", "/dev/null"],
        ["env", "--offline"],
        ["preflight", "--offline"],
        ["exec", "--offline", "--", "true"],
      ]) {
        const r = await runCli(args, { cwd: join(t.dir, "sub") });
        assert.equal(r.code, 2, `${args.join(" ")}: ${r.stdout}${r.stderr}`);
        assert.match(r.stderr, /werf\.yaml:\d+:\d+ error .* \[werf-yaml-block\]/);
      }
      assert.equal(existsSync(join(t.dir, "sub", ".werf-mirror")), false, "nothing written");
    } finally {
      t.cleanup();
    }
  }
});

test("an empty werf-mirror.yaml is found and reported (exit 2), not passed over in silence", async () => {
  const t = tempTree({ "werf-mirror.yaml": "\n" });
  try {
    const r = await runCli(["env", "--offline"], { cwd: t.dir });
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, /werf-mirror\.yaml:1:1 error the configuration is empty; start with `version: 1`/);
  } finally {
    t.cleanup();
  }
});
