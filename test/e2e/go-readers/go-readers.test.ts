/**
 * Proves buildkitd.toml, hosts.toml, registries.conf, registries.yaml and kaniko.args with the
 * reader each consumer really uses, where the consumer itself does not run here (BuildKit, k3s,
 * kaniko; containerd 1.x and 2.x side by side): every render golden case is rendered afresh,
 * decoded strictly by our Go reader (test/e2e/go-readers/reader) and what it read is compared
 * with what the config asked, or with the render warning that says why not.
 */
import assert from "node:assert/strict";
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { after, before, describe, it } from "node:test";

import { renderAll } from "../../../src/backends/index.js";
import { isLoopbackHost, splitByShape, tlsMode } from "../../../src/backends/common.js";
import { isDockerHub, parseHostPort } from "../../../src/config/addresses.js";
import type { Mirror, Model, Registry } from "../../../src/config/types.js";
import { CONSUMERS, mirrorPathFeatures, type ConsumerId, type Feature } from "../../../src/consumers/capabilities.js";
import type { RenderWarning } from "../../../src/backends/types.js";
import { loadFixtureModel } from "../../render/helpers.js";
import { makeTempDir, removeTempDir } from "../harness/tools.js";
import { buildReader, type Reader, type ReaderKind } from "./readers.js";

const FIXTURES = resolve(dirname(fileURLToPath(import.meta.url)), "../../../fixtures/render");
const CASES = readdirSync(FIXTURES)
  .filter((n) => existsSync(join(FIXTURES, n, "werf-mirror.yaml")))
  .sort();

interface Case {
  name: string;
  model: Model;
  out: string;
  warnings: RenderWarning[];
  /** Registries each keyed-by-host consumer renders (no wildcard, no namespace). */
  plain: Registry[];
  insecureHosts: Set<string>;
}

/** Whether render warned that `consumer` cannot express `feature` (for mirror `m`). */
function warned(c: Case, consumer: ConsumerId, feature: Feature, m?: Mirror): boolean {
  return c.warnings.some((w) => w.consumer === CONSUMERS[consumer].name && w.feature === feature && (!m || w.subject === m.url.href));
}

function hostOf(hostPort: string): string {
  const p = parseHostPort(hostPort);
  assert.ok(p.ok, hostPort);
  return p.value.host;
}

/** Distinct CA files of the https mirrors on each host. */
function casOnHost(c: Case, host: string): string[] {
  return [...new Set(c.plain.flatMap((r) => r.mirrors.filter((m) => m.url.hostPort === host && m.url.scheme === "https" && m.ca).map((m) => m.ca!)))];
}

