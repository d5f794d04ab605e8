/**
 * Proves the rendered registries.conf (containers-registries.conf v2) with its
 * real consumers: skopeo (`--registries-conf`), podman and buildah
 * (`CONTAINERS_REGISTRIES_CONF`).
 *
 * Everything runs inside one private network namespace: an "upstream" registry
 * U, a mirror registry M holding *different* images under the same names (so a
 * digest tells who served a pull), a pull-through cache C of U, and the
 * consumers. docker.io references are only ever pulled in there, where a
 * fallback to registry-1.docker.io fails at once instead of leaving the machine.
 */
import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";

import { buildahPull, makeImageLayout, podmanPull, pushImage, skopeoPull, type ImageLayout } from "../harness/image.js";
import { startRegistry, type Registry } from "../harness/registry.js";
import { makeTempDir, removeTempDir, startNetNs, type NetNs } from "../harness/tools.js";
import { ALPINE, config, count, missingTools, renderCase, renderedFile, settleAll, showRun, skipped, started, Stops, type Rendered } from "./support.js";

/** Nothing listens on the discard port inside the namespace: a dead mirror. */
const DEAD = "http://127.0.0.1:9";

describe("registries.conf consumers: skopeo, podman, buildah", { timeout: 170_000 }, () => {
  let skip: string | null = null;
  const stops = new Stops();
  let work = "";
  let ns!: NetNs;
  /** Upstream: the registry the images "really" live in. */
  let up!: Registry;
  /** Mirror: the same names with other content, plus a copy under /dockerhub. */
  let mir!: Registry;
  /** Pull-through cache of up. */
  let cache!: Registry;
  let upImg!: ImageLayout;
  let mirImg!: ImageLayout;
  let nsImg!: ImageLayout;
  let onlyUpImg!: ImageLayout;
  let emptyBase = "";

  before(async () => {
    skip = missingTools(["docker-registry", "skopeo", "unshare", "nsenter", "ip", "curl"], "a private network namespace (unshare --net)");
    if (skip) return;
    work = makeTempDir("cons-rc");
    stops.add("work dir", () => removeTempDir(work));
    ns = await startNetNs(work);
    stops.add("netns", () => ns.stop());
    [up, mir] = await settleAll([
      started(stops, "upstream", startRegistry({ name: "rc-up", netns: ns })),
      started(stops, "mirror", startRegistry({ name: "rc-mirror", netns: ns })),
    ]);
    cache = await started(stops, "cache", startRegistry({ name: "rc-cache", netns: ns, proxy: { remoteUrl: up.url } }));

    upImg = makeImageLayout(join(work, "oci-up"), { tag: "3.19", content: "served by the upstream registry\n" });
    onlyUpImg = makeImageLayout(join(work, "oci-up"), { tag: "1", content: "only the upstream has this one\n" });
    mirImg = makeImageLayout(join(work, "oci-mirror"), { tag: "3.19", content: "served by the mirror\n" });
    nsImg = makeImageLayout(join(work, "oci-ns"), { tag: "3.19", content: "served by the mirror under /dockerhub\n" });
    await Promise.all([
      pushImage(upImg.dir, `docker://${up.hostPort}/library/alpine:3.19`, { netns: ns }),
      pushImage(onlyUpImg.dir, `docker://${up.hostPort}/library/only-upstream:1`, { netns: ns, tag: "1" }),
      pushImage(mirImg.dir, `docker://${mir.hostPort}/library/alpine:3.19`, { netns: ns }),
      pushImage(nsImg.dir, `docker://${mir.hostPort}/dockerhub/library/alpine:3.19`, { netns: ns }),
    ]);
    emptyBase = join(work, "empty-base.conf");
    writeFileSync(emptyBase, "");
  });

  after(() => stops.run());

  /** Render registries.conf (buildah target) from an empty base; returns the file path. */
  async function renderConf(label: string, yaml: string, backend = "buildah", base = emptyBase): Promise<{ file: string; r: Rendered }> {
    const r = await renderCase(work, label, yaml, backend, ["--base", base]);
    renderedFile(r, "registries.conf");
    return { file: join(r.out, "registries.conf"), r };
  }

  /** The upstream as a registry key (only reachable inside the namespace). */
  const upKey = () => up.hostPort;
  const upRef = (rest = "library/alpine:3.19") => `${up.hostPort}/${rest}`;

  it("skopeo pulls docker.io/library/alpine through the rendered registries.conf mirror (plain http mirror, mirror content served)", {
    timeout: 40_000,
  }, async (t) => {
    if (skipped(t, skip)) return;
    const { file } = await renderConf("plain", config(`registries:\n  docker.io:\n    mirrors: [${mir.url}]\n`));
    const before = count(mir, "GET /v2/library/alpine/manifests/3.19");
    const r = await skopeoPull(ALPINE, { registriesConf: file, netns: ns });
    assert.ok(r.ok, showRun(r));
    assert.equal(r.digest, mirImg.manifestDigest, "the image is the mirror's, not anybody else's");
    assert.ok(count(mir, "GET /v2/library/alpine/manifests/3.19") > before, "the mirror served the manifest");
  });

  it("skopeo pulls docker.io/library/alpine through a pull-through cache mirror (cache asked, upstream content)", { timeout: 40_000 }, async (t) => {
    if (skipped(t, skip)) return;
    const { file } = await renderConf("cache", config(`registries:\n  docker.io:\n    mirrors:\n      - url: ${cache.url}\n`));
    const r = await skopeoPull(ALPINE, { registriesConf: file, netns: ns });
    assert.ok(r.ok, showRun(r));
    assert.equal(r.digest, upImg.manifestDigest);
    assert.ok(count(cache, "/v2/library/alpine/manifests/3.19") > 0, "the cache was asked");
    assert.ok(count(up, "/v2/library/alpine/manifests/3.19") > 0, "the cache filled itself from the upstream");
  });

  it("skopeo pulls docker.io/library/alpine from a namespaced mirror path (http://M/dockerhub -> /v2/dockerhub/library/alpine)", {
    timeout: 40_000,
  }, async (t) => {
    if (skipped(t, skip)) return;
    const { file } = await renderConf("ns-path", config(`registries:\n  docker.io:\n    mirrors: [${mir.url}/dockerhub]\n`));
    const before = count(mir, "GET /v2/dockerhub/library/alpine/manifests/3.19");
    const r = await skopeoPull(ALPINE, { registriesConf: file, netns: ns });
    assert.ok(r.ok, showRun(r));
    assert.equal(r.digest, nsImg.manifestDigest, "the image stored under /dockerhub on the mirror");
    assert.ok(count(mir, "GET /v2/dockerhub/library/alpine/manifests/3.19") > before);
  });

  it("skopeo uses the mirror of a namespaced key (docker.io/library/alpine) for that repository only", { timeout: 40_000 }, async (t) => {
    if (skipped(t, skip)) return;
    const { file } = await renderConf("ns-key", config(`registries:\n  docker.io/library/alpine:\n    mirrors: [${mir.url}/dockerhub]\n`));
    const r = await skopeoPull(ALPINE, { registriesConf: file, netns: ns });
    assert.ok(r.ok, showRun(r));
    assert.equal(r.digest, nsImg.manifestDigest);
    // Another repository is not under the key: docker.io itself (unreachable in the namespace), mirror not asked.
    const other = await skopeoPull("docker.io/library/busybox:1", { registriesConf: file, netns: ns, timeoutMs: 30_000 });
    assert.equal(other.ok, false, showRun(other));
    assert.equal(count(mir, "busybox"), 0, "the mirror is not used outside the namespaced key");
  });

  it("skopeo with a digest-only mirror: a tag pull goes to the upstream, a digest pull is served by the mirror", { timeout: 40_000 }, async (t) => {
    if (skipped(t, skip)) return;
    const { file } = await renderConf(
      "digest-only",
      config(`registries:\n  ${upKey()}:\n    mirrors:\n      - url: ${mir.url}\n        pull: digest-only\ninsecureRegistries: [${upKey()}]\n`),
    );
    const mirTagHits = count(mir, "GET /v2/library/alpine/manifests/3.19");
    const tag = await skopeoPull(upRef(), { registriesConf: file, netns: ns });
    assert.ok(tag.ok, showRun(tag));
    assert.equal(tag.digest, upImg.manifestDigest, "tag pull: the upstream's image");
    assert.equal(count(mir, "GET /v2/library/alpine/manifests/3.19"), mirTagHits, "tag pull: the mirror was not asked");

    const byDigest = await skopeoPull(upRef(`library/alpine@${mirImg.manifestDigest}`), { registriesConf: file, netns: ns });
    assert.ok(byDigest.ok, showRun(byDigest));
    assert.equal(byDigest.digest, mirImg.manifestDigest);
    assert.ok(count(mir, `manifests/${mirImg.manifestDigest}`) > 0, "digest pull: the mirror served it (only the mirror has that digest)");
    assert.equal(count(up, `manifests/${mirImg.manifestDigest}`), 0, "digest pull: the upstream was not needed");
  });

  it("skopeo with a tag-only mirror: a tag pull is served by the mirror, a digest pull goes to the upstream", { timeout: 40_000 }, async (t) => {
    if (skipped(t, skip)) return;
    const { file } = await renderConf(
      "tag-only",
      config(`registries:\n  ${upKey()}:\n    mirrors:\n      - url: ${mir.url}\n        pull: tag-only\ninsecureRegistries: [${upKey()}]\n`),
    );
    const tag = await skopeoPull(upRef(), { registriesConf: file, netns: ns });
    assert.ok(tag.ok, showRun(tag));
    assert.equal(tag.digest, mirImg.manifestDigest, "tag pull: the mirror's image");

    const byDigest = await skopeoPull(upRef(`library/alpine@${upImg.manifestDigest}`), { registriesConf: file, netns: ns });
    assert.ok(byDigest.ok, showRun(byDigest));
    assert.equal(byDigest.digest, upImg.manifestDigest);
    assert.equal(count(mir, `manifests/${upImg.manifestDigest}`), 0, "digest pull: the tag-only mirror was not asked");
    assert.ok(count(up, `manifests/${upImg.manifestDigest}`) > 0, "digest pull: the upstream served it");
  });

  it("skopeo with fallback on: a dead mirror, and the upstream serves the pull", { timeout: 40_000 }, async (t) => {
    if (skipped(t, skip)) return;
    const { file } = await renderConf(
      "fallback-on",
      config(`registries:\n  ${upKey()}:\n    mirrors: [${DEAD}]\n    fallback: true\ninsecureRegistries: [${upKey()}]\n`),
    );
    const r = await skopeoPull(upRef(), { registriesConf: file, netns: ns });
    assert.ok(r.ok, showRun(r));
    assert.equal(r.digest, upImg.manifestDigest);
  });

  it("skopeo with fallback off: a dead mirror fails the pull and the upstream is never asked", { timeout: 40_000 }, async (t) => {
    if (skipped(t, skip)) return;
    const { file } = await renderConf(
      "fallback-off-dead",
      config(`registries:\n  ${upKey()}:\n    mirrors: [${DEAD}]\n    fallback: false\ninsecureRegistries: [${upKey()}]\n`),
    );
    const before = count(up, "GET /v2/library/alpine/manifests/3.19");
    const r = await skopeoPull(upRef(), { registriesConf: file, netns: ns, timeoutMs: 30_000 });
    assert.equal(r.ok, false, showRun(r));
    assert.match(r.stderr, /127\.0\.0\.1:9/, "it tried the dead mirror");
    assert.equal(count(up, "GET /v2/library/alpine/manifests/3.19"), before, "no fallback to the upstream");
  });

  it("skopeo with fallback off and a live mirror: the mirror serves, an image only the upstream has is not fetched from it", { timeout: 40_000 }, async (t) => {
    if (skipped(t, skip)) return;
    const { file } = await renderConf(
      "fallback-off-live",
      config(`registries:\n  ${upKey()}:\n    mirrors: [${mir.url}]\n    fallback: false\ninsecureRegistries: [${upKey()}]\n`),
    );
    const r = await skopeoPull(upRef(), { registriesConf: file, netns: ns });
    assert.ok(r.ok, showRun(r));
    assert.equal(r.digest, mirImg.manifestDigest);
    const upBefore = count(up, "/v2/library/only-upstream/");
    const only = await skopeoPull(upRef("library/only-upstream:1"), { registriesConf: file, netns: ns, timeoutMs: 30_000 });
    assert.equal(only.ok, false, showRun(only));
    assert.equal(count(up, "/v2/library/only-upstream/"), upBefore, "the upstream was never asked");
  });

  it("skopeo pulls from a wildcard prefix (*.wm-e2e.test) through its mirror", { timeout: 40_000 }, async (t) => {
    if (skipped(t, skip)) return;
    const { file } = await renderConf("wildcard", config(`registries:\n  "*.wm-e2e.test":\n    mirrors: [${mir.url}]\n`));
    const r = await skopeoPull("registry.wm-e2e.test/library/alpine:3.19", { registriesConf: file, netns: ns });
    assert.ok(r.ok, showRun(r));
    assert.equal(r.digest, mirImg.manifestDigest);
    // A host outside the wildcard is not mirrored (and cannot be reached in the namespace).
    const before = count(mir, "GET /v2/library/alpine/manifests/3.19");
    const other = await skopeoPull("registry.other-e2e.test/library/alpine:3.19", { registriesConf: file, netns: ns, timeoutMs: 30_000 });
    assert.equal(other.ok, false, showRun(other));
    assert.equal(count(mir, "GET /v2/library/alpine/manifests/3.19"), before);
  });

  it("skopeo refuses to pull from a blocked registry (blocked: true) and never contacts it", { timeout: 40_000 }, async (t) => {
    if (skipped(t, skip)) return;
    const { file } = await renderConf("blocked", config(`registries:\n  ${upKey()}:\n    blocked: true\ninsecureRegistries: [${upKey()}]\n`));
    const before = count(up, "/v2/library/alpine/");
    const r = await skopeoPull(upRef(), { registriesConf: file, netns: ns, timeoutMs: 30_000 });
    assert.equal(r.ok, false, showRun(r));
    assert.match(r.stderr, /blocked/i);
    assert.equal(count(up, "/v2/library/alpine/"), before);
  });

  it("skopeo still honours the host registries.conf (--base) after the merge: the blocked quay.io entry of the host file, next to our docker.io mirror", {
    timeout: 40_000,
  }, async (t) => {
    if (skipped(t, skip)) return;
    const base = join(work, "host-registries.conf");
    writeFileSync(
      base,
      ["# the host file", 'short-name-mode = "permissive"', "", "[[registry]]", 'prefix = "quay.io"', 'location = "quay.io"', "blocked = true", ""].join("\n"),
    );
    const { file } = await renderConf("base-merge", config(`registries:\n  docker.io:\n    mirrors: [${mir.url}]\n`), "podman", base);
    const r = await skopeoPull(ALPINE, { registriesConf: file, netns: ns });
    assert.ok(r.ok, showRun(r));
    assert.equal(r.digest, mirImg.manifestDigest);
    const q = await skopeoPull("quay.io/werf/nothing:1", { registriesConf: file, netns: ns, timeoutMs: 30_000 });
    assert.equal(q.ok, false, showRun(q));
    assert.match(q.stderr, /blocked/i, "the host's blocked quay.io survived the merge");
  });

  it("podman pulls docker.io/library/alpine through the rendered registries.conf via CONTAINERS_REGISTRIES_CONF (podman target)", {
    timeout: 60_000,
  }, async (t) => {
    if (skipped(t, skip) || skipped(t, missingTools(["podman"], "rootful podman"))) return;
    const { file } = await renderConf("podman", config(`registries:\n  docker.io:\n    mirrors: [${mir.url}]\n`), "podman");
    const before = count(mir, "GET /v2/library/alpine/manifests/3.19");
    const r = await podmanPull(ALPINE, { registriesConf: file, netns: ns, timeoutMs: 55_000 });
    assert.ok(r.ok, showRun(r));
    assert.equal(r.imageId, mirImg.configDigest.slice("sha256:".length), "podman stored the mirror's image");
    assert.ok(count(mir, "GET /v2/library/alpine/manifests/3.19") > before);
  });

  it("podman resolves a short name through unqualifiedSearchRegistries written before the mirror tables (a global key, not a mirror attribute)", {
    timeout: 60_000,
  }, async (t) => {
    if (skipped(t, skip) || skipped(t, missingTools(["podman"], "rootful podman"))) return;
    // docker.io has a mirror, so the file has [[registry.mirror]] tables; a global key written
    // after one of them would silently become that mirror's attribute and the short name would not resolve.
    const { file } = await renderConf(
      "podman-short-name",
      config(`registries:\n  docker.io:\n    mirrors: [${mir.url}]\ninsecureRegistries: [${upKey()}]\nunqualifiedSearchRegistries: [${upKey()}]\n`),
      "podman",
    );
    const r = await podmanPull("library/only-upstream:1", { registriesConf: file, netns: ns, timeoutMs: 55_000 });
    assert.ok(r.ok, showRun(r));
    assert.equal(r.imageId, onlyUpImg.configDigest.slice("sha256:".length), "the short name resolved to the search registry");
  });

  it("podman refuses a blocked registry through CONTAINERS_REGISTRIES_CONF", { timeout: 60_000 }, async (t) => {
    if (skipped(t, skip) || skipped(t, missingTools(["podman"], "rootful podman"))) return;
    const { file } = await renderConf("podman-blocked", config(`registries:\n  ${upKey()}:\n    blocked: true\ninsecureRegistries: [${upKey()}]\n`), "podman");
    const r = await podmanPull(upRef(), { registriesConf: file, netns: ns, timeoutMs: 55_000 });
    assert.equal(r.ok, false, showRun(r));
    assert.match(r.stderr, /blocked/i);
  });

  it("buildah pulls docker.io/library/alpine from a namespaced mirror path via CONTAINERS_REGISTRIES_CONF", { timeout: 60_000 }, async (t) => {
    if (skipped(t, skip) || skipped(t, missingTools(["buildah"], "rootful buildah"))) return;
    const { file } = await renderConf("buildah-ns", config(`registries:\n  docker.io:\n    mirrors: [${mir.url}/dockerhub]\n`));
    const r = await buildahPull(ALPINE, { registriesConf: file, netns: ns, timeoutMs: 55_000 });
    assert.ok(r.ok, showRun(r));
    assert.equal(r.imageId, nsImg.configDigest.slice("sha256:".length), "buildah stored the image from /dockerhub on the mirror");
  });

  it("buildah with a digest-only mirror: a tag pull via CONTAINERS_REGISTRIES_CONF gets the upstream image", { timeout: 60_000 }, async (t) => {
    if (skipped(t, skip) || skipped(t, missingTools(["buildah"], "rootful buildah"))) return;
    const { file } = await renderConf(
      "buildah-digest-only",
      config(`registries:\n  ${upKey()}:\n    mirrors:\n      - url: ${mir.url}\n        pull: digest-only\ninsecureRegistries: [${upKey()}]\n`),
    );
    const r = await buildahPull(upRef(), { registriesConf: file, netns: ns, timeoutMs: 55_000 });
    assert.ok(r.ok, showRun(r));
    assert.equal(r.imageId, upImg.configDigest.slice("sha256:".length));
  });
});
