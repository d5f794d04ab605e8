// Render warnings about what a consumer cannot express come from the capability table
// (src/consumers/capabilities.ts), and the consumer facts of issue #12 reach the rendered files:
// IPv6 keys, kaniko mirror paths, loopback hosts in BuildKit, TLS settings per host, one CA file
// per host, the k3s fallback, search registries.
import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, readdirSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parse as parseToml } from "smol-toml";
import { parse as parseYaml } from "yaml";
import { renderAll, type RenderWarning } from "../../src/backends/index.js";
import { CONSUMERS, FEATURES, RENDERED_CONSUMERS, type ConsumerId, type Feature } from "../../src/consumers/capabilities.js";
import { loadFixtureModel } from "./helpers.js";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "../../fixtures/render");

async function renderCase(name: string, readFile?: (path: string) => string | undefined) {
  const model = await loadFixtureModel(join(ROOT, name));
  const result = renderAll(["all"], { model, sourceName: "werf-mirror.yaml", ...(readFile ? { readFile } : {}) });
  const file = (path: string) => result.files.find((f) => f.path === path)?.content;
  return { model, ...result, file };
}

function gaps(warnings: RenderWarning[], consumer: ConsumerId, feature: Feature): RenderWarning[] {
  return warnings.filter((w) => w.consumer === CONSUMERS[consumer].name && w.feature === feature);
}

test("every render warning about a consumer is worded from the capability table", async () => {
  const cases = readdirSync(ROOT).filter((n) => existsSync(join(ROOT, n, "werf-mirror.yaml")));
  let seen = 0;
  for (const name of cases) {
    for (const w of (await renderCase(name)).warnings) {
      seen++;
      assert.ok(w.feature, `${name}: a warning not from the table: ${w.consumer}: ${w.message}`);
      const consumer = RENDERED_CONSUMERS.find((id) => CONSUMERS[id].name === w.consumer);
      assert.ok(consumer, `${name}: unknown consumer ${w.consumer}`);
      const support = CONSUMERS[consumer].features[w.feature];
      const does = support.honoured ? support.limit : support.instead;
      assert.ok(does && w.message.startsWith(FEATURES[w.feature]) && w.message.includes(`${CONSUMERS[consumer].short} ${does}`), `${name}: ${w.message}`);
    }
  }
  assert.ok(seen > 50, `only ${seen} warnings`);
});

test("dockerd's warning about other registries names every consumer that uses their mirrors, kaniko included", async () => {
  const { warnings } = await renderCase("multi-registry");
  const [w] = gaps(warnings, "dockerd", "other-registry");
  assert.ok(w, "dockerd warns");
  for (const id of ["containerd", "buildkit", "k3s", "kaniko", "registries-conf"] as const)
    assert.ok(w.message.includes(CONSUMERS[id].short), `${CONSUMERS[id].short} in: ${w.message}`);
});

test("unqualifiedSearchRegistries is warned by every rendered consumer but registries.conf", async () => {
  const { warnings } = await renderCase("unqualified-search");
  for (const id of RENDERED_CONSUMERS) {
    assert.equal(gaps(warnings, id, "search-registries").length, id === "registries-conf" ? 0 : 1, id);
  }
});

test("the k3s fallback warning says what --disable-default-registry-endpoint really does", async () => {
  const { warnings } = await renderCase("fallback-false");
  const [w] = gaps(warnings, "k3s", "no-fallback");
  assert.ok(w);
  assert.match(
    w.message,
    /--disable-default-registry-endpoint only leaves out containerd's `server`, not for a registry that also has a `configs` entry, and upstream containerd falls back/,
  );
});

test("IPv6: buildkitd.toml keys are inline tables (no `]` in a table header); containerd and k3s warn about containerd 1.x", async () => {
  const { file, warnings } = await renderCase("ipv6");
  const bk = file("buildkitd.toml")!;
  assert.doesNotMatch(bk, /^\[[^\n]*\][^\n]*\]/m, "no table header with a `]` inside its key");
  assert.deepEqual({ ...(parseToml(bk) as { registry: Record<string, object> }).registry["[fd00::10]:5000"] }, { mirrors: ["[fd00::11]:5000"] });
  assert.deepEqual(
    gaps(warnings, "containerd", "ipv6-mirror").map((w) => w.subject),
    ["https://[fd00::1]:5000", "http://[fd00::2]:5001/hub", "https://[fd00::11]:5000"],
  );
  assert.equal(gaps(warnings, "k3s", "ipv6-mirror").length, 4, "three mirrors and the insecure registry's http endpoint");
  assert.equal(gaps(warnings, "buildkit", "ipv6-mirror").length, 0);
});

