// Property: for generated valid models, every rendered TOML/YAML/JSON file parses back to the
// same mirrors, and holds only the keys and tables the format defines: no value adds structure.
import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { parse as parseToml } from "smol-toml";
import { parse as parseYaml } from "yaml";
import { parseMirrorUrl, parseRegistryKey } from "../../src/config/addresses.js";
import type { Mirror, Model, Registry } from "../../src/config/types.js";
import { renderAll } from "../../src/backends/index.js";

// The expected values are written here from the consumers' formats, not taken from the renderers'
// own helpers (which would make the code its own oracle):
/** registries.conf, BuildKit, kaniko: a mirror's path is a repository namespace on the mirror. */
const repoLocation = (m: Mirror, namespace = "") => `${m.url.hostPort}${m.url.path}${namespace ? `/${namespace}` : ""}`;
/** containerd's [host."..."] and k3s's endpoint: the API root, `/v2<path>` with override_path for a path. */
const apiUrl = (m: Mirror) => `${m.url.scheme}://${m.url.hostPort}${m.url.path ? `/v2${m.url.path}` : ""}`;

const label = fc.stringMatching(/^[a-z][a-z0-9-]{0,6}[a-z0-9]$/);
const domain = fc.array(label, { minLength: 2, maxLength: 3 }).map((l) => l.join("."));
const port = fc.option(fc.integer({ min: 1, max: 65535 }), { nil: undefined });
const ipv6 = fc.constantFrom("[fd00::1]", "[::1]", "[2001:db8::42]");
const host = fc.oneof({ weight: 4, arbitrary: domain }, { weight: 1, arbitrary: ipv6 });
const hostPort = fc.tuple(host, port).map(([h, p]) => (p ? `${h}:${p}` : h));
const path = fc.array(fc.stringMatching(/^[a-z0-9][a-z0-9._-]{0,5}$/), { maxLength: 2 }).map((s) => (s.length ? `/${s.join("/")}` : ""));

const mirror: fc.Arbitrary<Mirror> = fc
  .record({
    scheme: fc.constantFrom("http", "https"),
    hp: hostPort,
    path,
    pull: fc.constantFrom("all", "digest-only", "tag-only" as const),
    insecure: fc.boolean(),
    ca: fc.boolean(),
  })
  .map(({ scheme, hp, path, pull, insecure, ca }) => {
    const parsed = parseMirrorUrl(`${scheme}://${hp}${path}`);
    if (!parsed.ok) throw new Error(parsed.message);
    return {
      url: parsed.value,
      pull: pull as Mirror["pull"],
      insecure: scheme === "http" || insecure,
      ca: ca ? "/etc/certs/corp ca.pem" : undefined,
      origin: { kind: "default" as const },
    };
  });

const registryKey = fc.oneof(
  fc.constant("docker.io"),
  hostPort,
  fc.tuple(domain, fc.stringMatching(/^[a-z0-9]{1,6}$/)).map(([d, ns]) => `${d}/${ns}`),
  domain.map((d) => `*.${d}`),
  fc.constant("docker.io/library"),
);

const registry: fc.Arbitrary<Registry> = fc
  .record({ key: registryKey, mirrors: fc.uniqueArray(mirror, { maxLength: 3, selector: (m) => m.url.href }), fallback: fc.boolean(), blocked: fc.boolean() })
  .map(({ key, mirrors, fallback, blocked }) => {
    const parsed = parseRegistryKey(key);
    if (!parsed.ok) throw new Error(`${key}: ${parsed.message}`);
    return { prefix: parsed.value, mirrors, fallback, blocked, origin: { kind: "default" as const } };
  });

const model: fc.Arbitrary<Model> = fc
  .record({
    registries: fc.uniqueArray(registry, { maxLength: 4, selector: (r) => r.prefix.key }),
    insecure: fc.uniqueArray(fc.oneof(hostPort, fc.constant("10.0.0.0/8")), { maxLength: 2 }),
    search: fc.uniqueArray(fc.oneof(fc.constant("docker.io"), domain), { maxLength: 2 }),
  })
  .map(({ registries, insecure, search }) => ({
    version: 1 as const,
    backend: "auto" as const,
    effectiveBackend: "docker" as const,
    registries,
    insecureRegistries: insecure,
    unqualifiedSearchRegistries: search,
    preflight: { timeoutMs: 5000, unhealthy: "drop" as const, order: "declared" as const, minHealthy: 1 },
    output: { dir: "/tmp/out" },
    explained: [],
  }));

type Obj = Record<string, unknown>;
const keysWithin = (o: unknown, allowed: string[], where: string) => {
  assert.equal(typeof o, "object", where);
  for (const k of Object.keys(o as Obj)) assert.ok(allowed.includes(k), `${where}: unexpected key ${k}`);
};
const plain = (r: Registry) => !r.prefix.wildcard && !r.prefix.namespace;

