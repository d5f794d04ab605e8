// The command line as a user meets it: help, version, usage errors, init, config, lint formats.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync, writeFileSync, existsSync } from "node:fs";
import { join } from "node:path";
import { runCli } from "./helpers/cli.js";
import { tempTree } from "./helpers/tmp.js";
import { COMMANDS } from "../src/cli/registry.js";
import { INIT_TEMPLATE } from "../src/cli/init-template.js";

const root = join(import.meta.dirname, "..");
const pkg = JSON.parse(readFileSync(join(root, "package.json"), "utf8")) as { version: string };

test("--help lists every command; each command has --help with usage, options, examples and exit codes", async () => {
  const top = await runCli(["--help"], { cwd: root });
  assert.equal(top.code, 0);
  for (const c of COMMANDS) {
    assert.match(top.stdout, new RegExp(`^  ${c.name} `, "m"));
    const h = await runCli([c.name, "--help"], { cwd: root });
    assert.equal(h.code, 0, c.name);
    assert.match(h.stdout, new RegExp(`^Usage: werf-mirror ${c.name}`));
    const examples = /^Examples:\n((?:  .*\n)+)/m.exec(h.stdout)?.[1] ?? "";
    assert.ok(examples.includes(`werf-mirror ${c.name}`), `${c.name} --help shows an example of itself`);
    assert.match(h.stdout, /^Exit codes:\n  \S/m);
    for (const o of c.options) assert.match(h.stdout, new RegExp(`--${o.name}\\b`), `${c.name} --${o.name}`);
  }
  const none = await runCli([], { cwd: root });
  assert.equal(none.code, 2, "no command is a usage error");
  assert.match(none.stdout, /Commands:/);
});

test("--version prints the package version", async () => {
  const r = await runCli(["--version"], { cwd: root });
  assert.equal(r.stdout, `${pkg.version}\n`);
});

test("unknown commands and options exit 2 with a suggestion", async () => {
  const cmd = await runCli(["lnt"], { cwd: root });
  assert.equal(cmd.code, 2);
  assert.match(cmd.stderr, /unknown command `lnt`; did you mean `lint`\?/);
  const opt = await runCli(["lint", "--fromat", "json"], { cwd: root });
  assert.equal(opt.code, 2);
  assert.match(opt.stderr, /unknown option --fromat; did you mean --format\?/);
  const choice = await runCli(["lint", "--format", "xml"], { cwd: root });
  assert.equal(choice.code, 2);
  assert.match(choice.stderr, /--format must be one of: stylish, json, sarif, github/);
  const missing = await runCli(["config", "--config"], { cwd: root });
  assert.equal(missing.code, 2);
  assert.match(missing.stderr, /--config needs a value \(PATH\)/);
});

test("lint: a missing file or no config at all is exit 2 with what to do", async () => {
  const t = tempTree({});
  try {
    const r = await runCli(["lint", "nope.yaml"], { cwd: t.dir });
    assert.equal(r.code, 2);
    assert.match(r.stdout, /nope\.yaml:1:1 error config file .* does not exist; check the path or run `werf-mirror init` \[config-not-found\]/);
    const none = await runCli(["lint"], { cwd: t.dir });
    assert.equal(none.code, 2);
    assert.match(none.stderr, /no config file found .*\n.*werf-mirror init/);
  } finally {
    t.cleanup();
  }
});

test("init writes a starter that lints clean, and never overwrites an existing file", async () => {
  const t = tempTree({});
  try {
    const first = await runCli(["init"], { cwd: t.dir });
    assert.equal(first.code, 0, first.stderr);
    const path = join(t.dir, "werf-mirror.yaml");
    assert.equal(readFileSync(path, "utf8"), INIT_TEMPLATE);
    const lint = await runCli(["lint", "werf-mirror.yaml"], { cwd: t.dir });
    assert.equal(lint.code, 0);
    assert.match(lint.stdout, /no problems/);
    writeFileSync(path, "# mine\nversion: 1\n");
    const again = await runCli(["init"], { cwd: t.dir });
    assert.equal(again.code, 1);
    assert.match(again.stderr, /already exists; nothing written/);
    assert.equal(readFileSync(path, "utf8"), "# mine\nversion: 1\n", "the user's file is untouched");
    assert.match(first.stdout, /keep them out of git: echo \.werf-mirror\/ >> \.gitignore/);
    // The example of init's own help: .werf/ is made when missing.
    const other = await runCli(["init", ".werf/mirror.yaml"], { cwd: t.dir });
    assert.equal(other.code, 0, other.stderr);
    assert.equal(readFileSync(join(t.dir, ".werf/mirror.yaml"), "utf8"), INIT_TEMPLATE);
    const two = await runCli(["init", "a.yaml", "b.yaml"], { cwd: t.dir });
    assert.equal(two.code, 2);
    assert.match(two.stderr, /one FILE at most/);
    assert.equal(existsSync(join(t.dir, "a.yaml")), false, "nothing written on a usage error");
    writeFileSync(join(t.dir, ".gitignore"), "node_modules/\n.werf-mirror/\n");
    const ignored = await runCli(["init", "c.yaml"], { cwd: t.dir });
    assert.doesNotMatch(ignored.stdout, /gitignore/, "no advice when .gitignore already has it");
  } finally {
    t.cleanup();
  }
});

