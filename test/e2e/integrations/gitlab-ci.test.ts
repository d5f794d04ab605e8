/**
 * The GitLab CI template (ci/gitlab/werf-mirror.gitlab-ci.yml) in a project's pipeline: a job
 * that extends .werf-mirror is run as GitLab's runner runs it (gitlab-runner.ts), its junit and
 * dotenv reports are read with GitLab's rules, and a later job that needs it gets the variables
 * and, through the artifact, the files they name. werf-mirror is the packed tarball installed
 * offline and on PATH, as in an image that has it (the template then installs nothing).
 */
import assert from "node:assert/strict";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { delimiter, join } from "node:path";
import { after, before, describe, it } from "node:test";

import { type FaultServer, httpServer, hungServer } from "../../preflight/helpers.js";
import { makeTempDir, removeTempDir } from "../harness/tools.js";
import { type Job, type JobRun, parseGitLabDotenv, resolveJob, runJob } from "./gitlab-runner.js";
import { CHECKOUT, installTarball, packWorkingTree, quietEnv } from "./package.js";

const TEMPLATE = readFileSync(join(CHECKOUT, "ci/gitlab/werf-mirror.gitlab-ci.yml"), "utf8");

/** A project's .gitlab-ci.yml as the template's header tells people to write it. */
const projectCi = (variables: Record<string, string> = {}) =>
  [
    "werf-mirror:",
    "  extends: .werf-mirror",
    ...(Object.keys(variables).length ? ["  variables:", ...Object.entries(variables).map(([k, v]) => `    ${k}: ${JSON.stringify(v)}`)] : []),
    "build:",
    "  stage: build",
    "  needs: [werf-mirror]",
    "  script:",
    '    - test -f "$CONTAINERS_REGISTRIES_CONF"',
    '    - cat "$CONTAINERS_REGISTRIES_CONF"',
    '    - env | grep "^WERF_CONTAINER_REGISTRY_MIRROR_" | sort || true',
    "",
  ].join("\n");

const count = (xml: string, tag: string) => (xml.match(new RegExp(`<${tag}[\\s>/]`, "g")) ?? []).length;

describe("GitLab dotenv rules (the parser the test uses)", () => {
  it("refuses what GitLab refuses and keeps what it keeps", () => {
    assert.deepEqual(parseGitLabDotenv('A=1\nB = x=y \nC="q"\nD='), { A: "1", B: "x=y", C: '"q"', D: "" });
    assert.throws(() => parseGitLabDotenv("A=1\n\nB=2\n"), /Invalid Format/);
    assert.throws(() => parseGitLabDotenv("# comment\n"), /Invalid Format/);
    assert.throws(() => parseGitLabDotenv("A-B=1\n"), /only letters, digits/);
    assert.throws(() => parseGitLabDotenv(Array.from({ length: 21 }, (_, i) => `K${i}=v\n`).join("")), /more than 20/);
    assert.throws(() => parseGitLabDotenv(`A=${"x".repeat(5200)}\n`), /Too Big/);
  });
});

