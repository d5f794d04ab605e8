/**
 * Docker credential helpers (`credHelpers` / `credsStore` in Docker's config.json), driven
 * through an injected runner (no process is started), plus the real node:child_process runner
 * against small sh scripts (timeout kill, output cap, exit codes, stdin), plus preflight with a
 * fake Basic-auth mirror and an injected runner. The end-to-end test with a real htpasswd
 * registry and a helper script on PATH is in credential-helper-registry.test.ts.
 */
import assert from "node:assert/strict";
import { chmodSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import {
  CredentialHelperError,
  findCredentials,
  HELPER_MAX_OUTPUT,
  runHelperProcess,
  type HelperOptions,
  type HelperRunResult,
  type RunHelper,
} from "../../src/preflight/credentials.js";
import { preflight } from "../../src/preflight/preflight.js";
import { makeTempDir, removeTempDir, requireTool } from "../e2e/harness/tools.js";
import { httpServer, modelFrom, type FaultServer } from "./helpers.js";

const SECRET = "helper-s3cret-must-not-leak";
const b64 = (s: string) => Buffer.from(s).toString("base64");
const DOCKER = "/d/config.json";
const FILES = [DOCKER, "/r.json"];

interface Call {
  command: string;
  args: string[];
  input: string;
  timeoutMs: number;
  env: Record<string, string | undefined>;
}

/** A runner that answers from a table: program -> server -> result. Records every call. */
function fakeRunner(answers: Record<string, Record<string, Partial<HelperRunResult> | { creds: { Username: string; Secret: string } }>>) {
  const calls: Call[] = [];
  const run: RunHelper = async (command, args, input, o) => {
    calls.push({ command, args, input, timeoutMs: o.timeoutMs, env: o.env });
    const a = answers[command]?.[input];
    if (!a) return { outcome: "exited", code: 1, stdout: "credentials not found in native keychain\n", stderr: "" };
    if ("creds" in a) return { outcome: "exited", code: 0, stdout: JSON.stringify({ ServerURL: input, ...a.creds }), stderr: "" };
    return { outcome: "exited", code: 0, stdout: "", stderr: "", ...a };
  };
  return { run, calls };
}

function opts(run: RunHelper, over: Partial<HelperOptions> = {}): HelperOptions {
  return { run, env: { PATH: "/helpers", HOME: "/home/x" }, dockerConfig: DOCKER, deadline: 5_000, now: () => 1_000, ...over };
}

const reader = (texts: Record<string, unknown>) => async (p: string) => (p in texts ? JSON.stringify(texts[p]) : undefined);

describe("credential helpers (injected runner)", () => {
  it("a credHelpers entry for the host wins over credsStore and the auths of the same file; stdin is host:port, args `get`", async () => {
    const { run, calls } = fakeRunner({ "docker-credential-vault": { "nexus:8082": { creds: { Username: "robot", Secret: SECRET } } } });
    const read = reader({
      [DOCKER]: { auths: { "nexus:8082": { auth: b64("file:f") } }, credHelpers: { "nexus:8082": "vault" }, credsStore: "desktop" },
    });
    const c = await findCredentials("nexus:8082", "", FILES, read, opts(run));
    assert.equal(c?.username, "robot");
    assert.equal(c?.password, SECRET);
    assert.equal(c?.source, `docker-credential-vault (credHelpers in ${DOCKER})`);
    assert.deepEqual(
      calls.map((x) => [x.command, x.args, x.input]),
      [["docker-credential-vault", ["get"], "nexus:8082"]],
    );
    // the helper gets what is left of the probe deadline and the environment (PATH, HOME)
    assert.equal(calls[0]!.timeoutMs, 4_000);
    assert.equal(calls[0]!.env.PATH, "/helpers");
  });

  it("credsStore is the default for every host, and then the auths of config.json are not used (as docker/cli)", async () => {
    const { run, calls } = fakeRunner({ "docker-credential-pass": { "nexus:8082": { creds: { Username: "p", Secret: SECRET } } } });
    const read = reader({ [DOCKER]: { auths: { "other:1": { auth: b64("file:f") } }, credsStore: "pass" } });
    assert.equal((await findCredentials("nexus:8082", "", FILES, read, opts(run)))?.username, "p");
    // not in the store: the file's auths entry is NOT consulted (docker/cli's native store replaces the file store) ...
    assert.equal(await findCredentials("other:1", "", FILES, read, opts(run)), undefined);
    assert.deepEqual(
      calls.map((x) => x.input),
      ["nexus:8082", "other:1"],
    );
  });

  it("not found in the helper: the next auth file ($REGISTRY_AUTH_FILE) is consulted", async () => {
    const { run } = fakeRunner({});
    const read = reader({ [DOCKER]: { credsStore: "pass" }, "/r.json": { auths: { "nexus:8082": { auth: b64("r:rr") } } } });
    const c = await findCredentials("nexus:8082", "", FILES, read, opts(run));
    assert.equal(c?.username, "r");
    assert.equal(c?.source, "/r.json");
  });

  it("keys go most specific first: an auths entry for host/path beats a credHelpers entry for host; a credHelpers entry for host/path is used", async () => {
    const { run, calls } = fakeRunner({
      "docker-credential-h": { "nexus:8082": { creds: { Username: "host", Secret: "s" } }, "nexus:8082/ns": { creds: { Username: "ns", Secret: "s" } } },
    });
    const fileNs = reader({ [DOCKER]: { auths: { "nexus:8082/dockerhub": { auth: b64("file-ns:x") } }, credHelpers: { "nexus:8082": "h" } } });
    assert.equal((await findCredentials("nexus:8082", "/dockerhub", FILES, fileNs, opts(run)))?.username, "file-ns");
    assert.equal(calls.length, 0);
    const helperNs = reader({ [DOCKER]: { credHelpers: { "nexus:8082/ns": "h", "nexus:8082": "h" } } });
    assert.equal((await findCredentials("nexus:8082", "/ns", FILES, helperNs, opts(run)))?.username, "ns");
    assert.equal((await findCredentials("nexus:8082", "/other", FILES, helperNs, opts(run)))?.username, "host");
  });

  it("Docker Hub is asked for as https://index.docker.io/v1/", async () => {
    const { run, calls } = fakeRunner({ "docker-credential-osxkeychain": { "https://index.docker.io/v1/": { creds: { Username: "hub", Secret: "s" } } } });
    const read = reader({ [DOCKER]: { credsStore: "osxkeychain" } });
    assert.equal((await findCredentials("index.docker.io", "", FILES, read, opts(run)))?.username, "hub");
    assert.deepEqual(
      calls.map((x) => x.input),
      ["https://index.docker.io/v1/"],
    );
  });

  it("helpers are honoured in Docker config.json only, and not at all without helper options", async () => {
    const { run, calls } = fakeRunner({ "docker-credential-x": { "nexus:8082": { creds: { Username: "h", Secret: "s" } } } });
    const read = reader({ "/r.json": { credHelpers: { "nexus:8082": "x" }, auths: { "nexus:8082": { auth: b64("r:rr") } } } });
    assert.equal((await findCredentials("nexus:8082", "", FILES, read, opts(run)))?.username, "r");
    const docker = reader({ [DOCKER]: { credHelpers: { "nexus:8082": "x" } } });
    assert.equal(await findCredentials("nexus:8082", "", FILES, docker), undefined);
    assert.equal(calls.length, 0);
  });

  it("failures are CredentialHelperError without the helper output: exit code, missing, timeout, too large, bad JSON, identity token, bad name", async () => {
    const noisy = { stdout: `oops ${SECRET}`, stderr: `trace ${SECRET}` };
    const cases: [Partial<HelperRunResult> | { creds: { Username: string; Secret: string } }, RegExp][] = [
      [{ code: 3, ...noisy }, /^credential helper docker-credential-x failed \(exit 3\)$/],
      [{ code: null, signal: "SIGSEGV", ...noisy }, /failed \(signal SIGSEGV\)/],
      [{ outcome: "not-found" }, /docker-credential-x \(named in credHelpers in \/d\/config.json\) is not on PATH/],
      [{ outcome: "timeout" }, /did not answer within the probe timeout \(4000 ms\) and was killed/],
      [{ outcome: "too-large" }, /wrote more than 65536 bytes/],
      [{ stdout: `not json ${SECRET}` }, /did not answer with JSON/],
      [{ creds: { Username: "<token>", Secret: SECRET } }, /identity tokens are not supported/],
    ];
    for (const [answer, want] of cases) {
      const { run } = fakeRunner({ "docker-credential-x": { "nexus:8082": answer } });
      const read = reader({ [DOCKER]: { credHelpers: { "nexus:8082": "x" } } });
      const err = await findCredentials("nexus:8082", "", FILES, read, opts(run)).then(
        () => assert.fail("expected a CredentialHelperError"),
        (e: unknown) => e,
      );
      assert.ok(err instanceof CredentialHelperError, String(err));
      assert.match(err.message, want);
      assert.ok(!err.message.includes(SECRET), err.message);
    }
    // a runner that throws (with the secret in its message) is a failure that says nothing of it
    const throwing: RunHelper = async () => {
      throw new Error(`boom ${SECRET}`);
    };
    const read = reader({ [DOCKER]: { credHelpers: { "nexus:8082": "x" } } });
    await assert.rejects(
      findCredentials("nexus:8082", "", FILES, read, opts(throwing)),
      (e: Error) => /could not be run/.test(e.message) && !e.message.includes(SECRET),
    );
    // a name that is a path is never run
    const { run, calls } = fakeRunner({});
    const bad = reader({ [DOCKER]: { credHelpers: { "nexus:8082": "../../bin/sh" } } });
    await assert.rejects(findCredentials("nexus:8082", "", FILES, bad, opts(run)), /not a plain name/);
    // no time left in the deadline: not run either
    const late = reader({ [DOCKER]: { credsStore: "x" } });
    await assert.rejects(findCredentials("nexus:8082", "", FILES, late, opts(run, { now: () => 5_000 })), /no time left/);
    assert.equal(calls.length, 0);
  });

  it("an empty answer is no credentials (as docker/cli)", async () => {
    const { run } = fakeRunner({ "docker-credential-x": { "nexus:8082": { creds: { Username: "", Secret: "" } } } });
    const read = reader({ [DOCKER]: { credsStore: "x" } });
    assert.equal(await findCredentials("nexus:8082", "", FILES, read, opts(run)), undefined);
  });
});

describe("runHelperProcess: the real node:child_process runner against sh scripts", () => {
  let dir: string;
  let sh: string | null;
  before(() => {
    dir = makeTempDir("cred-runner");
    sh = requireTool("sh"); // CI=true: a missing tool fails
  });
  after(() => removeTempDir(dir));

  const script = (name: string, body: string) => {
    const p = join(dir, `docker-credential-${name}`);
    writeFileSync(p, `#!${sh}\n${body}\n`);
    chmodSync(p, 0o755);
    return p;
  };
  const env = () => ({ PATH: `${dir}:/usr/bin:/bin` });

  it("found on env.PATH; stdin (no newline) and args reach the helper; stdout comes back", async (t) => {
    if (!sh) return t.skip("no sh");
    script("echo", 'read -r s; printf \'{"ServerURL":"%s","Username":"u:%s","Secret":"x"}\' "$s" "$1"');
    const r = await runHelperProcess("docker-credential-echo", ["get"], "127.0.0.1:5000", { timeoutMs: 5_000, env: env() });
    assert.equal(r.outcome, "exited");
    assert.equal(r.code, 0);
    assert.deepEqual(JSON.parse(r.stdout), { ServerURL: "127.0.0.1:5000", Username: "u:get", Secret: "x" });
  });

  it("exit codes, not on PATH, a hard timeout (SIGKILL), and the output cap", async (t) => {
    if (!sh) return t.skip("no sh");
    script("fail", 'echo "credentials not found in native keychain"; exit 1');
    const fail = await runHelperProcess("docker-credential-fail", ["get"], "h", { timeoutMs: 5_000, env: env() });
    assert.equal(fail.outcome, "exited");
    assert.equal(fail.code, 1);
    assert.equal(fail.stdout.trim(), "credentials not found in native keychain");
    const missing = await runHelperProcess("docker-credential-absent", ["get"], "h", { timeoutMs: 5_000, env: env() });
    assert.equal(missing.outcome, "not-found");
    // `trap '' TERM`: only SIGKILL stops it
    script("hang", "trap '' TERM; while :; do sleep 1; done");
    const t0 = Date.now();
    const hang = await runHelperProcess("docker-credential-hang", ["get"], "h", { timeoutMs: 300, env: env() });
    assert.equal(hang.outcome, "timeout");
    assert.ok(Date.now() - t0 < 3_000, `took ${Date.now() - t0} ms`);
    script("big", `head -c ${HELPER_MAX_OUTPUT * 2} /dev/zero | tr '\\0' a`);
    const big = await runHelperProcess("docker-credential-big", ["get"], "h", { timeoutMs: 5_000, env: env() });
    assert.equal(big.outcome, "too-large");
    // a helper that never reads stdin is no problem
    script("noread", 'echo \'{"Username":"u","Secret":"s"}\'');
    const noread = await runHelperProcess("docker-credential-noread", ["get"], "x".repeat(200_000), { timeoutMs: 5_000, env: env() });
    assert.equal(noread.code, 0);
  });
});

describe("preflight with an injected helper runner (FAKE Basic-auth mirror, node:http)", () => {
  let mirror: FaultServer;
  before(async () => {
    mirror = await httpServer((req, res) => {
      if (req.headers.authorization !== `Basic ${b64(`robot:${SECRET}`)}`) return void res.writeHead(401, { "WWW-Authenticate": 'Basic realm="r"' }).end();
      res.writeHead(200, { "Docker-Content-Digest": `sha256:${"c".repeat(64)}` }).end();
    });
  });
  after(async () => {
    await mirror?.close();
  });

  const yaml = (url: string) =>
    [
      "version: 1",
      "backend: buildah",
      "registries:",
      "  docker.io:",
      "    mirrors:",
      `      - ${url}`,
      "preflight:",
      "  timeout: 3s",
      "  minHealthy: 0",
      "  probe: library/alpine:3.19",
      "",
    ].join("\n");

  it("healthy with the helper credentials; a failing helper makes it degraded with a reason that holds no output", async () => {
    const work = makeTempDir("pf-credhelper");
    try {
      const cfg = join(work, "dc");
      const hostPort = `127.0.0.1:${mirror.port}`;
      mkdirSync(cfg);
      writeFileSync(join(cfg, "config.json"), JSON.stringify({ credHelpers: { [hostPort]: "fake" } }));
      const model = await modelFrom(work, yaml(mirror.url));
      const good = fakeRunner({ "docker-credential-fake": { [hostPort]: { creds: { Username: "robot", Secret: SECRET } } } });
      const ok = await preflight(model, { env: { DOCKER_CONFIG: cfg, PATH: "/nowhere" }, runHelper: good.run });
      const m = ok.registries[0]!.mirrors[0]!;
      assert.equal(m.status, "healthy", m.reason);
      assert.equal(m.credentials, true);
      assert.equal(good.calls[0]!.env.PATH, "/nowhere");
      assert.ok(good.calls[0]!.timeoutMs > 0 && good.calls[0]!.timeoutMs <= 3_000);

      const bad = fakeRunner({ "docker-credential-fake": { [hostPort]: { code: 9, stdout: SECRET, stderr: SECRET } } });
      const report = await preflight(model, { env: { DOCKER_CONFIG: cfg }, runHelper: bad.run });
      const d = report.registries[0]!.mirrors[0]!;
      assert.equal(d.status, "degraded");
      assert.equal(d.credentials, false);
      assert.equal(d.reason, "probe library/alpine:3.19 needs credentials (401); credential helper docker-credential-fake failed (exit 9)");
      assert.ok(!JSON.stringify(report).includes(SECRET));
    } finally {
      removeTempDir(work);
    }
  });
});
