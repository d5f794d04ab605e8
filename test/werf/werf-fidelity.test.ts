// What werf does with mirrors, stated with the werf source lines it comes from (github.com/werf/werf
// v2.77.1; the same code in v3.2.0), and what werf-mirror now makes of each case: werf does what the
// config asks, or a finding says precisely what werf will do instead. No werf binary runs here; the
// model of werf's code (src/consumers/werf.ts) is driven by the files and variables the hand-off
// really writes.
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parse as parseToml } from "smol-toml";
import { runCli } from "../helpers/cli.js";
import {
  werfApiReferences,
  werfBuildahConf,
  werfEnvMirrors,
  werfMirrorList,
  werfMirrorsFromRegistriesConf,
  werfInsecureFromRegistriesConf,
  type WerfRegistryEntry,
} from "../../src/consumers/werf.js";

const ROOT = join(import.meta.dirname, "..", "..");
const GOLDEN = join(ROOT, "fixtures", "werf");

function project(yaml: string): { dir: string; env: Record<string, string>; done: () => void } {
  const dir = mkdtempSync(join(tmpdir(), "werf-fidelity-"));
  writeFileSync(join(dir, "werf-mirror.yaml"), yaml);
  writeFileSync(join(dir, "empty.conf"), "");
  // No host registries.conf is merged in: the results do not depend on the machine.
  const env = { HOME: join(dir, "home"), CONTAINERS_REGISTRIES_CONF: join(dir, "empty.conf") };
  return { dir, env, done: () => rmSync(dir, { recursive: true, force: true }) };
}

/** What werf takes from the hand-off of `env --offline`: its variables and the registries.conf. */
async function handedToWerf(yaml: string, backend: "buildah" | "docker") {
  const p = project(yaml);
  try {
    const r = await runCli(["env", "--offline", "--backend", backend, "--as-env-file", "--cwd", p.dir], { cwd: p.dir, env: p.env });
    assert.equal(r.code, 0, r.stderr);
    const vars = Object.fromEntries(
      readFileSync(r.stdout.trim(), "utf8")
        .split("\n")
        .filter(Boolean)
        .map((l) => [l.slice(0, l.indexOf("=")), l.slice(l.indexOf("=") + 1)]),
    );
    const conf = vars.CONTAINERS_REGISTRIES_CONF ? readFileSync(vars.CONTAINERS_REGISTRIES_CONF, "utf8") : "";
    const entries = ((parseToml(conf) as { registry?: WerfRegistryEntry[] }).registry ?? []) as WerfRegistryEntry[];
    const lint = await runCli(["lint", "--no-color", "--backend", backend, "--cwd", p.dir], { cwd: p.dir, env: p.env });
    return { vars, entries, envMirrors: werfEnvMirrors(vars), stderr: r.stderr, lint: lint.stdout };
  } finally {
    p.done();
  }
}

/** werf's final list in Buildah mode: variables, then registries.conf (common.go:1336-1380). */
function buildahList(h: Awaited<ReturnType<typeof handedToWerf>>): string[] {
  const list = werfMirrorList(h.envMirrors, werfMirrorsFromRegistriesConf(h.entries));
  assert.ok("mirrors" in list);
  return list.mirrors;
}

