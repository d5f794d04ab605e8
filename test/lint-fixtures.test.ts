// Every fixture under fixtures/lint is linted through the CLI; the printed
// `file:line:col severity message [rule]` lines must match the case's expect.txt exactly,
// valid cases exit 0 and invalid ones 1. Together the fixtures must exercise every rule.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { runCli } from "./helpers/cli.js";
import { RULES } from "../src/lint/rules-catalog.js";

const root = join(import.meta.dirname, "..", "fixtures", "lint");
const seenRules = new Set<string>();
/** Rules no file fixture can trigger, and the test that proves each instead. */
const PROVEN_ELSEWHERE: Record<string, string> = {
  "config-not-found": "test/cli.test.ts (lint of a missing file)",
  "config-conflict": "test/discovery.test.ts (two configs found at once by the search)",
};

/** Splits stylish output into findings: a location line plus its indented continuation lines. */
export function parseStylish(out: string): { loc: string; severity: string; message: string; rule: string }[] {
  const findings: { loc: string; severity: string; message: string; rule: string }[] = [];
  const blocks = out.split("\n").reduce<string[]>((acc, line) => {
    if (/^\S+:\d+:\d+ (error|warning) /.test(line)) acc.push(line);
    else if (line.startsWith("    ") && acc.length) acc[acc.length - 1] += `\n${line}`;
    return acc;
  }, []);
  for (const b of blocks) {
    const m = /^(\S+:\d+:\d+) (error|warning) ([\s\S]*) \[([a-z0-9-]+)\]$/.exec(b);
    assert.ok(m, `a finding is not in the form file:line:col severity message [rule]: ${b}`);
    findings.push({ loc: m[1]!, severity: m[2]!, message: m[3]!, rule: m[4]! });
  }
  return findings;
}

for (const kind of ["valid", "invalid"] as const) {
  for (const name of readdirSync(join(root, kind)).sort()) {
    const dir = join(root, kind, name);
    const file = readdirSync(dir, { withFileTypes: true }).find((e) => e.isFile() && e.name !== "expect.txt")!.name;
    test(`lint ${kind}/${name}/${file}: exit ${kind === "valid" ? 0 : 1} with the expected findings`, async () => {
      const r = await runCli(["lint", "--no-color", file], { cwd: dir });
      assert.equal(r.code, kind === "valid" ? 0 : 1, r.stdout + r.stderr);
      assert.doesNotMatch(r.stdout + r.stderr, /\n\s+at .*\(.*:\d+:\d+\)/, "no stack trace");
      const found = parseStylish(r.stdout).map((f) => `${f.loc} ${f.severity} ${f.rule}`);
      const expected = readFileSync(join(dir, "expect.txt"), "utf8").split("\n").filter(Boolean);
      assert.deepEqual(found, expected);
      for (const f of parseStylish(r.stdout)) {
        seenRules.add(f.rule);
        assert.ok(f.message.length > 20, `message too short to say what to do: ${f.message}`);
      }
      if (kind === "invalid") assert.ok(found.some((l) => l.includes(" error ")));
    });
  }
}

test("no secret from a mirror URL or next to a syntax error is ever printed, in any lint format", async () => {
  for (const [name, file] of [
    ["mirror-urls", "werf-mirror.yaml"],
    ["secret-in-broken-yaml", "werf-mirror.yaml"],
    ["package-json-not-json", "package.json"],
  ] as const) {
    const dir = join(root, "invalid", name);
    for (const format of ["stylish", "json", "sarif", "github"]) {
      const r = await runCli(["lint", "--format", format, file], { cwd: dir });
      assert.equal(r.code, 1);
      assert.doesNotMatch(r.stdout + r.stderr, /s3cr3t|hunter2|robot:/, `${name} ${format}`);
    }
  }
});

test("the fixtures exercise every rule in the catalog, and only catalogued rules are emitted", { concurrency: false }, () => {
  for (const r of seenRules) assert.ok(r in RULES, `rule ${r} is not in src/lint/rules-catalog.ts`);
  const missing = Object.keys(RULES).filter((r) => !seenRules.has(r) && !(r in PROVEN_ELSEWHERE));
  assert.deepEqual(missing, [], "rules without a fixture");
});
