// Differential tests of the fast YAML subset parser against the `yaml` package: whenever
// parseFastYaml accepts a text, its data must deep-equal yaml's toJS() (and yaml must report no
// error), and every value and key offset must equal the yaml node's range[0].
// FAST_YAML_RUNS=5000 node --import tsx --test test/fast-yaml.test.ts   runs longer.
import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { Document, parseDocument, stringify, visit, isMap, isSeq, isScalar, type Node } from "yaml";
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { parseFastYaml } from "../src/config/fast-yaml.js";
import { scanWerfYaml } from "../src/config/werf-yaml.js";

const RUNS = Number(process.env.FAST_YAML_RUNS ?? 600);
const ROOT = new URL("..", import.meta.url).pathname;

// --- the oracle ----------------------------------------------------------------------------------

type Outcome = "accepted" | "bailed";

/** Checks parseFastYaml(text) against yaml; returns whether the fast parser accepted it. */
function check(text: string): Outcome {
  let fast: ReturnType<typeof parseFastYaml>;
  try {
    fast = parseFastYaml(text);
  } catch (err) {
    assert.fail(`parseFastYaml threw on ${JSON.stringify(text)}: ${String(err)}`);
  }
  if (!fast) return "bailed";
  const doc = parseDocument(text, { uniqueKeys: true });
  const context = () => `text: ${JSON.stringify(text)}`;
  if (doc.errors.length > 0) assert.fail(`accepted a text yaml rejects (${doc.errors.map((e) => e.code).join(", ")}); ${context()}`);
  const expected: unknown = doc.toJS();
  try {
    assert.deepStrictEqual(fast.data, expected);
  } catch (err) {
    assert.fail(`data differs; ${context()}\n${(err as Error).message}`);
  }
  const root = doc.contents as Node | null;
  if (root) checkOffsets(fast, root, [], context);
  else assert.equal(fast.offsetOf([]), undefined);
  // Paths that do not exist.
  assert.equal(fast.offsetOf(["\u0000no such key"]), undefined);
  assert.equal(fast.offsetOf([1e9]), undefined);
  return "accepted";
}

function checkOffsets(
  fast: NonNullable<ReturnType<typeof parseFastYaml>>,
  node: Node,
  path: (string | number)[],
  context: () => string,
): void {
  // Messages are built only on failure: the texts can be large.
  const eq = (actual: unknown, expected: unknown, what: () => string) => {
    if (actual !== expected) assert.fail(`${what()}: fast ${String(actual)}, yaml ${String(expected)}; ${context()}`);
  };
  eq(fast.offsetOf(path), node.range?.[0], () => `value offset of ${JSON.stringify(path)}`);
  if (isMap(node)) {
    for (const pair of node.items) {
      if (!isScalar(pair.key)) assert.fail(`non-scalar key accepted; ${context()}`);
      const k = pair.key.value;
      const name = k === null ? "" : String(k);
      const p = [...path, name];
      eq(fast.offsetOf(p, true), pair.key.range?.[0], () => `key offset of ${JSON.stringify(p)}`);
      if (!pair.value) assert.fail(`pair without a value node accepted; ${context()}`);
      checkOffsets(fast, pair.value as Node, p, context);
    }
  } else if (isSeq(node)) {
    node.items.forEach((item, i) => {
      checkOffsets(fast, item as Node, [...path, i], context);
      eq(fast.offsetOf([...path, String(i)]), undefined, () => "sequences take numeric segments only");
    });
  } else {
    eq(fast.offsetOf([...path, "x"]), undefined, () => "no children below a scalar");
  }
}

class Tally {
  accepted = 0;
  total = 0;
  add(o: Outcome): void {
    this.total++;
    if (o === "accepted") this.accepted++;
  }
  get rate(): number {
    return this.total === 0 ? 0 : this.accepted / this.total;
  }
  toString(): string {
    return `${this.accepted}/${this.total} accepted (${(this.rate * 100).toFixed(1)}%)`;
  }
}

// --- generators ----------------------------------------------------------------------------------

const host = fc
  .tuple(fc.stringMatching(/^[a-z][a-z0-9-]{0,12}$/), fc.constantFrom(".example.com", ".io", ".local", ".corp.example.org", ""), fc.option(fc.integer({ min: 1, max: 65535 }), { nil: undefined }))
  .map(([a, b, port]) => `${a}${b}${port === undefined ? "" : `:${port}`}`);