test("1. a path mirror: werf's registry API drops the path (generic_api.go:146-150); Buildah keeps it; lint says so", async () => {
  const h = await handedToWerf("version: 1\nregistries:\n  docker.io:\n    mirrors: [https://nexus.example/repository/dockerhub]\n", "buildah");
  const list = buildahList(h);
  assert.deepEqual(list, ["https://nexus.example/repository/dockerhub"]);
  assert.deepEqual(werfBuildahConf(list, [], []).mirrors, [{ location: "nexus.example/repository/dockerhub", insecure: false }]);
  assert.deepEqual(werfApiReferences(list, "library/alpine", "3.20"), ["nexus.example/library/alpine:3.20", "docker.io/library/alpine:3.20"]);
  assert.match(h.lint, /werf-mirror\.yaml:4:\d+ warning .*werf's registry API .*drops the mirror's path .*\[werf-ignores\]/);
  // Docker mode: dockerd cannot use it either, so it is left out of werf's variables.
  const d = await handedToWerf(
    "version: 1\nregistries:\n  docker.io:\n    mirrors: [https://nexus.example/repository/dockerhub, https://m.example]\n",
    "docker",
  );
  assert.deepEqual(d.envMirrors, ["https://m.example/"]);
  assert.match(d.stderr, /nexus\.example\/repository\/dockerhub is left out of werf's hand-off/);
});

test("1b. a mirror path starting with /v2/ gets a hint", async () => {
  const p = project("version: 1\nregistries:\n  docker.io:\n    mirrors: [https://nexus.example/v2/dockerhub]\n");
  try {
    const r = await runCli(["lint", "--no-color", "--cwd", p.dir], { cwd: p.dir, env: p.env });
    assert.match(r.stdout, /\/v2\/ .*\[url-v2-path\]/);
  } finally {
    p.done();
  }
});

test("2. digest-only: werf reads no pull policy (registries_config_linux.go:31-34, native_linux.go:296-299): left out with a warning", async () => {
  const yaml =
    "version: 1\nregistries:\n  docker.io:\n    mirrors:\n      - https://a.example\n      - { url: https://digests.example, pull: digest-only }\n      - { url: https://tags.example, pull: tag-only }\n";
  const h = await handedToWerf(yaml, "buildah");
  assert.deepEqual(buildahList(h), ["https://a.example", "https://tags.example"]);
  assert.match(h.stderr, /digests\.example is left out of werf's hand-off: it is `pull: digest-only`/);
  assert.match(h.lint, /:6:\d+ warning .*digest-only.*leaves this mirror out of werf's hand-off.*\[werf-ignores\]/);
  assert.match(h.lint, /:7:\d+ warning .*tag-only.*werf's Buildah backend uses the mirror for every pull.*\[werf-ignores\]/);
});

test("3. fallback: false: werf always falls back (native_linux.go:292-294) and the location rewrite would reverse werf's order (registries_config_linux.go:227-233)", async () => {
  // What werf would have read from the rewrite other consumers get: the last mirror first.
  assert.deepEqual(werfMirrorsFromRegistriesConf([{ prefix: "docker.io", location: "b.example", mirror: [{ location: "a.example" }] }]), [
    "https://b.example",
    "https://a.example",
  ]);
  const h = await handedToWerf("version: 1\nregistries:\n  docker.io:\n    mirrors: [https://a.example, https://b.example]\n    fallback: false\n", "buildah");
  assert.deepEqual(buildahList(h), ["https://a.example", "https://b.example"]);
  assert.match(h.lint, /`fallback: false` on `docker\.io`: werf's Buildah backend always tries docker\.io itself after its mirrors/);
});

test("4. blocked, unqualifiedSearchRegistries and a docker.io/library key: werf reads none (registries_config_linux.go:24-29, 217-225; native_linux.go:290)", async () => {
  const yaml =
    "version: 1\nregistries:\n  docker.io/library:\n    mirrors: [https://lib.example]\n  quay.io:\n    blocked: true\nunqualifiedSearchRegistries: [quay.io]\n";
  const h = await handedToWerf(yaml, "buildah");
  assert.deepEqual(buildahList(h), []);
  assert.match(h.lint, /:3:3 warning werf \(Buildah mode\) does not use the mirrors of `docker\.io\/library`.*\[not-used-by-werf\]/);
  assert.match(h.lint, /:5:3 warning .*`blocked: true` on `quay\.io`.*\[werf-ignores\]/);
  assert.match(h.lint, /:7:\d+ warning .*unqualifiedSearchRegistries.*searches docker\.io only.*\[werf-ignores\]/);
});

test("5. an https mirror with insecure: true reaches werf's Buildah insecure, once (native_linux.go:254-269)", async () => {
  const h = await handedToWerf("version: 1\nregistries:\n  docker.io:\n    mirrors: [{ url: https://self-signed.example, insecure: true }]\n", "buildah");
  const list = buildahList(h);
  assert.deepEqual(list, ["http://self-signed.example"]);
  assert.deepEqual(werfBuildahConf(list, [], []).mirrors, [{ location: "self-signed.example", insecure: true }]);
  assert.equal(werfApiReferences(list, "library/alpine", "1").length, 2, "werf's API asks it once, then docker.io");
});

test("6. order: an http mirror declared first stays first; Docker mode lists each mirror once (common.go:1355-1377)", async () => {
  const yaml = "version: 1\nregistries:\n  docker.io:\n    mirrors: [http://plain.example:5000, https://a.example]\n";
  const h = await handedToWerf(yaml, "buildah");
  assert.deepEqual(buildahList(h), ["http://plain.example:5000", "https://a.example"]);
  const d = await handedToWerf(yaml, "docker");
  // dockerd reports its mirrors with one trailing slash; werf de-duplicates by exact string.
  const list = werfMirrorList(d.envMirrors, ["http://plain.example:5000/", "https://a.example/"]);
  assert.deepEqual(list, { mirrors: ["https://a.example/", "http://plain.example:5000/"] });
});

test("7. a mirror with ca: werf's registry API uses the system roots only; the hand-off gives it SSL_CERT_FILE with the CA", async () => {
  const p = project("");
  const ca = join(p.dir, "corp-ca.pem");
  const pem = "-----BEGIN CERTIFICATE-----\nMIIBfake\n-----END CERTIFICATE-----\n";
  try {
    writeFileSync(ca, pem);
    writeFileSync(join(p.dir, "werf-mirror.yaml"), `version: 1\nregistries:\n  docker.io:\n    mirrors: [{ url: https://corp.example, ca: ./corp-ca.pem }]\n`);
    writeFileSync(join(p.dir, "roots.pem"), "-----BEGIN CERTIFICATE-----\nROOTS\n-----END CERTIFICATE-----\n");
    const r = await runCli(["env", "--offline", "--backend", "buildah", "--as-env-file", "--cwd", p.dir], {
      cwd: p.dir,
      env: { ...p.env, SSL_CERT_FILE: join(p.dir, "roots.pem") },
    });
    assert.equal(r.code, 0, r.stderr);
    const line = readFileSync(r.stdout.trim(), "utf8")
      .split("\n")
      .find((l) => l.startsWith("SSL_CERT_FILE="));
    assert.ok(line, "no SSL_CERT_FILE handed on");
    const bundle = readFileSync(line.slice("SSL_CERT_FILE=".length), "utf8");
    assert.ok(bundle.startsWith("-----BEGIN CERTIFICATE-----\nROOTS\n"), "the system roots come first");
    assert.ok(bundle.includes("MIIBfake"), "the mirror's CA is in the bundle");
  } finally {
    p.done();
  }
});

test("8. insecure registries are handed on without mirrors; CIDRs are a finding in Buildah mode (registries_config_linux.go:144-186)", async () => {
  const h = await handedToWerf("version: 1\ninsecureRegistries: [registry.local:5000, 10.0.0.0/8]\n", "buildah");
  assert.deepEqual(werfInsecureFromRegistriesConf(h.entries), ["registry.local:5000"]);
  assert.match(h.lint, /:2:\d+ warning .*address ranges \(CIDR\).*\[werf-ignores\]/);
});

test("9. no help text or README line says werf's Buildah backend uses the handed registries.conf as such", async () => {
  const env = await runCli(["env", "--help"], { cwd: ROOT });
  const render = await runCli(["render", "--help"], { cwd: ROOT });
  const readme = readFileSync(join(ROOT, "README.md"), "utf8");
  for (const text of [env.stdout, render.stdout, readme]) {
    assert.doesNotMatch(text, /registries\.conf[^.\n]*for werf's Buildah backend, buildah, podman/);
    assert.doesNotMatch(text, /werf's Buildah backend, buildah, podman, skopeo, CRI-O/);
  }
  assert.match(env.stdout, /werf's Buildah backend takes only the docker\.io\s+mirrors and insecure registries/);
});

for (const backend of ["buildah", "docker"] as const) {
  test(`config --explain --for werf of werf-mirror.yaml.example (${backend}) matches fixtures/werf/explain-${backend}.txt`, async () => {
    const p = project(readFileSync(join(ROOT, "werf-mirror.yaml.example"), "utf8"));
    try {
      const r = await runCli(["config", "--explain", "--for", "werf", "--backend", backend, "--cwd", p.dir], { cwd: p.dir, env: p.env });
      assert.equal(r.code, 0, r.stderr);
      const file = join(GOLDEN, `explain-${backend}.txt`);
      if (process.env.WERF_MIRROR_UPDATE_GOLDEN === "1") writeFileSync(file, r.stdout);
      assert.equal(r.stdout, readFileSync(file, "utf8"));
    } finally {
      p.done();
    }
  });
}
