// A fast parser for the subset of YAML that werf-mirror configs are written in: block mappings and
// sequences, single-line scalars and single-line flow collections. It returns plain data plus the
// source offset of every value and key, and gives up (returns undefined) on anything outside the
// subset, so that the caller falls back to the `yaml` package.
//
// Contract: whenever it returns a result, the data deep-equals
// `parseDocument(text, { uniqueKeys: true }).toJS()` of the `yaml` package (YAML 1.2 core schema),
// the document has no errors there, and every offset equals the `range[0]` of the corresponding
// node (value) or pair key in that Document. test/fast-yaml.test.ts checks this differentially.
//
// Bail-out rules (anything here → undefined):
//   - CR, TAB, a BOM or any other control character (< 0x20 other than LF) anywhere in the text,
//     comments included.
//   - `---` anywhere but once before the content (and then only followed by a comment), `...` or
//     `---` starting any later line at column 0,
//     directives (`%`), an empty document that starts with `---`, a root that is not a block
//     mapping, a block sequence or a one-line flow collection, content after the root or at an
//     indentation that matches no open collection.
//   - anchors `&`, aliases `*`, tags `!`, block scalars `|` `>`, explicit keys `?`, reserved `@`
//     and backtick, plain scalars starting with `,` `]` `}` or `%`, merge keys `<<`.
//   - multi-line scalars of any kind (a line more indented than its collection after a scalar
//     value), a quoted scalar not closed on its line, a `\` escape outside the YAML set or an
//     invalid code point, a flow collection not closed on its line.
//   - keys: flow collections, keys longer than 1000 characters, `:` not followed by a space or a
//     line end, a key that resolves to the same JS property name as an earlier key of the same
//     mapping (duplicates; also `1` vs `"1"`, which `yaml` accepts but merges in toJS).
//   - `key: - x`, `key: a: b`.
//   - in flow collections: empty entries, trailing commas, implicit pairs `[a: 1]`, entries of a
//     flow mapping without `: value`, `:` not followed by a space, comments.
//   - a quoted scalar or flow collection followed by anything but spaces, a comment or a line end.
//   - collections nested more than FAST_MAX_NESTING deep (the `yaml` path alone decides on deep
//     documents, and refuses absurd nesting before it can run out of stack).

export interface FastYaml {
  data: unknown;
  /** Offset (0-based, into the text) of the value at `path`, or of its key with key=true; undefined if the path does not exist. */
  offsetOf(path: (string | number)[], key?: boolean): number | undefined;
}

// --- offsets -------------------------------------------------------------------------------------

// Every node (value) gets an id in document (pre-)order; per id, typed arrays hold its offset, its
// kind, the size of its subtree (so its next sibling is id + size), and for a mapping's values the
// key's offset and name. A collection's first child is id + 1. That is a handful of allocations
// per parse instead of several per node: in a fresh process the garbage collector, not the
// parser, dominates. Large collections get a lookup index on first use.

const SCALAR = 0;
const MAP = 1;
const SEQ = 2;
const LINEAR_MAX = 8;

class Nodes {
  count = 0;
  offset: Int32Array;
  size: Int32Array;
  keyOffset: Int32Array;
  kind: Uint8Array;
  key: (string | undefined)[];
  constructor(capacity: number) {
    this.offset = new Int32Array(capacity);
    this.size = new Int32Array(capacity);
    this.keyOffset = new Int32Array(capacity);
    this.kind = new Uint8Array(capacity);
    this.key = new Array<string | undefined>(capacity);
  }
  grow(): void {
    const cap = this.offset.length * 2;
    const grown = <T extends Int32Array | Uint8Array>(a: T, b: T): T => (b.set(a), b);
    this.offset = grown(this.offset, new Int32Array(cap));
    this.size = grown(this.size, new Int32Array(cap));
    this.keyOffset = grown(this.keyOffset, new Int32Array(cap));
    this.kind = grown(this.kind, new Uint8Array(cap));
    this.key.length = cap;
  }
}

class Result implements FastYaml {
  private mapIndexes?: Map<number, Map<string, number>>;
  private seqIndexes?: Map<number, Int32Array>;
  constructor(
    readonly data: unknown,
    private readonly nodes: Nodes,
  ) {}

