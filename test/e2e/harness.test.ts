/**
 * Smoke test of the e2e harness: every piece starts, serves, is used by a real
 * consumer and is stopped by pid, offline, on loopback only.
 *
 * Consumers that may fall back to docker.io (skopeo/podman/buildah with a
 * registries.conf, ctr with hosts.toml, dockerd with registry-mirrors) run
 * inside a private network namespace with only `lo`, together with the
 * registries they use, so a fallback can never leave the machine.
 */
import assert from "node:assert/strict";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it, type TestContext } from "node:test";

import { startContainerd, writeHostsToml, type Containerd } from "./harness/containerd.js";
import { startDockerd, type Dockerd } from "./harness/dockerd.js";
import { buildahPull, makeImageLayout, makeTar, podmanPull, pushImage, skopeoPull, type ImageLayout } from "./harness/image.js";
import { startRegistry, type Registry } from "./harness/registry.js";
import { findTool, makeTempDir, removeTempDir, requireRoot, requireTools, run, startNetNs, type NetNs } from "./harness/tools.js";

const REF = "docker.io/library/alpine:3.19";

/** Skip (loudly) unless all tools are installed; on CI (CI=true) a missing tool throws instead. */
function need(t: TestContext, names: readonly string[], rootFor?: string): boolean {
  const r = requireTools(names);
  if (!r.tools) {
    t.diagnostic(`SKIPPED: ${r.missing}`);
    t.skip(r.missing);
    return false;
  }
  if (rootFor) {
    const msg = requireRoot(rootFor);
    if (msg) {
      t.diagnostic(`SKIPPED: ${msg}`);
      t.skip(msg);
      return false;
    }
  }
  return true;
}

describe("tar and OCI layout (pure Node)", () => {
  it("writes a ustar archive that GNU tar reads", { timeout: 20_000 }, async (t) => {
    const dir = makeTempDir("tar");
    t.after(() => removeTempDir(dir));
    const long = `${"d".repeat(120)}/file.txt`; // needs the ustar prefix field
    const tar = makeTar([
      { name: "etc", type: "dir" },
      { name: "etc/hello.txt", type: "file", content: "hello\n" },
      { name: long, type: "file", content: "x".repeat(1000) },
    ]);
    assert.equal(tar.length % 512, 0);
    const f = join(dir, "a.tar");
    writeFileSync(f, tar);
    const tarBin = findTool("tar");
    if (!tarBin) return t.skip("tar not installed");
    const r = await run(tarBin, ["-tvf", f], { timeoutMs: 10_000 });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /etc\/hello\.txt/);
    assert.ok(r.stdout.includes(long), r.stdout);
    const x = await run(tarBin, ["-xOf", f, "etc/hello.txt"], { timeoutMs: 10_000 });
    assert.equal(x.stdout, "hello\n");
  });

  it("is reproducible, and different content gives different digests", () => {
    const a = makeTempDir("img");
    const b = makeTempDir("img");
    try {
      const one = makeImageLayout(a, { tag: "x", content: "one" });
      const oneAgain = makeImageLayout(b, { tag: "x", content: "one" });
      const two = makeImageLayout(a, { tag: "y", content: "two" });
      assert.equal(one.manifestDigest, oneAgain.manifestDigest);
      assert.notEqual(one.manifestDigest, two.manifestDigest);
      assert.notEqual(one.layerDigest, two.layerDigest);
      const index = JSON.parse(readFileSync(join(a, "index.json"), "utf8")) as { manifests: unknown[] };
      assert.equal(index.manifests.length, 2);
      assert.ok(existsSync(join(a, "oci-layout")));
    } finally {
      removeTempDir(a);
      removeTempDir(b);
    }
  });
});