const url = fc
  .tuple(fc.constantFrom("https://", "http://", ""), host, fc.constantFrom("", "/", "/proxy", "/v2/cache", "/dockerhub/library"))
  .map(([s, h, p]) => s + h + p);

/** A config as users write it: plain values (hosts, URLs, words, numbers, booleans). */
const plainConfig = fc.record(
  {
    version: fc.constantFrom(1, 2),
    backend: fc.constantFrom("auto", "docker", "buildah"),
    registries: fc.dictionary(
      host,
      fc.record(
        {
          mirrors: fc.array(
            fc.oneof(
              url,
              fc.record(
                { url, pull: fc.constantFrom("all", "digest-only", "tag-only"), insecure: fc.boolean(), ca: fc.constantFrom("./certs/ca.pem", "/etc/ssl/corp.pem") },
                { requiredKeys: ["url"] },
              ),
            ),
            { maxLength: 4 },
          ),
          fallback: fc.boolean(),
          blocked: fc.boolean(),
        },
        { requiredKeys: [] },
      ),
      { maxKeys: 6 },
    ),
    insecureRegistries: fc.array(fc.oneof(host, fc.constantFrom("10.0.0.0/8", "192.168.0.0/16", "[fd00::1]:5000")), { maxLength: 3 }),
    unqualifiedSearchRegistries: fc.array(host, { maxLength: 3 }),
    preflight: fc.record(
      { timeout: fc.constantFrom("500ms", "5s", "1m"), probe: fc.constantFrom("library/alpine:latest", "library/busybox:1.36"), unhealthy: fc.constantFrom("drop", "warn", "fail"), minHealthy: fc.nat({ max: 5 }) },
      { requiredKeys: [] },
    ),
    output: fc.record({ dir: fc.constantFrom(".werf-mirror", "out/mirrors", "/tmp/x") }, { requiredKeys: [] }),
  },
  { requiredKeys: ["version"] },
);

/** Strings that look like other YAML things. */
const trickyString = fc.oneof(
  { weight: 3, arbitrary: fc.string({ maxLength: 12 }) },
  { weight: 2, arbitrary: fc.string({ unit: "grapheme", maxLength: 8 }) },
  { weight: 1, arbitrary: fc.string({ unit: "binary", maxLength: 6 }) },
  {
    weight: 6,
    arbitrary: fc.constantFrom(
      "", " ", "  x", "x  ", " x ", "~", "null", "Null", "NULL", "nULL", "true", "True", "TRUE", "tRUE", "false", "FALSE", "yes", "no", "on", "off", "y", "n",
      "0", "-0", "+0", "00", "007", "0x1F", "0x1f", "0X1F", "0o17", "0o8", "0b101", "1_000", "1e3", "1E3", "1e+3", "-1e-3", ".5", "-.5", "+.5", "5.", "1.0",
      "1.50", ".inf", "-.Inf", "+.INF", ".nan", ".NaN", "NaN", "inf", "12:30", "1:20:30", "9007199254740993", "123456789012345678901234567890", "-", "--", "---", "...",
      "- x", "-x", "? x", "?x", ": x", ":x", "x:", "x: y", "x:y", "a #b", "a#b", "#a", "'", '"', "''", '""', "'a'", '"a"', "a'b", 'a"b', "\\", "\\n", "[", "]",
      "[a]", "{", "}", "{a: b}", ",", "a,b", "&a", "*a", "!a", "!!str", "|", ">", "%x", "@x", "`x`", "<<", "=", "é", "日本", "😀", "\u00a0", "\u0085", "\u2028",
      "\t", "a\tb", "\n", "a\nb", "\r\n", "\u0000", "\u001b", "https://mirror.gcr.io", "registry.local:5000", "[fd00::1]:5000", "*.example.com", "docker.io/library",
    ),
  },
);

const scalar = fc.oneof(
  { weight: 6, arbitrary: trickyString },
  { weight: 1, arbitrary: fc.integer() },
  { weight: 1, arbitrary: fc.double() },
  { weight: 1, arbitrary: fc.boolean() },
  { weight: 1, arbitrary: fc.constant(null) },
);