  offsetOf(path: (string | number)[], key = false): number | undefined {
    const t = this.nodes;
    if (t.count === 0) return undefined;
    let id = 0;
    const last = path.length - 1;
    for (let i = 0; i <= last; i++) {
      const seg = path[i] as string | number;
      const kind = t.kind[id];
      if (kind === MAP) {
        const child = this.mapChild(id, String(seg));
        if (child < 0) return undefined;
        if (key && i === last) return t.keyOffset[child];
        id = child;
      } else if (kind === SEQ) {
        if (typeof seg !== "number" || !Number.isInteger(seg) || seg < 0) return undefined;
        id = this.seqChild(id, seg);
        if (id < 0) return undefined;
      } else return undefined; // below a scalar
    }
    return t.offset[id];
  }

  private children(id: number): number {
    const t = this.nodes;
    let count = 0;
    for (let c = id + 1, end = id + (t.size[id] as number); c < end; c += t.size[c] as number) count++;
    return count;
  }

  private mapChild(id: number, name: string): number {
    const t = this.nodes;
    const end = id + (t.size[id] as number);
    let index = this.mapIndexes?.get(id);
    if (!index) {
      if (this.children(id) <= LINEAR_MAX) {
        for (let c = id + 1; c < end; c += t.size[c] as number) if (t.key[c] === name) return c;
        return -1;
      }
      index = new Map();
      for (let c = id + 1; c < end; c += t.size[c] as number) index.set(t.key[c] as string, c);
      (this.mapIndexes ??= new Map()).set(id, index);
    }
    return index.get(name) ?? -1;
  }

  private seqChild(id: number, at: number): number {
    const t = this.nodes;
    const end = id + (t.size[id] as number);
    let index = this.seqIndexes?.get(id);
    if (!index) {
      const count = this.children(id);
      if (count <= LINEAR_MAX) {
        let c = id + 1;
        for (let k = 0; k < at && c < end; k++) c += t.size[c] as number;
        return c < end ? c : -1;
      }
      index = new Int32Array(count);
      for (let c = id + 1, k = 0; c < end; c += t.size[c] as number) index[k++] = c;
      (this.seqIndexes ??= new Map()).set(id, index);
    }
    return at < index.length ? (index[at] as number) : -1;
  }
}

// --- parser state --------------------------------------------------------------------------------

class Bail {}
const BAIL = new Bail();
function fail(): never {
  throw BAIL;
}

/** A new node; collections set their size once their children are in. */
function addNode(offset: number, kind: number): number {
  const t = nodes;
  const id = t.count;
  if (id === t.offset.length) t.grow();
  t.offset[id] = offset;
  t.kind[id] = kind;
  t.size[id] = 1;
  t.count = id + 1;
  return id;
}

/** Records the key of the value node `id`. */
function setKey(id: number, key: string, keyOffset: number): void {
  nodes.key[id] = key;
  nodes.keyOffset[id] = keyOffset;
}

function closeNode(id: number): void {
  nodes.size[id] = nodes.count - id;
}

// Module-level state: the parser is synchronous and not re-entrant.
let s = "";
let n = 0;
/** Indentation of the current content line, -1 at the end of the text. */
let lineIndent = -1;
/** Offset of the first non-space character of the current content line (n at the end). */
let linePos = 0;
const NO_NODES = new Nodes(0);
/** The node table being filled. */
let nodes = NO_NODES;
/** Offset just after the value the last inline parse returned. */
let valueEnd = 0;
/** The (resolved) text of the last quoted scalar / the JS name of the last key. */
let strVal = "";
// Cached positions of the next " #" / ":" / "\\" at or after the last position asked for (n when
// none): each indexOf starts beyond the previous hit, so the searches stay linear in total.
let hashAt = -1;
let colonAt = -1;
let backslashAt = -1;
/** Collections open around the one being parsed. */
let depth = 0;

/** Enters a collection; bails beyond FAST_MAX_NESTING. Every collection parser calls leave() when done. */
function enter(): void {
  if (++depth > FAST_MAX_NESTING) fail();
}

