// Network bounds and proxies, against servers on 127.0.0.1 only:
// - a response body is read up to 64 KiB, however much the server sends (endless bodies, huge tokens);
// - the Authorization header never follows a redirect to another origin, and Basic credentials
//   never go to a token realm over plain http on another host;
// - HTTPS_PROXY/HTTP_PROXY/ALL_PROXY/NO_PROXY (and lower-case forms) are honoured with curl's
//   NO_PROXY rules; https is tunnelled with CONNECT; the proxy is never handed the mirror's
//   credentials; the proxy URL's own user info is never printed.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { createServer as createHttpServer, request as httpRequest, type IncomingMessage } from "node:http";
import { connect as netConnect, type Socket } from "node:net";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { bypassesProxy, envTransport, nodeTransport, proxyEnv, proxyFor } from "../../src/preflight/http.js";
import { preflight } from "../../src/preflight/preflight.js";
import { fetchToken } from "../../src/preflight/token.js";
import { createCA, issueServerCert } from "../e2e/harness/registry.js";
import { freePort, makeTempDir, removeTempDir, requireTools } from "../e2e/harness/tools.js";
import { cli, every, httpServer, modelFrom, writeDockerConfig, type FaultServer } from "../preflight/helpers.js";

const servers: { close(): Promise<void> }[] = [];
let dir: string;
before(() => {
  dir = makeTempDir("hardening-net");
});
after(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
  removeTempDir(dir);
});
async function keep<T extends { close(): Promise<void> }>(p: Promise<T>): Promise<T> {
  const s = await p;
  servers.push(s);
  return s;
}

const now = () => performance.now();
const yaml = (mirrors: string[], extra = "") =>
  `version: 1\nbackend: buildah\nregistries:\n  docker.io:\n    mirrors:\n${mirrors.map((m) => `      - ${m}`).join("\n")}\npreflight:\n  timeout: 2s\n  minHealthy: 0\n${extra}`;

/** A server that answers 200 and then writes forever (until the client goes away). */
function endless(self: FaultServer, res: import("node:http").ServerResponse): void {
  const chunk = Buffer.alloc(16 * 1024, 0x61);
  const pump = () => {
    while (!res.destroyed && res.write(chunk));
    if (!res.destroyed) res.once("drain", pump);
  };
  res.on("close", () => undefined);
  pump();
  every(self, 1000, () => undefined);
}

describe("bounded responses", () => {
  it("an endless body is cut at 64 KiB, at once, not at the deadline", async () => {
    let sent = 0;
    const s = await keep(
      httpServer((_req, res, self) => {
        res.writeHead(200, { "Content-Type": "application/json" });
        res.on("drain", () => undefined);
        const orig = res.write.bind(res);
        res.write = ((c: Buffer) => {
          sent += c.length;
          return orig(c);
        }) as typeof res.write;
        endless(self, res);
      }),
    );
    const t0 = now();
    const r = await nodeTransport({ url: new URL(`${s.url}/v2/`), method: "GET", deadline: t0 + 5000, verifyTls: true }, now);
    const elapsed = now() - t0;
    assert.equal(r.status, 200);
    assert.equal(r.truncated, true);
    assert.equal(r.body.length, 64 * 1024);
    assert.ok(elapsed < 2000, `took ${Math.round(elapsed)} ms: the body was read to the deadline`);
    assert.ok(sent >= 64 * 1024);
  });

  it("a smaller limit is honoured exactly", async () => {
    const s = await keep(httpServer((_req, res, self) => (res.writeHead(200), endless(self, res))));
    const r = await nodeTransport({ url: new URL(`${s.url}/`), method: "GET", deadline: now() + 5000, verifyTls: true, maxBodyBytes: 1000 }, now);
    assert.equal(r.body.length, 1000);
    assert.equal(r.truncated, true);
  });

  it("an endless /v2/ body still gives a verdict; an endless token response is refused as too large", async () => {
    const s = await keep(
      httpServer((req, res, self) => {
        if (req.url === "/v2/") {
          res.writeHead(401, { "WWW-Authenticate": `Bearer realm="http://127.0.0.1:${self.port}/token",service="x"` });
          return endless(self, res);
        }
        if (req.url?.startsWith("/token")) {
          res.writeHead(200, { "Content-Type": "application/json" });
          res.write('{"token":"');
          return endless(self, res);
        }
        res.writeHead(200).end();
      }),
    );
    const model = await modelFrom(dir, yaml([s.url], "  probe: library/alpine:latest\n"));
    const t0 = now();
    const report = await preflight(model, { env: {} });
    const m = report.registries[0]!.mirrors[0]!;
    assert.equal(m.status, "degraded", m.reason);
    assert.match(m.reason!, /token response is too large/);
    assert.ok(now() - t0 < 1500, "did not wait for the deadline");
  });

  it('endless response headers fail fast: too large, not "does it speak TLS?"', async () => {
    const port = await freePort();
    const sockets = new Set<Socket>();
    const server = (await import("node:net")).createServer((sock) => {
      sockets.add(sock);
      sock.on("error", () => undefined);
      sock.write("HTTP/1.1 200 OK\r\n");
      const t = setInterval(() => {
        if (sock.destroyed) return clearInterval(t);
        sock.write(`X-Pad: ${"a".repeat(4000)}\r\n`);
      }, 1);
      sock.on("close", () => clearInterval(t));
    });
    await new Promise<void>((r) => server.listen(port, "127.0.0.1", r));
    servers.push({ close: () => new Promise<void>((r) => (sockets.forEach((s) => s.destroy()), server.close(() => r()))) });
    const t0 = now();
    await assert.rejects(
      nodeTransport({ url: new URL(`http://127.0.0.1:${port}/v2/`), method: "GET", deadline: t0 + 3000, verifyTls: true }, now),
      (e: Error) => {
        assert.equal(e.message, `127.0.0.1:${port} sent response headers too large (over 16 KiB)`);
        return true;
      },
    );
    assert.ok(now() - t0 < 2000);
  });
});

