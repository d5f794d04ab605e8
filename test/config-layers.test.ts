// Precedence and werf's own semantics across the layers: defaults < file < env < flags.
import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { loadConfig } from "../src/config/load.js";
import { formatOrigin } from "../src/config/origin.js";
import type { Model } from "../src/config/types.js";
import { tempTree } from "./helpers/tmp.js";
import { runCli } from "./helpers/cli.js";

const FILE = `version: 1
backend: docker
registries:
  docker.io:
    mirrors:
      - https://file-a.example.com
      - url: https://shared.example.com
        pull: digest-only
  quay.io:
    mirrors: [https://quay-file.example.com]
preflight:
  timeout: 3s
  unhealthy: warn
`;

const mirrors = (m: Model, key = "docker.io") => m.registries.find((r) => r.prefix.key === key)?.mirrors.map((x) => x.url.href);

test("mirror lists merge flags first, then env, then file, de-duplicated by normalized URL", async () => {
  const t = tempTree({ "werf-mirror.yaml": FILE });
  try {
    const r = await loadConfig({
      cwd: t.dir,
      env: {
        WERF_CONTAINER_REGISTRY_MIRROR_B: "env-b.example.com",
        WERF_CONTAINER_REGISTRY_MIRROR_A: "https://shared.example.com/",
        WERF_MIRROR_ADD_QUAY: "quay.io=https://quay-env.example.com",
      },
      flags: { containerRegistryMirror: ["flag.example.com"], mirror: ["quay.io=quay-flag.example.com"] },
    });
    assert.equal(r.hasErrors, false, JSON.stringify(r.diagnostics));
    const m = r.model!;
    assert.deepEqual(mirrors(m), ["https://flag.example.com", "https://shared.example.com", "https://env-b.example.com", "https://file-a.example.com"]);
    assert.deepEqual(mirrors(m, "quay.io"), ["https://quay-flag.example.com", "https://quay-env.example.com", "https://quay-file.example.com"]);
    // The env layer named the shared mirror first, the file adds its pull policy.
    const shared = m.registries[0]!.mirrors[1]!;
    assert.equal(shared.pull, "digest-only");
    assert.deepEqual(shared.origin, { kind: "env", name: "WERF_CONTAINER_REGISTRY_MIRROR_A" });
  } finally {
    t.cleanup();
  }
});

test("werf's WERF_CONTAINER_REGISTRY_MIRROR_<ANY> are ordered as werf sorts them: whole KEY=VALUE strings", async () => {
  const r = await loadConfig({
    noSearch: true,
    cwd: "/",
    env: {
      WERF_CONTAINER_REGISTRY_MIRROR_Z: "a.example.com",
      WERF_CONTAINER_REGISTRY_MIRROR_A: "z.example.com",
      WERF_CONTAINER_REGISTRY_MIRROR_AA: "m.example.com",
      WERF_CONTAINER_REGISTRY_MIRROR: "ignored-bare.example.com", // werf reads only names with a suffix
    },
  });
  // "..._A=z" < "..._AA=m" because '=' (0x3d) sorts before 'A' (0x41).
  assert.deepEqual(mirrors(r.model!), ["https://z.example.com", "https://m.example.com", "https://a.example.com"]);
});

test("werf's variables and --container-registry-mirror refuse http:// as werf does; exit 2 from the CLI", async () => {
  const r = await loadConfig({ noSearch: true, cwd: "/", env: { WERF_CONTAINER_REGISTRY_MIRROR_X: "http://plain.example.com" } });
  assert.equal(r.hasErrors, true);
  assert.equal(r.diagnostics[0]!.rule, "werf-http-mirror");
  assert.deepEqual(r.diagnostics[0]!.origin, { kind: "env", name: "WERF_CONTAINER_REGISTRY_MIRROR_X" });
  const cli = await runCli(["config", "--container-registry-mirror", "http://plain.example.com"], { cwd: "/" });
  assert.equal(cli.code, 2);
  assert.match(cli.stderr, /^flag --container-registry-mirror error .*only https.* \[werf-http-mirror\]$/m);
});

