// Project-level guarantees: generated code matches the schema, the library never exits or
// prints, the example config is valid, and the bundled executable runs.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync, readdirSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import { execFileSync } from "node:child_process";
import { runCli } from "./helpers/cli.js";

const root = join(import.meta.dirname, "..");

test("src/generated matches schema/werf-mirror.schema.json (types and compiled validator cannot drift)", async () => {
  const { generate } = (await import(join(root, "scripts/generate.mjs"))) as { generate: () => Promise<Record<string, string>> };
  const files = await generate();
  for (const [name, text] of Object.entries(files)) {
    assert.equal(readFileSync(join(root, "src/generated", name), "utf8"), text, `src/generated/${name} is stale: run node scripts/generate.mjs`);
  }
});

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((n) => {
    const p = join(dir, n);
    return statSync(p).isDirectory() ? sourceFiles(p) : p.endsWith(".ts") ? [p] : [];
  });
}

test("library code never exits the process, writes to the console, or reads process.env", () => {
  const offenders: string[] = [];
  for (const file of sourceFiles(join(root, "src"))) {
    const rel = relative(root, file);
    const text = readFileSync(file, "utf8").replace(/\/\*[\s\S]*?\*\//g, "").replace(/\/\/.*$/gm, "");
    if (rel === join("src", "cli", "bin.ts")) continue; // the executable is the one place that may
    if (/process\.exit\b/.test(text)) offenders.push(`${rel}: process.exit`);
    if (/\bconsole\.|process\.(stdout|stderr)\.write/.test(text)) offenders.push(`${rel}: console output`);
    if (!rel.startsWith(join("src", "cli")) && /process\.env\b/.test(text)) offenders.push(`${rel}: process.env`);
  }
  assert.deepEqual(offenders, []);
});

test("the documented example config lints with exit 0", async () => {
  const r = await runCli(["lint", "werf-mirror.yaml.example"], { cwd: root });
  assert.equal(r.code, 0, r.stdout);
  assert.doesNotMatch(r.stdout, / error /);
});

test("the bundled executable (esbuild, one file) runs lint on the example", () => {
  execFileSync(process.execPath, [join(root, "scripts/build.mjs")], { cwd: root, stdio: "pipe" });
  const bin = join(root, "dist/werf-mirror.cjs");
  assert.match(readFileSync(bin, "utf8").slice(0, 30), /^#!\/usr\/bin\/env node/);
  const out = execFileSync(process.execPath, [bin, "lint", "--no-color", "werf-mirror.yaml.example"], { cwd: root, encoding: "utf8" });
  assert.match(out, /0 errors/);
  assert.equal(execFileSync(process.execPath, [bin, "--version"], { encoding: "utf8" }).trim(), JSON.parse(readFileSync(join(root, "package.json"), "utf8")).version);
});

test("the start-up name lists match the registries they stand for", async () => {
  const { RENDERERS, RENDER_TARGETS } = await import("../src/backends/index.js");
  const { RENDER_TARGET_NAMES } = await import("../src/backends/names.js");
  assert.deepEqual(RENDER_TARGET_NAMES, RENDER_TARGETS);
  assert.deepEqual(RENDER_TARGET_NAMES, [...RENDERERS.map((r) => r.name), "all"]);
  const { PREFLIGHT_FORMATS } = await import("../src/format/preflight-index.js");
  const { PREFLIGHT_FORMAT_NAMES } = await import("../src/format/preflight-names.js");
  assert.deepEqual(PREFLIGHT_FORMAT_NAMES, Object.keys(PREFLIGHT_FORMATS));
});
