/**
 * Preflight against REAL registries (Debian's docker-registry via the e2e harness): plain, TLS
 * with a private CA, htpasswd Basic auth with credentials from a DOCKER_CONFIG auth file, and
 * a namespaced (path) mirror. The Bearer token tests here use a FAKE token realm + FAKE registry
 * written in this file (edge cases: `token` vs `access_token`, the Accept header). Token auth
 * against a REAL distribution registry (with our token realm server) is in token-registry.test.ts.
 */
import assert from "node:assert/strict";
import { mkdirSync, readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it, type TestContext } from "node:test";
import { preflight } from "../../src/preflight/preflight.js";
import { makeTempImage, pushImage, type ImageLayout } from "../e2e/harness/image.js";
import { createCA, startRegistry, type CA, type Registry } from "../e2e/harness/registry.js";
import { makeTempDir, removeTempDir, requireTools, waitFor } from "../e2e/harness/tools.js";
import { cli, httpServer, modelFrom, writeDockerConfig, type FaultServer } from "./helpers.js";

const TOOLS = ["docker-registry", "skopeo", "openssl"] as const;
const REPO = "library/alpine";
const TAG = "3.19";
const SECRET = "pa55-w0rd-must-not-leak";

let dir: string;
let image: ImageLayout;
let ca: CA;
let plain: Registry;
let tls: Registry;
let basic: Registry;
let ready = false;
const stops: (() => Promise<void>)[] = [];

function need(t: TestContext): boolean {
  const r = requireTools(TOOLS);
  if (!r.tools) {
    t.diagnostic(`SKIPPED: ${r.missing}`);
    t.skip(r.missing);
    return false;
  }
  assert.ok(ready, "registries did not start (see the before hook)");
  return true;
}

before(async () => {
  dir = makeTempDir("pf-reg");
  if (!requireTools(TOOLS).tools) return;
  image = makeTempImage({ tag: TAG });
  stops.push(async () => removeTempDir(image.dir));
  ca = await createCA(join(dir, "ca"));
  plain = await startRegistry({ name: "plain" });
  stops.push(() => plain.stop());
  tls = await startRegistry({ name: "tls", tls: { ca } });
  stops.push(() => tls.stop());
  basic = await startRegistry({ name: "basic", auth: { username: "ci", password: SECRET } });
  stops.push(() => basic.stop());
  await pushImage(image.dir, `${plain.hostPort}/${REPO}:${TAG}`);
  await pushImage(image.dir, `${plain.hostPort}/dockerhub/${REPO}:${TAG}`);
  // Only under a namespace: what a proxy-cache project (Harbor, Nexus) serves.
  await pushImage(image.dir, `${plain.hostPort}/proxy/library/busybox:${TAG}`);
  await pushImage(image.dir, `${tls.hostPort}/${REPO}:${TAG}`, { destCertDir: ca.certDir });
  await pushImage(image.dir, `${basic.hostPort}/${REPO}:${TAG}`, { destCreds: `ci:${SECRET}` });
  ready = true;
});

after(async () => {
  for (const stop of stops.reverse()) await stop().catch(() => {});
  removeTempDir(dir);
});

const yaml = (mirrors: string[], opts: { backend?: string; probe?: string } = {}) =>
  [
    "version: 1",
    `backend: ${opts.backend ?? "buildah"}`,
    "registries:",
    "  docker.io:",
    "    mirrors:",
    ...mirrors.map((m) => `      - ${m}`),
    "preflight:",
    "  timeout: 3s",
    "  minHealthy: 0",
    ...(opts.probe === "" ? [] : [`  probe: ${opts.probe ?? `${REPO}:${TAG}`}`]),
    "",
  ].join("\n");

