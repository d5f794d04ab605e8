// fixtures/precedence/<case>/: a config file, an invocation (env and flags) and the
// `config --explain` output it must give: every value and the layer it came from.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { runCli } from "./helpers/cli.js";

const root = join(import.meta.dirname, "..", "fixtures", "precedence");

for (const name of readdirSync(root).sort()) {
  const dir = join(root, name);
  test(`precedence ${name}: config --explain shows each value from the expected layer`, async () => {
    const { env, args } = JSON.parse(readFileSync(join(dir, "invocation.json"), "utf8")) as { env: Record<string, string>; args: string[] };
    const r = await runCli(["config", "--explain", ...args], { cwd: dir, env });
    assert.equal(r.code, 0, r.stderr);
    const expectedFile = join(dir, "expected.txt");
    if (process.env.WERF_MIRROR_UPDATE_GOLDEN === "1") writeFileSync(expectedFile, r.stdout);
    assert.equal(r.stdout, readFileSync(expectedFile, "utf8"));
  });
}