test("scalars: the highest layer wins, and --explain names each origin", async () => {
  const t = tempTree({ "werf-mirror.yaml": FILE });
  try {
    const r = await runCli(["config", "--explain", "--timeout", "9s"], {
      cwd: t.dir,
      env: { WERF_MIRROR_TIMEOUT: "7s", WERF_MIRROR_UNHEALTHY: "fail", WERF_MIRROR_OUT_DIR: "out" },
    });
    assert.equal(r.code, 0, r.stderr);
    const line = (path: string) => r.stdout.split("\n").find((l) => l.startsWith(`${path} = `)) ?? "";
    assert.match(line("preflight.timeout"), /= 9s\s+# flag --timeout$/);
    assert.match(line("preflight.unhealthy"), /= fail\s+# env WERF_MIRROR_UNHEALTHY$/);
    assert.match(line("backend"), /= docker\s+# werf-mirror.yaml:2:10$/);
    assert.match(line("preflight.order"), /= declared\s+# default$/);
    assert.match(line("output.dir"), /= out\s+# env WERF_MIRROR_OUT_DIR$/);
    assert.match(line("registries.docker.io.mirrors[0]"), /= https:\/\/file-a.example.com\s+# werf-mirror.yaml:6:9$/);
  } finally {
    t.cleanup();
  }
});

test("backend auto follows WERF_BUILDAH_MODE with werf's values", async () => {
  const effective = async (mode?: string, backend?: string) =>
    (await loadConfig({ noSearch: true, cwd: "/", env: mode === undefined ? {} : { WERF_BUILDAH_MODE: mode }, flags: { backend } })).model?.effectiveBackend;
  assert.equal(await effective(), "docker");
  assert.equal(await effective("docker"), "docker");
  for (const mode of ["auto", "default", "native-rootless", "native-chroot"]) assert.equal(await effective(mode), "buildah", mode);
  assert.equal(await effective("auto", "docker"), "docker", "an explicit backend wins over WERF_BUILDAH_MODE");
  const odd = await loadConfig({ noSearch: true, cwd: "/", env: { WERF_BUILDAH_MODE: "turbo" } });
  assert.equal(odd.diagnostics[0]?.rule, "invalid-value");
  assert.equal(odd.diagnostics[0]?.severity, "warning");
});

test("bad env and flag values are errors that name the variable or flag", async () => {
  const r = await loadConfig({
    noSearch: true,
    cwd: "/",
    env: { WERF_MIRROR_BACKEND: "podman", WERF_MIRROR_ADD_X: "no-equals-sign", WERF_MIRROR_TIMEOUT: "soon" },
    flags: { mirror: ["=https://x.example.com"] },
  });
  const where = r.diagnostics.map((d) => `${formatOrigin(d.origin)} ${d.rule}`).sort();
  assert.deepEqual(where, ["env WERF_MIRROR_ADD_X invalid-value", "env WERF_MIRROR_BACKEND invalid-value", "flag --mirror invalid-value"]);
  const t = await loadConfig({ noSearch: true, cwd: "/", env: { WERF_MIRROR_TIMEOUT: "soon" } });
  assert.deepEqual(
    t.diagnostics.map((d) => `${formatOrigin(d.origin)} ${d.rule}`),
    ["env WERF_MIRROR_TIMEOUT invalid-duration"],
  );
});

test("relative ca and output.dir resolve against the config file's directory", async () => {
  const t = tempTree({
    "sub/werf-mirror.yaml":
      "version: 1\nregistries:\n  docker.io:\n    mirrors:\n      - url: https://m.example.com\n        ca: certs/ca.pem\noutput:\n  dir: gen\n",
    "sub/certs/ca.pem": "x",
  });
  try {
    const r = await loadConfig({ cwd: t.dir, configPath: "sub/werf-mirror.yaml" });
    assert.equal(r.hasErrors, false);
    assert.equal(r.model!.registries[0]!.mirrors[0]!.ca, join(t.dir, "sub/certs/ca.pem"));
    assert.equal(r.model!.output.dir, join(t.dir, "sub/gen"));
    assert.deepEqual(
      r.diagnostics.filter((d) => d.rule === "ca-missing"),
      [],
      "the CA exists, so no ca-missing warning",
    );
  } finally {
    t.cleanup();
  }
});

test("output.dir from a config file may not leave its directory: error at its position, render writes nothing; --out-dir and WERF_MIRROR_OUT_DIR may", async () => {
  const config = (dir?: string) => `version: 1\nregistries:\n  docker.io:\n    mirrors: [https://m.example.com]\n${dir ? `output:\n  dir: ${dir}\n` : ""}`;
  const t = tempTree({
    "project/app/werf-mirror.yaml": config("../../escaped"),
    "project/inside/werf-mirror.yaml": config("gen/../out"),
    "project/plain/werf-mirror.yaml": config(),
  });
  try {
    const render = (cwd: string, args: string[] = [], env: Record<string, string> = {}) =>
      runCli(["render", "--base", "/dev/null", ...args], { cwd: join(t.dir, "project", cwd), env });
    const refused = await render("app");
    assert.equal(refused.code, 2, refused.stderr);
    assert.match(
      refused.stderr,
      /^werf-mirror\.yaml:6:8 error output\.dir leaves the config file's directory .*--out-dir DIR or WERF_MIRROR_OUT_DIR \[output-dir-outside\]$/m,
    );
    assert.equal(existsSync(join(t.dir, "escaped")), false, "nothing written outside");
    // Still an error when a flag overrides it: the committed file is what lint checks.
    assert.equal((await render("app", ["--out-dir", join(t.dir, "mine")])).code, 2);

    const inside = await loadConfig({ cwd: join(t.dir, "project/inside") });
    assert.deepEqual(inside.diagnostics, []);
    assert.equal(inside.model!.output.dir, join(t.dir, "project/inside/out"));

    // The user's own choice may go anywhere, a space included: it is their shell and their quoting.
    const byFlag = await render("plain", ["--out-dir", join(t.dir, "my out")]);
    assert.equal(byFlag.code, 0, byFlag.stderr);
    assert.ok(existsSync(join(t.dir, "my out", "registries.conf")));
    const byEnv = await render("plain", [], { WERF_MIRROR_OUT_DIR: join(t.dir, "by-env") });
    assert.equal(byEnv.code, 0, byEnv.stderr);
    assert.ok(existsSync(join(t.dir, "by-env", "registries.conf")));
  } finally {
    t.cleanup();
  }
});