test("config prints the resolved configuration as YAML or JSON; a broken config exits 2", async () => {
  const t = tempTree({ "werf-mirror.yaml": "version: 1\nregistries:\n  index.docker.io:\n    mirrors: [mirror.gcr.io]\n" });
  try {
    const r = await runCli(["config", "--format", "json"], { cwd: t.dir });
    assert.equal(r.code, 0, r.stderr);
    const cfg = JSON.parse(r.stdout);
    assert.deepEqual(cfg.registries, {
      "docker.io": { mirrors: [{ url: "https://mirror.gcr.io", pull: "all", insecure: false }], fallback: true, blocked: false },
    });
    assert.equal(cfg.output.dir, join(t.dir, ".werf-mirror"));
    const y = await runCli(["config"], { cwd: t.dir });
    assert.match(y.stdout, /^registries:\n  docker.io:\n    mirrors:\n      - url: https:\/\/mirror.gcr.io$/m);
    writeFileSync(join(t.dir, "werf-mirror.yaml"), "version: 1\nregistries: [\n");
    const bad = await runCli(["config"], { cwd: t.dir });
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /werf-mirror.yaml:\d+:\d+ error YAML syntax error/);
    assert.equal(bad.stdout, "");
  } finally {
    t.cleanup();
  }
});

const BROKEN = "version: 1\nregistries:\n  docker.io:\n    mirors: [https://m.example.com]\n";

test("lint --format json, sarif and github carry the same finding", async () => {
  const t = tempTree({ "werf-mirror.yaml": BROKEN });
  try {
    const json = JSON.parse((await runCli(["lint", "--format", "json"], { cwd: t.dir })).stdout);
    assert.equal(json.errorCount, 1);
    assert.deepEqual(json.diagnostics[0], {
      severity: "error",
      rule: "unknown-key",
      message: json.diagnostics[0].message,
      file: "werf-mirror.yaml",
      line: 4,
      column: 5,
    });
    const sarif = JSON.parse((await runCli(["lint", "--format", "sarif"], { cwd: t.dir })).stdout);
    assert.equal(sarif.version, "2.1.0");
    const result = sarif.runs[0].results[0];
    assert.equal(result.ruleId, "unknown-key");
    assert.equal(sarif.runs[0].tool.driver.rules[result.ruleIndex].id, "unknown-key");
    assert.deepEqual(result.locations[0].physicalLocation, { artifactLocation: { uri: "werf-mirror.yaml" }, region: { startLine: 4, startColumn: 5 } });
    const gh = (await runCli(["lint", "--format", "github"], { cwd: t.dir })).stdout;
    assert.match(gh, /^::error file=werf-mirror.yaml,line=4,col=5,title=werf-mirror unknown-key::unknown key `mirors`/);
    const code = (await runCli(["lint", "--format", "github"], { cwd: t.dir })).code;
    assert.equal(code, 1);
  } finally {
    t.cleanup();
  }
});

test("colors on a terminal or with FORCE_COLOR; never with --no-color, NO_COLOR or TERM=dumb (unless forced)", async () => {
  const t = tempTree({ "werf-mirror.yaml": BROKEN });
  try {
    const tty = await runCli(["lint"], { cwd: t.dir, isTTY: true });
    assert.match(tty.stdout, /\u001b\[31merror/);
    for (const [args, env] of [
      [["lint", "--no-color"], {}],
      [["lint"], { NO_COLOR: "1" }],
      [["lint"], { TERM: "dumb" }],
      [["lint", "--no-color"], { FORCE_COLOR: "1" }],
    ] as const) {
      const plain = await runCli([...args], { cwd: t.dir, isTTY: true, env });
      assert.doesNotMatch(plain.stdout, /\u001b\[/, JSON.stringify([args, env]));
    }
    // FORCE_COLOR turns them on in a pipe too (CI logs render ANSI), over NO_COLOR and TERM=dumb.
    for (const env of [{ FORCE_COLOR: "1" }, { FORCE_COLOR: "true", NO_COLOR: "1", TERM: "dumb" }]) {
      const forced = await runCli(["lint"], { cwd: t.dir, isTTY: false, env });
      assert.match(forced.stdout, /\u001b\[31merror/, JSON.stringify(env));
    }
    const off = await runCli(["lint"], { cwd: t.dir, isTTY: true, env: { FORCE_COLOR: "0", TERM: "dumb" } });
    assert.doesNotMatch(off.stdout, /\u001b\[/);
  } finally {
    t.cleanup();
  }
});