function leave(): void {
  depth--;
}

function nextSpaceHash(p: number): number {
  if (hashAt < p) {
    const h = s.indexOf(" #", p);
    hashAt = h < 0 ? n : h;
  }
  return hashAt;
}

function nextColon(p: number): number {
  if (colonAt < p) {
    const c = s.indexOf(":", p);
    colonAt = c < 0 ? n : c;
  }
  return colonAt;
}

function nextBackslash(p: number): number {
  if (backslashAt < p) {
    const c = s.indexOf("\\", p);
    backslashAt = c < 0 ? n : c;
  }
  return backslashAt;
}

function lineEnd(p: number): number {
  const e = s.indexOf("\n", p);
  return e < 0 ? n : e;
}

const SPACE = 32;
const LF = 10;
const HASH = 35;
const COLON = 58;
const DASH = 45;
const DQ = 34;
const SQ = 39;
const BACKSLASH = 92;
const LBRACKET = 91;
const RBRACKET = 93;
const LBRACE = 123;
const RBRACE = 125;
const COMMA = 44;

const MAX_KEY = 1000;
/** A config nests 6 collections (package.json 7); anything much deeper is left to the `yaml` path. */
const FAST_MAX_NESTING = 32;

function skipSpaces(i: number): number {
  while (i < n && s.charCodeAt(i) === SPACE) i++;
  return i;
}

/** Space, line feed or end of text at `i`. */
function isBreakOrSpace(i: number): boolean {
  if (i >= n) return true;
  const c = s.charCodeAt(i);
  return c === SPACE || c === LF;
}

function isSeqItem(p: number): boolean {
  return s.charCodeAt(p) === DASH && isBreakOrSpace(p + 1);
}

/** From the start of a line, skips blank and comment lines and sets lineIndent / linePos. */
function seekContent(i: number): void {
  while (i < n) {
    const j = skipSpaces(i);
    if (j >= n) break;
    const c = s.charCodeAt(j);
    if (c === LF) {
      i = j + 1;
      continue;
    }
    if (c === HASH) {
      const e = s.indexOf("\n", j);
      if (e < 0) break;
      i = e + 1;
      continue;
    }
    if (j === i && (c === DASH || c === 46 /* . */)) {
      // `---` / `...` at column 0: a document marker (or a scalar that looks like one).
      if (s.charCodeAt(j + 1) === c && s.charCodeAt(j + 2) === c) fail();
    }
    lineIndent = j - i;
    linePos = j;
    return;
  }
  lineIndent = -1;
  linePos = n;
}

/** The start of the line after the one holding `i`. */
function lineAfter(i: number): number {
  const e = s.indexOf("\n", i);
  return e < 0 ? n : e + 1;
}

/** After an inline value ending at `p`: spaces, an optional comment, the line end. Returns the next line's start. */
function endLine(p: number): number {
  const j = skipSpaces(p);
  if (j >= n) return n;
  const c = s.charCodeAt(j);
  if (c === LF) return j + 1;
  if (c === HASH && j > p) return lineAfter(j);
  fail();
}

// --- scalars -------------------------------------------------------------------------------------

const RE_OCT = /^0o[0-7]+$/;
const RE_INT = /^[-+]?[0-9]+$/;
const RE_HEX = /^0x[0-9a-fA-F]+$/;
const RE_NAN = /^(?:[-+]?\.(?:inf|Inf|INF)|\.nan|\.NaN|\.NAN)$/;
const RE_EXP = /^[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)[eE][-+]?[0-9]+$/;
const RE_FLOAT = /^[-+]?(?:\.[0-9]+|[0-9]+\.[0-9]*)$/;