describe("registry + pull-through cache on the host loopback", { timeout: 60_000 }, () => {
  const started: Array<{ stop(): Promise<void> }> = [];
  let imgDir = "";
  after(async () => {
    await Promise.all(started.map((s) => s.stop()));
    if (imgDir) removeTempDir(imgDir);
  });

  it("serves an image pushed upstream through the cache (skopeo inspect)", { timeout: 40_000 }, async (t) => {
    if (!need(t, ["docker-registry", "skopeo"])) return;
    const upstream = await startRegistry({ name: "upstream" });
    started.push(upstream);
    const cache = await startRegistry({ name: "cache", proxy: { remoteUrl: upstream.url } });
    started.push(cache);

    imgDir = makeTempDir("img");
    const img = makeImageLayout(imgDir, { tag: "3.19", content: "from upstream\n" });
    const pushed = await pushImage(img.dir, `docker://${upstream.hostPort}/library/alpine:3.19`);
    assert.equal(pushed, img.manifestDigest);

    const skopeo = findTool("skopeo")!;
    const r = await run(skopeo, ["inspect", "--tls-verify=false", `docker://${cache.hostPort}/library/alpine:3.19`], { timeoutMs: 30_000 });
    assert.equal(r.code, 0, r.stderr);
    const info = JSON.parse(r.stdout) as { Digest: string };
    assert.equal(info.Digest, img.manifestDigest);
    assert.ok(cache.hits("/v2/library/alpine/manifests/3.19").length > 0, "the cache served the manifest");
    assert.ok(upstream.hits("/v2/library/alpine/manifests/3.19").length > 0, "the cache fetched it from upstream");
  });

  it("TLS from a private CA plus htpasswd auth", { timeout: 40_000 }, async (t) => {
    if (!need(t, ["docker-registry", "skopeo", "openssl"])) return;
    if (!findTool("htpasswd") && !findTool("perl")) return t.skip("neither htpasswd nor perl for bcrypt");
    const secure = await startRegistry({ name: "secure", tls: true, auth: { username: "werf", password: "s3cret" } });
    started.push(secure);
    assert.match(secure.url, /^https:\/\/127\.0\.0\.1:\d+$/);
    const dir = makeTempDir("img");
    t.after(() => removeTempDir(dir));
    const img = makeImageLayout(dir, { tag: "v1", content: "tls\n" });
    const ca = secure.tls!.ca;
    // Wrong password is refused, right one works, and TLS is verified against our CA.
    await assert.rejects(pushImage(img.dir, `${secure.hostPort}/app:v1`, { destCertDir: ca.certDir, destCreds: "werf:wrong" }));
    const d = await pushImage(img.dir, `${secure.hostPort}/app:v1`, { destCertDir: ca.certDir, destCreds: "werf:s3cret" });
    assert.equal(d, img.manifestDigest);
    const cat = await secure.get("/v2/_catalog");
    assert.equal(cat.status, 200);
    assert.deepEqual(JSON.parse(cat.body), { repositories: ["app"] });
  });
});

