// Property tests over every renderer, fed through the loader: arbitrary strings (quotes,
// newlines, NUL, unicode, TOML/YAML/JSON/shell metacharacters, very long values) in every field
// that can reach a rendered file: registry keys, mirror URLs and paths, CA paths, insecure and
// search registries, the config file's own name (it is in every header), and the base
// registries.conf (arbitrary TOML keys and values). Whatever loads is rendered by every backend
// and every rendered TOML/YAML/JSON file is parsed back (smol-toml, yaml, JSON): its keys and
// tables must be exactly those the model implies, and every value must come back byte for byte,
// so nothing a value contains can add a key, a table, a line or an argument.
// A second property drives the real CLI (`render`, `render --stdout`, `config`, `env --offline`,
// `apply docker --dry-run`) with arbitrary env and flag values: exit 0/1/2 as specified (2
// exactly when the configuration does not load), diagnostics only, no stack trace.
// Longer: FUZZ_RUNS=20000 node --import tsx --test test/fuzz/*.test.ts   (`npm run fuzz`).
import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { parse as parseToml, stringify as stringifyToml } from "smol-toml";
import { parse as parseYaml, stringify as stringifyYaml } from "yaml";
import { mkdtempSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { loadConfig } from "../../src/config/load.js";
import type { Mirror, Model, Registry } from "../../src/config/types.js";
import { renderAll, RenderError } from "../../src/backends/index.js";
import { HEADER_MARK, isLoopbackHost } from "../../src/backends/common.js";
import { CONSUMERS, mirrorPathFeatures, type ConsumerId } from "../../src/consumers/capabilities.js";

// Expected spellings written from the consumers' formats, not taken from the renderers' helpers:
/** registries.conf, BuildKit, kaniko: a mirror's path is a repository namespace on the mirror. */
const mirrorRepoLocation = (m: Mirror, namespace = "") => `${m.url.hostPort}${m.url.path}${namespace ? `/${namespace}` : ""}`;
/** containerd's [host."..."] and k3s's endpoint: the API root, `/v2<path>` with override_path for a path. */
const containerdHostUrl = (m: Mirror) => `${m.url.scheme}://${m.url.hostPort}${m.url.path ? `/v2${m.url.path}` : ""}`;
const k3sEndpoint = containerdHostUrl;
/** dockerd reports (and so daemon.json holds) a mirror as scheme://host[:port]/. */
const dockerMirrorValue = (m: Mirror) => `${m.url.scheme}://${m.url.hostPort}/`;
import { isDockerHub } from "../../src/config/addresses.js";
import { runCli } from "../helpers/cli.js";

const RUNS = Number(process.env.FUZZ_RUNS ?? 1000);
const dir = mkdtempSync(join(tmpdir(), "werf-mirror-fuzz-render-"));
process.on("exit", () => rmSync(dir, { recursive: true, force: true }));

/** Strings built to break a serializer or a line-oriented file. */
const nasty = fc.constantFrom(
  "",
  " ",
  "\u0000",
  "\n",
  "\r",
  "\r\n",
  "\t",
  "\u000b",
  "\u0085",
  "\u2028",
  "\u2029",
  "\uFEFF",
  "\u00a0",
  '"',
  "'",
  "`",
  "\\",
  "\\n",
  "\\u0000",
  "]",
  "[",
  "[[registry]]",
  '"]\n[evil]\nx = "',
  '\n[[registry]]\nprefix = "evil"',
  "a = 1",
  "#",
  "# comment",
  "=",
  ",",
  "{",
  "}",
  ": ",
  "- ",
  "? ",
  "&anchor",
  "*alias",
  "!!binary",
  "%YAML",
  "---",
  "...",
  "|",
  ">",
  "@",
  "${HOME}",
  "$(id)",
  "`id`",
  ";rm -rf /",
  "\n--insecure-registry=evil",
  " --flag",
  '"\n"',
  "'''",
  '"""',
  "é",
  "日本",
  "🐳",
  "\u202e",
  "\u0301",
  "x".repeat(3000),
  "%0a",
  "%22",
  "..",
  "../..",
  "/",
  "//",
  ":",
  "::",
  "?",
  "&",
);
/** Arbitrary strings, and the nasty ones above. */
const hostile = fc.oneof(
  { weight: 3, arbitrary: nasty },
  { weight: 2, arbitrary: fc.string({ unit: "grapheme", maxLength: 30 }) },
  { weight: 1, arbitrary: fc.string({ unit: "binary", maxLength: 30 }) },
  { weight: 1, arbitrary: fc.array(nasty, { maxLength: 4 }).map((a) => a.join("")) },
);
/** A value that is valid, valid with something hostile glued on, or hostile. */
const around = (valid: fc.Arbitrary<string>) =>
  fc.oneof(
    { weight: 16, arbitrary: valid },
    { weight: 2, arbitrary: fc.tuple(valid, hostile).map(([v, h]) => v + h) },
    { weight: 1, arbitrary: fc.tuple(hostile, valid).map(([h, v]) => h + v) },
    { weight: 1, arbitrary: hostile },
  );

const label = fc.stringMatching(/^[a-z][a-z0-9-]{0,8}[a-z0-9]$/);
const domain = fc.array(label, { minLength: 2, maxLength: 3 }).map((l) => l.join("."));
const host = fc.oneof({ weight: 5, arbitrary: domain }, { weight: 1, arbitrary: fc.constantFrom("[fd00::1]", "[::1]", "10.1.2.3", "[2001:db8::42]") });
const hostPort = fc.tuple(host, fc.option(fc.integer({ min: 1, max: 65535 }), { nil: undefined })).map(([h, p]) => (p ? `${h}:${p}` : h));
const urlPath = fc
  .array(
    fc.stringMatching(/^[A-Za-z0-9._~-]{1,8}$/).filter((s) => s !== "." && s !== ".."),
    { maxLength: 3 },
  )
  .map((s) => (s.length ? `/${s.join("/")}` : ""));
const validUrl = fc.tuple(fc.constantFrom("https://", "http://", ""), hostPort, urlPath).map(([s, h, p]) => `${s}${h}${p}`);
const validKey = fc.oneof(
  fc.constantFrom("docker.io", "index.docker.io", "docker.io/library", "quay.io", "ghcr.io/org"),
  hostPort,
  domain.map((d) => `*.${d}`),
);
/** CA paths may hold spaces and unicode; they must still never escape their value. */
const caPath = fc.oneof(
  fc.tuple(fc.constantFrom("/etc/certs/", "./certs/", "certs/"), fc.string({ unit: "grapheme", maxLength: 20 })).map(([d, n]) => `${d}${n}.pem`),
  around(fc.constant("/etc/ssl/corp-ca.pem")),
  fc.tuple(fc.constant("/c/"), nasty).map(([a, b]) => `${a}${b}`),
);

const mirrorEntry = fc.oneof(
  around(validUrl),
  fc.record(
    {
      url: around(validUrl),
      pull: fc.oneof({ weight: 4, arbitrary: fc.constantFrom("all", "digest-only", "tag-only") }, { weight: 1, arbitrary: hostile }),
      insecure: fc.boolean(),
      ca: caPath,
    },
    { requiredKeys: ["url"] },
  ),
);

const configDoc = fc.record(
  {
    version: fc.constant(1),
    registries: fc.dictionary(
      around(validKey),
      fc.record({ mirrors: fc.array(mirrorEntry, { maxLength: 3 }), fallback: fc.boolean(), blocked: fc.boolean() }, { requiredKeys: ["mirrors"] }),
      { maxKeys: 4 },
    ),
    insecureRegistries: fc.array(around(fc.oneof(hostPort, fc.constantFrom("10.0.0.0/8", "fd00::/8"))), { maxLength: 2 }),
    unqualifiedSearchRegistries: fc.array(around(fc.oneof(fc.constant("docker.io"), hostPort)), { maxLength: 2 }),
    output: fc.record({ dir: around(fc.constantFrom("out", "out-dir.d", "./x/y")) }),
  },
  { requiredKeys: ["version", "registries"] },
);

/** A base registries.conf: arbitrary global keys and [[registry]] entries with hostile strings. */
const tomlKey = fc.oneof(
  hostile.filter((s) => s.length > 0 && !s.includes("\u0000")),
  fc.constantFrom("short-name-mode", "credential-helpers", "registry.x"),
);
const tomlValue = fc.oneof(
  hostile.map((s) => s.replace(/\u0000/g, "")),
  fc.boolean(),
  fc.integer(),
  fc.array(
    hostile.map((s) => s.replace(/\u0000/g, "")),
    { maxLength: 2 },
  ),
);
const baseConf = fc.option(
  fc
    .record({
      globals: fc.dictionary(
        tomlKey.filter((k) => k !== "registry" && k !== "registries" && k !== "unqualified-search-registries"),
        tomlValue,
        { maxKeys: 3 },
      ),
      registry: fc.array(fc.record({ prefix: around(domain), location: around(domain), insecure: fc.boolean() }), { maxLength: 2 }),
    })
    .map(({ globals, registry }) => stringifyToml(registry.length ? { ...globals, registry } : globals)),
  { nil: undefined },
);

/** A file name for the config: any bytes a file system allows in a name. */
const configName = fc.oneof(
  { weight: 3, arbitrary: fc.constant("werf-mirror.yaml") },
  { weight: 2, arbitrary: hostile.map((s) => `${s.replace(/[/\u0000]/g, "_").slice(0, 60)}.yaml`) },
);

type Obj = Record<string, unknown>;
/** Parsers return null-prototype objects; compare plain data. */
const plainData = <T>(x: T): T => JSON.parse(JSON.stringify(x)) as T;
const toml = (text: string) => plainData(parseToml(text)) as Obj;
const sorted = (a: Iterable<string>) => [...a].sort();
const keysOf = (o: unknown) => sorted(Object.keys(o as Obj));
/** The mirrors a consumer is given: those whose path it can use. */
function usableFor(id: ConsumerId, mirrors: Mirror[]): Mirror[] {
  return mirrors.filter((x) => mirrorPathFeatures(x).every((f) => CONSUMERS[id].features[f].honoured));
}

const plainRegs = (m: Model) => m.registries.filter((r) => !r.prefix.wildcard && !r.prefix.namespace);
const hostInsecure = (m: Model) => m.insecureRegistries.filter((e) => !e.includes("/"));
const lastAsServer = (r: Registry) => !r.fallback && r.mirrors.length > 0;

/** Every rendered file parsed back: exactly the structure and the values the model implies. */
export function checkStructure(m: Model, files: { path: string; content: string }[], base: Obj): void {
  const byPath = new Map(files.map((f) => [f.path, f.content]));
  for (const f of files) {
    if (f.path !== "kaniko.args" && f.path !== "daemon.json") {
      // The header is one line: nothing from the file name reaches the next line.
      assert.ok(f.content.startsWith(HEADER_MARK), `${f.path}: header`);
      assert.ok(!/^\s*[^#\s]/.test(f.content.split("\n")[0]!) || f.content.split("\n")[0]!.startsWith("#"));
    }
  }

  // registries.conf
  const rc = toml(byPath.get("registries.conf")!);
  const ours = m.registries.map((r) => r.prefix.key);
  const insecureExtra = hostInsecure(m).filter((h) => !ours.includes(h));
  const managed = new Set([...ours, ...insecureExtra]);
  const keptBase = ((base.registry as Obj[] | undefined) ?? []).filter((e) => !managed.has((typeof e.prefix === "string" ? e.prefix : e.location) as string));
  const wantTop = new Set(Object.keys(base).filter((k) => k !== "registry"));
  if (m.unqualifiedSearchRegistries.length) wantTop.add("unqualified-search-registries");
  if (keptBase.length + managed.size > 0) wantTop.add("registry");
  assert.deepEqual(keysOf(rc), sorted(wantTop), "registries.conf top-level keys");
  for (const k of Object.keys(base)) if (k !== "registry") assert.deepEqual(rc[k], base[k], `base key ${JSON.stringify(k)} kept as is`);
  if (m.unqualifiedSearchRegistries.length) assert.deepEqual(rc["unqualified-search-registries"], m.unqualifiedSearchRegistries);
  const regs = (rc.registry as Obj[] | undefined) ?? [];
  assert.equal(regs.length, keptBase.length + managed.size);
  assert.deepEqual(regs.slice(0, keptBase.length), keptBase, "base [[registry]] entries kept as is");
  const mine = regs.slice(keptBase.length);
  m.registries.forEach((r, i) => {
    const t = mine[i]!;
    for (const k of Object.keys(t)) assert.ok(["prefix", "location", "insecure", "blocked", "mirror"].includes(k), `registry key ${k}`);
    assert.equal(t.prefix, r.prefix.key);
    // Mirrors whose path containers/image cannot rewrite into a reference are left out (warned).
    const usable = usableFor("registries-conf", r.mirrors);
    const noFallback = !r.fallback && usable.length > 0;
    const mirrors = noFallback && !r.prefix.wildcard ? usable.slice(0, -1) : usable;
    if (r.prefix.wildcard) assert.equal(t.location, undefined);
    else assert.equal(t.location, noFallback ? mirrorRepoLocation(usable.at(-1)!, r.prefix.namespace) : r.prefix.key);
    const mt = (t.mirror as Obj[] | undefined) ?? [];
    assert.deepEqual(
      mt.map((x) => x.location),
      mirrors.map((x) => mirrorRepoLocation(x, r.prefix.namespace)),
    );
    for (const x of mt) for (const k of Object.keys(x)) assert.ok(["location", "insecure", "pull-from-mirror"].includes(k), `mirror key ${k}`);
  });
  insecureExtra.forEach((h, i) => assert.deepEqual(mine[m.registries.length + i], { prefix: h, location: h, insecure: true }));

  // daemon.json
  const dj = JSON.parse(byPath.get("daemon.json")!) as Obj;
  const hub = m.registries.filter((r) => isDockerHub(r.prefix) && !r.prefix.namespace);
  // dockerd gets no path mirror and no digest-only one (it would pull tags from it).
  const forDockerd = (x: Mirror) => !x.url.path && x.pull !== "digest-only";
  const hubMirrors = [...new Set(hub.flatMap((r) => r.mirrors.filter(forDockerd).map(dockerMirrorValue)))];
  const insecure = [
    ...new Set([...hub.flatMap((r) => r.mirrors.filter((x) => forDockerd(x) && x.insecure).map((x) => x.url.hostPort)), ...m.insecureRegistries]),
  ];
  assert.deepEqual(dj, { ...(hubMirrors.length ? { "registry-mirrors": hubMirrors } : {}), ...(insecure.length ? { "insecure-registries": insecure } : {}) });

  // containerd: one hosts.toml per plain registry with mirrors, and per insecure host
  const plain = plainRegs(m);
  const wantHosts = new Set([
    ...plain.filter((r) => r.mirrors.length > 0 || hostInsecure(m).includes(r.prefix.hostPort)).map((r) => r.prefix.hostPort),
    ...hostInsecure(m),
  ]);
  const hostFiles = files.filter((f) => f.path.startsWith("certs.d/"));
  assert.deepEqual(sorted(hostFiles.map((f) => f.path)), sorted([...wantHosts].map((h) => `certs.d/${h}/hosts.toml`)));
  for (const f of hostFiles) {
    const h = f.path.slice("certs.d/".length, -"/hosts.toml".length);
    assert.ok(!h.includes("/") && h !== ".." && h !== ".", `a host directory is one plain segment: ${h}`);
    const doc = toml(f.content);
    for (const k of Object.keys(doc)) assert.ok(["server", "skip_verify", "capabilities", "ca", "override_path", "host"].includes(k), `hosts.toml key ${k}`);
    const reg = plain.find((r) => r.prefix.hostPort === h);
    const mirrors = reg ? (lastAsServer(reg) ? reg.mirrors.slice(0, -1) : reg.mirrors) : [];
    assert.deepEqual(keysOf(doc.host), sorted(mirrors.map(containerdHostUrl)));
    for (const x of mirrors) {
      const t = (doc.host as Obj)[containerdHostUrl(x)] as Obj;
      for (const k of Object.keys(t)) assert.ok(["capabilities", "skip_verify", "ca", "override_path"].includes(k), `host key ${k}`);
      if (t.ca !== undefined) assert.equal(t.ca, x.ca, "a CA path comes back byte for byte");
    }
    if (reg && lastAsServer(reg)) assert.equal(doc.server, containerdHostUrl(reg.mirrors.at(-1)!));
  }

  // buildkitd.toml
  const bk = toml(byPath.get("buildkitd.toml")!);
  const bkHosts = new Set<string>();
  for (const r of plain) {
    if (r.mirrors.length) bkHosts.add(r.prefix.hostPort);
    // A loopback https host gets `http = false` (BuildKit would use plain http there).
    for (const x of r.mirrors) if (x.url.scheme === "http" || x.insecure || x.ca || isLoopbackHost(x.url.host)) bkHosts.add(x.url.hostPort);
    if (r.mirrors.length && isLoopbackHost(r.prefix.host)) bkHosts.add(r.prefix.hostPort);
  }
  for (const h of hostInsecure(m)) bkHosts.add(h);
  assert.deepEqual(keysOf(bk), bkHosts.size ? ["registry"] : []);
  if (bkHosts.size) {
    assert.deepEqual(keysOf(bk.registry), sorted(bkHosts));
    for (const [h, t] of Object.entries(bk.registry as Obj)) {
      for (const k of Object.keys(t as Obj)) assert.ok(["mirrors", "http", "insecure", "ca"].includes(k), `buildkit key ${k}`);
      const r = plain.find((x) => x.prefix.hostPort === h && x.mirrors.length);
      if (r)
        assert.deepEqual(
          (t as Obj).mirrors,
          r.mirrors.map((x) => mirrorRepoLocation(x)),
        );
      const cas = plain
        .flatMap((x) => x.mirrors)
        .filter((x) => x.url.hostPort === h && x.ca && x.url.scheme === "https")
        .map((x) => x.ca);
      if ((t as Obj).ca !== undefined) assert.deepEqual((t as Obj).ca, [...new Set(cas)]);
    }
  }

  // registries.yaml (k3s)
  const k3sText = byPath.get("registries.yaml")!;
  const k3s = plainData(parseYaml(k3sText) ?? {}) as Obj;
  for (const k of Object.keys(k3s)) assert.ok(["mirrors", "configs"].includes(k), `k3s key ${k}`);
  const k3sMirrorHosts = new Set([...plain.filter((r) => r.mirrors.length).map((r) => r.prefix.hostPort), ...hostInsecure(m)]);
  assert.deepEqual(keysOf(k3s.mirrors ?? {}), sorted(k3sMirrorHosts));
  for (const r of plain.filter((x) => x.mirrors.length)) {
    const ep = ((k3s.mirrors as Obj)[r.prefix.hostPort] as Obj).endpoint as string[];
    assert.deepEqual(ep.slice(0, r.mirrors.length), r.mirrors.map(k3sEndpoint));
  }
  for (const [, c] of Object.entries((k3s.configs ?? {}) as Obj)) {
    assert.deepEqual(keysOf(c), ["tls"]);
    for (const k of Object.keys((c as Obj).tls as Obj)) assert.ok(["ca_file", "insecure_skip_verify"].includes(k));
    const ca = ((c as Obj).tls as Obj).ca_file;
    // One file per host: a mirror's CA byte for byte, or the bundle of the host's CAs.
    if (ca !== undefined)
      assert.ok(plain.some((r) => r.mirrors.some((x) => x.ca === ca)) || /\/ca-bundles\/[^/]+\.pem$/.test(ca as string), "ca_file comes back byte for byte");
  }

  // kaniko.args: one flag per line, each line one of kaniko's flags
  const args = byPath.get("kaniko.args")!;
  const lines = args.split("\n");
  assert.equal(lines.pop(), "", "ends with a newline");
  for (const l of lines) {
    assert.match(
      l,
      /^--(registry-mirror|registry-map|insecure-registry|skip-tls-verify-registry|registry-certificate)=[^\s]|^--skip-default-registry-fallback$|^--registry-certificate=/,
      `kaniko line: ${JSON.stringify(l)}`,
    );
  }
  const kanikoMirrors = plain.map((r) => ({ r, mirrors: usableFor("kaniko", r.mirrors) }));
  const targets = kanikoMirrors.flatMap(({ r, mirrors }) =>
    mirrors.map((x) => (isDockerHub(r.prefix) ? `--registry-mirror=${mirrorRepoLocation(x)}` : `--registry-map=${r.prefix.hostPort}=${mirrorRepoLocation(x)}`)),
  );
  assert.deepEqual(
    lines.filter((l) => /^--registry-(mirror|map)=/.test(l)),
    [...new Set(targets)],
  );
  // One --registry-certificate per host (kaniko keeps the last): the CA, or the host's bundle.
  const certHosts = [
    ...new Set(kanikoMirrors.flatMap(({ mirrors }) => mirrors.filter((x) => x.ca && x.url.scheme === "https").map((x: Mirror) => x.url.hostPort))),
  ];
  assert.deepEqual(
    lines.filter((l) => l.startsWith("--registry-certificate=")).map((l) => l.slice("--registry-certificate=".length).split("=")[0]),
    certHosts,
  );
}

let loaded = 0;
let total = 0;
test("hostile values in every field: a loaded model renders files whose structure no value can change", async () => {
  let n = 0;
  await fc.assert(
    fc.asyncProperty(configDoc, configName, baseConf, async (doc, name, base) => {
      total++;
      const caseDir = join(dir, `r${n++}`);
      mkdirSync(caseDir, { recursive: true });
      const file = join(caseDir, name);
      writeFileSync(file, stringifyYaml(doc));
      const r = await loadConfig({ cwd: caseDir, configPath: file, env: {} });
      for (const d of r.diagnostics) assert.doesNotMatch(d.message, /\bat .*\.(ts|js):\d+/);
      if (!r.model || r.hasErrors) return;
      loaded++;
      let baseObj: Obj = {};
      if (base !== undefined) baseObj = toml(base);
      let out: ReturnType<typeof renderAll>;
      try {
        out = renderAll(["all"], { model: r.model, sourceName: relative(caseDir, file), baseRegistriesConf: base, baseRegistriesConfName: "base.conf" });
      } catch (err) {
        // A loaded model must always render; a RenderError here means a value got past the loader.
        assert.fail(`render threw ${err instanceof RenderError ? "RenderError" : "an exception"} for a loaded model: ${(err as Error).message}`);
      }
      checkStructure(r.model, out.files, baseObj);
    }),
    {
      numRuns: RUNS,
      includeErrorInReport: true,
      ...(process.env.FUZZ_SEED ? { seed: Number(process.env.FUZZ_SEED) } : {}),
      // Always tried first: the injections each guard exists for.
      examples: [
        [
          { version: 1, registries: { "docker.io": { mirrors: [{ url: "https://m.example.com", ca: '/c/"\n--insecure-registry=evil' }] } } },
          "werf-mirror.yaml",
          undefined,
        ],
        [
          { version: 1, registries: { 'quay.io"]\n[evil]': { mirrors: ["https://m.example.com/a\n[[registry]]"] } }, insecureRegistries: ['h"\n[x]'] },
          "a\n# b.yaml",
          undefined,
        ],
        [
          { version: 1, registries: { "docker.io": { mirrors: ["https://m.example.com"] } } },
          "x.yaml",
          stringifyToml({ a: '"]\n[evil]', registry: [{ prefix: "p\u0000", location: "l" }] }),
        ],
      ] as never,
    },
  );
  assert.ok(loaded >= total * 0.2, `only ${loaded} of ${total} generated configs loaded: the renderers were barely exercised`);
});

const ENV_KEYS = [
  "WERF_CONTAINER_REGISTRY_MIRROR_A",
  "WERF_CONTAINER_REGISTRY_MIRROR_ZZ",
  "WERF_MIRROR_ADD_X",
  "WERF_MIRROR_ADD_Y",
  "WERF_MIRROR_BACKEND",
  "WERF_MIRROR_TIMEOUT",
  "WERF_MIRROR_UNHEALTHY",
  "WERF_MIRROR_OUT_DIR",
  "WERF_BUILDAH_MODE",
  "WERF_MIRROR_CONFIG",
];
const envValue = (k: string) =>
  k.startsWith("WERF_MIRROR_ADD_")
    ? around(fc.tuple(validKey, validUrl).map(([a, b]) => `${a}=${b}`))
    : k.startsWith("WERF_CONTAINER")
      ? around(fc.constantFrom("mirror.gcr.io", "https://m.example.com"))
      : hostile;

/** Every file under a directory, recursively. */
function walk(d: string): string[] {
  let names: string[];
  try {
    names = readdirSync(d);
  } catch {
    return [];
  }
  return names.flatMap((n) => {
    const p = join(d, n);
    return statSync(p).isDirectory() ? walk(p) : [p];
  });
}

test("the CLI with arbitrary env and flag values: exit 2 exactly when the config cannot load, else 0 or 1; never a stack trace", async () => {
  let n = 0;
  await fc.assert(
    fc.asyncProperty(
      fc.record(Object.fromEntries(ENV_KEYS.map((k) => [k, envValue(k)])), { requiredKeys: [] }) as fc.Arbitrary<Record<string, string>>,
      fc.array(around(fc.tuple(validKey, validUrl).map(([a, b]) => `${a}=${b}`)), { maxLength: 2 }),
      fc.array(around(fc.constantFrom("mirror.gcr.io", "https://m.example.com", "m.example.com:5000")), { maxLength: 2 }),
      fc.option(around(fc.constantFrom("out", "o u t")), { nil: undefined }),
      fc.option(around(fc.constantFrom("5s", "500ms")), { nil: undefined }),
      fc.constantFrom("render", "render-stdout", "config", "env", "apply"),
      configDoc,
      async (env, mirror, crm, rawOutDir, timeout, cmd, doc) => {
        // Output directories stay inside the case directory: no absolute path, no `..`.
        const inside = (s: string) =>
          s
            .replace(/^[/\\]+/, "")
            .replace(/\.\./g, "_")
            .replace(/^~/, "_");
        const outDir = rawOutDir === undefined ? undefined : inside(rawOutDir);
        if (env.WERF_MIRROR_OUT_DIR !== undefined) env.WERF_MIRROR_OUT_DIR = inside(env.WERF_MIRROR_OUT_DIR);
        if (doc.output) doc.output.dir = inside(doc.output.dir);
        const caseDir = join(dir, `c${n++}`);
        mkdirSync(caseDir, { recursive: true });
        const file = join(caseDir, "werf-mirror.yaml");
        writeFileSync(file, stringifyYaml(doc));
        const flags = [
          ...mirror.flatMap((v) => ["--mirror", v]),
          ...crm.flatMap((v) => ["--container-registry-mirror", v]),
          ...(outDir !== undefined ? ["--out-dir", outDir] : []),
          ...(timeout !== undefined ? ["--timeout", timeout] : []),
        ];
        const args =
          cmd === "render"
            ? ["render", "--base", "/dev/null", ...flags]
            : cmd === "render-stdout"
              ? ["render", "--stdout", "--base", "/dev/null", ...flags]
              : cmd === "config"
                ? ["config", "--explain", ...flags]
                : cmd === "env"
                  ? ["env", "--offline", ...flags]
                  : ["apply", "docker", "--dry-run", "--daemon-json", join(caseDir, "daemon.json"), ...flags];
        const r = await runCli(args, { cwd: caseDir, env: { ...env, HOME: caseDir } });
        const all = r.stdout + r.stderr;
        assert.doesNotMatch(all, /\n\s+at .+:\d+:\d+\)?\n|internal error|TypeError|RangeError|ReferenceError/, all.slice(0, 2000));
        // The same inputs through the library decide whether the config loads.
        const loadedR = await loadConfig({ cwd: caseDir, env: { ...env, HOME: caseDir }, flags: { mirror, containerRegistryMirror: crm, outDir, timeout } });
        if (loadedR.hasErrors) assert.equal(r.code, 2, `load errors must exit 2; got ${r.code}: ${all.slice(0, 500)}`);
        else
          assert.ok([0, 1].includes(r.code) || (r.code === 2 && /werf-mirror render:|werf-mirror env:/.test(r.stderr)), `exit ${r.code}: ${all.slice(0, 500)}`);
        if (r.code === 2) assert.ok(r.stderr.length > 0, "exit 2 says why on stderr");
        // Whatever was written parses back.
        if (cmd === "render" && r.code === 0 && loadedR.model) {
          for (const f of walk(loadedR.model.output.dir)) {
            const text = readFileSync(f, "utf8");
            if (f.endsWith(".toml") || f.endsWith("registries.conf")) parseToml(text);
            else if (f.endsWith(".yaml")) parseYaml(text);
            else if (f.endsWith(".json")) JSON.parse(text);
          }
        }
      },
    ),
    { numRuns: Math.max(20, Math.ceil(RUNS / 5)), includeErrorInReport: true },
  );
});
