/**
 * The hand-off fails closed: when preflight fails (exit 1), the config cannot be loaded or the
 * command line is wrong (exit 2), every idiom stops before werf runs, in sh, dash, bash, zsh and
 * busybox sh as real processes: `. "$(werf-mirror env --as-file)" && werf build`, the unquoted
 * `. $(...)`, `eval "$(werf-mirror env)" && werf build`, and each of them under `set -e` followed
 * by `werf build` on its own line. When preflight passes, each idiom runs werf with the mirror
 * (the control, from a project directory whose name holds a space). werf-mirror is the CLI bundled
 * from the sources; `werf` is a script that says it ran.
 */
import assert from "node:assert/strict";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { buildCliBundle } from "../helpers/bundle.js";
import { describeFailure, freePort, isolatedEnv, makeTempDir, removeTempDir, run } from "../e2e/harness/tools.js";
import { posixShells } from "./helpers.js";

const IDIOMS: [string, (args: string) => string][] = [
  ['. "$(werf-mirror env --as-file)" && werf build', (a) => `. "$(werf-mirror env --as-file ${a})" && werf build`],
  [". $(werf-mirror env --as-file) && werf build", (a) => `. $(werf-mirror env --as-file ${a}) && werf build`],
  ['eval "$(werf-mirror env)" && werf build', (a) => `eval "$(werf-mirror env ${a})" && werf build`],
  ['set -e; . "$(werf-mirror env --as-file)"; werf build', (a) => `set -e\n. "$(werf-mirror env --as-file ${a})"\nwerf build`],
  ["set -e; . $(werf-mirror env --as-file); werf build", (a) => `set -e\n. $(werf-mirror env --as-file ${a})\nwerf build`],
  ['set -e; eval "$(werf-mirror env)"; werf build', (a) => `set -e\neval "$(werf-mirror env ${a})"\nwerf build`],
];

describe("the hand-off to werf fails closed in every shell", () => {
  let base: string;
  let bin: string;
  const projects: Record<string, { dir: string; args: string; exit: number }> = {};

  before(async () => {
    base = makeTempDir("handoff-fail-closed");
    bin = join(base, "bin");
    mkdirSync(bin);
    const bundle = await buildCliBundle(join(base, "werf-mirror.cjs"));
    writeFileSync(join(bin, "werf-mirror"), `#!/bin/sh\nexec '${process.execPath}' '${bundle}' "$@"\n`, { mode: 0o755 });
    writeFileSync(join(bin, "werf"), '#!/bin/sh\necho "WERF RAN: $* ${WERF_CONTAINER_REGISTRY_MIRROR_00:-}"\n', { mode: 0o755 });
    const dead = `https://127.0.0.1:${await freePort()}`; // nothing listens: refused at once
    const project = (name: string, yaml: string, args: string, exit: number) => {
      const dir = join(base, name);
      mkdirSync(dir, { recursive: true });
      writeFileSync(join(dir, "werf-mirror.yaml"), yaml);
      projects[name] = { dir, args, exit };
    };
    project("passes here", "version: 1\nbackend: docker\nregistries:\n  docker.io:\n    mirrors: [https://mirror.example]\n", "--offline", 0);
    project(
      "preflight fails",
      `version: 1\nbackend: buildah\nregistries:\n  docker.io:\n    mirrors: [${dead}]\npreflight:\n  timeout: 2s\n  unhealthy: fail\n`,
      "",
      1,
    );
    project("config broken", "version: 1\nregistries:\n  docker.io:\n    mirors: [https://mirror.example]\n", "", 2);
    project("usage error", "version: 1\nbackend: docker\nregistries:\n  docker.io:\n    mirrors: [https://mirror.example]\n", "--offline --no-such-flag", 2);
  });
  after(() => removeTempDir(base));

  it("werf-mirror env fails with the expected code in each case, and prints only what stops the shell", async () => {
    const env = isolatedEnv(join(base, "home"), { PATH: `${bin}:${process.env.PATH}` });
    for (const [name, p] of Object.entries(projects)) {
      const asFile = await run(join(bin, "werf-mirror"), ["env", "--as-file", ...p.args.split(" ").filter(Boolean)], { cwd: p.dir, env, timeoutMs: 30_000 });
      assert.equal(asFile.code, p.exit, `${name}: ${describeFailure(asFile)}`);
      const printed = await run(join(bin, "werf-mirror"), ["env", ...p.args.split(" ").filter(Boolean)], { cwd: p.dir, env, timeoutMs: 30_000 });
      assert.equal(printed.code, p.exit, `${name}: ${describeFailure(printed)}`);
      if (p.exit === 0) continue;
      assert.equal(asFile.stdout, "/dev/null/werf-mirror-env-failed\n", name);
      assert.match(printed.stdout, /^# werf-mirror env failed .*\nfalse\n$/, name);
    }
  });

  for (const [name, argv] of posixShells()) {
    it(`${name}: werf runs only after a passing preflight, for every idiom`, { timeout: 180_000 }, async () => {
      const env = isolatedEnv(join(base, "home"), { PATH: `${bin}:${process.env.PATH}` });
      const wrong: string[] = [];
      for (const [project, p] of Object.entries(projects)) {
        for (const [idiom, script] of IDIOMS) {
          const r = await run(argv[0]!, [...argv.slice(1), script(p.args)], { cwd: p.dir, env, timeoutMs: 30_000 });
          const ran = r.stdout.includes("WERF RAN");
          if (p.exit === 0) {
            if (!ran || !r.stdout.includes("WERF RAN: build https://mirror.example/") || r.code !== 0)
              wrong.push(`${project}: ${idiom}: werf did not run with the mirror: ${describeFailure(r)}`);
          } else if (ran || r.code === 0) {
            wrong.push(`${project} (werf-mirror exits ${p.exit}): ${idiom}: ${ran ? "werf ran" : "the shell went on with status 0"}: ${describeFailure(r)}`);
          }
        }
      }
      assert.deepEqual(wrong, []);
    });
  }

  it("after a failed preflight, sourcing <output.dir>/handoff/env.sh fails too (a stale hand-off is not left behind)", async () => {
    const env = isolatedEnv(join(base, "home"), { PATH: `${bin}:${process.env.PATH}` });
    const p = projects["preflight fails"]!;
    const envSh = join(p.dir, ".werf-mirror", "handoff", "env.sh");
    const pf = await run(join(bin, "werf-mirror"), ["preflight"], { cwd: p.dir, env, timeoutMs: 30_000 });
    assert.equal(pf.code, 1, describeFailure(pf));
    for (const [name, argv] of posixShells()) {
      const r = await run(argv[0]!, [...argv.slice(1), `. '${envSh}' && werf build`], { cwd: p.dir, env, timeoutMs: 30_000 });
      assert.ok(!r.stdout.includes("WERF RAN") && r.code !== 0, `${name}: ${describeFailure(r)}`);
      assert.match(r.stderr, /werf-mirror: preflight failed; nothing is handed to werf/, name);
    }
  });
});