test("rendered files parse back to the model's mirrors and add no keys", () => {
  fc.assert(
    fc.property(model, (m) => {
      const { files } = renderAll(["all"], { model: m, sourceName: "werf-mirror.yaml" });
      const file = (p: string) => files.find((f) => f.path === p)?.content;

      // registries.conf
      const rc = parseToml(file("registries.conf")!) as Obj;
      keysWithin(rc, ["unqualified-search-registries", "registry"], "registries.conf");
      const tables = (rc.registry ?? []) as Obj[];
      for (const t of tables) {
        keysWithin(t, ["prefix", "location", "insecure", "blocked", "mirror"], "[[registry]]");
        for (const mt of (t.mirror ?? []) as Obj[]) keysWithin(mt, ["location", "insecure", "pull-from-mirror"], "[[registry.mirror]]");
      }
      for (const r of m.registries) {
        const t = tables.find((x) => x.prefix === r.prefix.key);
        assert.ok(t, `registries.conf lacks ${r.prefix.key}`);
        const expected = r.mirrors.map((x) => repoLocation(x, r.prefix.namespace));
        const got = ((t.mirror ?? []) as Obj[]).map((x) => x.location);
        if (!r.fallback && r.mirrors.length > 0 && !r.prefix.wildcard) {
          assert.deepEqual([...got, t.location], expected);
        } else {
          assert.deepEqual(got, expected);
        }
        if (r.prefix.wildcard) assert.equal(t.location, undefined);
      }
      assert.deepEqual(rc["unqualified-search-registries"] ?? [], m.unqualifiedSearchRegistries);

      // daemon.json
      const dj = JSON.parse(file("daemon.json")!) as Obj;
      keysWithin(dj, ["registry-mirrors", "insecure-registries"], "daemon.json");
      const hub = m.registries.find((r) => r.prefix.key === "docker.io");
      assert.deepEqual(
        dj["registry-mirrors"] ?? [],
        (hub?.mirrors ?? []).filter((x) => !x.url.path && x.pull !== "digest-only").map((x) => `${x.url.scheme}://${x.url.hostPort}/`),
      );

      // containerd
      for (const r of m.registries.filter(plain)) {
        const text = file(`certs.d/${r.prefix.hostPort}/hosts.toml`);
        if (r.mirrors.length === 0) continue;
        assert.ok(text, `no hosts.toml for ${r.prefix.key}`);
        const doc = parseToml(text!) as Obj;
        const hostKeys = ["capabilities", "skip_verify", "ca", "override_path"];
        keysWithin(doc, ["server", "host", ...hostKeys], "hosts.toml");
        const hosts = (doc.host ?? {}) as Obj;
        for (const h of Object.values(hosts)) keysWithin(h, hostKeys, "[host]");
        const urls = [...Object.keys(hosts), ...(r.fallback ? [] : [doc.server])];
        assert.deepEqual(urls, r.mirrors.map(apiUrl));
      }

      // buildkit
      const bk = parseToml(file("buildkitd.toml")!) as Obj;
      keysWithin(bk, ["registry"], "buildkitd.toml");
      for (const t of Object.values((bk.registry ?? {}) as Obj)) keysWithin(t, ["mirrors", "http", "insecure", "ca"], "[registry.x]");
      for (const r of m.registries.filter(plain)) {
        const t = ((bk.registry ?? {}) as Obj)[r.prefix.hostPort] as Obj | undefined;
        assert.deepEqual(
          t?.mirrors ?? [],
          r.mirrors.map((x) => repoLocation(x)),
        );
      }

      // k3s
      const k3 = (parseYaml(file("registries.yaml")!) ?? {}) as Obj;
      keysWithin(k3, ["mirrors", "configs"], "registries.yaml");
      for (const v of Object.values((k3.mirrors ?? {}) as Obj)) keysWithin(v, ["endpoint"], "mirrors.x");
      for (const v of Object.values((k3.configs ?? {}) as Obj)) {
        keysWithin(v, ["tls"], "configs.x");
        keysWithin((v as Obj).tls, ["ca_file", "insecure_skip_verify"], "configs.x.tls");
      }
      for (const r of m.registries.filter(plain)) {
        const got = ((((k3.mirrors ?? {}) as Obj)[r.prefix.hostPort] as Obj | undefined)?.endpoint ?? []) as string[];
        const expected = r.mirrors.map(apiUrl);
        assert.deepEqual(got.slice(0, expected.length), expected);
      }

      // kaniko: one argv element per line
      for (const line of file("kaniko.args")!.split("\n").filter(Boolean)) assert.match(line, /^--[a-z-]+(?:=[^\u0000-\u001f]+)?$/);
    }),
    { numRuns: 300 },
  );
});

test("rendering is deterministic", () => {
  fc.assert(
    fc.property(model, (m) => {
      const a = renderAll(["all"], { model: m, sourceName: "x.yaml" });
      const b = renderAll(["all"], { model: structuredClone(m), sourceName: "x.yaml" });
      assert.deepEqual(a, b);
    }),
    { numRuns: 100 },
  );
});
