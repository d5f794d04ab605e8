// A corpus of hostile configs: fixtures/hostile/<case>/ holds one config file and an expect.txt
// of `file:line:col severity rule` lines (as in fixtures/lint). `lint` must print exactly those
// findings (duplicates counted once) in every format, with exit 1 when any is an error (0 when
// none), no stack trace; `render` must refuse a config that does not load (exit 2) and write
// nothing, and `config` likewise. Cases with no expected finding must render files that parse.
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parse as parseToml } from "smol-toml";
import { parse as parseYaml } from "yaml";
import { loadConfig } from "../../src/config/load.js";
import { render } from "../../src/backends/index.js";
import { runCli } from "../helpers/cli.js";

/** `file:line:col severity rule` of each stylish finding (importing lint-fixtures.test.ts would run its tests). */
function parseStylish(out: string): { loc: string; severity: string; rule: string }[] {
  return out
    .split("\n")
    .map((l) => /^(\S+:\d+:\d+) (error|warning) .* \[([a-z0-9-]+)\]$/.exec(l))
    .filter((m) => m !== null)
    .map((m) => ({ loc: m[1]!, severity: m[2]!, rule: m[3]! }));
}

const root = join(import.meta.dirname, "..", "..", "fixtures", "hostile");
const NO_STACK = /\n\s+at .+:\d+:\d+\)?\n|internal error/;

for (const name of readdirSync(root).sort()) {
  const dir = join(root, name);
  const file = readdirSync(dir).find((n) => n !== "expect.txt")!;
  const expected = readFileSync(join(dir, "expect.txt"), "utf8").split("\n").filter(Boolean);
  const hasErrors = expected.some((l) => l.includes(" error "));
  test(`hostile ${name}: lint finds exactly expect.txt, render and config refuse it cleanly`, async () => {
    const r = await runCli(["lint", "--no-color", file], { cwd: dir });
    assert.equal(r.code, hasErrors ? 1 : 0, r.stdout + r.stderr);
    assert.doesNotMatch(r.stdout + r.stderr, NO_STACK);
    const found = [...new Set(parseStylish(r.stdout).map((f) => `${f.loc} ${f.severity} ${f.rule}`))];
    assert.deepEqual(found, expected);
    for (const format of ["json", "sarif", "github"]) {
      const f = await runCli(["lint", "--format", format, file], { cwd: dir });
      assert.equal(f.code, r.code, `${format}: ${f.stderr}`);
      assert.doesNotMatch(f.stdout + f.stderr, NO_STACK);
      if (format !== "github") JSON.parse(f.stdout);
    }
    const out = mkdtempSync(join(tmpdir(), "wm-hostile-"));
    try {
      const target = join(out, "rendered");
      // A config that must not load is rendered to its own output.dir (no --out-dir, which would
      // override a hostile output.dir): nothing may appear in the fixture directory.
      const render = await runCli(["render", "--config", file, "--base", "/dev/null", ...(hasErrors ? [] : ["--out-dir", target])], { cwd: dir });
      assert.doesNotMatch(render.stdout + render.stderr, NO_STACK);
      const config = await runCli(["config", "--config", file, "--format", "json"], { cwd: dir });
      assert.doesNotMatch(config.stdout + config.stderr, NO_STACK);
      if (hasErrors) {
        assert.equal(render.code, 2, render.stderr);
        assert.equal(config.code, 2, config.stderr);
        assert.deepEqual(readdirSync(dir).sort(), [file, "expect.txt"].sort(), "nothing may be written for a config that does not load");
      } else {
        assert.equal(render.code, 0, render.stderr);
        for (const f of ["registries.conf", "buildkitd.toml"]) parseToml(readFileSync(join(target, f), "utf8"));
        JSON.parse(readFileSync(join(target, "daemon.json"), "utf8"));
      }
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  });
}

test("hostile url-credentials-variants: no secret is echoed by any command or format", async () => {
  const dir = join(root, "url-credentials-variants");
  const runs = [
    ["lint", "werf-mirror.yaml"],
    ...["json", "sarif", "github"].map((f) => ["lint", "--format", f, "werf-mirror.yaml"]),
    ["config", "--explain", "--config", "werf-mirror.yaml"],
    ["render", "--stdout", "--config", "werf-mirror.yaml"],
  ];
  for (const args of runs) {
    const r = await runCli(args, { cwd: dir });
    assert.doesNotMatch(r.stdout + r.stderr, /t0ken-s3cret|p%40ss|robot:/, args.join(" "));
  }
});

/** YAML 1.2's c-printable: what a YAML stream may hold. */
const YAML_PRINTABLE = /^[\t\n\r\x20-\x7e\x85\xa0-\ud7ff\ue000-\ufffd\u{10000}-\u{10ffff}]*$/u;

test("CA paths: what loads renders a k3s registries.yaml that parses back with the path intact; noncharacters and lone surrogates do not load", async () => {
  const dir = mkdtempSync(join(tmpdir(), "wm-hostile-ca-"));
  // [ca, loads]: YAML forbids U+FFFE and U+FFFF in a document, and a lone surrogate has no UTF-8.
  const cases: [string, boolean][] = [
    ["certs/ключ.pem", true],
    ["certs/😀 corp\u00a0ca.pem", true],
    ["certs/\uFFFD.pem", true],
    ["certs/a\uFFFE.pem", false],
    ["certs/a\uFFFF.pem", false],
    ["certs/a\uD800.pem", false],
    ["certs/a\uDFFF.pem", false],
    ["certs/a\uFDD0.pem", false],
    ["certs/a\u{10FFFF}.pem", false],
  ];
  try {
    for (const [ca, loads] of cases) {
      // JSON.stringify writes a lone surrogate as an escape, which YAML double quotes read back.
      writeFileSync(
        join(dir, "werf-mirror.yaml"),
        `version: 1\nregistries:\n  quay.io:\n    mirrors:\n      - url: https://m.example.com\n        ca: ${JSON.stringify(ca)}\n`,
      );
      const r = await loadConfig({ cwd: dir, configPath: "werf-mirror.yaml" });
      const name = JSON.stringify(ca);
      if (!loads) {
        assert.ok(!r.model, `${name} must not load`);
        assert.deepEqual(
          r.diagnostics.map((d) => d.rule),
          ["unsafe-value"],
          name,
        );
        continue;
      }
      assert.ok(r.model, `${name}: ${r.diagnostics.map((d) => d.message).join("; ")}`);
      const file = render(r.model, { backends: ["k3s"] }).files.find((f) => f.path === "registries.yaml")!;
      // As k3s reads it: UTF-8 bytes, every character in YAML's printable set (go-yaml checks; the
      // yaml package does not), then parsed.
      const text = Buffer.from(file.content, "utf8").toString("utf8");
      assert.match(text, YAML_PRINTABLE, name);
      const parsed = parseYaml(text) as { configs: Record<string, { tls: { ca_file: string } }> };
      assert.equal(parsed.configs["m.example.com"]!.tls.ca_file, join(dir, ca), name);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