describe("the template in a pipeline", { timeout: 300_000 }, () => {
  let work: string;
  let env: NodeJS.ProcessEnv;
  const servers: FaultServer[] = [];
  let n = 0;

  before(async () => {
    work = makeTempDir("gitlab");
    const installed = join(work, "image");
    await installTarball(installed, await packWorkingTree());
    env = quietEnv({
      PATH: `${join(installed, "node_modules/.bin")}${delimiter}${process.env.PATH}`,
      HOME: join(work, "home"),
      XDG_CACHE_HOME: join(work, "xdg-cache"),
      XDG_STATE_HOME: join(work, "xdg-state"),
      npm_config_offline: "true",
    });
    for (const k of Object.keys(env)) if (/^(CI_|GITLAB_|WERF_)/.test(k)) delete env[k];
  });
  after(async () => {
    for (const s of servers) await s.close();
    removeTempDir(work);
  });

  /** A project checkout holding `files`; its werf-mirror job, run; and the build job that needs it. */
  async function pipeline(files: Record<string, string>, variables: Record<string, string> = {}) {
    const projectDir = join(work, `builds-${++n}`, "group", "project");
    for (const [name, text] of Object.entries(files)) {
      mkdirSync(join(projectDir, name, ".."), { recursive: true });
      writeFileSync(join(projectDir, name), text);
    }
    const ci = projectCi(variables);
    const job = resolveJob(TEMPLATE, ci, "werf-mirror");
    const mirror = await runJob(job, { projectDir, name: "werf-mirror", env });
    return { projectDir, ci, job, mirror };
  }

  const log = (r: JobRun) => r.result.stdout + r.result.stderr;

  it("extends .werf-mirror: a hidden job that runs before every stage", () => {
    const job: Job = resolveJob(TEMPLATE, projectCi({ WM_ARGS: "--offline" }), "werf-mirror");
    assert.equal(job.stage, ".pre");
    assert.equal(job.variables?.WM_ARGS, "--offline", "the project's variables win");
    assert.equal(job.variables?.WM_PACKAGE, `werf-mirror@${JSON.parse(readFileSync(join(CHECKOUT, "package.json"), "utf8")).version}`);
    assert.deepEqual(job.artifacts?.reports, { junit: "werf-mirror-preflight.xml", dotenv: "werf-mirror.env" });
    assert.equal(job.artifacts?.when, "always");
  });

  it("offline: a junit report, a dotenv GitLab accepts, and the next job gets the mirrors and their files", async () => {
    const { projectDir, ci, mirror } = await pipeline(
      {
        "werf-mirror.yaml":
          "version: 1\nregistries:\n  docker.io:\n    mirrors: [https://mirror.example.com]\n  quay.io:\n    mirrors: [https://quay-cache.example.com]\n",
      },
      { WM_ARGS: "--offline" },
    );
    assert.ok(mirror.ok, log(mirror));
    assert.doesNotMatch(log(mirror), /^(added|changed) \d+ packages?/m, "werf-mirror is on PATH: nothing is installed");
    assert.match(mirror.result.stdout, /^\$ werf-mirror lint$/m);

    assert.ok(mirror.junit, "no junit report");
    assert.match(mirror.junit, /^<\?xml version="1\.0" encoding="UTF-8"\?>\n<testsuites /);
    assert.equal(count(mirror.junit, "testcase"), 4);
    assert.equal(count(mirror.junit, "failure"), 0);
    assert.equal(count(mirror.junit, "skipped"), 2, "offline: the mirrors are not probed");

    assert.ok(mirror.dotenv, "no dotenv report");
    const vars = parseGitLabDotenv(mirror.dotenv);
    assert.deepEqual(Object.keys(vars).sort(), ["CONTAINERS_REGISTRIES_CONF", "WERF_CONTAINER_REGISTRY_MIRROR_00"]);
    assert.equal(vars.WERF_CONTAINER_REGISTRY_MIRROR_00, "https://mirror.example.com/");
    assert.equal(vars.CONTAINERS_REGISTRIES_CONF, join(projectDir, ".werf-mirror/handoff/registries.conf"));
    assert.deepEqual(mirror.paths, [".werf-mirror/"]);

    // The build job: the dotenv variables, and the artifact restored in the same project dir.
    const build = await runJob(resolveJob(TEMPLATE, ci, "build"), { projectDir, name: "build", env, inherited: vars });
    assert.ok(build.ok, log(build));
    assert.match(build.result.stdout, /quay-cache\.example\.com/);
    assert.match(build.result.stdout, /^WERF_CONTAINER_REGISTRY_MIRROR_00=https:\/\/mirror\.example\.com\/$/m);
  });

  it("local mirrors from a subdirectory: the hung one fails the junit report and the job, the report is still collected", async () => {
    const healthy = await httpServer((req, res) => {
      res.writeHead(req.url === "/v2/" ? 200 : 404, { "Docker-Distribution-API-Version": "registry/2.0" });
      res.end("{}");
    });
    const hung = await hungServer();
    servers.push(healthy, hung);
    const { mirror } = await pipeline(
      {
        "services/api/werf-mirror.yaml": `version: 1\nbackend: buildah\nregistries:\n  docker.io:\n    mirrors: [${healthy.url}, ${hung.url}]\npreflight:\n  timeout: 1s\n  unhealthy: fail\n`,
      },
      { WM_DIR: "services/api" },
    );
    assert.equal(mirror.ok, false, log(mirror));
    assert.ok(mirror.junit, `the junit report is collected after a failure (when: always):\n${log(mirror)}`);
    assert.equal(count(mirror.junit, "failure"), 1, mirror.junit);
    assert.match(mirror.junit, new RegExp(`name="${hung.url}"[^>]*>\\s*<failure`));
    assert.equal(mirror.dotenv, undefined, "nothing is handed on after a failed preflight");
    assert.deepEqual(mirror.paths, [".werf-mirror/"], "the output directory is at the project root whatever WM_DIR is");
  });

  it("a broken config fails the job at lint with the position, before any report", async () => {
    const { mirror } = await pipeline({ "werf-mirror.yaml": "version: 1\nregistries:\n  docker.io:\n    mirrors: [ftp://mirror.example.com]\n" });
    assert.equal(mirror.ok, false);
    assert.match(mirror.result.stdout, /^werf-mirror\.yaml:4:15 error .*\[url-scheme\]$/m);
    assert.equal(mirror.junit, undefined);
    assert.equal(mirror.dotenv, undefined);
  });
});
