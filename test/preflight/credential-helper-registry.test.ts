/**
 * Docker credential helpers end to end: a REAL htpasswd-protected registry (Debian's
 * docker-registry via the e2e harness) and DOCKER_CONFIG's config.json with `credHelpers`
 * naming `docker-credential-werftest`, which is a TEST SCRIPT (sh) this file writes into a temp
 * dir on PATH, standing in for a real credential helper (docker-credential-pass, -ecr-login,
 * -osxkeychain...; none is installed here). Preflight runs it for real (node:child_process), the
 * probe HEAD succeeds with its credentials, and the secret appears in no output of any format,
 * in preflight.json or in the hand-off files. A second script that fails while printing the
 * secret on stdout and stderr shows the failure reason carries none of it.
 */
import assert from "node:assert/strict";
import { chmodSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it, type TestContext } from "node:test";
import { preflight } from "../../src/preflight/preflight.js";
import { makeTempImage, pushImage } from "../e2e/harness/image.js";
import { startRegistry, type Registry } from "../e2e/harness/registry.js";
import { makeTempDir, removeTempDir, requireTools } from "../e2e/harness/tools.js";
import { cli, modelFrom } from "./helpers.js";

const TOOLS = ["docker-registry", "skopeo", "sh"] as const;
const REPO = "library/alpine";
const TAG = "3.19";
const SECRET = "h3lper-pa55-must-not-leak";

let dir: string;
let bin: string;
let basic: Registry;
let ready = false;
const stops: (() => Promise<void>)[] = [];

function need(t: TestContext): boolean {
  const r = requireTools(TOOLS); // CI=true: throws when a tool is missing
  if (!r.tools) {
    t.diagnostic(`SKIPPED: ${r.missing}`);
    t.skip(r.missing);
    return false;
  }
  assert.ok(ready, "the registry did not start (see the before hook)");
  return true;
}

before(async () => {
  dir = makeTempDir("pf-credhelper-e2e");
  const r = requireTools(TOOLS);
  if (!r.tools) return;
  const image = makeTempImage({ tag: TAG });
  stops.push(async () => removeTempDir(image.dir));
  basic = await startRegistry({ name: "helper-basic", auth: { username: "ci", password: SECRET } });
  stops.push(() => basic.stop());
  await pushImage(image.dir, `${basic.hostPort}/${REPO}:${TAG}`, { destCreds: `ci:${SECRET}` });

  // The test scripts standing in for real credential helpers. `werftest` follows the protocol:
  // `get`, the server on stdin (no newline), JSON on stdout, or the not-found text and exit 1.
  bin = join(dir, "bin");
  mkdirSync(bin);
  const sh = r.tools.sh;
  const helper = (name: string, body: string) => {
    const p = join(bin, `docker-credential-${name}`);
    writeFileSync(p, `#!${sh}\n# A test script standing in for a real Docker credential helper.\n${body}\n`);
    chmodSync(p, 0o700);
  };
  helper(
    "werftest",
    [
      '[ "$1" = get ] || exit 2',
      "IFS= read -r server || true",
      `printf '%s|%s\\n' "$1" "$server" >> '${join(dir, "werftest.log")}'`,
      `if [ "$server" = '${basic.hostPort}' ]; then`,
      `  printf '{"ServerURL":"%s","Username":"ci","Secret":"%s"}\\n' "$server" '${SECRET}'`,
      "  exit 0",
      "fi",
      'echo "credentials not found in native keychain"',
      "exit 1",
    ].join("\n"),
  );
  helper("werfbroken", `echo 'stdout ${SECRET}'; echo 'stderr ${SECRET}' >&2; exit 7`);
  ready = true;
});

after(async () => {
  for (const stop of stops.reverse()) await stop().catch(() => {});
  removeTempDir(dir);
});

const yaml = (mirror: string) =>
  [
    "version: 1",
    "backend: buildah",
    "registries:",
    "  docker.io:",
    "    mirrors:",
    `      - ${mirror}`,
    "preflight:",
    "  timeout: 5s",
    "  minHealthy: 0",
    `  probe: ${REPO}:${TAG}`,
    "",
  ].join("\n");

const walk = (d: string): string[] => readdirSync(d).flatMap((n) => (statSync(join(d, n)).isDirectory() ? walk(join(d, n)) : [join(d, n)]));

