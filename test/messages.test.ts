// What a user reads for the mistakes people make most (the fixtures check where and which rule;
// this checks that the message says what went wrong and what to do).
import { test } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { runCli } from "./helpers/cli.js";

const fixtures = join(import.meta.dirname, "..", "fixtures", "lint");
const lint = async (dir: string) => (await runCli(["lint", "--no-color", "werf-mirror.yaml"], { cwd: join(fixtures, dir) })).stdout;

test("a duration written as a bare number says to add a unit, not only that a string is expected", async () => {
  assert.match(
    await lint("invalid/duration-number"),
    /:3:12 error `preflight\.timeout` must be a string; write a duration as a number and a unit, such as `5s` or `5ms` \[invalid-type\]/,
  );
});

test("indentation mistakes are named as such, with 'an object'", async () => {
  const out = await lint("invalid/indentation");
  assert.match(
    out,
    /:3:13 error `registries\."docker\.io"` must be an object; it has no value: if the lines below belong to it, they are not indented under it/,
  );
  assert.match(
    out,
    /:4:12 error `registries\.mirrors` must be an object; `mirrors` is read as a registry name here: .*indent it \(two more spaces\) below its registry key/,
  );
  assert.doesNotMatch(out, /a object/);
});

test("findings about a CA point at its `ca:` line, not at the url", async () => {
  const out = await lint("valid/warnings");
  assert.match(out, /werf-mirror\.yaml:9:13 warning the CA file .*missing-ca\.pem does not exist/);
  assert.match(out, /werf-mirror\.yaml:11:13 warning an http:\/\/ mirror has no TLS, so its `ca` is never used/);
});

test("hub.docker.com as a key says it is the website and to use docker.io", async () => {
  assert.match(
    await lint("valid/warnings"),
    /:19:3 warning `hub\.docker\.com` is Docker Hub's website, not its registry: .*use `docker\.io` as the key \[invalid-registry\]/,
  );
});

test("an unknown key at the top level ends its sentences", async () => {
  assert.match(
    await lint("invalid/unknown-key"),
    /:8:1 error unknown key `colour` at the top level\. Allowed: version, backend, registries, insecureRegistries, unqualifiedSearchRegistries, preflight, output\. \[unknown-key\]/,
  );
});

test("skopeo is told --registries-conf (Debian's skopeo 1.9 ignores CONTAINERS_REGISTRIES_CONF); no help says skopeo reads it", async () => {
  const { mkdtempSync, rmSync, writeFileSync } = await import("node:fs");
  const { tmpdir } = await import("node:os");
  const dir = mkdtempSync(join(tmpdir(), "messages-skopeo-"));
  try {
    writeFileSync(join(dir, "werf-mirror.yaml"), "version: 1\nregistries:\n  docker.io:\n    mirrors: [https://m.example]\n");
    const r = await runCli(["render", "--target", "buildah", "--base", "/dev/null", "--cwd", dir], { cwd: dir, env: { HOME: dir } });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout + r.stderr, /skopeo: --registries-conf .*registries\.conf/);
    assert.doesNotMatch(r.stdout + r.stderr, /skopeo[^\n]*CONTAINERS_REGISTRIES_CONF/);
    for (const cmd of ["env", "render", "exec"]) {
      const help = (await runCli([cmd, "--help"], { cwd: dir })).stdout.replace(/\s+/g, " ");
      assert.doesNotMatch(help, /skopeo read/, `${cmd} --help`);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("a duplicate key is named, with the line where it first stands", async () => {
  assert.match(
    await lint("invalid/duplicate-key"),
    /werf-mirror\.yaml:5:3 error the key `docker\.io` appears twice in this mapping \(first at line 3\); keep one/,
  );
});
