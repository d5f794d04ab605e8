// Differential tests of the fast YAML subset parser against the `yaml` package: whenever
// parseFastYaml accepts a text, its data must deep-equal yaml's toJS() (and yaml must report no
// error), and every value and key offset must equal the yaml node's range[0]. The oracle and the
// generators are in helpers/yaml-oracle.ts; the YAML test suite's cases are checked in
// yaml-test-suite.test.ts, long mutation runs are in fuzz/fast-yaml.fuzz.test.ts.
// FAST_YAML_RUNS=5000 node --import tsx --test test/fast-yaml.test.ts   runs longer.
import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { parseDocument, stringify } from "yaml";
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { parseFastYaml } from "../src/config/fast-yaml.js";
import { scanWerfYaml } from "../src/config/werf-yaml.js";
import { applyMutations, check, mutation, mutationBases, plainConfig, renderTemplate, styles, Tally, tree, type Value } from "./helpers/yaml-oracle.js";

const RUNS = Number(process.env.FAST_YAML_RUNS ?? 600);
const ROOT = new URL("..", import.meta.url).pathname;

// --- tests ---------------------------------------------------------------------------------------

test("plain-valued configs in default style are accepted (>= 95%) and agree with yaml", () => {
  const tally = new Tally();
  fc.assert(
    fc.property(plainConfig, (c) => {
      tally.add(check(stringify(c)));
    }),
    { numRuns: RUNS },
  );
  console.log(`  plain configs, default style: ${tally}`);
  assert.ok(tally.rate >= 0.95, `acceptance ${tally}`);
});

test("hostile structures in every stringify style agree with yaml", () => {
  const tallies = styles.map(() => new Tally());
  fc.assert(
    fc.property(tree, fc.nat({ max: styles.length - 1 }), (t, si) => {
      tallies[si]?.add(check((styles[si] as (v: Value) => string)(t)));
    }),
    { numRuns: RUNS * 2 },
  );
  tallies.forEach((t, i) => console.log(`  style ${i}: ${t}`));
});

test("hand-written templates (comments, odd indentation, raw strings) agree with yaml", () => {
  const tally = new Tally();
  fc.assert(
    fc.property(fc.oneof(tree, plainConfig), fc.integer(), (t, seed) => {
      tally.add(check(renderTemplate(t, seed)));
    }),
    { numRuns: RUNS * 2 },
  );
  console.log(`  templates: ${tally}`);
  assert.ok(tally.accepted > tally.total / 10, "the templates must exercise the fast path");
});