type Value = unknown;
const { tree } = fc.letrec<{ tree: Value; node: Value }>((tie) => ({
  tree: fc.dictionary(trickyString, tie("node"), { maxKeys: 5 }),
  node: fc.oneof(
    { depthSize: "small", withCrossShrink: true },
    { weight: 4, arbitrary: scalar },
    { weight: 1, arbitrary: fc.dictionary(trickyString, tie("node"), { maxKeys: 4 }) },
    { weight: 1, arbitrary: fc.array(tie("node"), { maxLength: 4 }) },
  ),
}));

/** Stringify with small collections in flow style. */
function stringifySmallFlow(value: Value): string {
  const doc = new Document(value);
  visit(doc, {
    Map(_, node) {
      if (node !== doc.contents && node.items.length <= 3 && node.items.every((p) => isScalar(p.value))) node.flow = true;
    },
    Seq(_, node) {
      if (node !== doc.contents && node.items.length <= 4 && node.items.every((i) => isScalar(i))) node.flow = true;
    },
  });
  return doc.toString({ lineWidth: 0 });
}

const styles: ((v: Value) => string)[] = [
  (v) => stringify(v),
  (v) => stringify(v, { defaultStringType: "QUOTE_DOUBLE", defaultKeyType: "PLAIN" }),
  (v) => stringify(v, { defaultStringType: "QUOTE_DOUBLE" }),
  (v) => stringify(v, { defaultStringType: "QUOTE_SINGLE" }),
  (v) => stringify(v, { indent: 4, indentSeq: false, lineWidth: 0 }),
  (v) => stringify(v, { indent: 1 }),
  stringifySmallFlow,
  (v) => stringify(v, { collectionStyle: "flow" }),
  (v) => `# header\n---\n${stringify(v, { commentString: (c) => `#${c}` })}`,
];

// Hand-written templates: a tiny renderer with random indentation, comments, quoting and layout,
// inserting strings raw, so that the texts are often *not* what the value says (or not YAML).
function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function renderTemplate(value: Value, seed: number): string {
  const rnd = mulberry32(seed);
  const pick = <T,>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)] as T;
  const step = 1 + Math.floor(rnd() * 4);
  const lines: string[] = [];
  const sp = (k: number) => " ".repeat(k);
  const comment = () => (rnd() < 0.15 ? pick([" # note", "  #: - x", " #", " # 'q' \"q\""]) : "") + (rnd() < 0.05 ? "  " : "");
  const maybeCommentLine = (ind: number) => {
    if (rnd() < 0.1) lines.push(rnd() < 0.5 ? `${sp(Math.floor(rnd() * (ind + 3)))}# comment` : rnd() < 0.5 ? "" : sp(Math.floor(rnd() * 6)));
  };
  const scalarText = (v: unknown): string => {
    if (v === null) return pick(["", "~", "null", "Null", "NULL"]);
    if (typeof v === "boolean") return pick(v ? ["true", "True", "TRUE"] : ["false", "False", "FALSE"]);
    if (typeof v === "number") return pick([String(v), String(v), v.toExponential(), `+${v}`, `0x${Math.abs(Math.trunc(v)).toString(16)}`, `0o${Math.abs(Math.trunc(v)).toString(8)}`]);
    const str = String(v);
    const r = rnd();
    if (r < 0.5) return str; // raw: often not a faithful plain scalar, on purpose
    if (r < 0.75) return JSON.stringify(str);
    return `'${str.replace(/'/g, "''")}'`;
  };
  const keyText = (k: string): string => {
    const r = rnd();
    if (r < 0.6) return k;
    if (r < 0.8) return JSON.stringify(k);
    if (r < 0.9) return `'${k.replace(/'/g, "''")}'`;
    return `${k}${sp(1 + Math.floor(rnd() * 2))}`; // `key  : value`
  };
  const isColl = (v: unknown): v is Record<string, unknown> | unknown[] => typeof v === "object" && v !== null;
  const flowText = (v: unknown): string => {
    if (Array.isArray(v)) return `[${v.map(flowText).join(pick([", ", ",", " , "]))}]`;
    if (isColl(v)) return `{${Object.entries(v).map(([k, x]) => `${keyText(k)}: ${flowText(x)}`).join(", ")}}`;
    return scalarText(v);
  };
  const small = (v: unknown) => isColl(v) && Object.keys(v).length <= 3 && rnd() < 0.25;
  const emitValue = (prefix: string, v: unknown, ind: number, inSeqItem: boolean) => {
    if (!isColl(v) || small(v) || Object.keys(v).length === 0) {
      const t = isColl(v) ? flowText(v) : scalarText(v);
      lines.push(`${prefix}${t === "" ? "" : pick([" ", " ", "  "]) + t}${comment()}`);
      return;
    }
    lines.push(`${prefix}${comment()}`);
    maybeCommentLine(ind);
    if (Array.isArray(v)) emitSeq(v, !inSeqItem && rnd() < 0.4 ? ind : ind + step);
    else emitMap(v as Record<string, unknown>, ind + step);
  };
  const emitMap = (m: Record<string, unknown>, ind: number) => {
    for (const [k, v] of Object.entries(m)) {
      maybeCommentLine(ind);
      emitValue(`${sp(ind)}${keyText(k)}:`, v, ind, false);
    }
  };
  const emitSeq = (a: unknown[], ind: number) => {
    for (const item of a) {
      maybeCommentLine(ind);
      if (isColl(item) && !Array.isArray(item) && Object.keys(item).length > 0 && rnd() < 0.7) {
        // `- key: value` with the rest of the mapping aligned on the first key.
        const gap = 1 + Math.floor(rnd() * 3);
        const entries = Object.entries(item);
        entries.forEach(([k, v], i) => {
          const prefix = i === 0 ? `${sp(ind)}-${sp(gap)}${keyText(k)}:` : `${sp(ind + 1 + gap)}${keyText(k)}:`;
          emitValue(prefix, v, ind + 1 + gap, false);
        });
      } else emitValue(`${sp(ind)}-`, item, ind, true);
    }
  };
  if (rnd() < 0.2) lines.push(pick(["# header", "---", "# a\n---", "--- # doc", "", "  # indented"]));
  const base = rnd() < 0.1 ? 1 + Math.floor(rnd() * 2) : 0;
  if (isColl(value) && !Array.isArray(value)) emitMap(value, base);
  else if (Array.isArray(value)) emitSeq(value, base);
  else lines.push(scalarText(value));
  if (rnd() < 0.2) lines.push(pick(["# trailer", "", "   ", "..."]));
  return lines.join("\n") + (rnd() < 0.8 ? "\n" : "");
}

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

