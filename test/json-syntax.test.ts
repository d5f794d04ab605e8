// jsonSyntaxError (package.json's strict-JSON check) against the real thing: it must accept
// exactly what JSON.parse accepts, and point at the first character that breaks the grammar.
import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { jsonSyntaxError } from "../src/config/json-syntax.js";

const RUNS = Number(process.env.FUZZ_RUNS ?? 2000);

function parses(text: string): boolean {
  try {
    JSON.parse(text.replace(/^\uFEFF/, ""));
    return true;
  } catch {
    return false;
  }
}

test("accepts exactly what JSON.parse accepts: valid JSON and every one-character edit of it", () => {
  // Valid documents, then single-character mutations of them: near-misses are where the bugs are.
  const alphabet = [...'{}[],:"\\ \t\n\r0123456789-+.eEtrufalsn/ux\u0001\u00e9', "\uFEFF"];
  fc.assert(
    fc.property(fc.json(), fc.nat(), fc.constantFrom(...alphabet), fc.constantFrom("insert", "replace", "delete", "none"), (json, pos, ch, op) => {
      const p = json.length === 0 ? 0 : pos % (json.length + 1);
      const text =
        op === "insert"
          ? json.slice(0, p) + ch + json.slice(p)
          : op === "replace"
            ? json.slice(0, p) + ch + json.slice(p + 1)
            : op === "delete"
              ? json.slice(0, p) + json.slice(p + 1)
              : json;
      const err = jsonSyntaxError(text);
      assert.equal(err === undefined, parses(text), `${JSON.stringify(text)}: ${JSON.stringify(err)}`);
      if (err) assert.ok(err.offset >= 0 && err.offset <= text.length);
    }),
    { numRuns: RUNS },
  );
});

test("points at the first character that cannot continue the JSON text, and says what may stand there", () => {
  const cases: [string, number, string][] = [
    ['{"a": 1,}', 8, "a property name in double quotes"],
    ['{"a": x}', 6, "a value (an object, array, string, number, true, false or null)"],
    ['{"a": 1', 7, "`,` or `}`"],
    ['{"a" 1}', 5, "`:` after the property name"],
    ['{"a": "b\u0001"}', 8, "no control character inside a string (write it as an escape, such as `\\n`)"],
    ['{"a": 1}}', 8, "the end of the text"],
    ["[1,,2]", 3, "a value (an object, array, string, number, true, false or null)"],
    ['{"a": "x}', 9, 'a closing `"`'],
    ["// c\n{}", 0, "a value (an object, array, string, number, true, false or null)"],
    ['{"a": -}', 7, "a digit"],
    ['{"a": 1.}', 8, "a digit after `.`"],
    ['{"a": "\\q"}', 7, 'an escape: one of \\" \\\\ \\/ \\b \\f \\n \\r \\t \\uXXXX'],
    ["[".repeat(100000), 100000, "a value (an object, array, string, number, true, false or null)"],
  ];
  for (const [text, offset, expected] of cases) assert.deepEqual(jsonSyntaxError(text), { offset, expected }, JSON.stringify(text).slice(0, 60));
  assert.equal(jsonSyntaxError("\uFEFF" + "[".repeat(50000) + "]".repeat(50000)), undefined, "deep nesting needs no stack");
});