/** A plain scalar resolved like the `yaml` package's core schema (same tests, same order, same conversions). */
export function resolvePlain(v: string): unknown {
  if (v.length === 0) return null;
  const c = v.charCodeAt(0);
  switch (c) {
    case 126: // ~
      return v.length === 1 ? null : v;
    case 110: // n
    case 78: // N
      return v === "null" || v === "Null" || v === "NULL" ? null : v;
    case 116: // t
    case 84: // T
      return v === "true" || v === "True" || v === "TRUE" ? true : v;
    case 102: // f
    case 70: // F
      return v === "false" || v === "False" || v === "FALSE" ? false : v;
  }
  if (!((c >= 48 && c <= 57) || c === 43 || c === DASH || c === 46)) return v;
  if (RE_OCT.test(v)) return parseInt(v.substring(2), 8);
  if (RE_INT.test(v)) return parseInt(v, 10);
  if (RE_HEX.test(v)) return parseInt(v.substring(2), 16);
  if (RE_NAN.test(v)) {
    return v.slice(-3).toLowerCase() === "nan" ? NaN : v.charCodeAt(0) === DASH ? Number.NEGATIVE_INFINITY : Number.POSITIVE_INFINITY;
  }
  if (RE_EXP.test(v) || RE_FLOAT.test(v)) return parseFloat(v);
  return v;
}

/** The property name `yaml`'s toJS gives a scalar key. */
function keyName(v: unknown): string {
  if (v === null) return "";
  return typeof v === "string" ? v : String(v);
}

/** Characters that cannot start a plain scalar (or start something we do not handle). */
function badPlainStart(c: number): boolean {
  switch (c) {
    case COMMA:
    case LBRACKET:
    case RBRACKET:
    case LBRACE:
    case RBRACE:
    case HASH:
    case 38: // &
    case 42: // *
    case 33: // !
    case 124: // |
    case 62: // >
    case SQ:
    case DQ:
    case 37: // %
    case 64: // @
    case 96: // `
      return true;
  }
  return c < 32;
}

function hexValue(c: number): number {
  if (c >= 48 && c <= 57) return c - 48;
  if (c >= 97 && c <= 102) return c - 87;
  if (c >= 65 && c <= 70) return c - 55;
  return -1;
}

function escapeChar(c: number): string | undefined {
  switch (c) {
    case 48: return "\0";
    case 97: return "\x07"; // a
    case 98: return "\b";
    case 101: return "\x1b"; // e
    case 102: return "\f";
    case 110: return "\n";
    case 114: return "\r";
    case 116: return "\t";
    case 118: return "\v";
    case 78: return "\u0085"; // N
    case 95: return "\u00a0"; // _
    case 76: return "\u2028"; // L
    case 80: return "\u2029"; // P
    case SPACE: return " ";
    case DQ: return '"';
    case 47: return "/";
    case BACKSLASH: return "\\";
  }
  return undefined;
}

/** A quoted scalar starting at `p` (on one line): sets strVal, returns the offset after the closing quote. */
function scanQuoted(p: number): number {
  const q = s.charCodeAt(p);
  let start = p + 1;
  // Fast path: closing quote on the line, no escapes.
  const close = s.indexOf(q === SQ ? "'" : '"', start);
  if (close >= 0 && close < lineEnd(start)) {
    if (q === SQ ? s.charCodeAt(close + 1) !== SQ : nextBackslash(start) > close) {
      strVal = s.slice(start, close);
      return close + 1;
    }
  }
  let out = "";
  let i = start;
  if (q === SQ) {
    for (;;) {
      if (i >= n) fail();
      const c = s.charCodeAt(i);
      if (c === SQ) {
        if (s.charCodeAt(i + 1) === SQ) {
          out += s.slice(start, i + 1);
          i += 2;
          start = i;
          continue;
        }
        strVal = out + s.slice(start, i);
        return i + 1;
      }
      if (c < 32) fail();
      i++;
    }
  }
  for (;;) {
    if (i >= n) fail();
    const c = s.charCodeAt(i);
    if (c === DQ) {
      strVal = out + s.slice(start, i);
      return i + 1;
    }
    if (c === BACKSLASH) {
      out += s.slice(start, i);
      const e = s.charCodeAt(i + 1);
      const simple = escapeChar(e);
      if (simple !== undefined) {
        out += simple;
        i += 2;
      } else {
        const len = e === 120 ? 2 : e === 117 ? 4 : e === 85 ? 8 : 0; // x u U
        if (len === 0) fail();
        let code = 0;
        for (let k = 0; k < len; k++) {
          const h = hexValue(s.charCodeAt(i + 2 + k));
          if (h < 0) fail();
          code = code * 16 + h;
        }
        if (code > 0x10ffff) fail();
        out += String.fromCodePoint(code);
        i += 2 + len;
      }
      start = i;
      continue;
    }
    if (c < 32) fail();
    i++;
  }
}