test("kaniko leaves out mirror paths it would read as a registry name or refuse; registries.conf those it would fail on", async () => {
  const { file, warnings } = await renderCase("mirror-path-names");
  assert.equal(file("kaniko.args"), "--registry-mirror=cache.corp/dockerhub\n");
  assert.deepEqual(
    gaps(warnings, "kaniko", "mirror-path-host-like").map((w) => w.subject),
    ["https://cache.corp/v2.hub"],
  );
  assert.deepEqual(
    gaps(warnings, "kaniko", "mirror-path-charset").map((w) => w.subject),
    ["https://cache.corp/Hub", "https://cache.corp/h~b"],
  );
  const conf = parseToml(file("registries.conf")!) as { registry: { mirror: { location: string }[] }[] };
  assert.deepEqual(
    conf.registry[0]!.mirror.map((m) => m.location),
    ["cache.corp/v2.hub", "cache.corp/dockerhub"],
  );
  assert.deepEqual(
    gaps(warnings, "registries-conf", "mirror-path-charset").map((w) => w.subject),
    ["https://cache.corp/Hub", "https://cache.corp/h~b"],
  );
});

test("BuildKit: https mirrors and registries on loopback hosts get `http = false`, http ones keep `http = true`", async () => {
  const { file, warnings } = await renderCase("loopback");
  const reg = (parseToml(file("buildkitd.toml")!) as { registry: Record<string, { http?: boolean; ca?: string[] }> }).registry;
  assert.equal(reg["127.0.0.1:5443"]!.http, false, "an https mirror with a CA: BuildKit would use http and ignore the CA");
  assert.equal(reg["[::1]:5444"]!.http, false);
  assert.equal(reg["localhost:5005"]!.http, false, "the registry itself, tried after its mirrors");
  assert.equal(reg["localhost:5000"]!.http, true, "an http:// mirror");
  const [k3s] = gaps(warnings, "k3s", "loopback-registry");
  assert.equal(k3s?.registry, "localhost:5005");
  assert.match(k3s!.message, /after the mirrors it asks http:\/\/localhost:5005/);
});

test("TLS settings per host: BuildKit, k3s and kaniko warn for the verified mirror that loses verification; containerd and registries.conf do not", async () => {
  const { warnings } = await renderCase("tls-per-host");
  const subjects = (id: ConsumerId, f: Feature) => gaps(warnings, id, f).map((w) => w.subject);
  assert.deepEqual(subjects("buildkit", "tls-conflict"), ["https://cache.corp/hub", "https://plain.corp:5001/ghcr"]);
  assert.deepEqual(subjects("kaniko", "tls-conflict"), ["https://cache.corp/hub", "https://plain.corp:5001/ghcr"]);
  assert.deepEqual(subjects("k3s", "tls-conflict"), ["https://cache.corp/hub"], "k3s: http endpoints carry their scheme");
  for (const id of ["buildkit", "k3s", "kaniko", "dockerd"] as const) {
    if (id !== "dockerd") assert.deepEqual(subjects(id, "mirror-host-insecure"), ["https://shared.corp:5000/quay"], id);
  }
  for (const id of ["containerd", "registries-conf"] as const) {
    assert.equal(gaps(warnings, id, "tls-conflict").length + gaps(warnings, id, "mirror-host-insecure").length, 0, id);
  }
});

test("two CAs on one host: k3s and kaniko get one bundle of both; BuildKit lists both; an unreadable CA is said, not hidden", async () => {
  const { file, model } = await renderCase("ca-per-host");
  const bundlePath = join(model.output.dir, "ca-bundles", "cache.corp.pem");
  const bundle = file("ca-bundles/cache.corp.pem")!;
  assert.equal(bundle.match(/-----BEGIN CERTIFICATE-----/g)?.length, 2);
  const k3s = parseYaml(file("registries.yaml")!) as { configs: Record<string, { tls: { ca_file: string } }> };
  assert.equal(k3s.configs["cache.corp"]!.tls.ca_file, bundlePath);
  assert.match(file("kaniko.args")!, new RegExp(`^--registry-certificate=cache\\.corp=${bundlePath.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}$`, "m"));
  const bk = parseToml(file("buildkitd.toml")!) as { registry: Record<string, { ca?: string[] }> };
  assert.equal(bk.registry["cache.corp"]!.ca!.length, 2);

  const unreadable = await renderCase("ca-per-host", () => undefined);
  assert.equal(unreadable.file("ca-bundles/cache.corp.pem"), undefined);
  const said = unreadable.warnings.filter((w) => w.registry === "cache.corp" && /cannot read .*ca-a\.pem/.test(w.message));
  assert.deepEqual(
    said.map((w) => w.consumer),
    [CONSUMERS.k3s.name, CONSUMERS.kaniko.name],
  );
});
