// Finding the config file (SPEC 1.1): search places in order, upwards from the working directory.
import { test } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { searchConfigFile, loadConfig, SEARCH_PLACES } from "../src/config/load.js";
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
  const text = `project: {{ .Env }}\nconfigVersion: 1\n{{- /* werf-mirror\nversion: 1\nregistries:\n  docker.io:\n    mirrors: [ftp://m.example.com]\n*/ -}}\n`;
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
