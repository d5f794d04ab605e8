/**
 * Fault servers on 127.0.0.1 (node:net/http): every failure ends in a clear reason within the
 * per-probe timeout, and a run with several hung mirrors takes about one timeout.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { preflight } from "../../src/preflight/preflight.js";
import { createCA, issueServerCert } from "../e2e/harness/registry.js";
import { freePort, makeTempDir, removeTempDir, requireTools } from "../e2e/harness/tools.js";
import { cli, every, hungServer, httpServer, modelFrom, writeDockerConfig, type FaultServer } from "./helpers.js";

const servers: FaultServer[] = [];
let dir: string;
before(() => {
  dir = makeTempDir("pf-faults");
});
after(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
  removeTempDir(dir);
});
async function keep<T extends FaultServer>(p: Promise<T>): Promise<T> {
  const s = await p;
  servers.push(s);
  return s;
}

const yaml = (mirrors: string[], extra = "") =>
  `version: 1\nbackend: buildah\nregistries:\n  docker.io:\n    mirrors:\n${mirrors.map((m) => `      - ${m}`).join("\n")}\npreflight:\n  timeout: 1s\n  minHealthy: 0\n${extra}`;

async function probeOne(url: string, extra = "") {
  const model = await modelFrom(dir, yaml([url], extra));
  const t0 = performance.now();
  const report = await preflight(model, { env: {} });
  return { report, mirror: report.registries[0]!.mirrors[0]!, elapsed: performance.now() - t0 };
}

describe("preflight against fault servers", () => {
  it("a hung mirror (accepts, never answers) is unreachable within the timeout", async () => {
    const s = await keep(hungServer());
    const { mirror, elapsed } = await probeOne(s.url);
    assert.equal(mirror.status, "unreachable");
    assert.match(mirror.reason!, /timed out waiting for the response headers/);
    assert.ok(elapsed < 1500, `took ${elapsed} ms`);
  });

  it("a refused port is unreachable at once", async () => {
    const port = await freePort();
    const { mirror, elapsed } = await probeOne(`http://127.0.0.1:${port}`);
    assert.equal(mirror.status, "unreachable");
    assert.match(mirror.reason!, /connection refused/);
    assert.ok(elapsed < 500, `took ${elapsed} ms`);
  });

  it("a slow body is cut at the timeout", async () => {
    const s = await keep(
      httpServer((_req, res, self) => {
        res.writeHead(200, { "Content-Type": "application/json" });
        res.write("{");
        every(self, 200, () => res.write(" "));
      }),
    );
    const { mirror, elapsed } = await probeOne(s.url);
    assert.equal(mirror.status, "unreachable");
    assert.match(mirror.reason!, /timed out reading the response body/);
    assert.ok(elapsed < 1500, `took ${elapsed} ms`);
  });

  it("a 5xx answer is unreachable with the status", async () => {
    const s = await keep(httpServer((_req, res) => res.writeHead(503).end("down")));
    const { mirror } = await probeOne(s.url);
    assert.equal(mirror.status, "unreachable");
    assert.match(mirror.reason!, /answered 503 \(server error\)/);
  });

  it("a redirect loop ends with a clear reason", async () => {
    const s = await keep(
      httpServer((req, res) => {
        res.writeHead(302, { Location: req.url === "/v2/" ? "/elsewhere/" : "/v2/" }).end();
      }),
    );
    const { mirror } = await probeOne(s.url);
    assert.equal(mirror.status, "unreachable");
    assert.match(mirror.reason!, /redirect loop/);
    assert.ok(s.requests.length <= 7, `${s.requests.length} requests`);
  });

  it("a 404 at /v2/ says the URL or its path is wrong", async () => {
    const s = await keep(httpServer((_req, res) => res.writeHead(404).end()));
    const { mirror } = await probeOne(`${s.url}/dockerhub`);
    assert.equal(mirror.status, "unreachable");
    assert.match(mirror.reason!, /no Registry API v2 there/);
  });

  it("a bad (untrusted) certificate is unreachable and says to set ca", async (t) => {
    if (!requireTools(["openssl"]).tools) return t.skip("openssl not installed");
    const ca = await createCA(`${dir}/ca-bad`);
    const cert = await issueServerCert(ca, `${dir}/tls-bad`);
    const s = await keep(httpServer((_req, res) => res.writeHead(200).end("{}"), cert));
    const { mirror } = await probeOne(s.url);
    assert.equal(mirror.status, "unreachable");
    assert.match(mirror.reason!, /TLS certificate of 127\.0\.0\.1:\d+ is not trusted .*`ca:`/);
    // insecure: true skips verification
    const insecure = await probeOne(`{ url: "${s.url}", insecure: true }`);
    assert.equal(insecure.mirror.status, "healthy", insecure.mirror.reason);
  });

  it("an https mirror that speaks plain http says so", async () => {
    const s = await keep(httpServer((_req, res) => res.writeHead(200).end("{}")));
    const { mirror } = await probeOne(s.url.replace("http:", "https:"));
    assert.equal(mirror.status, "unreachable");
    assert.match(mirror.reason!, /TLS handshake .* failed/);
  });

  it('a header over 16 KiB is "response headers too large", not "does it speak TLS?"', async () => {
    const s = await keep(httpServer((_req, res) => res.writeHead(200, { "X-Pad": "a".repeat(20 * 1024) }).end("{}")));
    const { mirror, elapsed } = await probeOne(s.url);
    assert.equal(mirror.status, "unreachable");
    assert.equal(mirror.reason, `GET /v2/: 127.0.0.1:${s.port} sent response headers too large (over 16 KiB)`);
    assert.ok(elapsed < 500, `took ${elapsed} ms`);
  });

  it("five hung mirrors with a 1s timeout take about one timeout, not five", async () => {
    const hung = await Promise.all([1, 2, 3, 4, 5].map(() => keep(hungServer())));
    const model = await modelFrom(dir, yaml(hung.map((h) => h.url)));
    const t0 = performance.now();
    const report = await preflight(model, { env: {} });
    const elapsed = performance.now() - t0;
    assert.equal(report.registries[0]!.mirrors.filter((m) => m.status === "unreachable").length, 5);
    assert.ok(elapsed < 1600, `5 hung mirrors took ${Math.round(elapsed)} ms`);
    assert.ok(elapsed >= 950, `returned before the timeout: ${Math.round(elapsed)} ms`);
  });

  it("unhealthy: fail makes the CLI exit 1; drop exits 0 and leaves the mirror out", async () => {
    const port = await freePort();
    const s = await keep(httpServer((_req, res) => res.writeHead(200).end("{}")));
    const file = `${dir}/policy.yaml`;
    const { writeFileSync } = await import("node:fs");
    writeFileSync(file, yaml([`http://127.0.0.1:${port}`, s.url], "output:\n  dir: out-policy\n"));
    const drop = await cli(["preflight", "--config", file, "--format", "json"], { cwd: dir });
    assert.equal(drop.code, 0, drop.stderr);
    const report = JSON.parse(drop.stdout);
    assert.deepEqual(report.registries[0].kept, [s.url]);
    const fail = await cli(["preflight", "--config", file, "--unhealthy", "fail"], { cwd: dir });
    assert.equal(fail.code, 1);
    assert.match(fail.stdout, /error: http:\/\/127\.0\.0\.1:\d+ is unreachable: GET \/v2\/: connection refused/);
  });

  it("every report format agrees with the exit code: a mirror dropped or kept by policy is no JUnit failure; under fail it is", async () => {
    const port = await freePort();
    const s = await keep(httpServer((_req, res) => res.writeHead(200).end("{}")));
    const dead = `http://127.0.0.1:${port}`;
    const file = `${dir}/agree.yaml`;
    const { writeFileSync } = await import("node:fs");
    writeFileSync(file, yaml([dead, s.url], "output:\n  dir: out-agree\n"));
    const deadCase = new RegExp(`<testcase classname="werf-mirror\\.preflight\\.docker\\.io" name="${dead.replace(/[.:/]/g, "\\$&")}"[^>]*>\\n\\s+<([a-z-]+)`);
    for (const [policy, code, inDeadCase] of [
      ["drop", 0, "skipped"],
      ["warn", 0, "system-out"],
      ["fail", 1, "failure"],
    ] as const) {
      const r = await cli(["preflight", "--config", file, "--unhealthy", policy, "--format", "junit"], { cwd: dir });
      assert.equal(r.code, code, `${policy}: ${r.stderr}`);
      const failures = (r.stdout.match(/<failure /g) ?? []).length;
      assert.match(r.stdout, new RegExp(`<testsuites name="werf-mirror preflight" tests="\\d+" failures="${failures}"`), policy);
      assert.equal(failures > 0, code !== 0, `${policy}: ${failures} JUnit failure(s) with exit ${code}:\n${r.stdout}`);
      assert.equal(deadCase.exec(r.stdout)?.[1], inDeadCase, `${policy}:\n${r.stdout}`);
      const verdicts: boolean[] = [];
      for (const format of ["text", "markdown", "json"] as const) {
        const out = (await cli(["preflight", "--config", file, "--unhealthy", policy, "--format", format], { cwd: dir })).stdout;
        verdicts.push(
          format === "json" ? JSON.parse(out).ok : format === "text" ? /^preflight passed /m.test(out) : out.startsWith("### werf-mirror preflight ✅"),
        );
      }
      assert.deepEqual(verdicts, [code === 0, code === 0, code === 0], `${policy}: text, markdown, json`);
    }
  });

  it("credentials go to the mirror only, never to another host after a redirect", async () => {
    const secret = "s3cr3t-never-printed";
    const other = await keep(httpServer((_req, res) => res.writeHead(200, { "Docker-Content-Digest": "sha256:" + "a".repeat(64) }).end()));
    const mirror = await keep(
      httpServer((req, res) => {
        if (!req.headers.authorization) {
          res.writeHead(401, { "WWW-Authenticate": 'Basic realm="fake"' }).end();
          return;
        }
        if (req.url === "/v2/") return void res.writeHead(200).end("{}");
        res.writeHead(307, { Location: `${other.url}${req.url}` }).end();
      }),
    );
    const cfg = makeTempDir("pf-dockercfg");
    try {
      writeDockerConfig(cfg, { [`127.0.0.1:${mirror.port}`]: { username: "u", password: secret } });
      const model = await modelFrom(dir, yaml([mirror.url], "  probe: library/alpine:latest\n"));
      const report = await preflight(model, { env: { DOCKER_CONFIG: cfg } });
      const m = report.registries[0]!.mirrors[0]!;
      assert.equal(m.status, "healthy", m.reason);
      assert.equal(m.credentials, true);
      assert.ok(mirror.requests.some((r) => r.method === "HEAD" && r.authorization?.startsWith("Basic ")));
      assert.equal(other.requests.length, 1);
      assert.equal(other.requests[0]!.authorization, undefined, "Authorization leaked to another host");
      assert.ok(!JSON.stringify(report).includes(secret));
      assert.ok(!JSON.stringify(report).includes(Buffer.from(`u:${secret}`).toString("base64")));
    } finally {
      removeTempDir(cfg);
    }
  });
});