test("random mutations never throw and never disagree with yaml", () => {
  const tally = new Tally();
  fc.assert(
    fc.property(mutationBases, fc.array(mutation, { minLength: 1, maxLength: 4 }), (base, muts) => {
      tally.add(check(applyMutations(base, muts)));
    }),
    { numRuns: RUNS * 3 },
  );
  console.log(`  mutations: ${tally}`);
});
test("edge cases agree with yaml", () => {
  const cases = [
    "",
    "# only a comment\n",
    "---\n",
    "--- # c\na: 1\n",
    "---\n---\na: 1\n",
    "a: 1\n...\n",
    "a: 1\n---\nb: 2\n",
    "\uFEFFa: 1\n",
    "a: 1\r\nb: 2\r\n",
    "a:\tb\n",
    "a:\n\t- x\n",
    "a:\n- x\n-\n- \n",
    "a:    # c\nb:   \nc: 1",
    "a: # c\n  b: 1",
    "a:\n  # c\nb: 1",
    "a:\n# c\n  b: 1",
    "- a: 1\n  b:\n- c",
    "- a:\n  - x\n  b: 1",
    "-   a: 1\n    b: 2\n-  c",
    "- - x",
    "-\n  - x\n  - y",
    "- \n  a: 1",
    "a: - b",
    "a: -b",
    "a: -",
    "a:",
    "-",
    "a: [x, {b: 1}]",
    "a: [x, {b: 1}, ]",
    "a: [x,, y]",
    "a: []",
    "a: {}",
    "a: {b}",
    "a: [b: 1]",
    "a: [a:b, c]",
    "a: {a: b:c}",
    "a: [x\n, y]",
    "a: [x] y",
    "a: [x] # c",
    '1: x\n"1": y',
    "null: 1\n: 2",
    "~: 1",
    "true: 1\nTrue: 2",
    "1.0: a\n1: b",
    "0x10: a\n16: b",
    ".nan: 1\n.NaN: 2",
    "__proto__: 1",
    "'__proto__': {a: 1}\nconstructor: 2",
    "k: -0\nj: 0x1F\nl: 1e3\nm: 1_000\nn: +1\no: .5\np: 0o17\nq: 9007199254740993\nr: 1.\ns: -.inf\nt: 0x\nu: 0o8\nv: 1e400\nw: 00012\nx: -.5e-3\ny: +.inf\nz: .NAN",
    "a: x #c\n",
    "a: x#c",
    'a: "x"#c',
    "a: 'x'#c",
    'x : 1\n"y"  : 2',
    "a: b]\nc: d}",
    "a[0]: 1",
    "?x: 1",
    ":x: 1",
    "-x: 1",
    "a: ,b",
    "a: ]b",
    "a: ::",
    "a: b:c",
    "a: ?x",
    "a: ? x",
    "a: x:",
    "<<: 1",
    "a: !x",
    "a: &x 1\nb: *x",
    "a: |\n  x\n",
    "a: >\n  x\n",
    "%YAML 1.2\n---\na: 1",
    "a: @x",
    "a: `x`",
    "a: %x",
    "a: b\n  c",
    "a: b\n\n  c",
    "a: 'b\n  c'",
    'a: "b\n  c"',
    'a: "b\\\n  c"',
    "a: 'it''s'",
    'a: "\\u00e9\\x41\\n\\t\\\\\\"\\/\\0\\a\\b\\e\\f\\r\\v\\N\\_\\L\\P\\ "',
    'a: "\\U0001F600"',
    'a: "\\U00110000"',
    'a: "\\q"',
    'a: "\\x4"',
    'a: "\\ud800"',
    "a:\n    b: 1\n  c: 2",
    "  a: 1\n  b: 2",
    "  a: 1\nb: 2",
    "a: 1\n  b: 2",
    "a:\n  b: 1\n c: 2",
    "a: x\n- y",
    "- x\na: 1",
    "a:\n- x\nb: 1",
    "a:\n  - x\n  b: 1",
    "x",
    "[a]",
    "{a: 1}",
    '"a"',
    "a: 1\nb",
    "a: 1\n#\n",
    "a: 1\n  # c\n",
    `${"k".repeat(1500)}: 1`,
    `"${"k".repeat(1030)}": 1`,
    `- ${"k".repeat(1030)}: 1`,
    `a: {${"k".repeat(1030)}: 1}`,
    `${"k".repeat(990)}: 1`,
    "a: b\u0085c",
    "a: \u00a0",
    "a\u2028: 1",
    "a: \u0000",
    "a: x\u007f",
    "é: ü\n日本: 語\n😀: [😀]",
    "a: '#'\nb: \"#\"\nc: x # y # z",
    "a : b",
    "a  :\n  - x",
    "'a' : 1",
    '"a":1',
    "a:1",
    "a: 1\nA: 2",
    "a: 1\na: 2",
    "a: {x: 1, x: 2}",
    "? a\n: b",
    "a: 'x' 'y'",
    "a: [1, 2]]",
    "a: {b: [c, {d: e}]}",
    "a: 1\n... : 2",
    "a: 1\n--- : 2",
    "a: 1\n---: 2",
    "- a\n--- \n- b",
    "a: [a:, b]",
    "a: {a:}",
    "a: [a:]",
    "a: {x:, y: 1}",
    "a: [x:[y]]",
    "a: {x:{y: 1}}",
  ];
  let accepted = 0;
  for (const text of cases) if (check(text) === "accepted") accepted++;
  assert.ok(accepted > cases.length / 3, `only ${accepted}/${cases.length} edge cases accepted`);
});

