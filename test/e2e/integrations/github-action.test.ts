/**
 * action.yml (the composite GitHub Action) run step by step as the runner would (github-runner.ts):
 * the action's directory is the working tree as a checkout of the action would hold it, the
 * workspace a project with a werf-mirror.yaml, and every step gets its GITHUB_ENV, GITHUB_PATH,
 * GITHUB_OUTPUT and GITHUB_STEP_SUMMARY files. What lands in those files is what later steps of
 * the job and the job's page get. Mirrors are local servers on 127.0.0.1, or --offline; npm runs
 * offline from the npm cache the checkout's `npm ci` filled.
 */
import assert from "node:assert/strict";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";

import { type FaultServer, httpServer, hungServer } from "../../preflight/helpers.js";
import { makeTempDir, removeTempDir, run } from "../harness/tools.js";
import { type ActionRun, parseFileCommands, readActionYml, runAction } from "./github-runner.js";
import { CHECKOUT, copyWorkingTree, quietEnv } from "./package.js";

const action = readActionYml(join(CHECKOUT, "action.yml"));

describe("action.yml", () => {
  it("is a composite action whose inputs reach scripts only through env (no expression inside a script)", () => {
    assert.equal(action.runs.using, "composite");
    for (const step of action.runs.steps) {
      // An input spliced into a script is a script injection (a config path like `$(...)`).
      assert.ok(!step.run?.includes("${{"), `step "${step.name}" has an expression inside run:`);
      assert.equal(step.shell, "bash", step.name);
    }
    for (const [name, spec] of Object.entries(action.inputs)) assert.ok(spec.description, `input ${name} has no description`);
  });

  it("the runner simulation reads GITHUB_ENV as the runner does", () => {
    assert.deepEqual(parseFileCommands("A=1\n\nB=x=y\nC<<EOF\nline 1\nline 2\nEOF\n"), { A: "1", B: "x=y", C: "line 1\nline 2" });
    assert.throws(() => parseFileCommands("# comment\n"), /Invalid format/);
    assert.throws(() => parseFileCommands("=1\n"), /must not be empty/);
    assert.throws(() => parseFileCommands("A<<EOF\nno end\n"), /delimiter not found/);
  });
});

