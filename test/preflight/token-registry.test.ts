/**
 * Preflight against a REAL distribution 2.8 registry (Debian's docker-registry, via the e2e
 * harness) configured for token authentication (`auth: token:`). The token realm is OUR server
 * (test/e2e/harness/token-server.ts, standing in for docker_auth / Harbor core): it signs ES256
 * JWTs that the real registry verifies against its rootcertbundle. The test image is pushed with
 * real skopeo through the same token flow (a pusher account with pull+push).
 *
 *   public   http registry, http realm: anonymous requests get pull.
 *   private  https registry (private CA), https realm (same CA): anonymous requests get a token
 *            with no access; a reader account gets pull.
 *   plain    http registry, http realm on another port, private: preflight must not send the
 *            credentials there in the clear.
 *
 * The FAKE token realm + registry tests (edge cases: `access_token` only, Accept checks) stay in
 * registries.test.ts.
 */
import assert from "node:assert/strict";
import { mkdirSync, readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it, type TestContext } from "node:test";
import { preflight } from "../../src/preflight/preflight.js";
import { makeTempImage, pushImage } from "../e2e/harness/image.js";
import { createCA, issueServerCert, startRegistry, type CA, type Registry } from "../e2e/harness/registry.js";
import { startTokenServer, type TokenRequestRecord, type TokenServer } from "../e2e/harness/token-server.js";
import { makeTempDir, removeTempDir, requireTools, waitFor } from "../e2e/harness/tools.js";
import { runCli } from "../helpers/cli.js";
import { modelFrom, writeDockerConfig } from "./helpers.js";

const TOOLS = ["docker-registry", "skopeo", "openssl"] as const;
const REPO = "library/alpine";
const TAG = "3.19";
const SERVICE = "werf-mirror-e2e-registry";
const ISSUER = "werf-mirror-e2e-token-realm";
const SECRET = "r3ader-pa55-must-not-leak";
const PUSH_SECRET = "pusher-pa55-must-not-leak";
const PULL = [{ type: "repository", name: REPO, actions: ["pull"] }];

let dir: string;
let ca: CA;
let tokenPublic: TokenServer;
let tokenPrivate: TokenServer;
let tokenPlain: TokenServer;
let regPublic: Registry;
let regPrivate: Registry;
let regPlain: Registry;
let digestPublic: string;
let digestPrivate: string;
let ready = false;
const stops: (() => Promise<void>)[] = [];

function need(t: TestContext): boolean {
  const r = requireTools(TOOLS); // CI=true: throws when a tool is missing
  if (!r.tools) {
    t.diagnostic(`SKIPPED: ${r.missing}`);
    t.skip(r.missing);
    return false;
  }
  assert.ok(ready, "the token realms and registries did not start (see the before hook)");
  return true;
}

/** The comparable part of a realm request record. */
const seen = (r: TokenRequestRecord) => ({
  method: r.method,
  path: r.path,
  service: r.service,
  scopes: r.scopes,
  account: r.account,
  outcome: r.outcome,
  status: r.status,
  granted: r.granted,
});