test("fixtures and the example config agree with yaml", () => {
  const files: string[] = [];
  const walk = (dir: string) => {
    for (const name of readdirSync(dir).sort()) {
      const p = join(dir, name);
      if (statSync(p).isDirectory()) walk(p);
      else files.push(p);
    }
  };
  walk(join(ROOT, "fixtures/lint"));
  files.push(join(ROOT, "werf-mirror.yaml.example"));
  const tally = new Tally();
  for (const file of files) {
    const text = readFileSync(file, "utf8");
    tally.add(check(text));
    if (/werf\.ya?ml$/.test(file)) {
      const block = scanWerfYaml(file, text).block;
      if (block) tally.add(check(block.body));
    }
  }
  console.log(`  fixtures: ${tally}`);
  assert.equal(check(readFileSync(join(ROOT, "werf-mirror.yaml.example"), "utf8")), "accepted", "the example config is in the subset");
});

test("a 1000-registry config is accepted, agrees with yaml, and parses much faster", () => {
  let text = "# generated\nversion: 1\nbackend: auto\nregistries:\n";
  for (let i = 0; i < 1000; i++) {
    text += `  reg${i}.example.com:\n    mirrors:\n      - https://mirror-a${i}.example.com\n      - url: https://mirror-b${i}.example.com/proxy\n        pull: digest-only\n      - mirror-c${i}.example.com:5000\n    fallback: true\n`;
  }
  text += "insecureRegistries: [registry.local:5000, 10.0.0.0/8]\npreflight:\n  timeout: 5s\n  minHealthy: 1\n";
  assert.equal(check(text), "accepted");
  const time = (f: () => unknown, n: number) => {
    const t0 = performance.now();
    for (let i = 0; i < n; i++) f();
    return (performance.now() - t0) / n;
  };
  const fast = time(() => parseFastYaml(text), 20);
  const slow = time(() => parseDocument(text, { uniqueKeys: true }).toJS(), 3);
  console.log(`  1000 registries (${text.length} bytes): fast ${fast.toFixed(2)} ms, yaml ${slow.toFixed(2)} ms (${(slow / fast).toFixed(0)}x)`);
  assert.ok(fast * 5 < slow, "at least 5x faster than yaml (10x+ expected; 5x leaves room for noisy machines)");
});

test("a key whose value is the node at which the node table grows keeps its offset", () => {
  // The table starts at (length / 16) + 16 nodes and doubles; the key of the value that lands on
  // the boundary was written before the table grew, into the old table's end, and lost (its
  // offset read 0). Block and flow mappings of 1 to 60 keys cross the first boundary (near 25 keys).
  for (let keys = 1; keys <= 60; keys++) {
    const names = Array.from({ length: keys }, (_, i) => `k${i}`);
    assert.equal(check(names.map((k) => `${k}: 1`).join("\n")), "accepted");
    assert.equal(check(`x: {${names.map((k) => `${k}: 1`).join(", ")}}`), "accepted");
  }
});

test("one line of 128k quoted flow entries is parsed by the fast path in linear time (was 4.7 s)", () => {
  // Each quoted scalar looked for the end of its line from its own start: quadratic on one line.
  const text = `{${Array.from({ length: 128_000 }, (_, i) => `"k${i}": "v${i}"`).join(", ")}}`;
  const t0 = performance.now();
  const fast = parseFastYaml(text);
  const ms = performance.now() - t0;
  assert.ok(fast, "in the subset");
  assert.equal(Object.keys(fast.data as object).length, 128_000);
  assert.equal(fast.offsetOf(["k127999"], true), text.lastIndexOf('"k127999"'));
  assert.ok(ms < 1000, `took ${Math.round(ms)} ms`);
});

test("fast-yaml.ts keeps no state between parses: every parse has its own Parser, the module no let or var", () => {
  // Module-level cursors made the parser non-re-entrant and left each parse's text and node table
  // reachable until the next reset; the Parser instance owns them now.
  const source = readFileSync(join(ROOT, "src/config/fast-yaml.ts"), "utf8");
  assert.deepEqual(source.match(/^(?:export )?(?:let|var)\b.*$/gm) ?? [], []);
});