/** A plain scalar in block context starting at `p`: returns the offset after its last non-space character. */
function scanPlainBlock(p: number): number {
  const c0 = s.charCodeAt(p);
  if (badPlainStart(c0)) fail();
  if ((c0 === DASH || c0 === 63 /* ? */ || c0 === COLON) && isBreakOrSpace(p + 1)) fail();
  let end = lineEnd(p);
  const h = nextSpaceHash(p); // a comment ends it
  if (h < end) end = h;
  for (let c = nextColon(p); c < end; c = nextColon(c + 1)) {
    if (isBreakOrSpace(c + 1)) fail(); // `a: b: c`
  }
  while (s.charCodeAt(end - 1) === SPACE) end--;
  return end;
}

function isFlowEnd(c: number): boolean {
  return c === COMMA || c === LBRACKET || c === RBRACKET || c === LBRACE || c === RBRACE;
}

/** A plain scalar inside a flow collection starting at `p`: returns the offset after its last non-space character. */
function scanPlainFlow(p: number): number {
  const c0 = s.charCodeAt(p);
  if (badPlainStart(c0) || c0 === 63 /* ? */ || c0 === COLON) fail();
  if (c0 === DASH) {
    const c1 = s.charCodeAt(p + 1);
    if (isBreakOrSpace(p + 1) || isFlowEnd(c1)) fail();
  }
  let i = p;
  let end = p;
  for (;;) {
    if (i >= n) fail();
    const c = s.charCodeAt(i);
    if (c === LF) fail();
    if (c === SPACE) {
      if (s.charCodeAt(i + 1) === HASH) fail();
    } else {
      if (isFlowEnd(c)) break;
      if (c === COLON) {
        const d = s.charCodeAt(i + 1);
        if (isBreakOrSpace(i + 1) || isFlowEnd(d)) break;
      }
      if (c < 32) fail();
      end = i + 1;
    }
    i++;
  }
  return end;
}

// --- keys ----------------------------------------------------------------------------------------

/**
 * A block mapping key at `p` followed by `:` and a space or line end. Returns the offset of the `:`
 * and sets strVal to the key's property name, or returns -1 when the line is not `key: ...`.
 */
function scanKey(p: number): number {
  const c0 = s.charCodeAt(p);
  if (c0 === DQ || c0 === SQ) {
    const after = scanQuoted(p);
    const j = skipSpaces(after);
    if (s.charCodeAt(j) !== COLON || !isBreakOrSpace(j + 1)) return -1;
    if (j - p > MAX_KEY) fail();
    return j;
  }
  if (c0 === LBRACKET || c0 === LBRACE) return -1;
  if (badPlainStart(c0)) fail();
  if ((c0 === DASH || c0 === 63 || c0 === COLON) && isBreakOrSpace(p + 1)) fail();
  let limit = lineEnd(p);
  const h = nextSpaceHash(p); // a comment before any `: ` → not a key
  if (h < limit) limit = h;
  let i = nextColon(p);
  while (i < limit && !isBreakOrSpace(i + 1)) i = nextColon(i + 1);
  if (i >= limit) return -1;
  if (i - p > MAX_KEY) fail();
  let end = i;
  while (s.charCodeAt(end - 1) === SPACE) end--;
  const raw = s.slice(p, end);
  if (raw === "<<") fail();
  strVal = keyName(resolvePlain(raw));
  return i;
}

function setProp(obj: Record<string, unknown>, key: string, value: unknown): void {
  if (key === "__proto__") Object.defineProperty(obj, key, { value, writable: true, enumerable: true, configurable: true });
  else obj[key] = value;
}

// --- flow collections ----------------------------------------------------------------------------

function parseFlowNode(p: number): unknown {
  const c = s.charCodeAt(p);
  if (c === LBRACKET) return parseFlowSeq(p);
  if (c === LBRACE) return parseFlowMap(p);
  addNode(p, SCALAR);
  if (c === DQ || c === SQ) {
    valueEnd = scanQuoted(p);
    return strVal;
  }
  const end = scanPlainFlow(p);
  valueEnd = end;
  return resolvePlain(s.slice(p, end));
}