describe("rendered files, decoded strictly by the reader each consumer uses (Go)", { timeout: 300_000 }, () => {
  let reader: Reader | string;
  const work = makeTempDir("go-readers");
  after(() => removeTempDir(work));
  before(async () => {
    reader = await buildReader();
  });

  async function read(kind: ReaderKind, file: string) {
    return (reader as Reader).read(kind, file);
  }

  function skip(t: { skip(m: string): void; diagnostic(m: string): void }): boolean {
    if (typeof reader !== "string") return false;
    t.diagnostic(`SKIPPED: ${reader}`);
    t.skip(reader);
    return true;
  }

  // The readers can fail: each refuses what its consumer would refuse or silently misread.
  it("the readers refuse what their consumers refuse or ignore", async (t) => {
    if (skip(t)) return;
    const file = (name: string, text: string) => {
      const p = join(work, name);
      writeFileSync(p, text);
      return p;
    };
    const headerForm = file("v1-header.toml", '[registry."[::1]:5000"]\nmirrors = ["m"]\n');
    const v1 = await read("buildkit-v1", headerForm);
    assert.equal(v1.ok, false, "go-toml v1 (BuildKit <= v0.27) cannot read an IPv6 table header");
    assert.match(v1.ok ? "" : v1.error, /table key cannot contain '\]'/);
    assert.equal((await read("buildkit-v2", headerForm)).ok, true, "go-toml v2 reads it");
    assert.equal((await read("buildkit-v1", file("typo.toml", '[registry]\n"docker.io" = { mirror = ["m"] }\n'))).ok, false, "a misspelt BuildKit key");
    assert.equal((await read("containerd-v1", file("nohost.toml", 'server = "https://r"\n'))).ok, false, "containerd 1.6 refuses a hosts.toml without [host]");
    assert.equal(
      (await read("containerd-v2", file("inline.toml", 'server = "https://r"\n[host]\n"https://m" = { capabilities = ["pull"] }\n'))).ok,
      false,
      'containerd 2.x reads mirrors only from [host."..."] tables',
    );
    assert.equal(
      (await read("registries-conf", file("rc.toml", '[[registry]]\nprefix = "docker.io"\nlocation = "docker.io"\n[[registry.mirrors]]\nlocation = "m"\n'))).ok,
      false,
      "a key containers/image ignores",
    );
    assert.equal((await read("k3s", file("k3s.yaml", 'mirrors:\n  docker.io:\n    endpoints: ["https://m"]\n'))).ok, false, "a key k3s ignores");
    assert.equal((await read("kaniko", file("kaniko.args", "--registry-mirrors=m\n"))).ok, false, "a flag kaniko does not have");
  });

  for (const name of CASES) {
    describe(`case ${name}`, () => {
      let c: Case;
      before(async () => {
        const dir = join(FIXTURES, name);
        // Rendered into a temp output dir: CA bundles are named by their absolute path there.
        const out = join(work, name);
        const model: Model = { ...(await loadFixtureModel(dir)), output: { dir: out } };
        const base = join(dir, "base-registries.conf");
        const result = renderAll(["all"], {
          model,
          sourceName: "werf-mirror.yaml",
          baseRegistriesConf: existsSync(base) ? readFileSync(base, "utf8") : undefined,
        });
        for (const f of result.files) {
          mkdirSync(dirname(join(out, f.path)), { recursive: true });
          writeFileSync(join(out, f.path), f.content);
        }
        c = {
          name,
          model,
          out,
          warnings: result.warnings,
          plain: splitByShape(model.registries).plain,
          insecureHosts: new Set(model.insecureRegistries.filter((e) => !e.includes("/"))),
        };
      });

      it("BuildKit (go-toml v1 and v2): the mirrors of each registry, and how each mirror and registry is reached", async (t) => {
        if (skip(t)) return;
        const file = join(c.out, "buildkitd.toml");
        const v1 = await read("buildkit-v1", file);
        const v2 = await read("buildkit-v2", file);
        assert.ok(v1.ok, `BuildKit <= v0.27 refuses buildkitd.toml: ${v1.ok ? "" : v1.error}`);
        assert.ok(v2.ok, `BuildKit >= v0.28 refuses buildkitd.toml: ${v2.ok ? "" : v2.error}`);
        assert.deepEqual(v1.value, v2.value, "both loaders read the same");
        const entries: Record<string, { mirrors?: string[]; http?: boolean; insecure?: boolean; ca?: string[] }> = v1.value.registry ?? {};
        // util/resolver/resolver.go fillInsecureOpts: how BuildKit reaches a host.
        const reach = (hostPort: string) => {
          const e = entries[hostPort] ?? {};
          const http = e.http === true || (e.http === undefined && isLoopbackHost(hostOf(hostPort)));
          if (e.insecure) return { scheme: "https", verify: false, httpFallback: http, ca: e.ca ?? [] };
          return http ? { scheme: "http", verify: false, httpFallback: false, ca: [] } : { scheme: "https", verify: true, httpFallback: false, ca: e.ca ?? [] };
        };
        for (const reg of c.plain.filter((r) => r.mirrors.length > 0)) {
          assert.deepEqual(
            entries[reg.prefix.hostPort]?.mirrors,
            reg.mirrors.map((m) => `${m.url.hostPort}${m.url.path}`),
            `mirrors of ${reg.prefix.key}`,
          );
          for (const m of reg.mirrors) {
            const r = reach(m.url.hostPort);
            const mode = tlsMode(m);
            if (mode === "http") assert.ok(r.scheme === "http" || r.httpFallback, `${m.url.href} is reached over http`);
            else if (mode === "insecure") assert.ok(r.scheme === "https" && !r.verify, `${m.url.href} is reached over https without verification`);
            else if (warned(c, "buildkit", "tls-conflict", m) || warned(c, "buildkit", "mirror-host-insecure", m))
              assert.ok(!r.verify, "warned: shares its host's weaker TLS settings");
            else {
              assert.deepEqual({ scheme: r.scheme, verify: r.verify }, { scheme: "https", verify: true }, `${m.url.href} is reached over verified https`);
              if (m.ca) assert.ok(r.ca.includes(m.ca), `${m.url.href} is verified with ${m.ca}`);
            }
          }
          // The registry itself, after its mirrors (docker.io is registry-1.docker.io, never loopback).
          if (!isDockerHub(reg.prefix)) {
            const r = reach(reg.prefix.hostPort);
            if (c.insecureHosts.has(reg.prefix.hostPort)) assert.ok(!r.verify && r.httpFallback, `${reg.prefix.key} is insecure`);
            else
              assert.deepEqual(
                { scheme: r.scheme, verify: r.verify },
                { scheme: "https", verify: true },
                `${reg.prefix.key} itself is reached over verified https`,
              );
          }
        }
        for (const host of c.insecureHosts) assert.ok(!reach(host).verify && reach(host).httpFallback, `${host}: https without verification, then http`);
      });

      it("containerd hosts.toml (1.6/1.7 with go-toml v1, 2.x with go-toml v2): hosts in order, then the server", async (t) => {
        if (skip(t)) return;
        const url = (m: Mirror) => `${m.url.scheme}://${m.url.hostPort}${m.url.path ? `/v2${m.url.path}` : ""}`;
        const settings = (m: Mirror) => ({
          capabilities: m.pull === "digest-only" ? ["pull"] : ["pull", "resolve"],
          ...(m.url.scheme === "https" && m.ca ? { ca: m.ca } : {}),
          ...(m.url.scheme === "https" && m.insecure ? { skip_verify: true } : {}),
          ...(m.url.path ? { override_path: true } : {}),
        });
        const hosts = new Set([...c.plain.filter((r) => r.mirrors.length > 0).map((r) => r.prefix.hostPort), ...c.insecureHosts]);
        for (const hostPort of hosts) {
          const reg = c.plain.find((r) => r.prefix.hostPort === hostPort);
          const mirrors = reg?.mirrors ?? [];
          const insecure = c.insecureHosts.has(hostPort);
          let tried = mirrors;
          let server: Record<string, unknown> =
            hostPort === "docker.io"
              ? { url: "https://registry-1.docker.io", ...(insecure ? { skip_verify: true } : {}) }
              : insecure
                ? { url: `http://${hostPort}`, skip_verify: true }
                : { url: `https://${hostPort}` };
          if (reg && !reg.fallback && mirrors.length > 0) {
            const last = mirrors[mirrors.length - 1]!;
            tried = mirrors.slice(0, -1);
            server = { url: url(last), ...settings(last) };
          }
          const expected = { hosts: tried.map((m) => ({ url: url(m), ...settings(m) })), server };
          const file = join(c.out, "certs.d", hostPort, "hosts.toml");
          const v2 = await read("containerd-v2", file);
          assert.ok(v2.ok, `containerd 2.x cannot read ${hostPort}/hosts.toml: ${v2.ok ? "" : v2.error}`);
          assert.deepEqual(v2.value, expected, `containerd 2.x reads ${hostPort}/hosts.toml`);
          const v1 = await read("containerd-v1", file);
          const ipv6 = tried.filter((m) => m.url.hostPort.startsWith("["));
          if (ipv6.length === 0) {
            assert.ok(v1.ok, `containerd 1.x cannot read ${hostPort}/hosts.toml: ${v1.ok ? "" : v1.error}`);
            assert.deepEqual(v1.value, expected, `containerd 1.x reads ${hostPort}/hosts.toml`);
          } else {
            assert.equal(v1.ok, false, 'containerd 1.x cannot read an IPv6 [host."..."] key');
            for (const m of ipv6) assert.ok(warned(c, "containerd", "ipv6-mirror", m), `render warned that containerd 1.x cannot read ${m.url.href}`);
          }
        }
      });

      it("registries.conf (containers/image types, BurntSushi toml): no key it would ignore, each registry with its mirrors", async (t) => {
        if (skip(t)) return;
        const r = await read("registries-conf", join(c.out, "registries.conf"));
        assert.ok(r.ok, r.ok ? "" : r.error);
        const entries: { prefix: string; location?: string; mirror?: { location: string }[] }[] = r.value.registry ?? [];
        for (const reg of c.model.registries) {
          const entry = entries.find((e) => e.prefix === reg.prefix.key);
          assert.ok(entry, `a [[registry]] for ${reg.prefix.key}`);
          const usable = reg.mirrors.filter((m) => {
            const cannot = mirrorPathFeatures(m).filter((f) => !CONSUMERS["registries-conf"].features[f].honoured);
            for (const f of cannot) assert.ok(warned(c, "registries-conf", f, m), `warned: ${m.url.href} left out`);
            return cannot.length === 0;
          });
          const listed = !reg.fallback && !reg.prefix.wildcard ? usable.slice(0, -1) : usable;
          const ns = reg.prefix.namespace ? `/${reg.prefix.namespace}` : "";
          assert.deepEqual(
            (entry.mirror ?? []).map((m) => m.location),
            listed.map((m) => `${m.url.hostPort}${m.url.path}${ns}`),
            `mirrors of ${reg.prefix.key}`,
          );
        }
        assert.deepEqual(r.value["unqualified-search-registries"] ?? [], c.model.unqualifiedSearchRegistries);
      });

      it("k3s registries.yaml (wharfie types, yaml.v2 strict): endpoints per registry, TLS per host, one CA file holding every CA of the host", async (t) => {
        if (skip(t)) return;
        const r = await read("k3s", join(c.out, "registries.yaml"));
        assert.ok(r.ok, r.ok ? "" : r.error);
        const mirrors: Record<string, { endpoint: string[] }> = r.value.mirrors ?? {};
        const configs: Record<string, { tls?: { ca_file?: string; insecure_skip_verify?: boolean; ca_certificates?: number } }> = r.value.configs ?? {};
        for (const reg of c.plain.filter((x) => x.mirrors.length > 0)) {
          const endpoints = reg.mirrors.map((m) => `${m.url.scheme}://${m.url.hostPort}${m.url.path ? `/v2${m.url.path}` : ""}`);
          if (c.insecureHosts.has(reg.prefix.hostPort)) endpoints.push(`http://${reg.prefix.hostPort}`);
          assert.deepEqual(mirrors[reg.prefix.hostPort]?.endpoint, endpoints, `endpoints of ${reg.prefix.key}`);
          for (const m of reg.mirrors.filter((x) => x.url.scheme === "https")) {
            const tls = configs[m.url.hostPort]?.tls ?? {};
            if (m.insecure) assert.equal(tls.insecure_skip_verify, true, `${m.url.href} is not verified`);
            else if (warned(c, "k3s", "tls-conflict", m) || warned(c, "k3s", "mirror-host-insecure", m)) assert.equal(tls.insecure_skip_verify, true);
            else assert.ok(!tls.insecure_skip_verify, `${m.url.href} is verified`);
            if (m.ca) {
              assert.ok(tls.ca_file, `${m.url.hostPort} has a ca_file`);
              assert.equal(tls.ca_certificates, casOnHost(c, m.url.hostPort).length, `the ca_file of ${m.url.hostPort} holds every CA of its mirrors`);
            }
            if (m.url.hostPort.startsWith("[")) assert.ok(warned(c, "k3s", "ipv6-mirror", m));
          }
        }
      });

      it("kaniko.args (kaniko's flag types, pflag): the mirrors kaniko will use, per registry, with their TLS flags", async (t) => {
        if (skip(t)) return;
        const r = await read("kaniko", join(c.out, "kaniko.args"));
        assert.ok(r.ok, r.ok ? "" : r.error);
        const got = r.value as {
          registryMaps: Record<string, { registry: string; prefix: string }[]>;
          insecureRegistries: string[];
          skipTLSVerifyRegistries: string[];
          registriesCertificates: Record<string, string>;
          certificateCounts: Record<string, number>;
          skipDefaultRegistryFallback: boolean;
        };
        const expectedMaps: Record<string, { registry: string; prefix: string }[]> = {};
        const mirrored: Registry[] = [];
        for (const reg of c.plain) {
          const usable = reg.mirrors.filter((m) => {
            const cannot = mirrorPathFeatures(m).filter((f) => !CONSUMERS.kaniko.features[f].honoured);
            for (const f of cannot) assert.ok(warned(c, "kaniko", f, m), `warned: ${m.url.href} left out`);
            return cannot.length === 0;
          });
          if (usable.length === 0) continue;
          mirrored.push(reg);
          const from = isDockerHub(reg.prefix) ? "index.docker.io" : reg.prefix.hostPort;
          expectedMaps[from] = [
            ...(expectedMaps[from] ?? []),
            ...usable.map((m) => ({ registry: m.url.hostPort, prefix: m.url.path ? `${m.url.path.slice(1)}/` : "" })),
          ];
          for (const m of usable) {
            const mode = tlsMode(m);
            const weakened = warned(c, "kaniko", "tls-conflict", m) || warned(c, "kaniko", "mirror-host-insecure", m);
            if (mode === "http") assert.ok(got.insecureRegistries.includes(m.url.hostPort), `${m.url.href}: --insecure-registry`);
            if (mode === "insecure") assert.ok(got.skipTLSVerifyRegistries.includes(m.url.hostPort), `${m.url.href}: --skip-tls-verify-registry`);
            if (mode === "verified" && !weakened) {
              assert.ok(!got.skipTLSVerifyRegistries.includes(m.url.hostPort) && !got.insecureRegistries.includes(m.url.hostPort), `${m.url.href} is verified`);
            }
            if (m.ca && mode === "verified")
              assert.equal(
                got.certificateCounts[m.url.hostPort],
                casOnHost(c, m.url.hostPort).length,
                `--registry-certificate of ${m.url.hostPort} holds every CA of its mirrors`,
              );
          }
        }
        assert.deepEqual(got.registryMaps, expectedMaps, "kaniko maps each registry to the mirrors the config asked, in order");
        // go-containerregistry pkg/name: kaniko uses a mapping only if <prefix><repository> stays a repository on its registry.
        for (const maps of Object.values(got.registryMaps)) {
          for (const { prefix } of maps) {
            assert.doesNotMatch(prefix.split("/")[0]!, /[.:]/, `kaniko would read ${prefix} as a registry name`);
            assert.match(prefix, /^[a-z0-9._/-]*$/, `kaniko would refuse ${prefix} as a repository name`);
          }
        }
        for (const host of c.insecureHosts)
          assert.ok(got.insecureRegistries.includes(host) && got.skipTLSVerifyRegistries.includes(host), `${host} is insecure`);
        assert.equal(got.skipDefaultRegistryFallback, mirrored.length > 0 && mirrored.every((reg) => !reg.fallback));
      });
    });
  }
});
