// A fast parser for the subset of YAML that werf-mirror configs are written in: block mappings and
// sequences, single-line scalars and single-line flow collections. It returns plain data plus the
// source offset of every value and key, and gives up (returns undefined) on anything outside the
// subset, so that the caller falls back to the `yaml` package.
//
// Contract: whenever it returns a result, the data deep-equals
// `parseDocument(text, { uniqueKeys: true }).toJS()` of the `yaml` package (YAML 1.2 core schema),
// the document has no errors there, and every offset equals the `range[0]` of the corresponding
// node (value) or pair key in that Document. test/fast-yaml.test.ts checks this differentially on
// generated texts, test/yaml-test-suite.test.ts on the YAML test suite, and
// test/fuzz/fast-yaml.fuzz.test.ts on mutations of both (300,000 under `npm run fuzz`).
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
    const grown = <T extends Int32Array | Uint8Array>(a: T, b: T): T => {
      b.set(a);
      return b;
    };
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

// --- characters and pure helpers ----------------------------------------------------------------

class Bail {}
const BAIL = new Bail();
function fail(): never {
  throw BAIL;
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

/**
 * The property name `yaml`'s toJS gives a key whose value is a scalar: null becomes "" (so `~:`,
 * `null:` and an empty key are all ""), anything else its String(). source.ts's fallback positions
 * use it too, so both paths name a key alike.
 */
export function keyName(v: unknown): string {
  if (v === null) return "";
  return typeof v === "string" ? v : String(v);
}

/** The property name of a plain key's text; merge keys (`<<`) are not handled. */
function plainKeyName(raw: string): string {
  if (raw === "<<") fail();
  return keyName(resolvePlain(raw));
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
    case 48:
      return "\0";
    case 97:
      return "\x07"; // a
    case 98:
      return "\b";
    case 101:
      return "\x1b"; // e
    case 102:
      return "\f";
    case 110:
      return "\n";
    case 114:
      return "\r";
    case 116:
      return "\t";
    case 118:
      return "\v";
    case 78:
      return "\u0085"; // N
    case 95:
      return "\u00a0"; // _
    case 76:
      return "\u2028"; // L
    case 80:
      return "\u2029"; // P
    case SPACE:
      return " ";
    case DQ:
      return '"';
    case 47:
      return "/";
    case BACKSLASH:
      return "\\";
  }
  return undefined;
}

function isFlowEnd(c: number): boolean {
  return c === COMMA || c === LBRACKET || c === RBRACKET || c === LBRACE || c === RBRACE;
}

function setProp(obj: Record<string, unknown>, key: string, value: unknown): void {
  if (key === "__proto__") Object.defineProperty(obj, key, { value, writable: true, enumerable: true, configurable: true });
  else obj[key] = value;
}

// eslint-disable-next-line no-control-regex
const BAD_CHARS = /[\x00-\x09\x0b-\x1f\uFEFF]/;

// --- the parser ----------------------------------------------------------------------------------

// One Parser per text: all cursor state lives in the instance, so parses are independent (a
// throw, a re-entrant call or a second caller cannot see another parse's state).
class Parser {
  private readonly s: string;
  private readonly n: number;
  /** The node table being filled. */
  readonly nodes: Nodes;
  /** Indentation of the current content line, -1 at the end of the text. */
  private lineIndent = -1;
  /** Offset of the first non-space character of the current content line (n at the end). */
  private linePos = 0;
  /** Offset just after the value the last inline parse returned. */
  private valueEnd = 0;
  /** The (resolved) text of the last quoted scalar / the JS name of the last key. */
  private strVal = "";
  // Cached positions of the next " #" / ":" / "\\" / line feed at or after the last position asked
  // for (n when none): each indexOf starts beyond the previous hit, so the searches stay linear in
  // total, even on one long line of flow collections.
  private hashAt = -1;
  private colonAt = -1;
  private backslashAt = -1;
  private lfAt = -1;
  /** Collections open around the one being parsed. */
  private depth = 0;

  constructor(text: string) {
    this.s = text;
    this.n = text.length;
    this.nodes = new Nodes((text.length >> 4) + 16);
  }