function parseFlowSeq(p: number): unknown[] {
  const arr: unknown[] = [];
  const id = addNode(p, SEQ);
  let k = skipSpaces(p + 1);
  if (s.charCodeAt(k) === RBRACKET) {
    valueEnd = k + 1;
    return arr;
  }
  enter();
  for (;;) {
    arr.push(parseFlowNode(k));
    k = skipSpaces(valueEnd);
    const c = s.charCodeAt(k);
    if (c === COMMA) {
      k = skipSpaces(k + 1);
      if (s.charCodeAt(k) === RBRACKET) fail(); // trailing comma
      continue;
    }
    if (c === RBRACKET) break;
    fail();
  }
  leave();
  valueEnd = k + 1;
  closeNode(id);
  return arr;
}

function parseFlowMap(p: number): Record<string, unknown> {
  const obj: Record<string, unknown> = {};
  const id = addNode(p, MAP);
  let k = skipSpaces(p + 1);
  if (s.charCodeAt(k) === RBRACE) {
    valueEnd = k + 1;
    return obj;
  }
  enter();
  for (;;) {
    const keyOffset = k;
    const c0 = s.charCodeAt(k);
    let end: number;
    let key: string;
    if (c0 === DQ || c0 === SQ) {
      end = scanQuoted(k);
      key = strVal;
    } else {
      end = scanPlainFlow(k);
      const raw = s.slice(k, end);
      if (raw === "<<") fail();
      key = keyName(resolvePlain(raw));
    }
    if (end - k > MAX_KEY) fail();
    k = skipSpaces(end);
    if (s.charCodeAt(k) !== COLON || s.charCodeAt(k + 1) !== SPACE) fail();
    k = skipSpaces(k + 2);
    const cv = s.charCodeAt(k);
    if (cv === COMMA || cv === RBRACE) fail(); // empty value
    if (Object.hasOwn(obj, key)) fail(); // duplicate (or `1` and "1")
    setKey(nodes.count, key, keyOffset);
    const value = parseFlowNode(k);
    setProp(obj, key, value);
    k = skipSpaces(valueEnd);
    const c = s.charCodeAt(k);
    if (c === COMMA) {
      k = skipSpaces(k + 1);
      if (s.charCodeAt(k) === RBRACE) fail(); // trailing comma
      continue;
    }
    if (c === RBRACE) break;
    fail();
  }
  leave();
  valueEnd = k + 1;
  closeNode(id);
  return obj;
}

// --- block collections ---------------------------------------------------------------------------

/** A value on the same line as its key or dash, at `p`: adds its node(s), sets valueEnd. */
function parseInlineValue(p: number): unknown {
  const c = s.charCodeAt(p);
  if (c === LBRACKET) return parseFlowSeq(p);
  if (c === LBRACE) return parseFlowMap(p);
  addNode(p, SCALAR);
  if (c === DQ || c === SQ) {
    valueEnd = scanQuoted(p);
    return strVal;
  }
  const end = scanPlainBlock(p);
  valueEnd = end;
  return resolvePlain(s.slice(p, end));
}

/** The block collection whose first line is the current content line. */
function parseBlockNode(indent: number, pos: number): unknown {
  return isSeqItem(pos) ? parseBlockSeq(indent, pos) : parseBlockMap(indent, pos);
}

