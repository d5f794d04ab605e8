/**
 * Proves `werf-mirror apply docker` with a real dockerd 20.10: the daemon.json
 * it writes, merged into an existing one, starts dockerd (unknown keys would
 * stop it), keeps the existing settings in force, shows the mirror in
 * GET /info RegistryConfig.Mirrors, and `docker pull alpine:3.19` is served by
 * that mirror.
 *
 * dockerd and the mirror run in a private network namespace (harness
 * startDockerd), so dockerd's fallback to registry-1.docker.io cannot leave
 * the machine.
 */
import assert from "node:assert/strict";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";

import { startDockerd } from "../harness/dockerd.js";
import { makeImageLayout, pushImage, type ImageLayout } from "../harness/image.js";
import { startRegistry, type Registry } from "../harness/registry.js";
import { makeTempDir, removeTempDir, startNetNs, type NetNs } from "../harness/tools.js";
import { caseDir, config, count, missingTools, showRun, skipped, started, Stops, werfMirror } from "./support.js";

/** Real daemon.json keys that are not the harness's flags (it passes --log-level, --data-root, ...). */
const EXISTING = {
  "storage-driver": "vfs",
  labels: ["werf-mirror-e2e=kept"],
  "max-concurrent-downloads": 2,
  "shutdown-timeout": 5,
};

describe("dockerd with the daemon.json written by `werf-mirror apply docker`", { timeout: 150_000 }, () => {
  let skip: string | null = null;
  const stops = new Stops();
  let work = "";
  let ns!: NetNs;
  let mir!: Registry;
  let mirImg!: ImageLayout;

  before(async () => {
    skip = missingTools(["docker-registry", "skopeo", "dockerd", "docker", "unshare", "nsenter", "ip", "curl"], "dockerd");
    if (skip) return;
    work = makeTempDir("cons-dkr");
    stops.add("work dir", () => removeTempDir(work));
    ns = await startNetNs(work);
    stops.add("netns", () => ns.stop());
    mir = await started(stops, "mirror", startRegistry({ name: "dkr-mirror", netns: ns }));
    mirImg = makeImageLayout(join(work, "oci-mirror"), { tag: "3.19", content: "served by the mirror to dockerd\n" });
    await pushImage(mirImg.dir, `docker://${mir.hostPort}/library/alpine:3.19`, { netns: ns });
  });

  after(() => stops.run());

  /** Write an existing daemon.json and the config, run `apply docker`, return the daemon.json path and the CLI run. */
  async function apply(label: string, yaml: string, extra: string[] = []) {
    const dir = caseDir(work, label);
    const cfg = join(dir, "werf-mirror.yaml");
    writeFileSync(cfg, yaml);
    const daemonJson = join(dir, "daemon.json");
    const original = `${JSON.stringify(EXISTING, null, 2)}\n`;
    writeFileSync(daemonJson, original);
    const args = ["apply", "docker", "--daemon-json", daemonJson, "--config", cfg, ...extra];
    const cli = await werfMirror(args, dir);
    return { dir, daemonJson, original, cli, args };
  }

  it("dockerd started with the applied daemon.json pulls alpine:3.19 from the mirror and lists it in GET /info RegistryConfig.Mirrors", {
    timeout: 120_000,
  }, async (t) => {
    if (skipped(t, skip)) return;
    // Also things dockerd cannot use (a mirror with a path, other registries' mirrors, a CIDR):
    // they must become warnings, never keys or values that stop dockerd from starting.
    const a = await apply(
      "apply",
      config(
        [
          "registries:",
          "  docker.io:",
          `    mirrors: [${mir.url}, ${mir.url}/dockerhub]`,
          "  quay.io:",
          `    mirrors: [${mir.url}]`,
          "insecureRegistries: [10.0.0.0/8]",
          "",
        ].join("\n"),
      ),
    );
    assert.equal(a.cli.code, 0, `werf-mirror ${a.args.join(" ")}\n${a.cli.stdout}\n${a.cli.stderr}`);
    const written = JSON.parse(readFileSync(a.daemonJson, "utf8")) as Record<string, unknown>;
    for (const [k, v] of Object.entries(EXISTING)) assert.deepEqual(written[k], v, `apply kept the existing key ${k}`);
    // What dockerd cannot use is said, naming the registry, not silently dropped.
    assert.match(a.cli.stderr, /quay\.io/, a.cli.stderr);
    assert.match(a.cli.stderr, /dockerhub/, a.cli.stderr);

    const d = await started(stops, "dockerd", startDockerd({ configFile: a.daemonJson, netns: ns }));
    const info = await d.info();
    assert.deepEqual(info.RegistryConfig?.Mirrors, [`${mir.url}/`], "GET /info shows exactly the mirror");
    assert.ok(info.RegistryConfig?.InsecureRegistryCIDRs?.includes("10.0.0.0/8"), JSON.stringify(info.RegistryConfig));
    // The existing settings are still in force in the running daemon.
    assert.equal(info.Driver, "vfs");
    assert.ok((info.Labels as string[] | undefined)?.includes("werf-mirror-e2e=kept"), `labels: ${JSON.stringify(info.Labels)}`);

    const before = count(mir, "/v2/library/alpine/manifests/3.19");
    const r = await d.dockerPull("alpine:3.19", { timeoutMs: 90_000 });
    assert.ok(r.ok, `${showRun(r)}\n--- dockerd log ---\n${d.log().slice(-3000)}`);
    assert.deepEqual(await d.repoDigests("alpine:3.19"), [`alpine@${mirImg.manifestDigest}`], "dockerd stored the mirror's image");
    assert.ok(count(mir, "/v2/library/alpine/manifests/3.19") > before, "the mirror served the manifest");
    await d.stop();
  });

  it("apply docker --dry-run leaves the existing daemon.json byte for byte (nothing for dockerd to pick up)", { timeout: 20_000 }, async (t) => {
    if (skipped(t, skip)) return;
    const a = await apply("dry-run", config(`registries:\n  docker.io:\n    mirrors: [${mir.url}]\n`), ["--dry-run"]);
    assert.equal(a.cli.code, 0, `${a.cli.stdout}\n${a.cli.stderr}`);
    assert.equal(readFileSync(a.daemonJson, "utf8"), a.original);
    assert.match(a.cli.stdout + a.cli.stderr, /registry-mirrors/, "the dry run shows the change");
  });
});
