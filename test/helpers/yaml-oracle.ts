// The differential oracle of the fast YAML subset parser (src/config/fast-yaml.ts) against the
// `yaml` package, with the texts it is fed: generated configs and structures in every style,
// hand-written templates, and mutations of any text. Used by test/fast-yaml.test.ts, by
// test/yaml-test-suite.test.ts and, for long runs, by test/fuzz/fast-yaml.fuzz.test.ts.
import { mulberry32 } from "./random.js";
import assert from "node:assert/strict";
import fc from "fast-check";
import { Document, parseDocument, stringify, visit, isMap, isSeq, isScalar, type Node } from "yaml";
import { parseFastYaml } from "../../src/config/fast-yaml.js";

// --- the oracle ----------------------------------------------------------------------------------

export type Outcome = "accepted" | "bailed";

/** Checks parseFastYaml(text) against yaml; returns whether the fast parser accepted it. */
export function check(text: string): Outcome {
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

export function checkOffsets(fast: NonNullable<ReturnType<typeof parseFastYaml>>, node: Node, path: (string | number)[], context: () => string): void {
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

export class Tally {
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
  .tuple(
    fc.stringMatching(/^[a-z][a-z0-9-]{0,12}$/),
    fc.constantFrom(".example.com", ".io", ".local", ".corp.example.org", ""),
    fc.option(fc.integer({ min: 1, max: 65535 }), { nil: undefined }),
  )
  .map(([a, b, port]) => `${a}${b}${port === undefined ? "" : `:${port}`}`);
const url = fc
  .tuple(fc.constantFrom("https://", "http://", ""), host, fc.constantFrom("", "/", "/proxy", "/v2/cache", "/dockerhub/library"))
  .map(([s, h, p]) => s + h + p);

/** A config as users write it: plain values (hosts, URLs, words, numbers, booleans). */
export const plainConfig = fc.record(
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
                {
                  url,
                  pull: fc.constantFrom("all", "digest-only", "tag-only"),
                  insecure: fc.boolean(),
                  ca: fc.constantFrom("./certs/ca.pem", "/etc/ssl/corp.pem"),
                },
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
      {
        timeout: fc.constantFrom("500ms", "5s", "1m"),
        probe: fc.constantFrom("library/alpine:latest", "library/busybox:1.36"),
        unhealthy: fc.constantFrom("drop", "warn", "fail"),
        minHealthy: fc.nat({ max: 5 }),
      },
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
      "",
      " ",
      "  x",
      "x  ",
      " x ",
      "~",
      "null",
      "Null",
      "NULL",
      "nULL",
      "true",
      "True",
      "TRUE",
      "tRUE",
      "false",
      "FALSE",
      "yes",
      "no",
      "on",
      "off",
      "y",
      "n",
      "0",
      "-0",
      "+0",
      "00",
      "007",
      "0x1F",
      "0x1f",
      "0X1F",
      "0o17",
      "0o8",
      "0b101",
      "1_000",
      "1e3",
      "1E3",
      "1e+3",
      "-1e-3",
      ".5",
      "-.5",
      "+.5",
      "5.",
      "1.0",
      "1.50",
      ".inf",
      "-.Inf",
      "+.INF",
      ".nan",
      ".NaN",
      "NaN",
      "inf",
      "12:30",
      "1:20:30",
      "9007199254740993",
      "123456789012345678901234567890",
      "-",
      "--",
      "---",
      "...",
      "- x",
      "-x",
      "? x",
      "?x",
      ": x",
      ":x",
      "x:",
      "x: y",
      "x:y",
      "a #b",
      "a#b",
      "#a",
      "'",
      '"',
      "''",
      '""',
      "'a'",
      '"a"',
      "a'b",
      'a"b',
      "\\",
      "\\n",
      "[",
      "]",
      "[a]",
      "{",
      "}",
      "{a: b}",
      ",",
      "a,b",
      "&a",
      "*a",
      "!a",
      "!!str",
      "|",
      ">",
      "%x",
      "@x",
      "`x`",
      "<<",
      "=",
      "é",
      "日本",
      "😀",
      "\u00a0",
      "\u0085",
      "\u2028",
      "\t",
      "a\tb",
      "\n",
      "a\nb",
      "\r\n",
      "\u0000",
      "\u001b",
      "https://mirror.gcr.io",
      "registry.local:5000",
      "[fd00::1]:5000",
      "*.example.com",
      "docker.io/library",
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

export type Value = unknown;
export const { tree } = fc.letrec<{ tree: Value; node: Value }>((tie) => ({
  tree: fc.dictionary(trickyString, tie("node"), { maxKeys: 5 }),
  node: fc.oneof(
    { depthSize: "small", withCrossShrink: true },
    { weight: 4, arbitrary: scalar },
    { weight: 1, arbitrary: fc.dictionary(trickyString, tie("node"), { maxKeys: 4 }) },
    { weight: 1, arbitrary: fc.array(tie("node"), { maxLength: 4 }) },
  ),
}));

/** Stringify with small collections in flow style. */
export function stringifySmallFlow(value: Value): string {
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

export const styles: ((v: Value) => string)[] = [
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
export function renderTemplate(value: Value, seed: number): string {
  const rnd = mulberry32(seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)] as T;
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
    if (typeof v === "number")
      return pick([String(v), String(v), v.toExponential(), `+${v}`, `0x${Math.abs(Math.trunc(v)).toString(16)}`, `0o${Math.abs(Math.trunc(v)).toString(8)}`]);
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
    if (isColl(v))
      return `{${Object.entries(v)
        .map(([k, x]) => `${keyText(k)}: ${flowText(x)}`)
        .join(", ")}}`;
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

// --- mutations -----------------------------------------------------------------------------------

const mutationChars = [..." \n:-#'\"[]{},&*!|>?%@`\\\t\rax01.~é"];
export const mutation = fc.record({
  kind: fc.constantFrom("insert", "delete", "replace", "duplicate-line", "indent"),
  at: fc.nat(),
  ch: fc.constantFrom(...mutationChars),
});

export type Mutation = { kind: "insert" | "delete" | "replace" | "duplicate-line" | "indent"; at: number; ch: string };

/** `text` with the mutations applied in order (positions taken modulo the length). */
export function applyMutations(text: string, muts: Mutation[]): string {
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
  return text;
}

/** Texts to mutate: configs in the default style, hand-written templates, small collections in flow style. */
export const mutationBases = fc.oneof(
  plainConfig.map((c) => stringify(c)),
  fc.tuple(tree, fc.integer()).map(([t, seed]) => renderTemplate(t, seed)),
  tree.map((t) => stringifySmallFlow(t)),
);