function parseBlockMap(indent: number, pos: number): Record<string, unknown> {
  const obj: Record<string, unknown> = {};
  const id = addNode(pos, MAP);
  enter();
  for (;;) {
    const colon = scanKey(pos);
    if (colon < 0) fail();
    const key = strVal;
    if (Object.hasOwn(obj, key)) fail(); // duplicate (or `1` and "1")
    const j = skipSpaces(colon + 1);
    const c = j < n ? s.charCodeAt(j) : LF;
    setKey(nodes.count, key, pos);
    let value: unknown;
    if (c === LF || c === HASH) {
      const empty = j;
      seekContent(c === HASH ? lineAfter(j) : j + 1);
      if (lineIndent > indent) value = parseBlockNode(lineIndent, linePos);
      else if (lineIndent === indent && isSeqItem(linePos)) value = parseBlockSeq(indent, linePos);
      else {
        value = null;
        addNode(empty, SCALAR);
      }
    } else {
      if (c === DASH && isBreakOrSpace(j + 1)) fail(); // `key: - x`
      value = parseInlineValue(j);
      seekContent(endLine(valueEnd));
      if (lineIndent > indent) fail(); // a multi-line scalar, or junk
    }
    setProp(obj, key, value);
    if (lineIndent !== indent) {
      if (lineIndent > indent) fail();
      break;
    }
    pos = linePos;
  }
  leave();
  closeNode(id);
  return obj;
}

function parseBlockSeq(indent: number, pos: number): unknown[] {
  const arr: unknown[] = [];
  const id = addNode(pos, SEQ);
  enter();
  for (;;) {
    const j = skipSpaces(pos + 1);
    const c = j < n ? s.charCodeAt(j) : LF;
    let value: unknown;
    if (c === LF || c === HASH) {
      const empty = j;
      seekContent(c === HASH ? lineAfter(j) : j + 1);
      if (lineIndent > indent) value = parseBlockNode(lineIndent, linePos);
      else {
        value = null;
        addNode(empty, SCALAR);
      }
    } else if (c === DASH && isBreakOrSpace(j + 1)) {
      value = parseBlockSeq(indent + (j - pos), j); // `- - x`: a sequence in a sequence
    } else if (scanKey(j) >= 0) {
      value = parseBlockMap(indent + (j - pos), j);
    } else {
      value = parseInlineValue(j);
      seekContent(endLine(valueEnd));
      if (lineIndent > indent) fail();
    }
    arr.push(value);
    if (lineIndent !== indent || !isSeqItem(linePos)) {
      if (lineIndent > indent) fail();
      break;
    }
    pos = linePos;
  }
  leave();
  closeNode(id);
  return arr;
}

// eslint-disable-next-line no-control-regex
const BAD_CHARS = /[\x00-\x09\x0b-\x1f\uFEFF]/;

// --- document ------------------------------------------------------------------------------------

function parseDocumentText(text: string): FastYaml | undefined {
  // Tabs, CRs, other control characters (anywhere, comments included) and BOMs: not handled.
  if (BAD_CHARS.test(text)) return undefined;
  s = text;
  n = text.length;
  hashAt = colonAt = backslashAt = -1;
  depth = 0;
  nodes = new Nodes((n >> 4) + 16);
  // Leading blank and comment lines, then an optional `---` line.
  let i = 0;
  let marker = false;
  for (;;) {
    const j = skipSpaces(i);
    if (j >= n) break;
    const c = s.charCodeAt(j);
    if (c === LF) {
      i = j + 1;
      continue;
    }
    if (c === HASH) {
      const e = s.indexOf("\n", j);
      i = e < 0 ? n : e + 1;
      continue;
    }
    if (j === i && c === DASH && s.charCodeAt(j + 1) === DASH && s.charCodeAt(j + 2) === DASH && isBreakOrSpace(j + 3)) {
      marker = true;
      i = endLine(j + 3);
    }
    break;
  }
  seekContent(i);
  if (lineIndent < 0) {
    if (marker) return undefined;
    return new Result(null, nodes);
  }
  const c = s.charCodeAt(linePos);
  let data: unknown;
  if (c === LBRACKET || c === LBRACE) {
    data = parseInlineValue(linePos); // a one-line flow collection (`{}`, `[a, b]`)
    seekContent(endLine(valueEnd));
  } else data = parseBlockNode(lineIndent, linePos);
  if (lineIndent >= 0) return undefined; // content after the root
  return new Result(data, nodes);
}

/** Parses `text` if it is within the subset; undefined means "use the `yaml` package". Never throws. */
export function parseFastYaml(text: string): FastYaml | undefined {
  try {
    return parseDocumentText(text);
  } catch {
    return undefined; // BAIL
  } finally {
    s = "";
    nodes = NO_NODES;
  }
}
