// The loader's second parser, the `yaml` package, takes every text the fast parser leaves: here,
// configs that share mirrors through anchors and aliases (the fast parser handles neither). Its
// positions must name the pair the data came from, whatever the key's spelling, and it must stay
// linear in the number of keys, anchors and aliases.
import { test } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { lintFile } from "../src/config/load.js";
import { runCli } from "./helpers/cli.js";
import { tempTree } from "./helpers/tmp.js";

/** `file:line:col severity rule` of each finding of `werf-mirror lint` on a werf-mirror.yaml holding `text`. */
async function lintFindings(text: string): Promise<string[]> {
  const t = tempTree({ "werf-mirror.yaml": text });
  try {
    const r = await runCli(["lint", "--no-color"], { cwd: t.dir });
    assert.equal(r.code, 1, r.stdout + r.stderr);
    return [...r.stdout.matchAll(/^(\S+:\d+:\d+) (error|warning) .* \[([a-z0-9-]+)\]$/gm)].map((m) => `${m[1]} ${m[2]} ${m[3]}`);
  } finally {
    t.cleanup();
  }
}

const SHARED = "version: 1\nregistries:\n  docker.io: &hub\n    mirrors: [https://mirror.gcr.io]\n  quay.io: *hub\n";

for (const key of ["~", "null", "Null", ""]) {
  test(`a finding under the null key \`${key}:\` points at its line, not at the mapping around it`, async () => {
    // toJS names all of them "" (the key `""` of the data); the positions looked for "null".
    const text = `${SHARED}  ${key}:\n    mirrorz: [https://a.example.com]\n`;
    assert.deepEqual(await lintFindings(text), ["werf-mirror.yaml:7:5 error unknown-key"]);
  });
}

test('keys of different types with one JS name (1 and "1", true and "true"): each finding at the pair the data holds, the last', async () => {
  const text = [
    SHARED.trimEnd(),
    "  1:",
    "    fallback: true",
    '  "1":',
    "    mirrors: [https://b.example.com]",
    "    bogus: 1", // line 10
    "  true:",
    "    fallback: true",
    '  "true":',
    "    blocked: nope", // line 14
    "",
  ].join("\n");
  assert.deepEqual(await lintFindings(text), ["werf-mirror.yaml:10:5 error unknown-key", "werf-mirror.yaml:14:14 error invalid-type"]);
});

test("keys that are collections are each an error at the key, without the yaml package's warning on stderr", async () => {
  const warnings: string[] = [];
  const onWarning = (w: Error) => warnings.push(w.message);
  process.on("warning", onWarning);
  try {
    const text = `${SHARED}  ? [a.example.com]\n  : {}\n  ? {b.example.com: 1}\n  : {}\n  c.example.com: {}\n`;
    assert.deepEqual(await lintFindings(text), ["werf-mirror.yaml:6:5 error invalid-type", "werf-mirror.yaml:8:5 error invalid-type"]);
    await new Promise((r) => setImmediate(r)); // process warnings are emitted on the next tick
    assert.deepEqual(warnings, []);
  } finally {
    process.off("warning", onWarning);
  }
});

// --- linear time ---------------------------------------------------------------------------------
// Measured on a shared 2-core machine, after a first lint has loaded the yaml package and the
// validator: the quadratic code took 2.0 to 2.7 s and 2.4 s, the linear code takes 0.3 s (0.6 s
// with the other cores busy). The `yaml` package itself needs about 10 µs per line.

async function timedLint(text: string) {
  const t = tempTree({ "werf-mirror.yaml": text, "warm/werf-mirror.yaml": SHARED });
  try {
    await lintFile(join(t.dir, "warm/werf-mirror.yaml")); // loads the yaml package and the validator
    const start = performance.now();
    const r = await lintFile(join(t.dir, "werf-mirror.yaml"));
    return { r, ms: performance.now() - start };
  } finally {
    t.cleanup();
  }
}

test("a mapping of 8,000 anchored values and 8,000 aliases to them loads in linear time (was 2.0 s: each alias scanned every anchor before it)", async () => {
  let text = "version: 1\nshared:\n";
  for (let i = 0; i < 8000; i++) text += `  a${i}: &a${i} v${i}\n`;
  for (let i = 0; i < 8000; i++) text += `  b${i}: *a${i}\n`;
  const { r, ms } = await timedLint(text);
  assert.deepEqual(
    r.diagnostics.map((d) => [d.rule, d.origin]),
    [["unknown-key", { kind: "file", file: r.configFile, line: 2, col: 1 }]],
  );
  assert.ok(ms < 1500, `took ${Math.round(ms)} ms`);
});

test("a mapping of 8,000 collection keys with anchored values: each key reported, in linear time (was 2.4 s: each key's name printed with every anchor)", async () => {
  let text = "version: 1\nshared:\n";
  for (let i = 0; i < 8000; i++) text += `  ? [k${i}]\n  : &a${i} v${i}\n`;
  const { r, ms } = await timedLint(text);
  assert.equal(r.diagnostics.length, 8000);
  assert.ok(r.diagnostics.every((d) => d.rule === "invalid-type"));
  assert.deepEqual(r.diagnostics[7999]?.origin, { kind: "file", file: r.configFile, line: 2 * 8000 + 1, col: 5 });
  assert.ok(ms < 1500, `took ${Math.round(ms)} ms`);
});
