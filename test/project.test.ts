// Project-level guarantees: generated code matches the schema, the library never exits or
// prints, the example config is valid, and the bundled executable runs.
import { createRequire } from "node:module";
import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { execFileSync, spawnSync } from "node:child_process";
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
    const text = readFileSync(file, "utf8")
      .replace(/\/\*[\s\S]*?\*\//g, "")
      .replace(/\/\/.*$/gm, "");
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

test("the bundled executable (esbuild, one file) runs every kind of command, with and without its compile cache", () => {
  const built = mkdtempSync(join(tmpdir(), "werf-mirror-dist-"));
  execFileSync(process.execPath, [join(root, "scripts/build.mjs"), "--out", built], { cwd: root, stdio: "pipe" });
  const bin = join(built, "werf-mirror.cjs");
  assert.match(readFileSync(bin, "utf8").slice(0, 30), /^#!\/usr\/bin\/env node/);
  const cache = mkdtempSync(join(tmpdir(), "werf-mirror-cache-"));
  const work = mkdtempSync(join(tmpdir(), "werf-mirror-bin-"));
  try {
    const env = { ...process.env, XDG_CACHE_HOME: cache, WERF_BUILDAH_MODE: "auto" };
    const run = (args: string[], extra: Record<string, string> = {}) =>
      spawnSync(process.execPath, [bin, ...args], { cwd: work, env: { ...env, ...extra }, encoding: "utf8" });
    writeFileSync(join(work, "werf-mirror.yaml"), readFileSync(join(root, "werf-mirror.yaml.example")));
    const outputs: string[] = [];
    for (const attempt of ["no cache yet", "cache written by the first run", "corrupt cache"]) {
      if (attempt === "corrupt cache") for (const f of readdirSync(join(cache, "werf-mirror"))) writeFileSync(join(cache, "werf-mirror", f), "garbage");
      const lint = run(["lint", "--no-color"]);
      assert.equal(lint.status, 0, `${attempt}: ${lint.stderr}`);
      const rendered = run(["render", "--target", "buildah", "--stdout", "--base", "/dev/null"]);
      assert.equal(rendered.status, 0, `${attempt}: ${rendered.stderr}`);
      assert.match(rendered.stdout, /\[\[registry\]\]/);
      const exec = run([
        "exec",
        "--offline",
        "--",
        process.execPath,
        "-e",
        "const t = require('fs').readFileSync(process.env.CONTAINERS_REGISTRIES_CONF, 'utf8'); process.exit(!process.env.WERF_CONTAINER_REGISTRY_MIRROR_00 && t.includes('location = \"mirror.gcr.io\"') ? 7 : 1)",
      ]);
      assert.equal(
        exec.status,
        7,
        `${attempt}: exec hands the mirror to the child (Buildah mode: through registries.conf alone) and returns its code: ${exec.stderr}`,
      );
      outputs.push(lint.stdout + rendered.stdout);
    }
    assert.equal(new Set(outputs).size, 1, "the same output with and without a cache");
    assert.ok(
      readdirSync(join(cache, "werf-mirror")).some((f) => f.endsWith("-lint.cache")),
      "a compile cache per command",
    );
    const off = run(["--version"], { WERF_MIRROR_NO_COMPILE_CACHE: "1", XDG_CACHE_HOME: join(cache, "off") });
    assert.equal(off.stdout.trim(), JSON.parse(readFileSync(join(root, "package.json"), "utf8")).version);
    assert.equal(existsSync(join(cache, "off")), false, "WERF_MIRROR_NO_COMPILE_CACHE writes no cache");
  } finally {
    rmSync(cache, { recursive: true, force: true });
    rmSync(work, { recursive: true, force: true });
    rmSync(built, { recursive: true, force: true });
  }
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

test("the package ships type declarations built from the sources, and a TypeScript user typechecks against them", () => {
  const built = mkdtempSync(join(tmpdir(), "werf-mirror-dist-"));
  execFileSync(process.execPath, [join(root, "scripts/build.mjs"), "--out", built], { cwd: root, stdio: "pipe" });
  const pkg = JSON.parse(readFileSync(join(root, "package.json"), "utf8")) as { types: string; files: string[]; exports: Record<string, { types?: string }> };
  assert.equal(pkg.types, "dist/types/index.d.ts");
  assert.equal(pkg.exports["."]!.types, "./dist/types/index.d.ts");
  assert.ok(!pkg.files.includes("src"), "no TypeScript sources in the package");
  const work = mkdtempSync(join(tmpdir(), "werf-mirror-types-"));
  try {
    writeFileSync(
      join(work, "use.ts"),
      `import { loadConfig, render, type Model } from ${JSON.stringify(join(built, "types/index.js"))};\n` +
        "export async function f(): Promise<number> {\n  const r = await loadConfig({ cwd: '.', env: {} });\n  const m: Model | undefined = r.model;\n  return m ? render(m).files.length : 0;\n}\n" +
        "// @ts-expect-error: the declarations are real, so a wrong call fails\nloadConfig(42);\n",
    );
    const tsc = createRequire(import.meta.url).resolve("typescript/bin/tsc");
    execFileSync(
      process.execPath,
      [tsc, "--noEmit", "--strict", "--module", "NodeNext", "--moduleResolution", "NodeNext", "--types", "node", "--skipLibCheck", join(work, "use.ts")],
      { cwd: root, stdio: "pipe" },
    );
  } finally {
    rmSync(work, { recursive: true, force: true });
    rmSync(built, { recursive: true, force: true });
  }
});

test("files are replaced through one atomic writer (src/fs/output-dir.ts), nowhere else", () => {
  // The one exception of each kind, with its reason: the lock's takeover moves a stale lock aside
  // (no content is written); init creates a new file exclusively, never replacing one.
  const allowed = new Map([
    [join("src", "render", "write.ts"), /renameSync\(path, aside\)/],
    [join("src", "cli", "commands", "init.ts"), /writeFileSync\(target, INIT_TEMPLATE, \{ flag: "wx"/],
  ]);
  const offenders: string[] = [];
  for (const file of sourceFiles(join(root, "src"))) {
    const rel = relative(root, file);
    if (rel === join("src", "fs", "output-dir.ts")) continue;
    const text = readFileSync(file, "utf8")
      .replace(/\/\*[\s\S]*?\*\//g, "")
      .replace(/\/\/.*$/gm, "");
    for (const m of text.matchAll(/.*\b(renameSync|rename|writeFileSync|writeFile)\(.*/g)) {
      if (!allowed.get(rel)?.test(m[0])) offenders.push(`${rel}: ${m[0].trim().slice(0, 80)}`);
    }
  }
  assert.deepEqual(offenders, []);
});