  // --- the node table ----------------------------------------------------------------------------

  /** A new node; collections set their size once their children are in. */
  private addNode(offset: number, kind: number): number {
    const t = this.nodes;
    const id = t.count;
    if (id === t.offset.length) t.grow();
    t.offset[id] = offset;
    t.kind[id] = kind;
    t.size[id] = 1;
    t.count = id + 1;
    return id;
  }

  /** Records the key of the value node that is added next. */
  private setNextKey(key: string, keyOffset: number): void {
    const t = this.nodes;
    if (t.count === t.offset.length) t.grow();
    t.key[t.count] = key;
    t.keyOffset[t.count] = keyOffset;
  }

  private closeNode(id: number): void {
    this.nodes.size[id] = this.nodes.count - id;
  }

  /** Enters a collection; bails beyond FAST_MAX_NESTING. Every collection parser calls leave() when done. */
  private enter(): void {
    if (++this.depth > FAST_MAX_NESTING) fail();
  }

  private leave(): void {
    this.depth--;
  }

  // --- searches and lines ------------------------------------------------------------------------

  private nextSpaceHash(p: number): number {
    if (this.hashAt < p) {
      const h = this.s.indexOf(" #", p);
      this.hashAt = h < 0 ? this.n : h;
    }
    return this.hashAt;
  }

  private nextColon(p: number): number {
    if (this.colonAt < p) {
      const c = this.s.indexOf(":", p);
      this.colonAt = c < 0 ? this.n : c;
    }
    return this.colonAt;
  }

  private nextBackslash(p: number): number {
    if (this.backslashAt < p) {
      const c = this.s.indexOf("\\", p);
      this.backslashAt = c < 0 ? this.n : c;
    }
    return this.backslashAt;
  }

  /** The offset of the line feed ending the line that holds `p` (n on the last line). */
  private lineEnd(p: number): number {
    if (this.lfAt < p) {
      const e = this.s.indexOf("\n", p);
      this.lfAt = e < 0 ? this.n : e;
    }
    return this.lfAt;
  }

  /** The start of the line after the one holding `i`. */
  private lineAfter(i: number): number {
    const e = this.lineEnd(i);
    return e < this.n ? e + 1 : this.n;
  }

  private skipSpaces(i: number): number {
    const s = this.s;
    while (i < this.n && s.charCodeAt(i) === SPACE) i++;
    return i;
  }

  /** Space, line feed or end of text at `i`. */
  private isBreakOrSpace(i: number): boolean {
    if (i >= this.n) return true;
    const c = this.s.charCodeAt(i);
    return c === SPACE || c === LF;
  }

  private isSeqItem(p: number): boolean {
    return this.s.charCodeAt(p) === DASH && this.isBreakOrSpace(p + 1);
  }

  /** From the start of a line, skips blank and comment lines and sets lineIndent / linePos. */
  private seekContent(i: number): void {
    const s = this.s;
    const n = this.n;
    while (i < n) {
      const j = this.skipSpaces(i);
      if (j >= n) break;
      const c = s.charCodeAt(j);
      if (c === LF) {
        i = j + 1;
        continue;
      }
      if (c === HASH) {
        i = this.lineAfter(j);
        continue;
      }
      if (j === i && (c === DASH || c === 46) /* . */) {
        // `---` / `...` at column 0: a document marker (or a scalar that looks like one).
        if (s.charCodeAt(j + 1) === c && s.charCodeAt(j + 2) === c) fail();
      }
      this.lineIndent = j - i;
      this.linePos = j;
      return;
    }
    this.lineIndent = -1;
    this.linePos = n;
  }

  /** After an inline value ending at `p`: spaces, an optional comment, the line end. Returns the next line's start. */
  private endLine(p: number): number {
    const j = this.skipSpaces(p);
    if (j >= this.n) return this.n;
    const c = this.s.charCodeAt(j);
    if (c === LF) return j + 1;
    if (c === HASH && j > p) return this.lineAfter(j);
    fail();
  }

  // --- scalars -----------------------------------------------------------------------------------

