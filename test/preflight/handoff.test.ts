/**
 * The hand-off to werf, end to end: `env --as-file` sourced by `sh` gives exactly the healthy
 * https docker.io mirrors in order, and podman pulls through the handed-off
 * CONTAINERS_REGISTRIES_CONF. Everything (registries, werf-mirror, podman) runs inside a
 * private network namespace with only `lo`, so a fallback to docker.io cannot leave the machine.
 * `exec` runs a command with that environment and returns its exit code.
 */
import { parse as parseToml } from "smol-toml";
import { werfMirrorList, werfMirrorsFromRegistriesConf, type WerfRegistryEntry } from "../../src/consumers/werf.js";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { after, before, describe, it, type TestContext } from "node:test";
import { makeTempImage, podmanPull, pushImage } from "../e2e/harness/image.js";
import { createCA, startRegistry, type CA, type Registry } from "../e2e/harness/registry.js";
import {
  describeFailure,
  findTool,
  freePort,
  isolatedEnv,
  makeTempDir,
  removeTempDir,
  requireRoot,
  requireTools,
  run,
  startNetNs,
  type NetNs,
} from "../e2e/harness/tools.js";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
const BIN = join(ROOT, "src/cli/bin.ts");
const cliArgs = (args: string[]) => ["--import", "tsx", BIN, ...args];

describe("env --as-file and podman through the handed-off registries.conf (netns)", () => {
  const TOOLS = ["docker-registry", "skopeo", "podman", "openssl", "curl", "unshare", "nsenter", "ip", "sh"] as const;
  let dir: string;
  let netns: NetNs | undefined;
  let ca: CA;
  const regs: Registry[] = [];
  let skip: string | null = null;

  before(async () => {
    dir = makeTempDir("pf-handoff");
    const r = requireTools(TOOLS);
    skip = r.tools ? requireRoot("podman and network namespaces") : r.missing;
    if (skip) return;
    netns = await startNetNs(dir);
    ca = await createCA(join(dir, "ca"));
    for (const name of ["b", "a"]) regs.push(await startRegistry({ name, tls: { ca }, netns }));
    regs.push(await startRegistry({ name: "http", netns }));
    const image = makeTempImage({ tag: "3.19" });
    try {
      for (const reg of regs) {
        await pushImage(image.dir, `${reg.hostPort}/library/alpine:3.19`, { netns, ...(reg.tls ? { destCertDir: ca.certDir } : {}) });
      }
    } finally {
      removeTempDir(image.dir);
    }
  });

  after(async () => {
    for (const reg of regs) await reg.stop().catch(() => {});
    await netns?.stop();
    removeTempDir(dir);
  });

  it("sh sees exactly the healthy https mirrors in order; podman pulls through the first", { timeout: 180_000 }, async (t: TestContext) => {
    if (skip) {
      t.diagnostic(`SKIPPED: ${skip}`);
      return t.skip(skip);
    }
    const [b, a, http] = regs as [Registry, Registry, Registry];
    const dead = `https://127.0.0.1:${await freePort()}`; // nothing listens there inside the namespace
    writeFileSync(
      join(dir, "werf-mirror.yaml"),
      [
        "version: 1",
        "backend: buildah",
        "registries:",
        "  docker.io:",
        "    mirrors:",
        `      - ${dead}`,
        `      - { url: "${b.url}", ca: "${ca.cert}" }`,
        `      - { url: "${a.url}", ca: "${ca.cert}" }`,
        `      - ${http.url}`,
        "preflight:",
        "  timeout: 3s",
        "  probe: library/alpine:3.19",
        "  unhealthy: drop",
        "",
      ].join("\n"),
    );
    const env = isolatedEnv(join(dir, "home"));
    const node = process.execPath;
    const got = await netns!.run(node, cliArgs(["env", "--as-file", "--cwd", dir]), { env, cwd: ROOT, timeoutMs: 60_000 });
    assert.equal(got.code, 0, describeFailure(got));
    const file = got.stdout.trim();
    assert.equal(file, join(dir, ".werf-mirror", "handoff", "env.sh"));

    const sh = await run(findTool("sh")!, ["-c", '. "$1" && env', "sh", file], {
      env: { ...env, WERF_CONTAINER_REGISTRY_MIRROR_STALE: "https://stale.example" },
    });
    assert.equal(sh.code, 0, describeFailure(sh));
    // Buildah mode: werf puts WERF_CONTAINER_REGISTRY_MIRROR_* before registries.conf's mirrors and
    // marks only http:// ones insecure (werf cmd/werf/common/common.go:1336-1380), so every
    // docker.io mirror goes through registries.conf alone and the stale variable is unset.
    const vars = sh.stdout.split("\n").filter((l) => l.startsWith("WERF_CONTAINER_REGISTRY_MIRROR_"));
    assert.deepEqual(vars, []);
    const conf = sh.stdout
      .split("\n")
      .find((l) => l.startsWith("CONTAINERS_REGISTRIES_CONF="))!
      .split("=")[1]!;
    assert.equal(conf, join(dir, ".werf-mirror", "handoff", "registries.conf"));
    const text = readFileSync(conf, "utf8");
    assert.ok(!text.includes(dead.replace("https://", "")), "the dead mirror is in registries.conf");
    // What werf reads from it (pkg/buildah/registries_config_linux.go:192-237): the kept mirrors in
    // the declared order, the http one as http://.
    const entries = (parseToml(text) as { registry?: WerfRegistryEntry[] }).registry ?? [];
    assert.deepEqual(werfMirrorsFromRegistriesConf(entries), [b.url, a.url, `http://${http.hostPort}`]);
    // werf's registry API verifies with the system roots only: the mirrors' CA reaches it in SSL_CERT_FILE.
    const bundle = sh.stdout
      .split("\n")
      .find((l) => l.startsWith("SSL_CERT_FILE="))!
      .split("=")[1]!;
    assert.ok(readFileSync(bundle, "utf8").includes(readFileSync(ca.cert, "utf8").trim()), "the CA is not in the bundle");

    const pulled = await podmanPull("docker.io/library/alpine:3.19", { registriesConf: conf, certDir: ca.certDir, netns: netns!, timeoutMs: 120_000 });
    assert.ok(pulled.ok, describeFailure(pulled));
    assert.ok(b.hits("/v2/library/alpine/manifests/3.19").length > 0 || (await waitHits(b)), "podman did not use the first kept mirror");
  });
});

