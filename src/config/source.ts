// A config document parsed with positions, so that any path in the data turns into
// file:line:col. The document may be a slice of a larger file (the werf.yaml comment block) or a
// key inside one (package.json's `werfMirror`): offsets are mapped back to the file.
//
// Two parsers, one result: the common subset of YAML that configs are written in is read by
// fast-yaml.ts (a single pass, about ten times faster); anything else, including every input
// with an error, goes to the `yaml` package, which also writes every syntax diagnostic. A
// differential test keeps the two equal on everything the fast one accepts; the YAML test suite
// (test/yaml-test-suite.test.ts) checks the data and every position of both.
import type { Alias, Document, Node, Pair, YAMLMap } from "yaml";
import type { Diagnostic, Origin } from "./types.js";
import { keyName, parseFastYaml } from "./fast-yaml.js";

export type PathSegment = string | number;

export interface ConfigSource {
  /** Absolute path of the file. */
  file: string;
  /** Where the config lives inside the document (`["werfMirror"]` for package.json). */
  root: PathSegment[];
  /** Offset of the document's text within the file. */
  baseOffset: number;
  /** Line starts of the whole file. */
  lines: LineTable;
  /** The config as plain data (undefined when the document is empty). */
  data: unknown;
  /** Offset in the document's text of the value (or key) at a full path, if it exists. */
  offsetOf(path: PathSegment[], key: boolean): number | undefined;
}

export interface ParseResult {
  source?: ConfigSource;
  diagnostics: Diagnostic[];
}

/** Line starts of a text, to turn offsets into 1-based line and column. */
export class LineTable {
  private readonly starts: number[] = [0];
  constructor(text: string) {
    for (let i = text.indexOf("\n"); i !== -1; i = text.indexOf("\n", i + 1)) this.starts.push(i + 1);
  }
  linePos(offset: number): { line: number; col: number } {
    let lo = 0;
    let hi = this.starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.starts[mid]! <= offset) lo = mid;
      else hi = mid - 1;
    }
    return { line: lo + 1, col: offset - this.starts[lo]! + 1 };
  }
}

/** Parses `text` (a slice of `fullText` starting at `baseOffset`) as YAML with positions. */
export async function parseConfigText(file: string, fullText: string, text: string, baseOffset = 0, root: PathSegment[] = []): Promise<ParseResult> {
  const lines = new LineTable(fullText);
  const fast = parseFastYaml(text);
  if (fast) {
    const source: ConfigSource = { file, root, baseOffset, lines, data: dig(fast.data, root), offsetOf: (path, key) => fast.offsetOf(path, key) };
    return { source, diagnostics: [] };
  }
  return parseWithYamlPackage(file, text, baseOffset, root, lines);
}

async function parseWithYamlPackage(file: string, text: string, baseOffset: number, root: PathSegment[], lines: LineTable): Promise<ParseResult> {
  const yaml = await import("yaml");
  const at = (offset: number) => originAt({ file, lines }, offset + baseOffset);
  const tokens = parseTokens(text, yaml);
  if ("tooDeep" in tokens) {
    return {
      diagnostics: [
        {
          severity: "error",
          rule: "nesting-depth",
          message: `collections are nested more than ${MAX_NESTING} levels deep here (a werf-mirror configuration needs 6); close the brackets or fix the indentation`,
          origin: at(tokens.tooDeep),
        },
      ],
    };
  }
  // uniqueKeys: false — the yaml package compares each key with every earlier key of its
  // mapping (quadratic: minutes for 100k keys); duplicateKeys() finds them in one pass.
  const [first, second] = new yaml.Composer({ uniqueKeys: false }).compose(tokens.cst, true, text.length);
  const doc = first!; // forceDoc (true): even an empty text makes one document
  const diagnostics: Diagnostic[] = doc.errors.map((err) => ({
    severity: "error",
    rule: "yaml-syntax",
    message: `YAML syntax error: ${firstLine(err.message)}; fix the YAML at this position`,
    origin: at(err.pos?.[0] ?? 0),
  }));
  if (second) {
    diagnostics.push({
      severity: "error",
      rule: "yaml-syntax",
      message: "a second YAML document starts here; a config is one document, so remove this `---` and what follows or merge it into the first",
      origin: at(second.range[0]),
    });
  }
  for (const dup of duplicateKeys(doc, yaml)) {
    const first = at(dup.first);
    const line = first.kind === "file" ? `line ${first.line}` : "earlier";
    diagnostics.push({
      severity: "error",
      rule: "duplicate-key",
      message: `the key \`${dup.key.slice(0, 80).replace(/[^\x20-\x7e]/g, "?")}\` appears twice in this mapping (first at ${line}); keep one, merging what each holds`,
      origin: at(dup.offset),
    });
  }
  if (diagnostics.length > 0) return { diagnostics };
  const targets = aliasTargets(doc, yaml);
  for (const offset of collectionKeys(doc, yaml, targets)) {
    diagnostics.push({
      severity: "error",
      rule: "invalid-type",
      message: "this key is a collection ([...] or {...}); every key of a werf-mirror configuration is text, so write the key as a plain or quoted string",
      origin: at(offset),
    });
  }
  if (diagnostics.length > 0) return { diagnostics };
  let data: unknown;
  try {
    // maxAliasCount bounds alias expansion ("billion laughs").
    data = doc.toJS({ maxAliasCount: 100 });
  } catch (err) {
    const message = (err as Error).message;
    return {
      diagnostics: [
        {
          severity: "error",
          rule: "yaml-syntax",
          message: /unresolved alias/i.test(message)
            ? `YAML error: ${firstLine(message)}; define each anchor (&name) before its alias (*name), or quote values that start with * or &`
            : `YAML error: ${firstLine(message)}; write the values out instead of nesting aliases`,
          origin: at(doc.contents?.range?.[0] ?? 0),
        },
      ],
    };
  }
  const source: ConfigSource = { file, root, baseOffset, lines, data: dig(data, root), offsetOf: documentOffsets(doc, yaml, targets) };
  return { source, diagnostics: [] };
}