describe("credentials stay with their origin", () => {
  it("a token realm over plain http on another host gets no Basic credentials", async () => {
    const realm = await keep(httpServer((_req, res) => res.writeHead(200, { "Content-Type": "application/json" }).end('{"token":"t"}')));
    const token = await fetchToken(
      {
        challenge: { scheme: "bearer", params: { realm: `http://localhost:${realm.port}/token` } } as never,
        repository: "library/alpine",
        credentials: { username: "u", password: "pw-must-not-leak", source: "x" },
        mirrorUrl: new URL(`http://127.0.0.1:${realm.port}/v2/`),
        deadline: now() + 2000,
        verifyTls: true,
      },
      nodeTransport,
      now,
    );
    assert.equal(token.token, "t");
    assert.equal(token.credentialsSent, false);
    assert.equal(realm.requests.length, 1);
    assert.equal(realm.requests[0]!.authorization, undefined, "Basic credentials went to a third-party realm over http");
  });

  it("a redirect to another port of the same host (another origin) drops Authorization", async () => {
    const other = await keep(httpServer((_req, res) => res.writeHead(200, { "Docker-Content-Digest": `sha256:${"b".repeat(64)}` }).end()));
    const mirror = await keep(
      httpServer((req, res) => {
        if (!req.headers.authorization) return void res.writeHead(401, { "WWW-Authenticate": 'Basic realm="r"' }).end();
        if (req.url === "/v2/") return void res.writeHead(200).end("{}");
        res.writeHead(302, { Location: `http://127.0.0.1:${other.port}${req.url}` }).end();
      }),
    );
    const cfg = makeTempDir("net-cfg");
    try {
      writeDockerConfig(cfg, { [`127.0.0.1:${mirror.port}`]: { username: "u", password: "pw-redirect" } });
      const model = await modelFrom(dir, yaml([mirror.url], "  probe: library/alpine:latest\n"));
      const report = await preflight(model, { env: { DOCKER_CONFIG: cfg } });
      assert.equal(report.registries[0]!.mirrors[0]!.status, "healthy", report.registries[0]!.mirrors[0]!.reason);
      assert.ok(other.requests.length >= 1);
      for (const r of other.requests) assert.equal(r.authorization, undefined);
    } finally {
      removeTempDir(cfg);
    }
  });
});

interface ProxyRecord {
  method: string;
  target: string;
  authorization?: string;
  proxyAuthorization?: string;
}

/**
 * A forward proxy on 127.0.0.1 that records what it is asked: CONNECT host:port (tunnelled to
 * 127.0.0.1:port, whatever the host: names such as mirror.test resolve only here) and
 * absolute-form requests (forwarded the same way).
 */