before(async () => {
  dir = makeTempDir("pf-token");
  if (!requireTools(TOOLS).tools) return;
  const image = makeTempImage({ tag: TAG });
  stops.push(async () => removeTempDir(image.dir));
  const pusher = { password: PUSH_SECRET, actions: ["pull", "push"] as const };
  const reader = { password: SECRET, actions: ["pull"] as const };

  tokenPublic = await startTokenServer({ name: "public", service: SERVICE, issuer: ISSUER, anonymous: "pull", users: { pusher } });
  stops.push(() => tokenPublic.stop());
  regPublic = await startRegistry({ name: "token-public", tokenAuth: tokenPublic.tokenAuth });
  stops.push(() => regPublic.stop());

  ca = await createCA(join(dir, "ca"));
  tokenPrivate = await startTokenServer({
    name: "private",
    service: SERVICE,
    issuer: ISSUER,
    anonymous: "none",
    users: { pusher, reader },
    tls: await issueServerCert(ca, join(dir, "realm-tls")),
  });
  stops.push(() => tokenPrivate.stop());
  regPrivate = await startRegistry({ name: "token-private", tls: { ca }, tokenAuth: tokenPrivate.tokenAuth });
  stops.push(() => regPrivate.stop());

  tokenPlain = await startTokenServer({ name: "plain", service: SERVICE, issuer: ISSUER, anonymous: "none", users: { pusher, reader } });
  stops.push(() => tokenPlain.stop());
  regPlain = await startRegistry({ name: "token-plain", tokenAuth: tokenPlain.tokenAuth });
  stops.push(() => regPlain.stop());

  // skopeo --dest-creds: 401 Bearer challenge -> GET realm with Basic pusher creds, scope pull,push -> push with the JWT.
  digestPublic = await pushImage(image.dir, `${regPublic.hostPort}/${REPO}:${TAG}`, { destCreds: `pusher:${PUSH_SECRET}` });
  digestPrivate = await pushImage(image.dir, `${regPrivate.hostPort}/${REPO}:${TAG}`, {
    destCertDir: ca.certDir,
    destCreds: `pusher:${PUSH_SECRET}`,
  });
  await pushImage(image.dir, `${regPlain.hostPort}/${REPO}:${TAG}`, { destCreds: `pusher:${PUSH_SECRET}` });
  ready = true;
});

after(async () => {
  for (const stop of stops.reverse()) await stop().catch(() => {});
  removeTempDir(dir);
});

const yaml = (mirror: string, probe = `${REPO}:${TAG}`) =>
  [
    "version: 1",
    "backend: buildah",
    "registries:",
    "  docker.io:",
    "    mirrors:",
    `      - ${mirror}`,
    "preflight:",
    "  timeout: 3s",
    "  minHealthy: 0",
    `  probe: ${probe}`,
    "",
  ].join("\n");

