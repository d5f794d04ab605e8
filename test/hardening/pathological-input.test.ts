// Hostile shapes and sizes in a committed config. Every command loads the config found by the
// search, so the loader must stay linear in the input (a planted file must not stall them all)
// and must refuse absurd nesting with one diagnostic and exit 2 (SPEC 2), in bounded memory,
// before any parser's recursion can run out of stack.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { lintFile } from "../../src/config/load.js";
import { runCli } from "../helpers/cli.js";
import { tempTree } from "../helpers/tmp.js";

/** `file:line:col severity rule` of each stylish finding. */
function findings(out: string): string[] {
  return [...out.matchAll(/^(\S+:\d+:\d+) (error|warning) .* \[([a-z0-9-]+)\]$/gm)].map((m) => `${m[1]} ${m[2]} ${m[3]}`);
}

async function timed<T>(run: () => Promise<T>): Promise<{ result: T; ms: number }> {
  const start = performance.now();
  const result = await run();
  return { result, ms: performance.now() - start };
}

// --- linear time ---------------------------------------------------------------------------------
// Each case names the time the code before the fix took on the same input (a busy shared
// 2-core machine); the bound is far below that and well above what the linear code needs there. The
// yaml package itself needs tens of µs per registry, so the cases it parses get a wider bound.

test("werf.yaml with 100k unclosed werf-mirror openers (found by the search): one error, exit 2, in seconds (was 48 s, and exit 0)", async () => {
  const t = tempTree({ "werf.yaml": "project: x\nconfigVersion: 1\n" + "{{/* werf-mirror\n".repeat(100_000) });
  try {
    const { result: r, ms } = await timed(() => runCli(["config"], { cwd: t.dir }));
    assert.equal(r.code, 2, r.stdout);
    assert.deepEqual(findings(r.stderr), ["werf.yaml:3:1 error werf-yaml-block"]);
    assert.ok(ms < 3000, `took ${Math.round(ms)} ms`);
  } finally {
    t.cleanup();
  }
});

test("werf.yaml with 100k werf-mirror openers and one close: one block (Go comments do not nest), exit 2, in seconds (was 136 s and 200k errors)", async () => {
  const t = tempTree({ "werf.yaml": "{{/* werf-mirror\n".repeat(100_000) + "*/}}\nproject: x\n" });
  try {
    const { result: r, ms } = await timed(() => runCli(["config"], { cwd: t.dir }));
    assert.equal(r.code, 2, r.stdout);
    // The body is the other openers: `{{` after `{{` opens flow mappings until they nest too deep.
    assert.deepEqual(findings(r.stderr), ["werf.yaml:34:2 error nesting-depth"]);
    assert.ok(ms < 3000, `took ${Math.round(ms)} ms`);
  } finally {
    t.cleanup();
  }
});

/** `n` registries, as pretty-printed JSON (the fast YAML path takes one-line flow only). */
function jsonRegistries(n: number): string {
  const registries: Record<string, object> = {};
  for (let i = 0; i < n; i++) registries[`r${i}.example.com`] = {};
  return JSON.stringify({ version: 1, registries }, null, 2);
}

test("40k registries as JSON load in seconds (was 22 s: the yaml package compared every key with every earlier one)", async () => {
  const t = tempTree({ ".werf-mirrorrc.json": jsonRegistries(40_000) });
  try {
    const { result: r, ms } = await timed(() => lintFile(join(t.dir, ".werf-mirrorrc.json")));
    assert.deepEqual(r.diagnostics, []);
    assert.equal(r.model?.registries.length, 40_000);
    assert.ok(ms < 5000, `took ${Math.round(ms)} ms`);
  } finally {
    t.cleanup();
  }
});

test("40k registries in YAML the fast path leaves to the yaml package load in seconds; a repeated key is still found (was 39 s)", async () => {
  // The tab after each key's value makes the fast parser bail out.
  let text = "version: 1\nregistries:\n";
  for (let i = 0; i < 40_000; i++) text += `  r${i}.example.com: {}\t\n`;
  const t = tempTree({ "werf-mirror.yaml": `${text}  r7.example.com: {}\n` });
  try {
    const { result: r, ms } = await timed(() => lintFile(join(t.dir, "werf-mirror.yaml")));
    assert.deepEqual(
      r.diagnostics.map((d) => [d.rule, d.origin]),
      [["duplicate-key", { kind: "file", file: join(t.dir, "werf-mirror.yaml"), line: 40_003, col: 3 }]],
    );
    assert.ok(ms < 5000, `took ${Math.round(ms)} ms`);
  } finally {
    t.cleanup();
  }
});

test("40k unknown keys are each reported, in seconds (was 34 s: the schema errors were regrouped by copying)", async () => {
  const config: Record<string, number> = { version: 1 };
  for (let i = 0; i < 40_000; i++) config[`k${i}`] = 0;
  const t = tempTree({ ".werf-mirrorrc.json": JSON.stringify(config) });
  try {
    const { result: r, ms } = await timed(() => lintFile(join(t.dir, ".werf-mirrorrc.json")));
    assert.equal(r.diagnostics.length, 40_000);
    assert.ok(r.diagnostics.every((d) => d.rule === "unknown-key"));
    assert.ok(ms < 3000, `took ${Math.round(ms)} ms`);
  } finally {
    t.cleanup();
  }
});

// --- absurd nesting ------------------------------------------------------------------------------

const HALF_MB = 500_000;
const NESTED: [string, string, string][] = [
  ["werf-mirror.yaml", "[".repeat(HALF_MB), "werf-mirror.yaml:1:66 error nesting-depth"],
  ["werf-mirror.yaml", "{".repeat(HALF_MB), "werf-mirror.yaml:1:66 error nesting-depth"],
  ["werf-mirror.yaml", "- ".repeat(HALF_MB / 2), "werf-mirror.yaml:1:131 error nesting-depth"],
  [".werf-mirrorrc.json", "[".repeat(HALF_MB), ".werf-mirrorrc.json:1:66 error nesting-depth"],
  ["package.json", `{"werfMirror": ${"[".repeat(HALF_MB / 2)}${"]".repeat(HALF_MB / 2)}}`, "package.json:1:80 error nesting-depth"],
  ["werf.yaml", `{{/* werf-mirror\nversion: 1\nregistries: ${"[".repeat(HALF_MB)}\n*/}}\n`, "werf.yaml:3:77 error nesting-depth"],
];

for (const [file, text, expected] of NESTED) {
  test(`500 KB of nesting in ${file} (${JSON.stringify(text.slice(0, 24))}...): one nesting-depth error, exit 2, in a 64 MB heap`, () => {
    const t = tempTree({ [file]: text });
    try {
      // A process of its own: the heap limit is the point (the yaml package's recursion used
      // 500 MB here before it ran out of stack, with hundreds of identical errors).
      const bin = join(import.meta.dirname, "..", "..", "src", "cli", "bin.ts");
      const started = performance.now();
      const r = spawnSync(process.execPath, ["--max-old-space-size=64", "--import", import.meta.resolve("tsx"), bin, "config"], {
        cwd: t.dir,
        encoding: "utf8",
        env: { PATH: process.env.PATH },
      });
      const ms = performance.now() - started;
      assert.equal(r.status, 2, r.stderr);
      assert.deepEqual(findings(r.stderr), [expected]);
      assert.doesNotMatch(r.stderr, /internal error|Maximum call stack/);
      assert.ok(ms < 10_000, `took ${Math.round(ms)} ms`);
    } finally {
      t.cleanup();
    }
  });
}