  /** A quoted scalar starting at `p` (on one line): sets strVal, returns the offset after the closing quote. */
  private scanQuoted(p: number): number {
    const s = this.s;
    const n = this.n;
    const q = s.charCodeAt(p);
    let start = p + 1;
    // Fast path: closing quote on the line, no escapes.
    const close = s.indexOf(q === SQ ? "'" : '"', start);
    if (close >= 0 && close < this.lineEnd(start)) {
      if (q === SQ ? s.charCodeAt(close + 1) !== SQ : this.nextBackslash(start) > close) {
        this.strVal = s.slice(start, close);
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
          this.strVal = out + s.slice(start, i);
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
        this.strVal = out + s.slice(start, i);
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
  private scanPlainBlock(p: number): number {
    const s = this.s;
    const c0 = s.charCodeAt(p);
    if (badPlainStart(c0)) fail();
    if ((c0 === DASH || c0 === 63 /* ? */ || c0 === COLON) && this.isBreakOrSpace(p + 1)) fail();
    let end = this.lineEnd(p);
    const h = this.nextSpaceHash(p); // a comment ends it
    if (h < end) end = h;
    for (let c = this.nextColon(p); c < end; c = this.nextColon(c + 1)) {
      if (this.isBreakOrSpace(c + 1)) fail(); // `a: b: c`
    }
    while (s.charCodeAt(end - 1) === SPACE) end--;
    return end;
  }

  /** A plain scalar inside a flow collection starting at `p`: returns the offset after its last non-space character. */
  private scanPlainFlow(p: number): number {
    const s = this.s;
    const c0 = s.charCodeAt(p);
    if (badPlainStart(c0) || c0 === 63 /* ? */ || c0 === COLON) fail();
    if (c0 === DASH) {
      const c1 = s.charCodeAt(p + 1);
      if (this.isBreakOrSpace(p + 1) || isFlowEnd(c1)) fail();
    }
    let i = p;
    let end = p;
    for (;;) {
      if (i >= this.n) fail();
      const c = s.charCodeAt(i);
      if (c === LF) fail();
      if (c === SPACE) {
        if (s.charCodeAt(i + 1) === HASH) fail();
      } else {
        if (isFlowEnd(c)) break;
        if (c === COLON) {
          const d = s.charCodeAt(i + 1);
          if (this.isBreakOrSpace(i + 1) || isFlowEnd(d)) break;
        }
        if (c < 32) fail();
        end = i + 1;
      }
      i++;
    }
    return end;
  }

  // --- keys --------------------------------------------------------------------------------------

  /**
   * A block mapping key at `p` followed by `:` and a space or line end. Returns the offset of the `:`
   * and sets strVal to the key's property name, or returns -1 when the line is not `key: ...`.
   */
  private scanKey(p: number): number {
    const s = this.s;
    const c0 = s.charCodeAt(p);
    if (c0 === DQ || c0 === SQ) {
      const after = this.scanQuoted(p);
      const j = this.skipSpaces(after);
      if (s.charCodeAt(j) !== COLON || !this.isBreakOrSpace(j + 1)) return -1;
      if (j - p > MAX_KEY) fail();
      return j;
    }
    if (c0 === LBRACKET || c0 === LBRACE) return -1;
    if (badPlainStart(c0)) fail();
    if ((c0 === DASH || c0 === 63 || c0 === COLON) && this.isBreakOrSpace(p + 1)) fail();
    let limit = this.lineEnd(p);
    const h = this.nextSpaceHash(p); // a comment before any `: ` → not a key
    if (h < limit) limit = h;
    let i = this.nextColon(p);
    while (i < limit && !this.isBreakOrSpace(i + 1)) i = this.nextColon(i + 1);
    if (i >= limit) return -1;
    if (i - p > MAX_KEY) fail();
    let end = i;
    while (s.charCodeAt(end - 1) === SPACE) end--;
    this.strVal = plainKeyName(s.slice(p, end));
    return i;
  }

  /** A key inside a flow mapping at `p`, up to its `: `: sets strVal to its property name, returns the offset of its value. */
  private scanFlowKey(p: number): number {
    const s = this.s;
    const c0 = s.charCodeAt(p);
    let end: number;
    if (c0 === DQ || c0 === SQ) end = this.scanQuoted(p);
    else {
      end = this.scanPlainFlow(p);
      this.strVal = plainKeyName(s.slice(p, end));
    }
    if (end - p > MAX_KEY) fail();
    const k = this.skipSpaces(end);
    if (s.charCodeAt(k) !== COLON || s.charCodeAt(k + 1) !== SPACE) fail();
    const v = this.skipSpaces(k + 2);
    const cv = s.charCodeAt(v);
    if (cv === COMMA || cv === RBRACE) fail(); // empty value
    return v;
  }

  // --- values and flow collections ---------------------------------------------------------------

  /**
   * A value on one line at `p` (after a key or dash, or an entry of a flow collection, `inFlow`):
   * adds its node(s), sets valueEnd. Plain scalars end differently in the two contexts.
   */
  private parseValue(p: number, inFlow: boolean): unknown {
    const c = this.s.charCodeAt(p);
    if (c === LBRACKET || c === LBRACE) return this.parseFlow(p);
    this.addNode(p, SCALAR);
    if (c === DQ || c === SQ) {
      this.valueEnd = this.scanQuoted(p);
      return this.strVal;
    }
    const end = inFlow ? this.scanPlainFlow(p) : this.scanPlainBlock(p);
    this.valueEnd = end;
    return resolvePlain(this.s.slice(p, end));
  }

  /** A flow sequence or mapping opening at `p`, on one line: entries separated by `, `, no trailing comma. */
  private parseFlow(p: number): unknown[] | Record<string, unknown> {
    const s = this.s;
    const isMap = s.charCodeAt(p) === LBRACE;
    const close = isMap ? RBRACE : RBRACKET;
    const arr: unknown[] = [];
    const obj: Record<string, unknown> = {};
    const id = this.addNode(p, isMap ? MAP : SEQ);
    let k = this.skipSpaces(p + 1);
    if (s.charCodeAt(k) === close) {
      this.valueEnd = k + 1;
      return isMap ? obj : arr;
    }
    this.enter();
    for (;;) {
      if (isMap) {
        const keyOffset = k;
        k = this.scanFlowKey(k);
        const key = this.strVal;
        if (Object.hasOwn(obj, key)) fail(); // duplicate (or `1` and "1")
        this.setNextKey(key, keyOffset);
        setProp(obj, key, this.parseValue(k, true));
      } else arr.push(this.parseValue(k, true));
      k = this.skipSpaces(this.valueEnd);
      const c = s.charCodeAt(k);
      if (c === COMMA) {
        k = this.skipSpaces(k + 1);
        if (s.charCodeAt(k) === close) fail(); // trailing comma
        continue;
      }
      if (c === close) break;
      fail();
    }
    this.leave();
    this.valueEnd = k + 1;
    this.closeNode(id);
    return isMap ? obj : arr;
  }

  // --- block collections -------------------------------------------------------------------------

  /** The block collection whose first line is the current content line. */
  private parseBlockNode(indent: number, pos: number): unknown {
    return this.isSeqItem(pos) ? this.parseBlockSeq(indent, pos) : this.parseBlockMap(indent, pos);
  }

  private parseBlockMap(indent: number, pos: number): Record<string, unknown> {
    const s = this.s;
    const obj: Record<string, unknown> = {};
    const id = this.addNode(pos, MAP);
    this.enter();
    for (;;) {
      const colon = this.scanKey(pos);
      if (colon < 0) fail();
      const key = this.strVal;
      if (Object.hasOwn(obj, key)) fail(); // duplicate (or `1` and "1")
      const j = this.skipSpaces(colon + 1);
      const c = j < this.n ? s.charCodeAt(j) : LF;
      this.setNextKey(key, pos);
      let value: unknown;
      if (c === LF || c === HASH) {
        const empty = j;
        this.seekContent(c === HASH ? this.lineAfter(j) : j + 1);
        if (this.lineIndent > indent) value = this.parseBlockNode(this.lineIndent, this.linePos);
        else if (this.lineIndent === indent && this.isSeqItem(this.linePos)) value = this.parseBlockSeq(indent, this.linePos);
        else {
          value = null;
          this.addNode(empty, SCALAR);
        }
      } else {
        if (c === DASH && this.isBreakOrSpace(j + 1)) fail(); // `key: - x`
        value = this.parseValue(j, false);
        this.seekContent(this.endLine(this.valueEnd));
        if (this.lineIndent > indent) fail(); // a multi-line scalar, or junk
      }
      setProp(obj, key, value);
      if (this.lineIndent !== indent) {
        if (this.lineIndent > indent) fail();
        break;
      }
      pos = this.linePos;
    }
    this.leave();
    this.closeNode(id);
    return obj;
  }

  private parseBlockSeq(indent: number, pos: number): unknown[] {
    const s = this.s;
    const arr: unknown[] = [];
    const id = this.addNode(pos, SEQ);
    this.enter();
    for (;;) {
      const j = this.skipSpaces(pos + 1);
      const c = j < this.n ? s.charCodeAt(j) : LF;
      let value: unknown;
      if (c === LF || c === HASH) {
        const empty = j;
        this.seekContent(c === HASH ? this.lineAfter(j) : j + 1);
        if (this.lineIndent > indent) value = this.parseBlockNode(this.lineIndent, this.linePos);
        else {
          value = null;
          this.addNode(empty, SCALAR);
        }
      } else if (c === DASH && this.isBreakOrSpace(j + 1)) {
        value = this.parseBlockSeq(indent + (j - pos), j); // `- - x`: a sequence in a sequence
      } else if (this.scanKey(j) >= 0) {
        value = this.parseBlockMap(indent + (j - pos), j);
      } else {
        value = this.parseValue(j, false);
        this.seekContent(this.endLine(this.valueEnd));
        if (this.lineIndent > indent) fail();
      }
      arr.push(value);
      if (this.lineIndent !== indent || !this.isSeqItem(this.linePos)) {
        if (this.lineIndent > indent) fail();
        break;
      }
      pos = this.linePos;
    }
    this.leave();
    this.closeNode(id);
    return arr;
  }

  // --- document ----------------------------------------------------------------------------------

  /** The document's data; bails (throws BAIL) outside the subset. */
  parseDocument(): unknown {
    const s = this.s;
    const n = this.n;
    // Leading blank and comment lines, then an optional `---` line.
    let i = 0;
    let marker = false;
    for (;;) {
      const j = this.skipSpaces(i);
      if (j >= n) break;
      const c = s.charCodeAt(j);
      if (c === LF) {
        i = j + 1;
        continue;
      }
      if (c === HASH) {
        i = this.lineAfter(j);
        continue;
      }
      if (j === i && c === DASH && s.charCodeAt(j + 1) === DASH && s.charCodeAt(j + 2) === DASH && this.isBreakOrSpace(j + 3)) {
        marker = true;
        i = this.endLine(j + 3);
      }
      break;
    }
    this.seekContent(i);
    if (this.lineIndent < 0) {
      if (marker) fail(); // an empty document that starts with `---`
      return null;
    }
    const c = s.charCodeAt(this.linePos);
    let data: unknown;
    if (c === LBRACKET || c === LBRACE) {
      data = this.parseValue(this.linePos, false); // a one-line flow collection (`{}`, `[a, b]`)
      this.seekContent(this.endLine(this.valueEnd));
    } else data = this.parseBlockNode(this.lineIndent, this.linePos);
    if (this.lineIndent >= 0) fail(); // content after the root
    return data;
  }
}

/** Parses `text` if it is within the subset; undefined means "use the `yaml` package". Never throws. */
export function parseFastYaml(text: string): FastYaml | undefined {
  // Tabs, CRs, other control characters (anywhere, comments included) and BOMs: not handled.
  if (BAD_CHARS.test(text)) return undefined;
  const parser = new Parser(text);
  let data: unknown;
  try {
    data = parser.parseDocument();
  } catch (err) {
    if (err === BAIL) return undefined;
    // Anything else is a bug in this parser; the `yaml` package still reads the text.
    return undefined;
  }
  return new Result(data, parser.nodes);
}