describe("consumers inside a private network namespace", { timeout: 240_000 }, () => {
  let skipReason: string | null = null;
  let ns: NetNs | null = null;
  let upstream: Registry | null = null;
  let mirror: Registry | null = null;
  let img: ImageLayout | null = null;
  let work = "";
  let registriesConf = "";
  const stops: Array<() => Promise<void>> = [];

  before(async () => {
    const r = requireTools(["docker-registry", "skopeo", "unshare", "nsenter", "ip", "curl"] as const);
    if (!r.tools) {
      skipReason = r.missing;
      return;
    }
    skipReason = requireRoot("a network namespace (unshare --net)");
    if (skipReason) return;
    work = makeTempDir("ns-smoke");
    ns = await startNetNs(work);
    const nsRef = ns;
    stops.push(() => nsRef.stop());
    upstream = await startRegistry({ name: "ns-upstream", netns: ns });
    const up = upstream;
    stops.push(() => up.stop());
    // The mirror every consumer is pointed at is a pull-through cache of upstream.
    mirror = await startRegistry({ name: "ns-mirror", netns: ns, proxy: { remoteUrl: upstream.url } });
    const mi = mirror;
    stops.push(() => mi.stop());
    img = makeImageLayout(join(work, "oci"), { tag: "3.19", content: "alpine-ish, via the mirror\n" });
    const pushed = await pushImage(img.dir, `docker://${upstream.hostPort}/library/alpine:3.19`, { netns: ns });
    assert.equal(pushed, img.manifestDigest);

    registriesConf = join(work, "registries.conf");
    writeFileSync(
      registriesConf,
      [
        'unqualified-search-registries = ["docker.io"]',
        "",
        "[[registry]]",
        'prefix = "docker.io"',
        'location = "docker.io"',
        "",
        "[[registry.mirror]]",
        `location = "${mirror.hostPort}"`,
        "insecure = true",
        "",
      ].join("\n"),
    );
  });

  after(async () => {
    // Reverse order: consumers, then registries, then the namespace holder.
    for (const s of stops.reverse()) {
      try {
        await s();
      } catch (err) {
        console.error("[harness] cleanup error:", err);
      }
    }
    if (work) removeTempDir(work);
  });

  function ready(t: TestContext): boolean {
    if (skipReason) {
      t.diagnostic(`SKIPPED: ${skipReason}`);
      t.skip(skipReason);
      return false;
    }
    return true;
  }

  it("the namespace is isolated: host loopback registries are not reachable, its own are", { timeout: 20_000 }, async (t) => {
    if (!ready(t)) return;
    const r = await ns!.run("ip", ["-o", "link"], { timeoutMs: 5_000 });
    assert.equal(r.code, 0);
    assert.deepEqual(
      r.stdout
        .trim()
        .split("\n")
        .map((l) => l.split(":")[1]?.trim()),
      ["lo"],
      "only lo in the namespace",
    );
    const cat = await mirror!.get("/v2/");
    assert.equal(cat.status, 200);
  });

  it("skopeo --registries-conf pulls docker.io/library/alpine:3.19 through the mirror", { timeout: 60_000 }, async (t) => {
    if (!ready(t)) return;
    const before = mirror!.hits("/manifests/3.19").length;
    const r = await skopeoPull(REF, { registriesConf, netns: ns! });
    assert.ok(r.ok, r.stderr);
    assert.equal(r.digest, img!.manifestDigest);
    assert.ok(mirror!.hits("/manifests/3.19").length > before, "the mirror served it");
  });

  it("a dead mirror falls back to docker.io, which fails fast inside the namespace", { timeout: 60_000 }, async (t) => {
    if (!ready(t)) return;
    const dead = join(work, "registries-dead.conf");
    writeFileSync(
      dead,
      readFileSync(registriesConf, "utf8").replace(mirror!.hostPort, "127.0.0.1:9"), // discard port: nothing listens
    );
    const t0 = Date.now();
    const r = await skopeoPull(REF, { registriesConf: dead, netns: ns!, timeoutMs: 50_000 });
    assert.equal(r.ok, false);
    assert.match(r.stderr, /127\.0\.0\.1:9/);
    assert.match(r.stderr, /docker\.io/);
    t.diagnostic(`fallback failed in ${Date.now() - t0} ms: ${r.stderr.trim().split("\n").pop()}`);
  });

  it("podman pulls via CONTAINERS_REGISTRIES_CONF", { timeout: 90_000 }, async (t) => {
    if (!ready(t) || !need(t, ["podman"], "rootful podman")) return;
    const r = await podmanPull(REF, { registriesConf, netns: ns!, timeoutMs: 80_000 });
    assert.ok(r.ok, `${r.command}\n${r.stderr}`);
    assert.equal(r.imageId, img!.configDigest.slice("sha256:".length));
  });

  it("buildah pulls via CONTAINERS_REGISTRIES_CONF", { timeout: 90_000 }, async (t) => {
    if (!ready(t) || !need(t, ["buildah"], "rootful buildah")) return;
    const r = await buildahPull(REF, { registriesConf, netns: ns!, timeoutMs: 80_000 });
    assert.ok(r.ok, `${r.command}\n${r.stderr}`);
    assert.equal(r.imageId, img!.configDigest.slice("sha256:".length));
  });

  it("ctr pulls through a hand-written hosts.toml (and reports a broken one)", { timeout: 90_000 }, async (t) => {
    if (!ready(t) || !need(t, ["containerd", "ctr"], "containerd")) return;
    const ctd: Containerd = await startContainerd();
    stops.push(() => ctd.stop());
    const hostsDir = join(work, "certs.d");
    writeHostsToml(
      hostsDir,
      "docker.io",
      ['server = "https://registry-1.docker.io"', "", `[host."${mirror!.url}"]`, '  capabilities = ["pull", "resolve"]', ""].join("\n"),
    );
    const r = await ctd.ctrPull(REF, hostsDir, { netns: ns! });
    assert.ok(r.ok, `${r.command}\n${r.stderr}`);
    assert.deepEqual(r.decodeErrors, []);
    assert.equal((await ctd.images()).get(REF), img!.manifestDigest);

    const brokenDir = join(work, "certs-broken.d");
    writeHostsToml(brokenDir, "docker.io", `[host."${mirror!.url}"]\n  capabilities = "pull"\n`);
    const bad = await ctd.ctrPull("docker.io/library/alpine:broken", brokenDir, { netns: ns!, timeoutMs: 40_000 });
    assert.equal(bad.ok, false);
    assert.equal(bad.decodeErrors.length, 1, bad.stderr);
    assert.match(bad.decodeErrors[0]!, /failed to decode hosts\.toml/);
  });

  it("dockerd (in the namespace) pulls alpine:3.19 through registry-mirrors", { timeout: 120_000 }, async (t) => {
    if (!ready(t) || !need(t, ["dockerd", "docker"], "dockerd")) return;
    const daemonJson = join(work, "daemon.json");
    writeFileSync(daemonJson, JSON.stringify({ "registry-mirrors": [mirror!.url] }, null, 2));
    const d: Dockerd = await startDockerd({ configFile: daemonJson, netns: ns! });
    stops.push(() => d.stop());
    const info = await d.info();
    assert.equal(info.Driver, "vfs");
    assert.deepEqual(info.RegistryConfig?.Mirrors, [`${mirror!.url}/`]);
    const r = await d.dockerPull("alpine:3.19", { timeoutMs: 90_000 });
    assert.ok(r.ok, `${r.command}\n${r.stderr}\n${r.stdout}`);
    assert.deepEqual(await d.repoDigests("alpine:3.19"), [`alpine@${img!.manifestDigest}`]);
    assert.ok(mirror!.hits("docker/").length > 0, "dockerd asked the mirror");
  });
});
