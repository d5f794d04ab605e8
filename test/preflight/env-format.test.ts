/**
 * The hand-off as text: PowerShell quoting (every single-quote character PowerShell knows), the
 * plain KEY=VALUE env file (never a line but the intended ones), and the path `env --as-file`
 * prints, sourced by real sh, dash, bash, zsh and busybox sh through the unquoted `. $(werf-mirror env --as-file)`.
 */
import assert from "node:assert/strict";
import { mkdirSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { after, before, describe, it } from "node:test";
import { formatEnvFile, formatEnvPowershell, pathForUnquotedUse, powershellQuote, EnvFileError } from "../../src/format/env.js";
import type { Handoff } from "../../src/preflight/handoff.js";
import { describeFailure, isolatedEnv, makeTempDir, removeTempDir, run } from "../e2e/harness/tools.js";
import { cli, posixShells } from "./helpers.js";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "../..");

const handoff = (value: string): Handoff => ({
  entries: [{ section: "CONTAINERS REGISTRIES (Buildah backend, podman, skopeo)", key: "CONTAINERS_REGISTRIES_CONF", value }],
  unset: [],
});

describe("PowerShell quoting", () => {
  it("doubles ' and the typographic single quotes U+2018-U+201B, as PowerShell's EscapeSingleQuotedStringContent does", () => {
    const cases: [string, string][] = [
      ["plain", "'plain'"],
      ["a'b", "'a''b'"],
      ["a\u2018b", "'a\u2018\u2018b'"],
      ["\u2019", "'\u2019\u2019'"],
      ["\u201ax\u201b", "'\u201a\u201ax\u201b\u201b'"],
      ["'\u2018\u2019\u201a\u201b", "'''\u2018\u2018\u2019\u2019\u201a\u201a\u201b\u201b'"],
      // double quotes (also typographic) and $ mean nothing inside single quotes: left alone
      ['$Env:X "y" \u201cz\u201d `w`', "'$Env:X \"y\" \u201cz\u201d `w`'"],
    ];
    for (const [value, quoted] of cases) assert.equal(powershellQuote(value), quoted, JSON.stringify(value));
  });

  it("a value with a typographic quote cannot end the string in the generated line", () => {
    const text = formatEnvPowershell(handoff("/tmp/x\u2019; Remove-Item -Recurse ~; \u2018/registries.conf"));
    assert.ok(text.includes("$Env:CONTAINERS_REGISTRIES_CONF = '/tmp/x\u2019\u2019; Remove-Item -Recurse ~; \u2018\u2018/registries.conf'\n"), text);
  });
});

describe("KEY=VALUE env file", () => {
  it("a value with a line break is refused, never written as a line of its own", () => {
    for (const bad of ["/p\nLD_PRELOAD=/tmp/evil.so", "/p\rBASH_ENV=/tmp/evil.sh", "/p\0x"]) {
      assert.throws(
        () => formatEnvFile(handoff(bad)),
        (e: Error) => e instanceof EnvFileError && /CONTAINERS_REGISTRIES_CONF holds a line break/.test(e.message),
      );
    }
    assert.equal(formatEnvFile(handoff("/a b/registries.conf")), "CONTAINERS_REGISTRIES_CONF=/a b/registries.conf\n");
  });

  it("env --as-env-file in a project whose path holds a line break: exit 2, nothing but the message", async () => {
    const base = makeTempDir("env-newline");
    try {
      const project = join(base, "proj\nLD_PRELOAD=x");
      mkdirSync(project, { recursive: true });
      writeFileSync(join(project, "werf-mirror.yaml"), "version: 1\nbackend: buildah\nregistries:\n  docker.io:\n    mirrors: [https://a.example]\n");
      const r = await cli(["env", "--as-env-file", "--offline"], { cwd: project });
      assert.equal(r.code, 2, r.stderr);
      assert.equal(r.stdout, "/dev/null/werf-mirror-env-failed\n", "only the path no shell can source (fail closed)");
      assert.match(r.stderr, /^werf-mirror env: cannot write an env file: the value of CONTAINERS_REGISTRIES_CONF holds a line break/m);
    } finally {
      removeTempDir(base);
    }
  });
});

