/** Pure parts of preflight and the hand-off, driven through injected I/O (no monkey-patching). */
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { describe, it } from "node:test";
import { parseChallenge } from "../../src/preflight/challenge.js";
import { authFiles, findCredentials } from "../../src/preflight/credentials.js";
import { mirrorSuffixes } from "../../src/preflight/handoff.js";
import { applyPolicy } from "../../src/preflight/policy.js";
import { readFreshReport, writeFileAtomic } from "../../src/preflight/files.js";
import { preflight } from "../../src/preflight/preflight.js";
import { shDoubleQuote } from "../../src/format/env.js";
import { preflightJunit } from "../../src/format/preflight-junit.js";
import type { Transport } from "../../src/preflight/http.js";
import type { MirrorResult } from "../../src/preflight/types.js";
import { makeTempDir, removeTempDir } from "../e2e/harness/tools.js";
import { modelFrom } from "./helpers.js";

const mirror = (url: string, status: MirrorResult["status"], latencyMs?: number): MirrorResult => ({
  registry: "docker.io",
  url,
  scheme: "https",
  status,
  ...(latencyMs !== undefined ? { latencyMs } : {}),
  checks: [],
  kept: false,
});

describe("preflight units", () => {
  it("mirror suffixes keep their order when werf sorts KEY=VALUE strings", () => {
    for (const n of [1, 2, 10, 11, 101]) {
      const lines = mirrorSuffixes(n).map((s, i) => `WERF_CONTAINER_REGISTRY_MIRROR_${s}=https://m${n - i}.example`);
      assert.deepEqual([...lines].sort(), lines, `n=${n}`);
    }
  });

  it("sh double quoting survives a real shell", () => {
    for (const v of ["plain", "with space", 'q"uote', "d$ollar $(id) `id`", "back\\slash", "single'quote"]) {
      const out = execFileSync("sh", ["-c", `printf %s ${shDoubleQuote(v)}`]).toString();
      assert.equal(out, v);
    }
  });

  it("parses Bearer and Basic challenges", () => {
    assert.deepEqual(parseChallenge('Bearer realm="https://auth.docker.io/token",service="registry.docker.io"'), {
      scheme: "bearer",
      params: { realm: "https://auth.docker.io/token", service: "registry.docker.io" },
    });
    assert.equal(parseChallenge('Basic realm="Sonatype Nexus Repository Manager"')?.scheme, "basic");
    assert.equal(parseChallenge(undefined), undefined);
  });

  it("credentials: DOCKER_CONFIG first, then REGISTRY_AUTH_FILE, then XDG_RUNTIME_DIR; namespaced keys win", async () => {
    const files = authFiles({ DOCKER_CONFIG: "/d", REGISTRY_AUTH_FILE: "/r.json", XDG_RUNTIME_DIR: "/run/u" }, "/home/x");
    assert.deepEqual(files, ["/d/config.json", "/r.json", "/run/u/containers/auth.json"]);
    assert.deepEqual(authFiles({}, "/home/x"), ["/home/x/.docker/config.json"]);
    const b64 = (s: string) => Buffer.from(s).toString("base64");
    const texts: Record<string, string> = {
      "/d/config.json": JSON.stringify({ auths: { "other.example": { auth: b64("o:o") } } }),
      "/r.json": JSON.stringify({ auths: { "nexus:8082": { auth: b64("host:h") }, "nexus:8082/dockerhub": { auth: b64("ns:n") } } }),
    };
    const read = async (p: string) => texts[p];
    assert.equal((await findCredentials("nexus:8082", "/dockerhub", files, read))?.username, "ns");
    assert.equal((await findCredentials("nexus:8082", "", files, read))?.username, "host");
    assert.equal(await findCredentials("absent:1", "", files, read), undefined);
  });

  it("policy: latency order puts healthy fastest first, degraded after; fail and minHealthy are errors", () => {
    const ms = [
      mirror("https://slow", "healthy", 300),
      mirror("https://deg", "degraded", 5),
      mirror("https://fast", "healthy", 10),
      mirror("https://dead", "unreachable"),
    ];
    const latency = applyPolicy("docker.io", ms, { unhealthy: "drop", order: "latency", minHealthy: 1 }, false);
    assert.deepEqual(latency.result.kept, ["https://fast", "https://slow", "https://deg"]);
    assert.equal(latency.result.ok, true);
    const declared = applyPolicy("docker.io", ms, { unhealthy: "warn", order: "declared", minHealthy: 1 }, false);
    assert.deepEqual(declared.result.kept, ["https://slow", "https://deg", "https://fast", "https://dead"]);
    const fail = applyPolicy("docker.io", ms, { unhealthy: "fail", order: "declared", minHealthy: 1 }, false);
    assert.equal(fail.result.ok, false);
    const min = applyPolicy("docker.io", [mirror("https://dead", "unreachable")], { unhealthy: "drop", order: "declared", minHealthy: 1 }, false);
    assert.equal(min.result.ok, false);
    assert.match(min.findings.at(-1)!.message, /0 of 1 mirror\(s\) answer, preflight.minHealthy is 1/);
  });

  it("an injected transport and clock drive preflight without a network; a stored result is fresh only within the TTL and for the same config", async () => {
    const dir = makeTempDir("pf-units");
    try {
      const model = await modelFrom(dir, "version: 1\nbackend: buildah\nregistries:\n  docker.io:\n    mirrors: [https://m.example]\n");
      let clock = 0;
      const seen: string[] = [];
      const transport: Transport = async (req) => {
        seen.push(`${req.method} ${req.url.href}`);
        clock += 7;
        return { status: 401, headers: { "www-authenticate": 'Bearer realm="https://auth.example/token"' }, body: Buffer.alloc(0), truncated: false };
      };
      const report = await preflight(model, { env: {}, transport, now: () => clock, date: () => new Date("2030-01-01T00:00:00Z") });
      assert.deepEqual(seen, ["GET https://m.example/v2/"]);
      assert.equal(report.registries[0]!.mirrors[0]!.status, "healthy");
      assert.equal(report.registries[0]!.mirrors[0]!.latencyMs, 7);
      const file = `${dir}/preflight.json`;
      await writeFileAtomic(file, JSON.stringify(report));
      const t = Date.parse("2030-01-01T00:05:00Z");
      assert.ok("report" in (await readFreshReport(file, report.configHash, t)));
      assert.match(((await readFreshReport(file, report.configHash, t + 10 * 60_000)) as { stale: string }).stale, /older than 10 minutes/);
      assert.match(
        ((await readFreshReport(file, "sha256:other", t)) as { stale: string }).stale,
        /configuration, the environment or a CA or credentials file changed/,
      );
    } finally {
      removeTempDir(dir);
    }
  });

  it("junit escapes XML in reasons", () => {
    const xml = preflightJunit({
      version: 1,
      createdAt: "2030-01-01T00:00:00.000Z",
      configHash: "x",
      offline: false,
      ok: false,
      settings: { timeoutMs: 1000, unhealthy: "fail", order: "declared", minHealthy: 1, backend: "buildah" },
      registries: [
        { registry: "docker.io", mirrors: [{ ...mirror("https://m", "unreachable"), reason: 'a <b> & "c"' }], kept: [], usable: 0, minHealthy: 1, ok: false },
      ],
      docker: { checked: false, host: "", reachable: false, mirrors: [], missing: [], extra: [] },
      findings: [{ severity: "error", registry: "docker.io", mirror: "https://m", message: "https://m is unreachable" }],
      durationMs: 5,
    });
    assert.match(xml, /a &lt;b&gt; &amp; &quot;c&quot;/);
    assert.match(xml, /tests="2" failures="2"/);
  });
});