const mutationChars = [..." \n:-#'\"[]{},&*!|>?%@`\\\t\rax01.~é"];
const mutation = fc.record({
  kind: fc.constantFrom("insert", "delete", "replace", "duplicate-line", "indent"),
  at: fc.nat(),
  ch: fc.constantFrom(...mutationChars),
});

test("random mutations never throw and never disagree with yaml", () => {
  const bases = fc.oneof(
    plainConfig.map((c) => stringify(c)),
    fc.tuple(tree, fc.integer()).map(([t, seed]) => renderTemplate(t, seed)),
    tree.map((t) => stringifySmallFlow(t)),
  );
  const tally = new Tally();
  fc.assert(
    fc.property(bases, fc.array(mutation, { minLength: 1, maxLength: 4 }), (base, muts) => {
      let text = base;
      for (const m of muts) {
        const at = text.length === 0 ? 0 : m.at % (text.length + 1);
        switch (m.kind) {
          case "insert":
            text = text.slice(0, at) + m.ch + text.slice(at);
            break;
          case "delete":
            text = text.slice(0, at) + text.slice(at + 1);
            break;
          case "replace":
            text = text.slice(0, at) + m.ch + text.slice(at + 1);
            break;
          case "duplicate-line": {
            const start = text.lastIndexOf("\n", at - 1) + 1;
            const end = text.indexOf("\n", at);
            const line = text.slice(start, end === -1 ? text.length : end + 1);
            text = text.slice(0, start) + line + (line.endsWith("\n") ? "" : "\n") + text.slice(start);
            break;
          }
          case "indent": {
            const start = text.lastIndexOf("\n", at - 1) + 1;
            text = text.slice(0, start) + (m.ch === "\n" ? "" : " ") + text.slice(start);
            break;
          }
        }
      }
      tally.add(check(text));
    }),
    { numRuns: RUNS * 3 },
  );
  console.log(`  mutations: ${tally}`);
});