describe("preflight against real registries", () => {
  it("plain http registry: healthy, probe manifest found with its digest", async (t) => {
    if (!need(t)) return;
    const model = await modelFrom(dir, yaml([plain.url]));
    const report = await preflight(model, { env: {} });
    const m = report.registries[0]!.mirrors[0]!;
    assert.equal(m.status, "healthy", m.reason);
    assert.equal(m.auth, "none");
    const head = m.checks.find((c) => c.request.startsWith("HEAD"))!;
    assert.equal(head.request, `HEAD /v2/${REPO}/manifests/${TAG}`);
    assert.match(head.digest ?? "", /^sha256:[0-9a-f]{64}$/);
    // the registry's access log is written asynchronously
    await waitFor("access log line", async () => plain.hits(`HEAD /v2/${REPO}/manifests/${TAG}`).length > 0, { timeoutMs: 5_000 });
  });

  it("a missing probe manifest makes the mirror degraded, and it is still handed on", async (t) => {
    if (!need(t)) return;
    const model = await modelFrom(dir, yaml([plain.url], { probe: "library/nothere:1" }));
    const report = await preflight(model, { env: {} });
    const m = report.registries[0]!.mirrors[0]!;
    assert.equal(m.status, "degraded");
    assert.match(m.reason!, /probe library\/nothere:1 not found on the mirror/);
    assert.deepEqual(report.registries[0]!.kept, [plain.url]);
    assert.ok(report.findings.some((f) => f.severity === "warning" && f.mirror === plain.url));
  });

  it("a mirror with a path is a namespace on the mirror in both modes, as every consumer reads it", async (t) => {
    if (!need(t)) return;
    const url = `${plain.url}/dockerhub`;
    const buildah = await preflight(await modelFrom(dir, yaml([url])), { env: {} });
    const mb = buildah.registries[0]!.mirrors[0]!;
    assert.equal(mb.status, "healthy", mb.reason);
    assert.ok(mb.checks.some((c) => c.request === `HEAD /v2/dockerhub/${REPO}/manifests/${TAG}` && c.ok));
    // Docker mode used to ping /dockerhub/v2/ (dockerd's reading) and call the mirror unreachable,
    // although dockerd never gets a path mirror and every other consumer asks /v2/dockerhub/...
    const docker = await preflight(await modelFrom(dir, yaml([url], { backend: "docker" })), {
      env: { DOCKER_HOST: `unix://${join(dir, "no-docker.sock")}` },
    });
    const md = docker.registries[0]!.mirrors[0]!;
    assert.equal(md.status, "healthy", md.reason);
    assert.ok(md.checks.some((c) => c.request === "GET /v2/" && c.ok));
    assert.ok(!md.checks.some((c) => c.request.includes("(werf")), "in Docker mode werf is not handed a path mirror");
    // explicit docker backend + no daemon: an error
    assert.ok(docker.findings.some((f) => f.severity === "error" && /cannot ask the Docker daemon/.test(f.message)));
  });

  it("Buildah mode: preflight also asks where werf's registry API will ask (the path dropped), and warns when it is not there", async (t) => {
    if (!need(t)) return;
    const url = `${plain.url}/proxy`;
    const report = await preflight(await modelFrom(dir, yaml([url], { probe: `library/busybox:${TAG}` })), { env: {} });
    const m = report.registries[0]!.mirrors[0]!;
    assert.equal(m.status, "healthy", m.reason);
    assert.ok(m.checks.some((c) => c.request === `HEAD /v2/proxy/library/busybox/manifests/${TAG}` && c.ok));
    // werf pkg/docker_registry/generic_api.go:146-150 (v2.77.1): host + repository, the path dropped.
    const werfApi = m.checks.find((c) => c.request.startsWith(`HEAD /v2/library/busybox/manifests/${TAG} (werf's registry API`));
    assert.ok(werfApi && !werfApi.ok && werfApi.status === 404, JSON.stringify(m.checks));
    assert.ok(
      report.findings.some((f) => f.severity === "warning" && f.mirror === url && /werf's registry API will not find library\/busybox/.test(f.message)),
      JSON.stringify(report.findings),
    );
    assert.equal(report.ok, true, "a warning, not a failure: werf moves on to the next mirror");
    // Where the image is at the root too, werf's API finds it: no warning.
    const both = await preflight(await modelFrom(dir, yaml([`${plain.url}/dockerhub`])), { env: {} });
    assert.ok(both.registries[0]!.mirrors[0]!.checks.some((c) => c.request.includes("(werf's registry API") && c.ok));
    assert.ok(!both.findings.some((f) => /werf's registry API will not find/.test(f.message)));
  });

  it("TLS with a private CA: verified with `ca`, unreachable without it", async (t) => {
    if (!need(t)) return;
    const withCa = await preflight(await modelFrom(dir, yaml([`{ url: "${tls.url}", ca: "${ca.cert}" }`])), { env: {} });
    assert.equal(withCa.registries[0]!.mirrors[0]!.status, "healthy", withCa.registries[0]!.mirrors[0]!.reason);
    const without = await preflight(await modelFrom(dir, yaml([tls.url])), { env: {} });
    const m = without.registries[0]!.mirrors[0]!;
    assert.equal(m.status, "unreachable");
    assert.match(m.reason!, /not trusted/);
  });

  it("Basic auth: 401 challenge = alive; HEAD works with DOCKER_CONFIG credentials; the secret never appears", async (t) => {
    if (!need(t)) return;
    const work = makeTempDir("pf-basic");
    try {
      // Without credentials: alive, but the probe needs them → degraded.
      const anon = await preflight(await modelFrom(work, yaml([basic.url])), { env: {} });
      const a = anon.registries[0]!.mirrors[0]!;
      assert.equal(a.auth, "basic");
      assert.equal(a.status, "degraded");
      assert.match(a.reason!, /needs credentials/);

      const cfg = join(work, "docker-config");
      mkdirSync(cfg, { recursive: true });
      writeDockerConfig(cfg, { [basic.hostPort]: { username: "ci", password: SECRET } });
      const env = { DOCKER_CONFIG: cfg };
      const report = await preflight(await modelFrom(work, yaml([basic.url])), { env });
      const m = report.registries[0]!.mirrors[0]!;
      assert.equal(m.status, "healthy", m.reason);
      assert.equal(m.credentials, true);

      // Every output of every command, and every file written, is free of the secret.
      const outputs: string[] = [JSON.stringify(report)];
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
      const walk = (d: string): string[] => readdirSync(d).flatMap((n) => (statSync(join(d, n)).isDirectory() ? walk(join(d, n)) : [join(d, n)]));
      for (const f of walk(join(work, ".werf-mirror"))) outputs.push(readFileSync(f, "utf8"));
      const b64 = Buffer.from(`ci:${SECRET}`).toString("base64");
      for (const o of outputs) {
        assert.ok(!o.includes(SECRET), "the password leaked");
        assert.ok(!o.includes(b64), "the base64 credentials leaked");
      }
    } finally {
      removeTempDir(work);
    }
  });
});

describe("Bearer token auth (FAKE token realm and FAKE registry, node:http; the real registry is in token-registry.test.ts)", () => {
  let registry: FaultServer;
  const TOKEN = "fake-token-xyz";
  const CREDS = `Basic ${Buffer.from(`robot:${SECRET}`).toString("base64")}`;
  before(async () => {
    registry = await httpServer((req, res, self) => {
      const u = new URL(req.url ?? "/", "http://x");
      // The realm lives on the registry's own host (as with Harbor or GitLab), so credentials may go there over http.
      if (u.pathname === "/token") {
        if (u.searchParams.get("service") !== "fake-registry" || u.searchParams.get("scope") !== `repository:${REPO}:pull`) {
          return void res.writeHead(400).end();
        }
        // anonymous tokens under `token`, credentialed ones under `access_token` (both are in use)
        const body = req.headers.authorization === CREDS ? { access_token: `${TOKEN}-auth` } : { token: TOKEN };
        return void res.writeHead(200, { "Content-Type": "application/json" }).end(JSON.stringify(body));
      }
      const challenge = `Bearer realm="${self.url}/token",service="fake-registry",scope="repository:${REPO}:pull"`;
      const auth = req.headers.authorization;
      if (!auth?.startsWith("Bearer ")) return void res.writeHead(401, { "WWW-Authenticate": challenge }).end();
      if (u.pathname === `/v2/${REPO}/manifests/${TAG}` && req.method === "HEAD") {
        const accept = String(req.headers.accept ?? "");
        if (!accept.includes("application/vnd.oci.image.index.v1+json") || !accept.includes("application/vnd.docker.distribution.manifest.v2+json")) {
          return void res.writeHead(406).end();
        }
        return void res.writeHead(200, { "Docker-Content-Digest": `sha256:${"b".repeat(64)}` }).end();
      }
      if (u.pathname === `/v2/${REPO}/manifests/private`) {
        return void (auth === `Bearer ${TOKEN}-auth` ? res.writeHead(200).end() : res.writeHead(401, { "WWW-Authenticate": challenge }).end());
      }
      res.writeHead(404).end();
    });
  });
  after(async () => {
    await registry?.close();
  });

  it("fake realm: anonymous token, then HEAD with Bearer: healthy", async () => {
    const work = makeTempDir("pf-bearer");
    try {
      const report = await preflight(await modelFrom(work, yaml([registry.url])), { env: {} });
      const m = report.registries[0]!.mirrors[0]!;
      assert.equal(m.auth, "bearer");
      assert.equal(m.status, "healthy", m.reason);
      assert.ok(registry.requests.some((r) => r.method === "HEAD" && r.authorization === `Bearer ${TOKEN}`));
    } finally {
      removeTempDir(work);
    }
  });

  it("fake realm: a private manifest: degraded anonymously, healthy with DOCKER_CONFIG credentials (access_token)", async () => {
    const work = makeTempDir("pf-bearer2");
    try {
      const model = await modelFrom(work, yaml([registry.url], { probe: `${REPO}:private` }));
      const anon = (await preflight(model, { env: {} })).registries[0]!.mirrors[0]!;
      assert.equal(anon.status, "degraded");
      assert.match(anon.reason!, /needs credentials \(401\); none found/);
      const cfg = join(work, "dc");
      mkdirSync(cfg);
      writeDockerConfig(cfg, { [`http://127.0.0.1:${registry.port}`]: { username: "robot", password: SECRET } });
      const report = await preflight(model, { env: { DOCKER_CONFIG: cfg } });
      const m = report.registries[0]!.mirrors[0]!;
      assert.equal(m.status, "healthy", m.reason);
      assert.ok(!JSON.stringify(report).includes(SECRET));
    } finally {
      removeTempDir(work);
    }
  });
});
