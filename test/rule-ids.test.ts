// Rule ids are typed from the catalog: a diagnostic with an id that is not catalogued does not
// compile (npm test typechecks this file; the directive fails if the id were a plain string).
import { test } from "node:test";
import assert from "node:assert/strict";
import type { Diagnostic } from "../src/config/types.js";
import { RULES, type RuleId } from "../src/lint/rules-catalog.js";

test("a diagnostic's rule must be a catalogued id", () => {
  // @ts-expect-error: "no-such-rule" is not in src/lint/rules-catalog.ts
  const wrong: Diagnostic = { severity: "error", rule: "no-such-rule", message: "m", origin: { kind: "default" } };
  const right: RuleId = "unknown-key";
  assert.equal(wrong.rule in RULES, false);
  assert.equal(right in RULES, true);
});