test("edge cases agree with yaml", () => {
  const cases = [
    "", "# only a comment\n", "---\n", "--- # c\na: 1\n", "---\n---\na: 1\n", "a: 1\n...\n", "a: 1\n---\nb: 2\n", "\uFEFFa: 1\n", "a: 1\r\nb: 2\r\n",
    "a:\tb\n", "a:\n\t- x\n", "a:\n- x\n-\n- \n", "a:    # c\nb:   \nc: 1", "a: # c\n  b: 1", "a:\n  # c\nb: 1", "a:\n# c\n  b: 1",
    "- a: 1\n  b:\n- c", "- a:\n  - x\n  b: 1", "-   a: 1\n    b: 2\n-  c", "- - x", "-\n  - x\n  - y", "- \n  a: 1", "a: - b", "a: -b", "a: -", "a:", "-",
    "a: [x, {b: 1}]", "a: [x, {b: 1}, ]", "a: [x,, y]", "a: []", "a: {}", "a: {b}", "a: [b: 1]", "a: [a:b, c]", "a: {a: b:c}", "a: [x\n, y]", "a: [x] y", "a: [x] # c",
    "1: x\n\"1\": y", "null: 1\n: 2", "~: 1", "true: 1\nTrue: 2", "1.0: a\n1: b", "0x10: a\n16: b", ".nan: 1\n.NaN: 2", "__proto__: 1", "'__proto__': {a: 1}\nconstructor: 2",
    "k: -0\nj: 0x1F\nl: 1e3\nm: 1_000\nn: +1\no: .5\np: 0o17\nq: 9007199254740993\nr: 1.\ns: -.inf\nt: 0x\nu: 0o8\nv: 1e400\nw: 00012\nx: -.5e-3\ny: +.inf\nz: .NAN",
    "a: x #c\n", "a: x#c", 'a: "x"#c', "a: 'x'#c", "x : 1\n\"y\"  : 2", "a: b]\nc: d}", "a[0]: 1", "?x: 1", ":x: 1", "-x: 1", "a: ,b", "a: ]b", "a: ::", "a: b:c",
    "a: ?x", "a: ? x", "a: x:", "<<: 1", "a: !x", "a: &x 1\nb: *x", "a: |\n  x\n", "a: >\n  x\n", "%YAML 1.2\n---\na: 1", "a: @x", "a: `x`", "a: %x",
    "a: b\n  c", "a: b\n\n  c", "a: 'b\n  c'", 'a: "b\n  c"', 'a: "b\\\n  c"', "a: 'it''s'", 'a: "\\u00e9\\x41\\n\\t\\\\\\"\\/\\0\\a\\b\\e\\f\\r\\v\\N\\_\\L\\P\\ "',
    'a: "\\U0001F600"', 'a: "\\U00110000"', 'a: "\\q"', 'a: "\\x4"', 'a: "\\ud800"', "a:\n    b: 1\n  c: 2", "  a: 1\n  b: 2", "  a: 1\nb: 2", "a: 1\n  b: 2",
    "a:\n  b: 1\n c: 2", "a: x\n- y", "- x\na: 1", "a:\n- x\nb: 1", "a:\n  - x\n  b: 1", "x", "[a]", "{a: 1}", '"a"', "a: 1\nb", "a: 1\n#\n", "a: 1\n  # c\n",
    `${"k".repeat(1500)}: 1`, `"${"k".repeat(1030)}": 1`, `- ${"k".repeat(1030)}: 1`, `a: {${"k".repeat(1030)}: 1}`, `${"k".repeat(990)}: 1`, "a: b\u0085c", "a: \u00a0", "a\u2028: 1", "a: \u0000", "a: x\u007f", "é: ü\n日本: 語\n😀: [😀]", "a: '#'\nb: \"#\"\nc: x # y # z",
    "a : b", "a  :\n  - x", "'a' : 1", '"a":1', "a:1", "a: 1\nA: 2", "a: 1\na: 2", "a: {x: 1, x: 2}", "? a\n: b", "a: 'x' 'y'", "a: [1, 2]]", "a: {b: [c, {d: e}]}",
    "a: 1\n... : 2", "a: 1\n--- : 2", "a: 1\n---: 2", "- a\n--- \n- b", "a: [a:, b]", "a: {a:}", "a: [a:]", "a: {x:, y: 1}", "a: [x:[y]]", "a: {x:{y: 1}}",
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
