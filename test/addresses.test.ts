import { test } from "node:test";
import assert from "node:assert/strict";
import { parseMirrorUrl, parseRegistryKey, parseInsecureRegistry, parseDuration } from "../src/config/addresses.js";

const ok = <T>(r: { ok: true; value: T } | { ok: false; message: string }): T => {
  assert.ok(r.ok, "message" in r ? r.message : "");
  return (r as { value: T }).value;
};

test("mirror URLs normalize scheme, host case, default ports, trailing slashes and IPv6", () => {
  assert.deepEqual(ok(parseMirrorUrl("Mirror.GCR.io")), {
    scheme: "https",
    host: "mirror.gcr.io",
    port: undefined,
    hostPort: "mirror.gcr.io",
    path: "",
    href: "https://mirror.gcr.io",
    explicitScheme: false,
  });
  assert.equal(ok(parseMirrorUrl("https://m.example.com:443/")).href, "https://m.example.com");
  assert.equal(ok(parseMirrorUrl("http://m.example.com:80/a/b//")).href, "http://m.example.com/a/b");
  const v6 = ok(parseMirrorUrl("http://[FD00::1]:5000/cache"));
  assert.equal(v6.host, "fd00::1");
  assert.equal(v6.hostPort, "[fd00::1]:5000");
  assert.equal(v6.href, "http://[fd00::1]:5000/cache");
  assert.equal(ok(parseMirrorUrl("[::1]")).href, "https://[::1]");
});

test("mirror URLs: credentials, other schemes, queries, unsafe characters and bad hosts are refused", () => {
  const rule = (s: string) => {
    const r = parseMirrorUrl(s);
    assert.ok(!r.ok, s);
    return r.rule;
  };
  assert.equal(rule("https://u:p@m.example.com"), "url-credentials");
  assert.equal(rule("u@m.example.com"), "url-credentials");
  assert.equal(rule("oci://m.example.com"), "url-scheme");
  assert.equal(rule("https://m.example.com#x"), "url-query-fragment");
  assert.equal(rule('https://m.example.com/a"]\n[x'), "unsafe-value");
  assert.equal(rule("https://m.example.com:0"), "url-invalid");
  assert.equal(rule("https://fd00::1/x"), "url-invalid");
  assert.equal(rule("https://m.example.com/%2e%2e"), "url-invalid");
  const r = parseMirrorUrl("https://robot:TOPSECRET@m.example.com");
  assert.ok(!r.ok && !r.message.includes("TOPSECRET"));
});

test("registry keys: hosts, ports, IPv6, namespaces, wildcards and Docker Hub aliases", () => {
  assert.equal(ok(parseRegistryKey("Index.Docker.IO")).key, "docker.io");
  assert.equal(ok(parseRegistryKey("registry-1.docker.io")).key, "docker.io");
  assert.deepEqual(ok(parseRegistryKey("quay.io/org/repo")), {
    key: "quay.io/org/repo",
    host: "quay.io",
    port: undefined,
    hostPort: "quay.io",
    namespace: "org/repo",
    wildcard: false,
  });
  assert.equal(ok(parseRegistryKey("[fd00::1]:5000")).hostPort, "[fd00::1]:5000");
  assert.equal(ok(parseRegistryKey("*.Example.com")).key, "*.example.com");
  for (const bad of [
    "*.example.com/x",
    "a.*.com",
    "*example.com",
    "docker.io/",
    "docker.io/library/alpine:3.19",
    "docker.io@sha256:abc",
    "Docker.io/Library",
    "http://docker.io",
  ]) {
    assert.equal(parseRegistryKey(bad).ok, false, bad);
  }
});

test("insecure registries and durations", () => {
  assert.equal(ok(parseInsecureRegistry("10.0.0.0/8")), "10.0.0.0/8");
  assert.equal(ok(parseInsecureRegistry("FD00::/8")), "fd00::/8");
  assert.equal(ok(parseInsecureRegistry("Registry.local:5000")), "registry.local:5000");
  assert.equal(parseInsecureRegistry("10.0.0.0/40").ok, false);
  assert.equal(ok(parseDuration("500ms")), 500);
  assert.equal(ok(parseDuration("1.5s")), 1500);
  assert.equal(ok(parseDuration("1m")), 60000);
  assert.equal(parseDuration("0s").ok, false);
  assert.equal(parseDuration("5").ok, false);
});

test("isIP agrees with node:net on addresses and near-misses", async () => {
  const net = await import("node:net");
  const { isIP } = await import("../src/config/addresses.js");
  for (const s of [
    "1.2.3.4",
    "255.255.255.255",
    "256.1.1.1",
    "01.2.3.4",
    "1.2.3",
    "::",
    "::1",
    "fd00::1",
    "fd00::1::2",
    "1:2:3:4:5:6:7:8",
    "1:2:3:4:5:6:7:8:9",
    "::ffff:1.2.3.4",
    "gggg::1",
    "example.com",
    "",
    "1.2.3.4.5",
    "[::1]",
  ]) {
    assert.equal(isIP(s), net.isIP(s), s);
  }
  // Zone ids name a local interface: meaningless in a registry address, so refused on purpose.
  assert.equal(isIP("fe80::1%eth0"), 0);
});

test("registry keys and mirror URLs have length limits (image references: 255 characters)", () => {
  assert.equal(parseRegistryKey(`quay.io/${"a".repeat(247)}`).ok, true);
  assert.equal(parseRegistryKey(`quay.io/${"a".repeat(248)}`).ok, false);
  assert.equal(parseMirrorUrl(`https://m.example.com/${"a".repeat(2026)}`).ok, true);
  assert.equal(parseMirrorUrl(`https://m.example.com/${"a".repeat(2027)}`).ok, false);
});
