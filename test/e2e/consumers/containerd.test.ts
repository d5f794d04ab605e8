/**
 * Proves the rendered containerd hosts directory (`certs.d/<host>/hosts.toml`)
 * with a real containerd 1.6 and `ctr images pull --hosts-dir <out>/certs.d`.
 *
 * It is ctr that reads hosts.toml; a file it cannot parse is only logged as
 * `failed to decode hosts.toml` and ctr silently uses the default host, so
 * every case also asserts that no such line appeared. ctr runs inside a private
 * network namespace with the registries (containerd itself is reached through
 * its unix socket), so a fallback to registry-1.docker.io cannot leave the machine.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";

import { startContainerd, type Containerd, type CtrPullResult } from "../harness/containerd.js";
import { makeImageLayout, pushImage, type ImageLayout } from "../harness/image.js";
import { startRegistry, type Registry } from "../harness/registry.js";
import { makeTempDir, removeTempDir, startNetNs, type NetNs } from "../harness/tools.js";
import { ALPINE, config, count, missingTools, renderCase, renderedFile, settleAll, showRun, skipped, started, Stops } from "./support.js";

const DEAD = "http://127.0.0.1:9";

describe("containerd (ctr --hosts-dir) with the rendered certs.d tree", { timeout: 170_000 }, () => {
  let skip: string | null = null;
  const stops = new Stops();
  let work = "";
  let ns!: NetNs;
  let up!: Registry;
  let mir!: Registry;
  let tlsMir!: Registry;
  let v6Mir!: Registry;
  let ctd!: Containerd;
  let upImg!: ImageLayout;
  let mirImg!: ImageLayout;
  let nsImg!: ImageLayout;
  let onlyUpImg!: ImageLayout;
  let tlsImg!: ImageLayout;
  let v6Img!: ImageLayout;

  before(async () => {
    skip = missingTools(
      ["docker-registry", "skopeo", "containerd", "ctr", "unshare", "nsenter", "ip", "curl", "openssl"],
      "containerd and a network namespace",
    );
    if (skip) return;
    work = makeTempDir("cons-ctd");
    stops.add("work dir", () => removeTempDir(work));
    ns = await startNetNs(work);
    stops.add("netns", () => ns.stop());
    [up, mir, tlsMir, v6Mir, ctd] = await settleAll([
      started(stops, "upstream", startRegistry({ name: "ctd-up", netns: ns })),
      started(stops, "mirror", startRegistry({ name: "ctd-mirror", netns: ns })),
      started(stops, "tls mirror", startRegistry({ name: "ctd-tls", netns: ns, tls: true })),
      started(stops, "ipv6 mirror", startRegistry({ name: "ctd-v6", netns: ns, ipv6: true })),
      started(stops, "containerd", startContainerd()),
    ]);

    upImg = makeImageLayout(join(work, "oci-up"), { tag: "3.19", content: "served by the upstream registry\n" });
    onlyUpImg = makeImageLayout(join(work, "oci-up"), { tag: "1", content: "only the upstream has this one\n" });
    mirImg = makeImageLayout(join(work, "oci-mirror"), { tag: "3.19", content: "served by the mirror\n" });
    nsImg = makeImageLayout(join(work, "oci-ns"), { tag: "3.19", content: "served by the mirror under /dockerhub\n" });
    tlsImg = makeImageLayout(join(work, "oci-tls"), { tag: "3.19", content: "served by the TLS mirror\n" });
    v6Img = makeImageLayout(join(work, "oci-v6"), { tag: "3.19", content: "served by the mirror on [::1]\n" });
    await Promise.all([
      pushImage(upImg.dir, `docker://${up.hostPort}/library/alpine:3.19`, { netns: ns }),
      pushImage(onlyUpImg.dir, `docker://${up.hostPort}/library/only-upstream:1`, { netns: ns, tag: "1" }),
      pushImage(mirImg.dir, `docker://${mir.hostPort}/library/alpine:3.19`, { netns: ns }),
      pushImage(nsImg.dir, `docker://${mir.hostPort}/dockerhub/library/alpine:3.19`, { netns: ns }),
      pushImage(tlsImg.dir, `docker://${tlsMir.hostPort}/library/alpine:3.19`, { netns: ns, destCertDir: tlsMir.tls!.ca.certDir }),
      // Pushed over 127.0.0.1 (skopeo 1.9 cannot parse an IPv6 reference); pulled over [::1].
      pushImage(v6Img.dir, `docker://${v6Mir.hostPort}/library/alpine:3.19`, { netns: ns }),
    ]);
  });

  after(() => stops.run());

  async function renderHosts(label: string, yaml: string): Promise<string> {
    const r = await renderCase(work, label, yaml, "containerd");
    return join(r.out, "certs.d");
  }

  async function pull(ref: string, hostsDir: string, timeoutMs = 40_000): Promise<CtrPullResult> {
    const r = await ctd.ctrPull(ref, hostsDir, { netns: ns, timeoutMs });
    assert.deepEqual(r.decodeErrors, [], `ctr could not decode a rendered hosts.toml\n${showRun(r)}`);
    return r;
  }

  async function storedDigest(ref: string): Promise<string | undefined> {
    return (await ctd.images()).get(ref);
  }

  const upKey = () => up.hostPort;
  const upRef = (rest = "library/alpine:3.19") => `${up.hostPort}/${rest}`;

  it("ctr pulls docker.io/library/alpine through the rendered docker.io/hosts.toml mirror (plain http mirror)", { timeout: 40_000 }, async (t) => {
    if (skipped(t, skip)) return;
    const dir = await renderHosts("plain", config(`registries:\n  docker.io:\n    mirrors: [${mir.url}]\n`));
    const before = count(mir, "/v2/library/alpine/manifests/3.19");
    const r = await pull(ALPINE, dir);
    assert.ok(r.ok, showRun(r));
    assert.equal(await storedDigest(ALPINE), mirImg.manifestDigest, "containerd stored the mirror's image");
    assert.ok(count(mir, "/v2/library/alpine/manifests/3.19") > before, "the mirror resolved the tag");
  });

  it("ctr pulls docker.io/library/alpine from a namespaced mirror path (http://M/dockerhub -> /v2/dockerhub/library/alpine)", {
    timeout: 40_000,
  }, async (t) => {
    if (skipped(t, skip)) return;
    const dir = await renderHosts("ns-path", config(`registries:\n  docker.io:\n    mirrors: [${mir.url}/dockerhub]\n`));
    const before = count(mir, "/v2/dockerhub/library/alpine/manifests/3.19");
    const r = await pull(ALPINE, dir);
    assert.ok(r.ok, showRun(r));
    assert.equal(await storedDigest(ALPINE), nsImg.manifestDigest, "the image stored under /dockerhub on the mirror");
    assert.ok(count(mir, "/v2/dockerhub/library/alpine/manifests/3.19") > before);
  });

  it("ctr pulls from an insecure (plain http) registry listed in insecureRegistries without --plain-http", { timeout: 40_000 }, async (t) => {
    if (skipped(t, skip)) return;
    const dir = await renderHosts("insecure", config(`insecureRegistries: [${upKey()}]\n`));
    const r = await pull(upRef(), dir);
    assert.ok(r.ok, showRun(r));
    assert.equal(await storedDigest(upRef()), upImg.manifestDigest);
  });

  it("ctr with a digest-only mirror (capabilities pull, no resolve): a tag pull goes upstream, a digest pull is served by the mirror", {
    timeout: 40_000,
  }, async (t) => {
    if (skipped(t, skip)) return;
    const dir = await renderHosts(
      "digest-only",
      config(`registries:\n  ${upKey()}:\n    mirrors:\n      - url: ${mir.url}\n        pull: digest-only\ninsecureRegistries: [${upKey()}]\n`),
    );
    const mirTag = count(mir, "/v2/library/alpine/manifests/3.19");
    const tag = await pull(upRef(), dir);
    assert.ok(tag.ok, showRun(tag));
    assert.equal(await storedDigest(upRef()), upImg.manifestDigest, "tag pull: the upstream's image");
    assert.equal(count(mir, "/v2/library/alpine/manifests/3.19"), mirTag, "tag pull: the mirror did not resolve the tag");

    const ref = upRef(`library/alpine@${mirImg.manifestDigest}`);
    const byDigest = await pull(ref, dir);
    assert.ok(byDigest.ok, showRun(byDigest));
    assert.ok(count(mir, `manifests/${mirImg.manifestDigest}`) > 0, "digest pull: the mirror served it (only the mirror has that digest)");
    assert.equal(count(up, `manifests/${mirImg.manifestDigest}`), 0);
  });

  it("ctr with fallback on: a dead mirror, and the upstream (server) serves the pull", { timeout: 40_000 }, async (t) => {
    if (skipped(t, skip)) return;
    const dir = await renderHosts(
      "fallback-on",
      config(`registries:\n  ${upKey()}:\n    mirrors: [${DEAD}]\n    fallback: true\ninsecureRegistries: [${upKey()}]\n`),
    );
    const before = count(up, "/v2/library/alpine/manifests/3.19");
    const r = await pull(upRef(), dir);
    assert.ok(r.ok, showRun(r));
    assert.equal(await storedDigest(upRef()), upImg.manifestDigest);
    assert.ok(count(up, "/v2/library/alpine/manifests/3.19") > before, "the upstream served it after the dead mirror");
    assert.match(r.stderr, /127\.0\.0\.1:9/, "ctr tried the dead mirror first");
  });

  it("ctr with fallback off: a dead mirror fails the pull and the upstream is never asked", { timeout: 40_000 }, async (t) => {
    if (skipped(t, skip)) return;
    const dir = await renderHosts(
      "fallback-off-dead",
      config(`registries:\n  ${upKey()}:\n    mirrors: [${DEAD}]\n    fallback: false\ninsecureRegistries: [${upKey()}]\n`),
    );
    const before = count(up, "/v2/library/alpine/manifests/3.19");
    const r = await pull(upRef("library/alpine:3.19"), dir);
    assert.equal(r.ok, false, showRun(r));
    assert.equal(count(up, "/v2/library/alpine/manifests/3.19"), before, "no fallback to the upstream");
  });

  it("ctr with fallback off and a live mirror: the mirror serves, an image only the upstream has is not fetched from it", { timeout: 40_000 }, async (t) => {
    if (skipped(t, skip)) return;
    const dir = await renderHosts(
      "fallback-off-live",
      config(`registries:\n  ${upKey()}:\n    mirrors: [${mir.url}]\n    fallback: false\ninsecureRegistries: [${upKey()}]\n`),
    );
    const r = await pull(upRef(), dir);
    assert.ok(r.ok, showRun(r));
    assert.equal(await storedDigest(upRef()), mirImg.manifestDigest);
    const upBefore = count(up, "/v2/library/only-upstream/");
    const only = await pull(upRef("library/only-upstream:1"), dir);
    assert.equal(only.ok, false, showRun(only));
    assert.equal(count(up, "/v2/library/only-upstream/"), upBefore, "the upstream was never asked");
  });

  it("ctr trusts an https mirror signed by a private CA through the rendered `ca` (mirror ca: option)", { timeout: 40_000 }, async (t) => {
    if (skipped(t, skip)) return;
    const dir = await renderHosts(
      "tls-ca",
      config(`registries:\n  docker.io:\n    mirrors:\n      - url: ${tlsMir.url}\n        ca: ${tlsMir.tls!.ca.cert}\n`),
    );
    const before = count(tlsMir, "/v2/library/alpine/manifests/3.19");
    const r = await pull(ALPINE, dir);
    assert.ok(r.ok, showRun(r));
    assert.equal(await storedDigest(ALPINE), tlsImg.manifestDigest);
    assert.ok(count(tlsMir, "/v2/library/alpine/manifests/3.19") > before);
  });

  it("an IPv6 mirror as `server` (fallback: false): containerd 1.6 reads the value and pulls through [::1]", { timeout: 40_000 }, async (t) => {
    if (skipped(t, skip)) return;
    const r = await renderCase(work, "v6-server", config(`registries:\n  docker.io:\n    mirrors: ["${v6Mir.ipv6Url}"]\n    fallback: false\n`), "containerd");
    assert.match(renderedFile(r, "certs.d/docker.io/hosts.toml"), /^server = "http:\/\/\[::1\]:\d+"$/m);
    assert.doesNotMatch(r.cli.stderr, /IPv6/, "nothing to warn about: `server` is a value every containerd reads");
    const before = count(v6Mir, "/v2/library/alpine/manifests/3.19");
    const p = await pull(ALPINE, join(r.out, "certs.d"));
    assert.ok(p.ok, showRun(p));
    assert.equal(await storedDigest(ALPINE), v6Img.manifestDigest, "the image on the [::1] mirror");
    assert.ok(count(v6Mir, "/v2/library/alpine/manifests/3.19") > before);
  });

  it('an IPv6 mirror in a [host."..."] key: containerd 1.6 cannot decode the file and ignores it, as render warns', { timeout: 40_000 }, async (t) => {
    if (skipped(t, skip)) return;
    const r = await renderCase(work, "v6-host", config(`registries:\n  docker.io:\n    mirrors: ["${v6Mir.ipv6Url}"]\n`), "containerd");
    assert.ok(renderedFile(r, "certs.d/docker.io/hosts.toml").includes(`[host."${v6Mir.ipv6Url}"]`));
    assert.match(
      r.cli.stderr,
      /containerd \(hosts\.toml\): docker\.io: a mirror on an IPv6 address for http:\/\/\[::1\]:\d+ cannot be expressed: containerd 1\.6 and 1\.7/,
    );
    const before = count(v6Mir, "/v2/");
    const p = await ctd.ctrPull(ALPINE, join(r.out, "certs.d"), { netns: ns, timeoutMs: 20_000 });
    assert.equal(p.ok, false, showRun(p));
    assert.ok(
      p.decodeErrors.some((l) => /table key cannot contain/.test(l)),
      `ctr: failed to decode hosts.toml\n${showRun(p)}`,
    );
    assert.equal(count(v6Mir, "/v2/"), before, "the mirror was never asked: ctr fell back to the default host");
  });

  it("the rendered hosts.toml files all decode (no `failed to decode` from ctr) for a config with every expressible feature", {
    timeout: 40_000,
  }, async (t) => {
    if (skipped(t, skip)) return;
    const r = await renderCase(
      work,
      "everything",
      config(
        [
          "registries:",
          "  docker.io:",
          "    mirrors:",
          `      - ${mir.url}/dockerhub`,
          `      - url: ${mir.url}`,
          "        pull: digest-only",
          `      - url: ${tlsMir.url}`,
          `        ca: ${tlsMir.tls!.ca.cert}`,
          `  ${upKey()}:`,
          `    mirrors: [${DEAD}, ${mir.url}]`,
          "    fallback: false",
          `insecureRegistries: [${upKey()}, 127.0.0.1:7]`,
          "",
        ].join("\n"),
      ),
      "containerd",
    );
    for (const host of ["docker.io", upKey(), "127.0.0.1:7"]) renderedFile(r, `certs.d/${host}/hosts.toml`);
    const dir = join(r.out, "certs.d");
    const a = await pull(ALPINE, dir);
    assert.ok(a.ok, showRun(a));
    assert.equal(await storedDigest(ALPINE), nsImg.manifestDigest, "the first mirror (namespaced path) served it");
    const b = await pull(upRef(), dir);
    assert.ok(b.ok, showRun(b));
    assert.equal(await storedDigest(upRef()), mirImg.manifestDigest, "dead mirror skipped, the last mirror (as server) served it");
    // Nothing listens on 127.0.0.1:7: the pull fails, but ctr must still have decoded its hosts.toml.
    const c = await pull("127.0.0.1:7/library/alpine:3.19", dir, 20_000);
    assert.equal(c.ok, false, showRun(c));
    assert.match(c.stderr, /http:\/\/127\.0\.0\.1:7\/v2\//, "ctr used the rendered http:// server for the insecure registry");
  });
});