/** Every output of every preflight format and env mode, and every file written. */
async function allOutputs(work: string, env: Record<string, string>): Promise<string[]> {
  const outputs: string[] = [];
  for (const format of ["text", "json", "markdown", "junit"]) {
    const r = await cli(["preflight", "--format", format, "--verbose"], { cwd: work, env });
    assert.equal(r.code, 0, r.stderr);
    outputs.push(r.stdout, r.stderr);
  }
  for (const args of [["env"], ["env", "--as-file"], ["env", "--as-env-file"], ["env", "--shell", "powershell", "--refresh"]]) {
    const r = await cli(args, { cwd: work, env });
    assert.equal(r.code, 0, r.stderr);
    outputs.push(r.stdout, r.stderr);
  }
  const files = walk(join(work, ".werf-mirror"));
  assert.ok(
    files.some((f) => f.endsWith("preflight.json")),
    `no preflight.json among ${files.join(", ")}`,
  );
  for (const f of files) outputs.push(readFileSync(f, "utf8"));
  return outputs;
}

function assertNoSecret(outputs: string[]): void {
  const b64 = Buffer.from(`ci:${SECRET}`).toString("base64");
  for (const o of outputs) {
    assert.ok(!o.includes(SECRET), "the secret leaked");
    assert.ok(!o.includes(b64), "the base64 credentials leaked");
  }
}

describe("Docker credential helpers against a real htpasswd registry (the helper is a test script standing in for a real credential helper)", () => {
  it("credHelpers -> test-script helper on PATH: the probe HEAD succeeds with its credentials; the secret is in no output or file", async (t) => {
    if (!need(t)) return;
    const work = makeTempDir("pf-credhelper-ok");
    try {
      const cfg = join(work, "docker-config");
      mkdirSync(cfg);
      // `auths` holds a wrong password for the same host: the credHelpers entry must win.
      const wrong = Buffer.from("ci:wrong").toString("base64");
      writeFileSync(join(cfg, "config.json"), JSON.stringify({ auths: { [basic.hostPort]: { auth: wrong } }, credHelpers: { [basic.hostPort]: "werftest" } }));
      const env = { DOCKER_CONFIG: cfg, PATH: `${bin}:${process.env.PATH ?? "/usr/bin:/bin"}` };

      const report = await preflight(await modelFrom(work, yaml(basic.url)), { env });
      const m = report.registries[0]!.mirrors[0]!;
      assert.equal(m.auth, "basic");
      assert.equal(m.status, "healthy", m.reason);
      assert.equal(m.credentials, true);
      assert.ok(m.checks.some((c) => c.request === `HEAD /v2/${REPO}/manifests/${TAG}` && c.ok && c.status === 200));
      // protocol: `get`, and the server is host:port on stdin
      assert.deepEqual(readFileSync(join(dir, "werftest.log"), "utf8").trim().split("\n").slice(0, 1), [`get|${basic.hostPort}`]);

      assertNoSecret([JSON.stringify(report), ...(await allOutputs(work, env))]);
    } finally {
      removeTempDir(work);
    }
  });

  it('a failing helper (test script printing the secret, exit 7): degraded, "failed (exit 7)", and its output is in no output or file', async (t) => {
    if (!need(t)) return;
    const work = makeTempDir("pf-credhelper-bad");
    try {
      const cfg = join(work, "docker-config");
      mkdirSync(cfg);
      writeFileSync(join(cfg, "config.json"), JSON.stringify({ credsStore: "werfbroken" }));
      const env = { DOCKER_CONFIG: cfg, PATH: `${bin}:${process.env.PATH ?? "/usr/bin:/bin"}` };
      const report = await preflight(await modelFrom(work, yaml(basic.url)), { env });
      const m = report.registries[0]!.mirrors[0]!;
      assert.equal(m.status, "degraded");
      assert.equal(m.reason, `probe ${REPO}:${TAG} needs credentials (401); credential helper docker-credential-werfbroken failed (exit 7)`);
      const outputs = await allOutputs(work, env);
      assert.ok(
        outputs.some((o) => o.includes("docker-credential-werfbroken failed (exit 7)")),
        "the reason is shown",
      );
      assertNoSecret([JSON.stringify(report), ...outputs]);

      // not on PATH: says so
      const missing = await preflight(await modelFrom(work, yaml(basic.url)), { env: { DOCKER_CONFIG: cfg, PATH: "/nonexistent" } });
      assert.match(missing.registries[0]!.mirrors[0]!.reason!, /docker-credential-werfbroken \(named in credsStore in .*config\.json\) is not on PATH/);
    } finally {
      removeTempDir(work);
    }
  });
});