/**
 * Deeper nesting is refused before the yaml package composes the document: its composer
 * recurses once per level, so `[[[[...` runs out of stack (a flood of errors, hundreds of MB)
 * long before a config could need it. A werf-mirror config nests 6 levels, package.json 7.
 */
const MAX_NESTING = 64;

/**
 * The concrete syntax tree of `text`, or the offset of the token that opens a collection deeper
 * than MAX_NESTING (parsing stops there). The CST parser keeps the open collections on an
 * explicit stack (the document and the node being read included), so the depth is known token
 * by token, without recursion.
 */
function parseTokens(text: string, yaml: YamlModule): { cst: CstToken[] } | { tooDeep: number } {
  const parser = new yaml.Parser();
  const cst: CstToken[] = [];
  for (const lexeme of new yaml.Lexer().lex(text)) {
    const before = parser.offset;
    for (const token of parser.next(lexeme)) cst.push(token);
    if (parser.stack.length > MAX_NESTING + 2) return { tooDeep: before };
  }
  for (const token of parser.end()) cst.push(token);
  return { cst };
}

/** Offsets of the keys that repeat an earlier key of the same mapping (the yaml package's test: equal scalar values). */
/** Each repeated key of a mapping: where it is, what it is, and where it first stood. */
function duplicateKeys(doc: Document.Parsed, yaml: YamlModule): { offset: number; key: string; first: number }[] {
  const out: { offset: number; key: string; first: number }[] = [];
  const pending: unknown[] = [doc.contents];
  while (pending.length > 0) {
    const node = pending.pop();
    if (yaml.isMap(node)) {
      const seen = new Map<unknown, number>();
      for (const pair of node.items) {
        const key = pair.key;
        if (yaml.isScalar(key) && !Number.isNaN(key.value)) {
          const first = seen.get(key.value);
          if (first !== undefined) out.push({ offset: key.range?.[0] ?? 0, key: String(key.value), first });
          else seen.set(key.value, key.range?.[0] ?? 0);
        }
        pending.push(key, pair.value);
      }
    } else if (yaml.isSeq(node)) {
      for (const item of node.items) pending.push(item);
    }
  }
  return out;
}

/**
 * The anchored node each alias of the document refers to (the last one of its name before it,
 * as the yaml package resolves them), found in one walk. Each alias is also handed its target:
 * the yaml package's own Alias.resolve scans every anchor and alias before the alias, for every
 * alias (8,000 keys with an anchor each and 8,000 aliases to them took 2 s, and 4x that for twice
 * as many); with `aliasResolveCache` (a field of its ToJSContext) holding just the target, its
 * scan is one step. The accounting that bounds alias expansion (maxAliasCount) stays the
 * package's own.
 */
function aliasTargets(doc: Document.Parsed, yaml: YamlModule): Map<Alias, Anchored> {
  const targets = new Map<Alias, Anchored>();
  const latest = new Map<string, Anchored>();
  const resolve = yaml.Alias.prototype.resolve;
  yaml.visit(doc, {
    Node(_, node) {
      if (yaml.isAlias(node)) {
        const target = latest.get(node.source);
        if (target) targets.set(node, target);
        // Without a target the package finds nothing either, and reports the unresolved alias.
        node.resolve = function (this: Alias, d, ctx) {
          if (!ctx) return target;
          ctx.aliasResolveCache = target ? [target] : [];
          return resolve.call(this, d, ctx);
        };
      } else if ((yaml.isScalar(node) || yaml.isCollection(node)) && node.anchor) latest.set(node.anchor, node);
    },
  });
  return targets;
}