async function recordingProxy(): Promise<{ port: number; url: string; asked: ProxyRecord[]; close(): Promise<void> }> {
  const asked: ProxyRecord[] = [];
  const sockets = new Set<Socket>();
  const record = (req: IncomingMessage) =>
    asked.push({
      method: req.method ?? "",
      target: req.url ?? "",
      ...(req.headers.authorization ? { authorization: req.headers.authorization } : {}),
      ...(req.headers["proxy-authorization"] ? { proxyAuthorization: req.headers["proxy-authorization"] } : {}),
    });
  const server = createHttpServer((req, res) => {
    record(req);
    const u = new URL(req.url ?? "/");
    const headers = { ...req.headers };
    delete headers["proxy-authorization"];
    const up = httpRequest({ host: "127.0.0.1", port: Number(u.port || 80), method: req.method, path: u.pathname + u.search, headers, agent: false }, (r) => {
      res.writeHead(r.statusCode ?? 502, r.headers);
      r.pipe(res);
    });
    up.on("error", () => res.writeHead(502).end());
    req.pipe(up);
  });
  server.on("connect", (req: IncomingMessage, client: Socket, head: Buffer) => {
    record(req);
    sockets.add(client);
    client.on("error", () => undefined);
    const port = Number((req.url ?? "").split(":").pop());
    const upstream = netConnect(port, "127.0.0.1", () => {
      client.write("HTTP/1.1 200 Connection Established\r\n\r\n");
      if (head.length) upstream.write(head);
      upstream.pipe(client);
      client.pipe(upstream);
    });
    sockets.add(upstream);
    upstream.on("error", () => client.destroy());
  });
  server.on("connection", (s: Socket) => {
    sockets.add(s);
    s.on("close", () => sockets.delete(s));
  });
  const port = await freePort();
  await new Promise<void>((r) => server.listen(port, "127.0.0.1", r));
  return {
    port,
    url: `http://127.0.0.1:${port}`,
    asked,
    close: () =>
      new Promise<void>((r) => {
        for (const s of sockets) s.destroy();
        server.close(() => r());
      }),
  };
}

