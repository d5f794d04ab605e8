// Where a JSON text first breaks the JSON grammar (RFC 8259), for package.json: npm reads it as
// strict JSON, while our positions come from the YAML parser, which accepts much that JSON does
// not (trailing commas, comments, bare words). JSON.parse cannot tell: its messages carry no
// position for some errors and quote the source for others (a secret may sit next to the error).
// One pass with an explicit stack: no recursion, whatever the nesting.

export interface JsonSyntaxError {
  /** Offset of the first character that cannot continue a JSON text. */
  offset: number;
  /** What the grammar allows there, e.g. "`,` or `}`". */
  expected: string;
}

const OBJECT = 0;
const ARRAY = 1;

/** Undefined when `text` is one JSON value (a leading BOM allowed, as npm does); else the first error. */
export function jsonSyntaxError(text: string): JsonSyntaxError | undefined {
  const n = text.length;
  let i = text.charCodeAt(0) === 0xfeff ? 1 : 0;
  const stack: number[] = [];
  const at = (c: number) => (i < n ? text.charCodeAt(i) === c : false);
  const skipSpace = () => {
    while (i < n) {
      const c = text.charCodeAt(i);
      if (c !== 0x20 && c !== 0x0a && c !== 0x0d && c !== 0x09) break;
      i++;
    }
  };
  const fail = (expected: string): JsonSyntaxError => ({ offset: i, expected });

  /** A string at `i` (the opening quote); undefined when closed properly, else what is expected. */
  const readString = (): string | undefined => {
    i++;
    for (;;) {
      if (i >= n) return 'a closing `"`';
      const c = text.charCodeAt(i);
      if (c === 0x22) {
        i++;
        return undefined;
      }
      if (c < 0x20) return "no control character inside a string (write it as an escape, such as `\\n`)";
      if (c === 0x5c) {
        const e = text.charAt(i + 1);
        if (e === "u") {
          if (!/^[0-9a-fA-F]{4}$/.test(text.slice(i + 2, i + 6))) return "four hex digits after `\\u`";
          i += 6;
        } else if (e !== "" && '"\\/bfnrt'.includes(e)) i += 2;
        else return 'an escape: one of \\" \\\\ \\/ \\b \\f \\n \\r \\t \\uXXXX';
        continue;
      }
      i++;
    }
  };

  const digits = (): boolean => {
    const start = i;
    while (i < n && text.charCodeAt(i) >= 0x30 && text.charCodeAt(i) <= 0x39) i++;
    return i > start;
  };

  const readNumber = (): string | undefined => {
    if (at(0x2d)) i++;
    if (at(0x30)) i++;
    else if (!digits()) return "a digit";
    if (at(0x2e)) {
      i++;
      if (!digits()) return "a digit after `.`";
    }
    if (at(0x65) || at(0x45)) {
      i++;
      if (at(0x2b) || at(0x2d)) i++;
      if (!digits()) return "a digit in the exponent";
    }
    return undefined;
  };

  /** A property name and its `:` at `i`. */
  const readKey = (): string | undefined => {
    if (!at(0x22)) return "a property name in double quotes";
    const bad = readString();
    if (bad) return bad;
    skipSpace();
    if (!at(0x3a)) return "`:` after the property name";
    i++;
    return undefined;
  };

  for (;;) {
    // A value is expected at i.
    skipSpace();
    const c = i < n ? text.charCodeAt(i) : -1;
    if (c === 0x7b || c === 0x5b) {
      const kind = c === 0x7b ? OBJECT : ARRAY;
      i++;
      skipSpace();
      if (at(kind === OBJECT ? 0x7d : 0x5d))
        i++; // `{}` or `[]`
      else {
        stack.push(kind);
        if (kind === OBJECT) {
          const bad = readKey();
          if (bad) return fail(bad);
        }
        continue;
      }
    } else if (c === 0x22) {
      const bad = readString();
      if (bad) return fail(bad);
    } else if (c === 0x2d || (c >= 0x30 && c <= 0x39)) {
      const bad = readNumber();
      if (bad) return fail(bad);
    } else {
      const word = ["true", "false", "null"].find((w) => text.startsWith(w, i));
      if (!word) return fail("a value (an object, array, string, number, true, false or null)");
      i += word.length;
    }
    // After a value: close containers until one continues with `,`.
    for (;;) {
      skipSpace();
      const top = stack[stack.length - 1];
      if (top === undefined) return i < n ? fail("the end of the text") : undefined;
      const close = top === OBJECT ? 0x7d : 0x5d;
      if (at(close)) {
        i++;
        stack.pop();
        continue;
      }
      if (!at(0x2c)) return fail(top === OBJECT ? "`,` or `}`" : "`,` or `]`");
      i++;
      if (top === OBJECT) {
        skipSpace();
        const bad = readKey();
        if (bad) return fail(bad);
      }
      break;
    }
  }
}