/** The scalar a key is, directly or through its alias; undefined for collections and unresolved aliases. */
function keyScalar(key: unknown, yaml: YamlModule, targets: Map<Alias, Anchored>): import("yaml").Scalar | undefined {
  const node = yaml.isAlias(key) ? targets.get(key) : key;
  return yaml.isScalar(node) ? node : undefined;
}

/**
 * Offsets of keys that are collections (`[a]: 1`, `? {a: 1}`, or an alias of one). No configuration
 * key can be one, and the yaml package would name each by printing it, looping over every anchor
 * of the document for each such key (quadratic) and warning on stderr.
 */
function collectionKeys(doc: Document.Parsed, yaml: YamlModule, targets: Map<Alias, Anchored>): number[] {
  const out: number[] = [];
  yaml.visit(doc, {
    Pair(_, pair) {
      const key = pair.key;
      if (yaml.isCollection(key) || (yaml.isAlias(key) && yaml.isCollection(targets.get(key)))) out.push((key as Node).range?.[0] ?? 0);
    },
  });
  return out;
}

function dig(data: unknown, root: PathSegment[]): unknown {
  let value = data;
  for (const seg of root) value = value && typeof value === "object" ? (value as Record<string | number, unknown>)[seg] : undefined;
  return value;
}

/** The yaml package's messages repeat the source line after a colon: keep the sentence only. */
function firstLine(message: string): string {
  const line = message.split("\n")[0] ?? message;
  return line.replace(/ at line \d+, column \d+:?\s*$/, "").trim();
}

export function originAt(source: { file: string; lines: LineTable }, offset: number): Origin {
  const { line, col } = source.lines.linePos(offset);
  return { kind: "file", file: source.file, line, col };
}

/**
 * The position of a value (or of its key, with `key: true`) at `path` below the config root.
 * Falls back to the nearest existing ancestor (e.g. the mapping a required key is missing from).
 */
export function locate(source: ConfigSource, path: PathSegment[], opts: { key?: boolean } = {}): Origin {
  const full = [...source.root, ...path];
  let offset = source.offsetOf(full, opts.key === true);
  for (let n = full.length - 1; offset === undefined && n >= 0; n--) offset = source.offsetOf(full.slice(0, n), false);
  return originAt(source, (offset ?? 0) + source.baseOffset);
}

type YamlModule = typeof import("yaml");
/** A node an alias can refer to. */
type Anchored = NonNullable<ReturnType<Alias["resolve"]>>;
type CstToken = import("yaml").CST.Token;

/**
 * offsetOf over a yaml Document; mappings are indexed once so lookups stay linear overall. A pair
 * is found under the name toJS gives its key (keyName: `~`, `null` and an empty key are all "");
 * when two keys have one name (`1` and `"1"`), the data holds the value of the last, and so does
 * the index.
 */
function documentOffsets(doc: Document.Parsed, yaml: YamlModule, targets: Map<Alias, Anchored>): ConfigSource["offsetOf"] {
  const indexes = new WeakMap<YAMLMap, Map<string, Pair>>();
  const pairIndex = (map: YAMLMap): Map<string, Pair> => {
    let index = indexes.get(map);
    if (!index) {
      index = new Map();
      for (const p of map.items) {
        const scalar = keyScalar(p.key, yaml, targets);
        if (scalar) index.set(keyName(scalar.value), p);
      }
      indexes.set(map, index);
    }
    return index;
  };
  const start = (n: unknown) => (n && typeof n === "object" && "range" in n && Array.isArray((n as Node).range) ? (n as Node).range![0] : undefined);
  return (path, key) => {
    let node: unknown = doc.contents;
    for (let i = 0; i < path.length; i++) {
      const seg = path[i]!;
      if (yaml.isMap(node)) {
        const pair = pairIndex(node).get(String(seg));
        if (!pair) return undefined;
        if (i === path.length - 1 && key) return start(pair.key);
        // A value without a position of its own: point at its key.
        if (start(pair.value) === undefined) return i === path.length - 1 ? start(pair.key) : undefined;
        node = pair.value;
      } else if (yaml.isSeq(node) && typeof seg === "number") {
        node = node.items[seg];
        if (node === undefined) return undefined;
      } else return undefined;
    }
    return start(node);
  };
}
