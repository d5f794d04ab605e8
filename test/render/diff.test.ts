// The diff `apply docker` prints: applying its hunks to the old text gives the new text.
import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { unifiedDiff } from "../../src/render/diff.js";

/** Applies a unified diff produced for (before → after) to `before`. */
function applyPatch(before: string, diff: string): string {
  const a = before === "" ? [] : before.replace(/\n$/, "").split("\n");
  const out: string[] = [];
  let pos = 0;
  const lines = diff.split("\n").slice(2);
  for (let k = 0; k < lines.length; k++) {
    const m = /^@@ -(\d+),(\d+) \+\d+,\d+ @@$/.exec(lines[k]!);
    if (!m) continue;
    const start = Number(m[2]) === 0 ? Number(m[1]) : Number(m[1]) - 1;
    while (pos < start) out.push(a[pos++]!);
    for (k++; k < lines.length && lines[k] !== "" && !lines[k]!.startsWith("@@"); k++) {
      const [kind, text] = [lines[k]![0], lines[k]!.slice(1)];
      if (kind === " ") {
        assert.equal(a[pos], text, "context line matches");
        out.push(a[pos++]!);
      } else if (kind === "-") {
        assert.equal(a[pos], text, "removed line matches");
        pos++;
      } else out.push(text);
    }
    k--;
  }
  while (pos < a.length) out.push(a[pos++]!);
  return out.length ? `${out.join("\n")}\n` : "";
}

test("applying the printed hunks to the old file gives the new one", () => {
  const lines = fc.array(fc.constantFrom("{", "}", '  "a": 1,', '  "b": 2,', '  "c": [', "  ]", '    "x"'), { maxLength: 30 });
  fc.assert(
    fc.property(lines, lines, (x, y) => {
      const before = x.map((l) => `${l}\n`).join("");
      const after = y.map((l) => `${l}\n`).join("");
      const d = unifiedDiff(before, after, "old", "new");
      if (before === after) assert.equal(d, "");
      else assert.equal(applyPatch(before, d), after, d);
    }),
    { numRuns: 3000 },
  );
});

test("a one-line change in a 20,000-line file gives a small diff (no table over the whole file)", () => {
  const body = Array.from({ length: 20000 }, (_, i) => `  "k${i}": "v",`).join("\n");
  const d = unifiedDiff(`{\n${body}\n  "z": 0\n}\n`, `{\n${body}\n  "z": 1\n}\n`, "old", "new");
  assert.equal(d, `--- old\n+++ new\n@@ -19999,5 +19999,5 @@\n   "k19997": "v",\n   "k19998": "v",\n   "k19999": "v",\n-  "z": 0\n+  "z": 1\n }\n`);
});