describe("the path env --as-file prints survives an unquoted $(...)", () => {
  it("safe paths are printed as they are; others relative to the working directory; else nothing", () => {
    assert.equal(pathForUnquotedUse("/srv/app/.werf-mirror/handoff/env.sh", "/srv"), "/srv/app/.werf-mirror/handoff/env.sh");
    assert.equal(pathForUnquotedUse("/srv/my app/.werf-mirror/handoff/env.sh", "/srv/my app"), "./.werf-mirror/handoff/env.sh");
    assert.equal(pathForUnquotedUse("/srv/a[b]/.werf-mirror/handoff/env.sh", "/srv/a[b]/.werf-mirror/handoff"), "./env.sh");
    assert.equal(pathForUnquotedUse("/srv/my app/x/env.sh", "/srv/my app/y"), "../x/env.sh");
    assert.equal(pathForUnquotedUse("/srv/my app/env.sh", "/srv"), undefined);
    assert.equal(pathForUnquotedUse("/srv/x/out *.d/env.sh", "/srv/x"), undefined);
  });

  let base: string;
  let bin: string;
  before(() => {
    base = makeTempDir("env-unquoted");
    // `werf-mirror` on PATH for the shells: the CLI from the sources, through tsx.
    bin = join(base, "bin");
    mkdirSync(bin);
    const tsx = pathToFileURL(join(ROOT, "node_modules/tsx/dist/loader.mjs")).href;
    writeFileSync(join(bin, "werf-mirror"), `#!/bin/sh\nexec '${process.execPath}' --import '${tsx}' '${join(ROOT, "src/cli/bin.ts")}' "$@"\n`, {
      mode: 0o755,
    });
  });
  after(() => removeTempDir(base));

  // A project directory whose name holds a space, and one whose name holds a glob; next to each,
  // what an attacker planted: the file the first word names, and the file the glob matches.
  for (const [label, name, planted] of [
    ["a space", "proj x", "proj"],
    ["a glob character", "proj[x]", "projx/.werf-mirror/handoff/env.sh"],
  ] as const) {
    it(`sh, dash, bash, zsh and busybox sh source the real hand-off from a project directory with ${label}`, { timeout: 60_000 }, async () => {
      const root = join(base, label.replace(/ /g, "-"));
      const project = join(root, name);
      mkdirSync(project, { recursive: true });
      writeFileSync(join(project, "werf-mirror.yaml"), "version: 1\nbackend: docker\nregistries:\n  docker.io:\n    mirrors: [https://mirror.example]\n");
      mkdirSync(dirname(join(root, planted)), { recursive: true });
      writeFileSync(join(root, planted), "echo PLANTED-FILE-SOURCED; export PLANTED=1\n");
      const env = isolatedEnv(join(root, "home"), { PATH: `${bin}:${process.env.PATH}` });
      const wrong: string[] = [];
      for (const [shell, argv] of posixShells()) {
        const r = await run(argv[0]!, [...argv.slice(1), ". $(werf-mirror env --as-file --offline) && env"], { cwd: project, env, timeoutMs: 30_000 });
        const sourced =
          r.code === 0 &&
          !r.stdout.includes("PLANTED") &&
          /^WERF_CONTAINER_REGISTRY_MIRROR_00=https:\/\/mirror\.example\/$/m.test(r.stdout) &&
          r.stdout.includes(`CONTAINERS_REGISTRIES_CONF=${join(project, ".werf-mirror/handoff/registries.conf")}\n`);
        if (!sourced) wrong.push(`${shell}: ${describeFailure(r)}`);
      }
      assert.deepEqual(wrong, [], "a shell sourced something else than the hand-off");
      const printed = await cli(["env", "--as-file", "--offline"], { cwd: project });
      assert.equal(printed.stdout, "./.werf-mirror/handoff/env.sh\n");
      const envFile = await cli(["env", "--as-env-file", "--offline"], { cwd: project });
      assert.equal(envFile.stdout, "./.werf-mirror/handoff/werf-mirror.env\n");
    });
  }

  it("no safe form: exit 2 with the quoted form, and only the fail-closed path on stdout", async () => {
    const project = join(base, "far away", "project");
    const elsewhere = join(base, "elsewhere");
    mkdirSync(project, { recursive: true });
    mkdirSync(elsewhere, { recursive: true });
    writeFileSync(join(project, "werf-mirror.yaml"), "version: 1\nbackend: docker\nregistries:\n  docker.io:\n    mirrors: [https://mirror.example]\n");
    for (const mode of ["--as-file", "--as-env-file"]) {
      const r = await cli(["env", mode, "--offline", "--cwd", project], { cwd: elsewhere });
      assert.equal(r.code, 2, r.stderr);
      assert.equal(r.stdout, "/dev/null/werf-mirror-env-failed\n", "only the path no shell can source (fail closed)");
      assert.match(r.stderr, /cannot print .*far away.* for `\. \$\(werf-mirror env --as-file\)`/);
      assert.ok(r.stderr.includes('`. "$(werf-mirror env --output-file-path FILE)"`'), r.stderr);
    }
    // --output-file-path prints the path as given (the user chose it, and quotes it).
    const chosen = await cli(["env", "--offline", "--cwd", project, "--output-file-path", join(base, "far away", "env.sh")], { cwd: elsewhere });
    assert.equal(chosen.code, 0, chosen.stderr);
    assert.equal(chosen.stdout, `${join(base, "far away", "env.sh")}\n`);
  });
});