describe("environment proxies", () => {
  it("NO_PROXY follows curl: *, host suffixes, leading dots, ports, IPs and CIDRs, case-insensitive", () => {
    const u = (s: string) => new URL(s);
    const cases: [string, string, boolean][] = [
      ["https://mirror.corp.example:5000/v2/", "*", true],
      ["https://mirror.corp.example/v2/", "corp.example", true],
      ["https://mirror.corp.example/v2/", ".corp.example", true],
      ["https://mirror.corp.example/v2/", "*.corp.example", true],
      ["https://corp.example/v2/", ".corp.example", true],
      ["https://mirror.corp.example/v2/", "rp.example", false],
      ["https://notcorp.example/v2/", "corp.example", false],
      ["https://MIRROR.Corp.Example/v2/", "CORP.EXAMPLE", true],
      ["https://mirror.corp.example:5000/v2/", "mirror.corp.example:5000", true],
      ["https://mirror.corp.example:5001/v2/", "mirror.corp.example:5000", false],
      ["https://mirror.corp.example/v2/", "mirror.corp.example:443", true],
      ["http://mirror.corp.example/v2/", "mirror.corp.example:443", false],
      ["https://10.1.2.3/v2/", "10.0.0.0/8", true],
      ["https://11.1.2.3/v2/", "10.0.0.0/8", false],
      ["https://10.1.2.3/v2/", "10.1.2.3", true],
      ["https://10.1.2.33/v2/", "10.1.2.3", false],
      ["https://[fd00::1]:5000/v2/", "[fd00::1]:5000", true],
      ["https://[fd00::1]:5000/v2/", "fd00::/8", true],
      ["https://a.example/v2/", "b.example, a.example", true],
      ["https://a.example/v2/", "b.example a.example", true],
      ["https://a.example/v2/", "", false],
      ["https://a.example/v2/", " , ", false],
    ];
    for (const [url, noProxy, want] of cases) assert.equal(bypassesProxy(u(url), noProxy), want, `${url} with NO_PROXY=${noProxy}`);
  });

  it("lower-case variables win (curl), ALL_PROXY is the fallback, loopback never goes through a proxy", () => {
    const s = proxyEnv({ HTTPS_PROXY: "http://upper:1", https_proxy: "http://lower:2", ALL_PROXY: "http://all:3", NO_PROXY: "a", no_proxy: "b" });
    assert.deepEqual(s, { https: "http://lower:2", http: "http://all:3", noProxy: "b" });
    assert.equal(proxyFor(new URL("https://x.example/"), s)?.host, "lower:2");
    assert.equal(proxyFor(new URL("http://x.example/"), s)?.host, "all:3");
    assert.equal(proxyFor(new URL("https://b/"), s), undefined);
    for (const h of ["127.0.0.1:5000", "127.8.9.10", "localhost:5000", "[::1]:5000", "registry.localhost"]) {
      assert.equal(proxyFor(new URL(`https://${h}/`), s), undefined, h);
    }
    assert.equal(proxyFor(new URL("https://x.example/"), proxyEnv({ HTTPS_PROXY: "proxy.corp:3128" }))?.href, "http://proxy.corp:3128/");
    assert.throws(() => proxyFor(new URL("https://x.example/"), proxyEnv({ HTTPS_PROXY: "socks5://p:1080" })), /only http:\/\/ proxies/);
  });

  it("http mirror: absolute-form request through HTTP_PROXY; NO_PROXY bypasses it", async () => {
    const proxy = await keep(recordingProxy());
    const mirror = await keep(httpServer((_req, res) => res.writeHead(200).end("{}")));
    const url = `http://mirror.test:${mirror.port}`;
    const model = await modelFrom(dir, yaml([url]));
    const via = await preflight(model, { env: { HTTP_PROXY: proxy.url } });
    assert.equal(via.registries[0]!.mirrors[0]!.status, "healthy", via.registries[0]!.mirrors[0]!.reason);
    assert.deepEqual(
      proxy.asked.map((a) => `${a.method} ${a.target}`),
      [`GET ${url}/v2/`],
    );

    for (const noProxy of ["mirror.test", ".test", "*", `mirror.test:${mirror.port}`]) {
      proxy.asked.length = 0;
      const direct = await preflight(model, { env: { http_proxy: proxy.url, no_proxy: noProxy } });
      assert.deepEqual(proxy.asked, [], `NO_PROXY=${noProxy}: the proxy was asked`);
      // Going direct, mirror.test does not resolve here: proof that it really bypassed the proxy.
      assert.match(direct.registries[0]!.mirrors[0]!.reason ?? "", /not found \(DNS\)|not reachable|EAI_AGAIN/, `NO_PROXY=${noProxy}`);
    }
    proxy.asked.length = 0;
    await preflight(model, { env: { HTTP_PROXY: proxy.url, NO_PROXY: `mirror.test:${mirror.port + 1},other.test` } });
    assert.equal(proxy.asked.length, 1, "an entry for another port or host must not bypass the proxy");
  });

  it("https mirror: CONNECT tunnel only, TLS verified end to end, credentials never seen by the proxy", async (t) => {
    if (!requireTools(["openssl"]).tools) return t.skip("openssl not installed");
    const ca = await createCA(join(dir, "ca-proxy"));
    const cert = await issueServerCert(ca, join(dir, "tls-proxy"), ["mirror.test"]);
    let tokenAuth: string | undefined;
    const mirror = await keep(
      httpServer((req, res, self) => {
        if (req.url === "/v2/")
          return void res.writeHead(401, { "WWW-Authenticate": `Bearer realm="https://mirror.test:${self.port}/token",service="s"` }).end();
        if (req.url?.startsWith("/token")) {
          tokenAuth = req.headers.authorization;
          return void res.writeHead(200, { "Content-Type": "application/json" }).end('{"token":"tok-in-tunnel"}');
        }
        if (req.headers.authorization === "Bearer tok-in-tunnel") return void res.writeHead(200, { "Docker-Content-Digest": `sha256:${"c".repeat(64)}` }).end();
        res.writeHead(401).end();
      }, cert),
    );
    const proxy = await keep(recordingProxy());
    const cfg = makeTempDir("net-proxy-cfg");
    try {
      writeDockerConfig(cfg, { [`mirror.test:${mirror.port}`]: { username: "robot", password: "pw-proxy-must-not-see" } });
      const url = `https://mirror.test:${mirror.port}`;
      const model = await modelFrom(dir, yaml([`{ url: "${url}", ca: "${ca.cert}" }`], "  probe: library/alpine:latest\n"));
      const env = { https_proxy: `http://puser:proxy-pass-secret@127.0.0.1:${proxy.port}`, DOCKER_CONFIG: cfg };
      const report = await preflight(model, { env });
      const m = report.registries[0]!.mirrors[0]!;
      assert.equal(m.status, "healthy", m.reason);
      assert.equal(m.credentials, true);
      assert.ok(proxy.asked.length >= 3, JSON.stringify(proxy.asked));
      for (const a of proxy.asked) {
        assert.equal(a.method, "CONNECT", `the proxy saw ${a.method} ${a.target}`);
        assert.match(a.target, /^mirror\.test:\d+$/);
        assert.equal(a.authorization, undefined, "the proxy was handed an Authorization header");
        assert.equal(a.proxyAuthorization, `Basic ${Buffer.from("puser:proxy-pass-secret").toString("base64")}`);
      }
      assert.ok(mirror.requests.some((r) => r.authorization === "Bearer tok-in-tunnel"));
      assert.equal(tokenAuth, `Basic ${Buffer.from("robot:pw-proxy-must-not-see").toString("base64")}`, "the realm (inside the tunnel) gets the credentials");
      assert.doesNotMatch(JSON.stringify(report), /proxy-pass-secret|pw-proxy-must-not-see/);
    } finally {
      removeTempDir(cfg);
    }
  });

  it("http mirror with credentials: tunnelled, so no request addressed to the proxy carries them", async () => {
    const proxy = await keep(recordingProxy());
    const mirror = await keep(
      httpServer((req, res) => {
        if (!req.headers.authorization) return void res.writeHead(401, { "WWW-Authenticate": 'Basic realm="r"' }).end();
        res.writeHead(200, { "Docker-Content-Digest": `sha256:${"d".repeat(64)}` }).end("{}");
      }),
    );
    const cfg = makeTempDir("net-proxy-basic");
    try {
      writeDockerConfig(cfg, { [`mirror.test:${mirror.port}`]: { username: "robot", password: "pw-basic-via-proxy" } });
      const model = await modelFrom(dir, yaml([`http://mirror.test:${mirror.port}`], "  probe: library/alpine:latest\n"));
      const report = await preflight(model, { env: { HTTP_PROXY: proxy.url, DOCKER_CONFIG: cfg } });
      const m = report.registries[0]!.mirrors[0]!;
      assert.equal(m.status, "healthy", m.reason);
      assert.ok(mirror.requests.some((r) => r.method === "HEAD" && r.authorization?.startsWith("Basic ")));
      for (const a of proxy.asked) assert.equal(a.authorization, undefined, `${a.method} ${a.target} carried Authorization`);
      assert.ok(
        proxy.asked.some((a) => a.method === "CONNECT"),
        "the credentialed request was not tunnelled",
      );
      assert.ok(
        proxy.asked.some((a) => a.method === "GET"),
        "the anonymous ping goes in absolute form",
      );
    } finally {
      removeTempDir(cfg);
    }
  });

  it("an unreachable or refusing proxy is named by host:port, never with its user info; the CLI reads the proxy from its env", async () => {
    const port = await freePort();
    const model = await modelFrom(dir, yaml(["https://mirror.test"]));
    const report = await preflight(model, { env: { HTTPS_PROXY: `http://u:proxy-pw-xyz@127.0.0.1:${port}` } });
    const reason = report.registries[0]!.mirrors[0]!.reason ?? "";
    assert.match(reason, new RegExp(`proxy 127\\.0\\.0\\.1:${port}.*connection refused`));
    assert.doesNotMatch(JSON.stringify(report), /proxy-pw-xyz|u:proxy/);

    const refusingPort = await freePort();
    const refusing = (await import("node:net")).createServer((sock) => {
      sock.on("error", () => undefined);
      sock.once("data", () => sock.end("HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\n\r\n"));
    });
    await new Promise<void>((r) => refusing.listen(refusingPort, "127.0.0.1", r));
    servers.push({ close: () => new Promise<void>((r) => refusing.close(() => r())) });
    const refused = await preflight(model, { env: { HTTPS_PROXY: `http://127.0.0.1:${refusingPort}` } });
    assert.match(refused.registries[0]!.mirrors[0]!.reason ?? "", /proxy 127\.0\.0\.1:\d+ refused the tunnel to mirror\.test \(403\)/);

    const proxy = await keep(recordingProxy());
    const mirror = await keep(httpServer((_req, res) => res.writeHead(200).end("{}")));
    const file = join(dir, "cli-proxy.yaml");
    writeFileSync(file, yaml([`http://mirror.test:${mirror.port}`], "output:\n  dir: out-proxy\n"));
    const r = await cli(["preflight", "--config", file, "--format", "json"], {
      cwd: dir,
      env: { http_proxy: `http://pu:cli-proxy-secret@127.0.0.1:${proxy.port}` },
    });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(JSON.parse(r.stdout).registries[0].mirrors[0].status, "healthy");
    assert.equal(proxy.asked.length, 1);
    assert.doesNotMatch(r.stdout + r.stderr, /cli-proxy-secret/);
  });

  it("a hung proxy is cut at the deadline", async () => {
    const { hungServer } = await import("../preflight/helpers.js");
    const hung = await keep(hungServer());
    const t0 = now();
    await assert.rejects(
      envTransport({ HTTPS_PROXY: hung.url })({ url: new URL("https://mirror.test/v2/"), method: "GET", deadline: t0 + 500, verifyTls: true }, now),
      /timed out .*proxy 127\.0\.0\.1/,
    );
    assert.ok(now() - t0 < 1200);
  });
});