describe("the action run as the runner runs it", { timeout: 600_000 }, () => {
  let work: string;
  let actionPath: string;
  let jobEnv: NodeJS.ProcessEnv;
  const servers: FaultServer[] = [];
  let n = 0;

  before(async () => {
    work = makeTempDir("gh-action");
    actionPath = copyWorkingTree(join(work, "action"));
    const cache = (await run("npm", ["config", "get", "cache"], { env: quietEnv() })).stdout.trim();
    jobEnv = quietEnv({
      HOME: join(work, "home"),
      XDG_CACHE_HOME: join(work, "xdg-cache"),
      XDG_STATE_HOME: join(work, "xdg-state"),
      npm_config_cache: cache,
      npm_config_offline: "true",
    });
    for (const k of Object.keys(jobEnv)) if (/^(GITHUB_|RUNNER_|WERF_)/.test(k)) delete jobEnv[k];
  });
  after(async () => {
    for (const s of servers) await s.close();
    removeTempDir(work);
  });

  /** A fresh workspace holding `files`, and the action run in it with `inputs`. */
  async function runIn(files: Record<string, string>, inputs: Record<string, string> = {}): Promise<ActionRun & { workspace: string }> {
    const workspace = join(work, `workspace-${++n}`);
    for (const [name, text] of Object.entries(files)) {
      mkdirSync(join(workspace, name, ".."), { recursive: true });
      writeFileSync(join(workspace, name), text);
    }
    const r = await runAction({ actionPath, workspace, temp: join(work, `runner-temp-${n}`), inputs, env: jobEnv });
    return { ...r, workspace };
  }

  const log = (r: ActionRun) =>
    r.steps.map((s) => `--- ${s.name}${s.skipped ? " (skipped)" : ""}\n${s.result?.stdout ?? ""}${s.result?.stderr ?? ""}`).join("\n");

  it("offline, Docker mode: annotations, the summary table, the hand-off in GITHUB_ENV and werf-mirror on PATH", async () => {
    const r = await runIn(
      {
        "werf-mirror.yaml": "version: 1\nregistries:\n  docker.io:\n    mirrors:\n      - https://mirror.example.com\n      - https://cache.example.com/hub\n",
      },
      { offline: "true" },
    );
    assert.ok(r.ok, log(r));
    assert.deepEqual(
      r.steps.map((s) => s.skipped),
      [false, false, false, false],
    );
    // The first use in the job builds werf-mirror in the action's directory (npm ci runs prepare).
    assert.doesNotMatch(r.steps[0]!.result!.stdout, /already built/);
    assert.ok(existsSync(join(actionPath, "dist/werf-mirror.cjs")), log(r));
    assert.equal(r.path.length, 1);
    assert.ok(existsSync(join(r.path[0]!, "werf-mirror")), "GITHUB_PATH names a directory with werf-mirror");

    // Lint: a GitHub annotation at the mirror with a path (werf's Docker mode cannot use it).
    const lint = r.steps[1]!.result!;
    assert.match(lint.stdout, /^::warning file=werf-mirror\.yaml,line=6,col=9,title=werf-mirror werf-ignores::/m);

    // Preflight: the markdown report in the job summary.
    assert.match(r.summary, /^### werf-mirror preflight/m);
    assert.match(r.summary, /^\| Status \| Registry \| Mirror \|/m);
    assert.match(r.summary, /`https:\/\/mirror\.example\.com`/);

    // The hand-off: what `werf build` in a later step gets.
    assert.equal(r.env.WERF_CONTAINER_REGISTRY_MIRROR_00, "https://mirror.example.com/");
    assert.equal(r.env.WERF_CONTAINER_REGISTRY_MIRROR_01, undefined, "the path mirror is left out in Docker mode");
    const conf = r.env.CONTAINERS_REGISTRIES_CONF!;
    assert.ok(conf.startsWith(`${r.workspace}/`) && existsSync(conf), `CONTAINERS_REGISTRIES_CONF=${conf}`);
    assert.equal(r.outputs["env-file"], join(r.workspace, ".werf-mirror/handoff/werf-mirror.env"));
    assert.equal(readFileSync(r.outputs["env-file"]!, "utf8"), r.envFiles[3]);

    // A later step of the job: PATH and the environment as the runner hands them on.
    const later = await run("bash", ["-eo", "pipefail", "-c", 'werf-mirror --version && echo "$WERF_CONTAINER_REGISTRY_MIRROR_00"'], {
      cwd: r.workspace,
      env: { ...jobEnv, ...r.env, PATH: `${r.path.join(":")}:${jobEnv.PATH}` },
    });
    assert.equal(later.code, 0, later.stderr);
    assert.equal(later.stdout, `${JSON.parse(readFileSync(join(CHECKOUT, "package.json"), "utf8")).version}\n${r.env.WERF_CONTAINER_REGISTRY_MIRROR_00}\n`);
  });

  it("a broken config: an error annotation at its line, and nothing exported", async () => {
    const r = await runIn({ "werf-mirror.yaml": "version: 1\nregistries:\n  docker.io:\n    mirrors: [ftp://mirror.example.com]\n" });
    assert.equal(r.ok, false);
    // Built once per job: the second use of the action finds its build.
    assert.match(r.steps[0]!.result!.stdout, /already built/);
    assert.equal(r.steps[1]!.result!.code, 1);
    assert.match(
      r.steps[1]!.result!.stdout,
      /^::error file=werf-mirror\.yaml,line=4,col=15,title=werf-mirror url-scheme::mirrors are reached over http or https/m,
    );
    assert.deepEqual(
      r.steps.map((s) => s.skipped),
      [false, false, true, true],
    );
    assert.deepEqual(r.env, {});
    assert.equal(r.summary, "");
    assert.equal(r.outputs["env-file"], "");
  });

  it("local mirrors, Buildah mode, in a subdirectory: the hung mirror is reported and dropped, the healthy one handed on", async () => {
    const healthy = await httpServer((req, res) => {
      res.writeHead(req.url === "/v2/" ? 200 : 404, { "Docker-Distribution-API-Version": "registry/2.0", "Content-Type": "application/json" });
      res.end("{}");
    });
    const hung = await hungServer();
    servers.push(healthy, hung);
    const r = await runIn(
      {
        "app/werf-mirror.yaml": [
          "version: 1",
          "backend: buildah",
          "registries:",
          "  docker.io:",
          `    mirrors: [${healthy.url}, ${hung.url}]`,
          "preflight:",
          "  timeout: 1s",
          "  unhealthy: drop",
          "",
        ].join("\n"),
      },
      { "working-directory": "app" },
    );
    assert.ok(r.ok, log(r));
    assert.ok(
      healthy.requests.some((q) => q.url === "/v2/"),
      "preflight asked the healthy mirror for /v2/",
    );
    // The summary names both mirrors with their outcome.
    const rows = r.summary.split("\n").filter((l) => l.startsWith("| ") && l.includes("127.0.0.1"));
    assert.equal(rows.length, 2, r.summary);
    assert.match(rows.find((l) => l.includes(healthy.url))!, /healthy/);
    assert.match(rows.find((l) => l.includes(hung.url))!, /unreachable/);
    // The hand-off: registries.conf with the healthy mirror only; env used preflight's stored report.
    const conf = readFileSync(r.env.CONTAINERS_REGISTRIES_CONF!, "utf8");
    assert.ok(conf.includes(healthy.url.replace("http://", "")), conf);
    assert.ok(!conf.includes(hung.url.replace("http://", "")), conf);
    assert.equal(healthy.requests.filter((q) => q.url === "/v2/").length, 1, "the env step used the stored preflight report instead of probing again");
    assert.equal(r.outputs["env-file"], join(r.workspace, "app/.werf-mirror/handoff/werf-mirror.env"));
  });

  it("preflight that fails still writes its report to the summary, and the hand-off is not exported", async () => {
    const hung = await hungServer();
    servers.push(hung);
    const r = await runIn({
      "werf-mirror.yaml": `version: 1\nbackend: buildah\nregistries:\n  docker.io:\n    mirrors: [${hung.url}]\npreflight:\n  timeout: 1s\n  unhealthy: fail\n`,
    });
    assert.equal(r.ok, false);
    assert.equal(r.steps[2]!.result!.code, 1, log(r));
    assert.match(r.summary, /^### werf-mirror preflight ❌/m);
    assert.match(r.summary, /unreachable/);
    assert.equal(r.steps[3]!.skipped, true);
    assert.deepEqual(r.env, {});
  });
});