async function waitHits(reg: Registry): Promise<boolean> {
  for (let i = 0; i < 50; i++) {
    if (reg.hits("/v2/library/alpine/manifests/3.19").some((l) => l.includes("GET") || l.includes("HEAD"))) return true;
    await new Promise((r) => setTimeout(r, 100));
  }
  return false;
}

describe("exec", () => {
  let dir: string;
  before(() => {
    dir = makeTempDir("pf-exec");
    writeFileSync(
      join(dir, "werf-mirror.yaml"),
      "version: 1\nbackend: buildah\nregistries:\n  docker.io:\n    mirrors: [https://a.example, https://b.example]\n",
    );
  });
  after(() => removeTempDir(dir));

  const env = () => ({ ...isolatedEnv(join(dir, "home")), WERF_CONTAINER_REGISTRY_MIRROR_OLD: "https://old.example" });

  it("runs the command with the hand-off (earlier variables replaced) and returns its exit code", async () => {
    const r = await run(
      process.execPath,
      cliArgs(["exec", "--offline", "--cwd", dir, "--", "sh", "-c", "env | grep ^WERF_CONTAINER_REGISTRY_MIRROR_ | sort; exit 7"]),
      {
        env: env(),
        cwd: ROOT,
        timeoutMs: 30_000,
      },
    );
    assert.equal(r.code, 7, describeFailure(r));
    // Buildah mode: no werf variable at all (the earlier one is unset); env (OLD) comes before the
    // file in werf-mirror's merge order, and werf reads that order from the handed registries.conf.
    assert.equal(r.stdout.trim(), "");
    const text = readFileSync(join(dir, ".werf-mirror", "handoff", "registries.conf"), "utf8");
    const entries = (parseToml(text) as { registry?: WerfRegistryEntry[] }).registry ?? [];
    assert.deepEqual(werfMirrorsFromRegistriesConf(entries), ["https://old.example", "https://a.example", "https://b.example"]);
  });

  it("Docker mode: the variables spell each mirror as dockerd reports it, so werf lists it once", async () => {
    const r = await run(
      process.execPath,
      cliArgs(["exec", "--offline", "--backend", "docker", "--cwd", dir, "--", "sh", "-c", "env | grep ^WERF_CONTAINER_REGISTRY_MIRROR_ | sort"]),
      {
        env: env(),
        cwd: ROOT,
        timeoutMs: 30_000,
      },
    );
    assert.equal(r.code, 0, describeFailure(r));
    const values = r.stdout
      .trim()
      .split("\n")
      .map((l) => l.slice(l.indexOf("=") + 1));
    assert.deepEqual(values, ["https://old.example/", "https://a.example/", "https://b.example/"]);
    // werf appends dockerd's GET /info mirrors (trailing `/`) and de-duplicates by exact string
    // (cmd/werf/common/common.go:1355-1377): each mirror once.
    const list = werfMirrorList(values, ["https://a.example/", "https://b.example/"]);
    assert.deepEqual(list, { mirrors: ["https://old.example/", "https://a.example/", "https://b.example/"] });
  });

  it("a command killed by a signal gives 128+N; a missing command gives 127", async () => {
    const killed = await run(process.execPath, cliArgs(["exec", "--offline", "--cwd", dir, "--", "sh", "-c", "kill -TERM $$"]), {
      env: env(),
      cwd: ROOT,
      timeoutMs: 30_000,
    });
    assert.equal(killed.code, 143, describeFailure(killed));
    const missing = await run(process.execPath, cliArgs(["exec", "--offline", "--cwd", dir, "--", "no-such-command-here"]), {
      env: env(),
      cwd: ROOT,
      timeoutMs: 30_000,
    });
    assert.equal(missing.code, 127);
    assert.match(missing.stderr, /cannot run no-such-command-here: command not found/);
  });

  it("forwards SIGTERM to the command", { timeout: 30_000 }, async () => {
    const child = spawn(process.execPath, cliArgs(["exec", "--offline", "--cwd", dir, "--", "sh", "-c", "echo started; exec sleep 30"]), {
      env: env(),
      cwd: ROOT,
      stdio: ["ignore", "pipe", "pipe"],
    });
    try {
      await new Promise<void>((res, rej) => {
        child.stdout!.on("data", (d: Buffer) => d.toString().includes("started") && res());
        child.on("exit", () => rej(new Error("exited early")));
      });
      const t0 = Date.now();
      child.kill("SIGTERM");
      const code = await new Promise<number | null>((res) => child.on("exit", (c) => res(c)));
      assert.equal(code, 143);
      assert.ok(Date.now() - t0 < 5_000);
    } finally {
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
    }
  });
});
