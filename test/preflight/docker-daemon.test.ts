/**
 * The Docker daemon check against a REAL dockerd (e2e harness: own data root, inside
 * `unshare --net`): it has a configured docker.io mirror, then the configuration names one it
 * lacks. The mirrors themselves are real registries on the host's 127.0.0.1.
 */
import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it, type TestContext } from "node:test";
import { startDockerd, type Dockerd } from "../e2e/harness/dockerd.js";
import { startRegistry, type Registry } from "../e2e/harness/registry.js";
import { makeTempDir, removeTempDir, requireRoot, requireTools } from "../e2e/harness/tools.js";
import { cli } from "./helpers.js";

const TOOLS = ["dockerd", "docker", "unshare", "nsenter", "ip", "docker-registry"] as const;
let dir: string;
let dockerd: Dockerd | undefined;
let one: Registry | undefined;
let two: Registry | undefined;
let skip: string | null = null;

before(async () => {
  dir = makeTempDir("pf-dockerd");
  const r = requireTools(TOOLS);
  skip = r.tools ? requireRoot("dockerd") : r.missing;
  if (skip) return;
  one = await startRegistry({ name: "one" });
  two = await startRegistry({ name: "two" });
  // The daemon runs with the daemon.json `apply docker` wrote for a namespaced mirror next to a
  // plain one: dockerd cannot use the path mirror, so apply leaves it out.
  const daemonJson = join(dir, "daemon.json");
  writeFileSync(daemonJson, "{}\n");
  writeFileSync(join(dir, "werf-mirror.yaml"), config([`${one.url}/dockerhub`, one.url]));
  const applied = await cli(["apply", "docker", "--daemon-json", daemonJson], { cwd: dir });
  assert.equal(applied.code, 0, applied.stdout + applied.stderr);
  dockerd = await startDockerd({ configFile: daemonJson });
});

after(async () => {
  await dockerd?.stop();
  await one?.stop();
  await two?.stop();
  removeTempDir(dir);
});

function need(t: TestContext): boolean {
  if (skip) {
    t.diagnostic(`SKIPPED: ${skip}`);
    t.skip(skip);
    return false;
  }
  return true;
}

const config = (mirrors: string[]) =>
  `version: 1\nbackend: docker\nregistries:\n  docker.io:\n    mirrors: [${mirrors.join(", ")}]\npreflight:\n  timeout: 3s\n`;

describe("Docker daemon mirrors (real dockerd)", () => {
  it("a namespaced mirror next to a plain one: preflight wants what apply docker gave the daemon, not the path mirror", async (t) => {
    if (!need(t)) return;
    const info = await dockerd!.info();
    assert.deepEqual(info.RegistryConfig?.Mirrors, [`${one!.url}/`]);
    writeFileSync(join(dir, "werf-mirror.yaml"), config([`${one!.url}/dockerhub`, one!.url]));
    const r = await cli(["preflight", "--format", "json"], { cwd: dir, env: { DOCKER_HOST: dockerd!.host } });
    // Before: "lacks the docker.io mirror .../dockerhub ... run werf-mirror apply docker", forever.
    assert.equal(r.code, 0, r.stdout + r.stderr);
    const report = JSON.parse(r.stdout);
    assert.deepEqual(report.docker.missing, []);
    // The suggested daemon.json is the docker renderer's, http mirrors in insecure-registries too.
    assert.deepEqual(JSON.parse(report.docker.daemonJson), { "registry-mirrors": [`${one!.url}/`], "insecure-registries": [one!.hostPort] });
  });

  it("the daemon has the configured mirror (it reports it with a trailing slash): preflight passes", async (t) => {
    if (!need(t)) return;
    const info = await dockerd!.info();
    assert.deepEqual(info.RegistryConfig?.Mirrors, [`${one!.url}/`]);
    writeFileSync(join(dir, "werf-mirror.yaml"), config([one!.url]));
    const r = await cli(["preflight", "--format", "json"], { cwd: dir, env: { DOCKER_HOST: dockerd!.host } });
    assert.equal(r.code, 0, r.stdout + r.stderr);
    const report = JSON.parse(r.stdout);
    assert.equal(report.docker.reachable, true);
    assert.deepEqual(report.docker.missing, []);
  });

  it("the daemon lacks a configured mirror: exit 1, with the daemon.json to use and the restart step", async (t) => {
    if (!need(t)) return;
    writeFileSync(join(dir, "werf-mirror.yaml"), config([two!.url, one!.url]));
    const r = await cli(["preflight"], { cwd: dir, env: { DOCKER_HOST: dockerd!.host } });
    assert.equal(r.code, 1, r.stdout + r.stderr);
    assert.match(r.stdout, new RegExp(`lacks the docker.io mirror ${two!.url.replace(/[.:/]/g, "\\$&")}`));
    assert.match(r.stdout, /"registry-mirrors": \[\n\s+"http:\/\/127\.0\.0\.1:\d+\/",\n\s+"http:\/\/127\.0\.0\.1:\d+\/"\n\s+\]/);
    assert.match(r.stdout, /"insecure-registries": \[/);
    assert.match(r.stdout, /werf-mirror apply docker/);
    assert.match(r.stdout, /systemctl restart docker/);
    const md = await cli(["preflight", "--format", "markdown"], { cwd: dir, env: { DOCKER_HOST: dockerd!.host } });
    assert.match(md.stdout, /```json\n\{\n\s+"registry-mirrors"/);
  });

  it("an unreachable daemon is an error with backend docker, a warning under auto", async (t) => {
    if (!need(t)) return;
    const host = `unix://${join(dir, "nothing.sock")}`;
    writeFileSync(join(dir, "werf-mirror.yaml"), config([one!.url]));
    const explicit = await cli(["preflight"], { cwd: dir, env: { DOCKER_HOST: host } });
    assert.equal(explicit.code, 1);
    assert.match(explicit.stdout, /error: cannot ask the Docker daemon at unix:\/\/.*nothing\.sock/);
    const auto = await cli(["preflight", "--backend", "auto"], { cwd: dir, env: { DOCKER_HOST: host } });
    assert.equal(auto.code, 0, auto.stdout);
    assert.match(auto.stdout, /warning: cannot ask the Docker daemon/);
  });
});
