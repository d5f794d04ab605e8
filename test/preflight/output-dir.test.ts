/**
 * An output directory that cannot be created or written is the user's to fix: preflight, env and
 * exec exit 2 (not 70, "internal error") with a message that names the path and what to do, and
 * exec does not run its command. Also for the file `env --output-file-path` names.
 */
import assert from "node:assert/strict";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { makeTempDir, removeTempDir } from "../e2e/harness/tools.js";
import { cli } from "./helpers.js";
import { failedHandoffText } from "../../src/format/env.js";

let dir: string;
before(() => {
  dir = makeTempDir("pf-outdir");
});
after(() => removeTempDir(dir));

const config = (outDir: string) => `version: 1\nbackend: buildah\nregistries:\n  docker.io:\n    mirrors: [https://a.example]\noutput:\n  dir: ${outDir}\n`;

describe("an output.dir that cannot be written", () => {
  for (const [label, outDir, why] of [
    ["is a regular file", "taken", /taken: it exists and is not a directory \(EEXIST\)|a part of its path is a file, not a directory \(ENOTDIR\)/],
    ["lies under a regular file", "taken/sub", /a part of its path is a file, not a directory \(ENOTDIR\)/],
  ] as const) {
    it(`${label}: preflight, env and exec exit 2 naming the path and what to do`, async () => {
      const project = join(dir, outDir.replace(/\//g, "-"));
      mkdirSync(project, { recursive: true });
      writeFileSync(join(project, "taken"), "a user file\n");
      writeFileSync(join(project, "werf-mirror.yaml"), config(outDir));
      const marker = join(project, "ran");
      for (const args of [
        ["preflight", "--offline"],
        ["preflight", "--offline", "--format", "json"],
        ["env", "--offline"],
        ["env", "--offline", "--as-file"],
        ["exec", "--offline", "--", process.execPath, "-e", `require('fs').writeFileSync(${JSON.stringify(marker)}, '')`],
      ]) {
        const r = await cli(args, { cwd: project });
        const what = `${args.join(" ")}: ${r.stderr}`;
        assert.equal(r.code, 2, what);
        assert.match(r.stderr, new RegExp(`^werf-mirror: cannot write ${join(project, outDir).replace(/[/.-]/g, "\\$&")}/`, "m"), what);
        assert.match(r.stderr, why, what);
        assert.match(r.stderr, /Point output\.dir \(--out-dir, WERF_MIRROR_OUT_DIR\) at a directory you can write, or move what is in the way\./, what);
        assert.doesNotMatch(r.stderr, /internal error|at .*\.ts:\d+/, what);
        // env fails closed: only what stops the shell's idiom (see handoff-fail-closed.test.ts).
        const failClosed = args[0] !== "env" ? "" : args.includes("--as-file") ? "/dev/null/werf-mirror-env-failed\n" : failedHandoffText("sh");
        assert.equal(r.stdout, failClosed, what);
      }
      assert.ok(!existsSync(marker), "exec ran its command");
      assert.equal(readFileSync(join(project, "taken"), "utf8"), "a user file\n");
    });
  }

  it("env --output-file-path under a regular file: exit 2, names that option", async () => {
    const project = join(dir, "explicit");
    mkdirSync(project, { recursive: true });
    writeFileSync(join(project, "taken"), "a user file\n");
    writeFileSync(join(project, "werf-mirror.yaml"), config("out"));
    const r = await cli(["env", "--offline", "--output-file-path", "taken/env.sh"], { cwd: project });
    assert.equal(r.code, 2, r.stderr);
    assert.match(
      r.stderr,
      /cannot write .*\/explicit\/taken\/env\.sh: .*\/explicit\/taken: .*\((EEXIST|ENOTDIR)\)\. Point --output-file-path at a directory you can write/,
    );
    assert.equal(r.stdout, "/dev/null/werf-mirror-env-failed\n");
  });
});