describe("preflight against a real distribution registry with token auth (our token realm server)", () => {
  it("the real registry enforces the tokens of our realm server: none, foreign key, wrong scope -> 401; right one -> 200", async (t) => {
    if (!need(t)) return;
    const path = `/v2/${REPO}/manifests/${TAG}`;
    const accept = { Accept: "application/vnd.oci.image.manifest.v1+json" };
    const none = await regPublic.get(path, accept);
    assert.equal(none.status, 401);
    assert.equal(none.headers["www-authenticate"], `Bearer realm="${tokenPublic.realm}",service="${SERVICE}",scope="repository:${REPO}:pull"`);
    // Same iss/aud/access, signed by another realm's key: distribution checks the x5c chain.
    const foreign = await regPublic.get(path, { ...accept, Authorization: `Bearer ${tokenPrivate.mint(PULL)}` });
    assert.equal(foreign.status, 401);
    assert.match(foreign.headers["www-authenticate"] ?? "", /error="invalid_token"/);
    const otherRepo = await regPublic.get(path, {
      ...accept,
      Authorization: `Bearer ${tokenPublic.mint([{ type: "repository", name: "library/other", actions: ["pull"] }])}`,
    });
    assert.equal(otherRepo.status, 401);
    assert.match(otherRepo.headers["www-authenticate"] ?? "", /error="insufficient_scope"/);
    const ok = await regPublic.get(path, { ...accept, Authorization: `Bearer ${tokenPublic.mint(PULL)}` });
    assert.equal(ok.status, 200);
    assert.equal(ok.headers["docker-content-digest"], digestPublic);
  });

  it("public: anonymous pull token from our realm server, manifest HEAD with it: healthy", async (t) => {
    if (!need(t)) return;
    const work = makeTempDir("pf-token-a");
    try {
      const mark = tokenPublic.requests.length;
      const report = await preflight(await modelFrom(work, yaml(regPublic.url)), { env: {} });
      const m = report.registries[0]!.mirrors[0]!;
      assert.equal(m.status, "healthy", m.reason);
      assert.equal(m.auth, "bearer");
      assert.equal(m.credentials, false);
      assert.deepEqual(
        m.checks.map((c) => [c.request, c.ok, c.status]),
        [
          ["GET /v2/", true, 401],
          [`HEAD /v2/${REPO}/manifests/${TAG}`, true, 200],
        ],
      );
      assert.equal(m.checks[1]!.digest, digestPublic);
      assert.deepEqual(report.registries[0]!.kept, [regPublic.url]);
      // Exactly one anonymous token request, for pull on the probed repository.
      assert.deepEqual(tokenPublic.requests.slice(mark).map(seen), [
        {
          method: "GET",
          path: "/token",
          service: SERVICE,
          scopes: [`repository:${REPO}:pull`],
          account: null,
          outcome: "anonymous",
          status: 200,
          granted: PULL,
        },
      ]);
      // The real registry answered the HEAD with 200 (its access log is written asynchronously).
      const preflightHits = (needle: string) => regPublic.hits(needle).filter((l) => l.includes("werf-mirror-preflight"));
      await waitFor("registry access log of the HEAD", async () => preflightHits(`HEAD /v2/${REPO}/manifests/${TAG}`).length > 0, { timeoutMs: 5_000 });
      assert.ok(
        preflightHits(`HEAD /v2/${REPO}/manifests/${TAG}`).some((l) => l.includes('" 200 ')),
        regPublic.log(),
      );
      assert.ok(preflightHits("GET /v2/ ").some((l) => l.includes('" 401 ')));
    } finally {
      removeTempDir(work);
    }
  });

  it("private (https registry + https realm, private CA): degraded anonymously, healthy with DOCKER_CONFIG credentials; no secret or token in any output", async (t) => {
    if (!need(t)) return;
    const work = makeTempDir("pf-token-b");
    try {
      const mirror = `{ url: "${regPrivate.url}", ca: "${ca.cert}" }`;
      const model = await modelFrom(work, yaml(mirror));

      // Anonymous: the realm answers with a token without access; the registry says 401.
      let mark = tokenPrivate.requests.length;
      const anon = (await preflight(model, { env: {} })).registries[0]!.mirrors[0]!;
      assert.equal(anon.auth, "bearer");
      assert.equal(anon.status, "degraded");
      assert.equal(anon.credentials, false);
      assert.match(anon.reason!, new RegExp(`probe ${REPO}:${TAG} needs credentials \\(401\\); none found for ${regPrivate.hostPort.replace(/\./g, "\\.")}`));
      assert.deepEqual(tokenPrivate.requests.slice(mark).map(seen), [
        { method: "GET", path: "/token", service: SERVICE, scopes: [`repository:${REPO}:pull`], account: null, outcome: "anonymous", status: 200, granted: [] },
      ]);

      // A wrong password: the realm refuses it, and preflight says so.
      const bad = join(work, "dc-bad");
      mkdirSync(bad);
      writeDockerConfig(bad, { [regPrivate.hostPort]: { username: "reader", password: "wrong" } });
      mark = tokenPrivate.requests.length;
      const refused = (await preflight(model, { env: { DOCKER_CONFIG: bad } })).registries[0]!.mirrors[0]!;
      assert.equal(refused.status, "degraded");
      assert.equal(refused.credentials, true);
      assert.match(refused.reason!, /the token service refused the credentials \(401\)/);
      assert.deepEqual(
        tokenPrivate.requests.slice(mark).map((r) => [r.account, r.outcome, r.status]),
        [["reader", "refused", 401]],
      );

      // Credentials in a DOCKER_CONFIG auth file keyed by the registry's host:port.
      const cfg = join(work, "docker-config");
      mkdirSync(cfg);
      writeDockerConfig(cfg, { [regPrivate.hostPort]: { username: "reader", password: SECRET } });
      const env = { HOME: work, DOCKER_CONFIG: cfg };
      mark = tokenPrivate.requests.length;
      const report = await preflight(model, { env });
      const m = report.registries[0]!.mirrors[0]!;
      assert.equal(m.status, "healthy", m.reason);
      assert.equal(m.auth, "bearer");
      assert.equal(m.credentials, true);
      assert.equal(m.checks.find((c) => c.request.startsWith("HEAD"))?.digest, digestPrivate);
      assert.deepEqual(tokenPrivate.requests.slice(mark).map(seen), [
        {
          method: "GET",
          path: "/token",
          service: SERVICE,
          scopes: [`repository:${REPO}:pull`],
          account: "reader",
          outcome: "authenticated",
          status: 200,
          granted: PULL,
        },
      ]);

      // Every output of every command, and every file written, is free of the password and of the tokens.
      const outputs: string[] = [JSON.stringify(report), JSON.stringify(anon), JSON.stringify(refused)];
      for (const format of ["text", "json", "markdown", "junit"]) {
        const r = await runCli(["preflight", "--format", format, "--verbose"], { cwd: work, env });
        assert.equal(r.code, 0, r.stderr);
        outputs.push(r.stdout, r.stderr);
      }
      const json = await runCli(["preflight", "--format", "json"], { cwd: work, env });
      assert.equal((JSON.parse(json.stdout) as { registries: { mirrors: { status: string }[] }[] }).registries[0]!.mirrors[0]!.status, "healthy");
      outputs.push(json.stdout, json.stderr);
      for (const args of [["env"], ["env", "--as-file"], ["env", "--as-env-file"], ["env", "--shell", "powershell", "--refresh"]]) {
        const r = await runCli(args, { cwd: work, env });
        assert.equal(r.code, 0, r.stderr);
        outputs.push(r.stdout, r.stderr);
      }
      const walk = (d: string): string[] => readdirSync(d).flatMap((n) => (statSync(join(d, n)).isDirectory() ? walk(join(d, n)) : [join(d, n)]));
      const written = walk(join(work, ".werf-mirror"));
      assert.ok(
        written.some((f) => f.endsWith("preflight.json")),
        `no preflight.json in ${written.join(", ")}`,
      );
      for (const f of written) outputs.push(readFileSync(f, "utf8"));

      const tokens = tokenPrivate.issuedTokens();
      assert.ok(tokens.length >= 6, "the CLI runs fetched tokens from the realm");
      const secrets = [
        SECRET,
        Buffer.from(`reader:${SECRET}`).toString("base64"),
        ...tokens,
        ...tokens.map((tk) => tk.split(".")[2]!), // a signature alone is a leak too
      ];
      for (const o of outputs) for (const s of secrets) assert.ok(!o.includes(s), "a password or an issued token leaked into an output");
      // Our realm's own records keep no secret either.
      assert.ok(!JSON.stringify(tokenPrivate.requests).includes(SECRET));
    } finally {
      removeTempDir(work);
    }
  });

  it("private over http with the realm on another port: preflight does not send the credentials to it in the clear", async (t) => {
    if (!need(t)) return;
    const work = makeTempDir("pf-token-c");
    try {
      const cfg = join(work, "docker-config");
      mkdirSync(cfg);
      writeDockerConfig(cfg, { [regPlain.hostPort]: { username: "reader", password: SECRET } });
      const mark = tokenPlain.requests.length;
      const report = await preflight(await modelFrom(work, yaml(regPlain.url)), { env: { DOCKER_CONFIG: cfg } });
      const m = report.registries[0]!.mirrors[0]!;
      const asked = tokenPlain.requests.slice(mark);
      assert.equal(asked.length, 1);
      // http:// realm on 127.0.0.1:<other port> is another origin than the mirror: anonymous request.
      assert.equal(asked[0]!.account, null);
      assert.equal(asked[0]!.outcome, "anonymous");
      assert.equal(m.credentials, true);
      // Not healthy (skopeo, which does send them, pulls fine), but degraded mirrors are still handed on.
      // The reason says the credentials were held back, not that they were refused.
      assert.equal(m.status, "degraded");
      assert.deepEqual(report.registries[0]!.kept, [regPlain.url]);
      assert.match(m.reason ?? "", /were not sent: the token realm http:\/\/127\.0\.0\.1:\d+ is plain http on another host/);
      assert.doesNotMatch(m.reason ?? "", /refused/);
      assert.ok(!JSON.stringify(report).includes(SECRET));
    } finally {
      removeTempDir(work);
    }
  });
});
