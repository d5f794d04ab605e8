// Nothing a server sends reaches the terminal as a control: a Docker daemon (a real HTTP server
// on 127.0.0.1 speaking the Engine API) reports "mirrors" made of terminal escapes, C1 controls,
// a carriage return and a bidi override; every preflight format, `env` and `exec` print them as
// visible text (`\x1b`, `\x9b`, `\u202e`), and preflight.json holds them the same way. The
// formatters also escape a report built by a library user with raw controls in every field.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { PREFLIGHT_FORMATS } from "../../src/format/preflight-index.js";
import type { PreflightReport } from "../../src/preflight/types.js";
import { makeTempDir, removeTempDir } from "../e2e/harness/tools.js";
import { runCli } from "../helpers/cli.js";
import { httpServer, type FaultServer } from "../preflight/helpers.js";

/** Controls a terminal acts on (newline aside), and the invisible characters that reorder text. */
const CONTROL = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u200b-\u200f\u2028-\u202e\u2060-\u2069\ufeff]/;
/** Without werf-mirror's own escapes on a terminal (colors, the progress counter): the only ones allowed out. */
// Our own output: colors, and the progress line (redrawn with `\r`, ended by erase-line); the mirror
// URLs it names went through printable, so what remains after removing it must hold no control.
const ownColors = (s: string) =>
  s
    .replace(/\u001b\[(?:3[1-6]|0)m/g, "")
    .replace(/\rprobing mirrors: \d+\/\d+ answered, [0-9.]+ s(?:; waiting for [^\r\u001b]*)?\u001b\[K/g, "")
    .replace(/\r\u001b\[K/g, "");
const HOSTILE = [
  "\u001b[2J\u001b]0;pwned\u0007http://a.example",
  "\u009b31mhttp://b.example",
  "http://c.example\u202elive",
  "http://d.example\r\nerror: all mirrors fine",
];

let dir: string;
let mirror: FaultServer;
let daemon: FaultServer;
before(async () => {
  dir = makeTempDir("hardening-terminal");
  mirror = await httpServer((_req, res) => res.writeHead(200).end("{}"));
  daemon = await httpServer((_req, res) =>
    res.writeHead(200, { "Content-Type": "application/json" }).end(JSON.stringify({ RegistryConfig: { Mirrors: HOSTILE } })),
  );
});
after(async () => {
  await mirror.close();
  await daemon.close();
  removeTempDir(dir);
});

describe("terminal escapes from servers are shown, never obeyed", () => {
  it("a Docker daemon's hostile mirror list: every preflight format, env and exec; preflight.json too", async () => {
    const project = join(dir, "daemon");
    mkdirSync(project, { recursive: true });
    writeFileSync(
      join(project, "werf-mirror.yaml"),
      `version: 1\nbackend: docker\nregistries:\n  docker.io:\n    mirrors: [${mirror.url}]\npreflight:\n  timeout: 2s\n`,
    );
    const env = { DOCKER_HOST: `tcp://127.0.0.1:${daemon.port}`, HOME: project, PATH: process.env.PATH };
    const runs: [string, { stdout: string; stderr: string }][] = [];
    for (const format of Object.keys(PREFLIGHT_FORMATS)) {
      for (const isTTY of [false, true]) {
        const r = await runCli(["preflight", "--format", format], { cwd: project, env, isTTY });
        assert.equal(r.code, 1, r.stderr); // the daemon lacks the configured mirror
        runs.push([`preflight --format ${format}${isTTY ? " (terminal)" : ""}`, r]);
      }
    }
    for (const args of [["env"], ["env", "--refresh"], ["exec", "--", "true"]]) runs.push([args.join(" "), await runCli(args, { cwd: project, env })]);
    for (const [what, r] of runs) {
      assert.doesNotMatch(ownColors(r.stdout), CONTROL, `stdout of ${what}`);
      assert.doesNotMatch(ownColors(r.stderr), CONTROL, `stderr of ${what}`);
    }
    const text = runs.find(([w]) => w === "preflight --format text")![1].stdout;
    assert.ok(text.includes("\\x1b[2J\\x1b]0;pwned\\x07http://a.example"), text);
    assert.ok(
      text.includes("\\x9b31mhttp://b.example") && text.includes("http://c.example\\u202elive") && text.includes("http://d.example\\x0d\\x0aerror"),
      text,
    );
    assert.doesNotMatch(text, /^error: all mirrors fine/m);
    const stored = JSON.parse(readFileSync(join(project, ".werf-mirror", "preflight.json"), "utf8"));
    assert.equal(stored.docker.mirrors[0], "\\x1b[2J\\x1b]0;pwned\\x07http://a.example");
    for (const m of stored.docker.mirrors) assert.doesNotMatch(m, CONTROL);
  });

  it("the formatters escape raw controls in every field of a report a library user built", () => {
    const x = "\u001b[31m\u009b2J\u202e\r";
    const report: PreflightReport = {
      version: 1,
      createdAt: `2026-01-01T00:00:00.000Z${x}`,
      configHash: "sha256:0",
      offline: false,
      ok: false,
      settings: { timeoutMs: 1000, unhealthy: "warn", order: "declared", minHealthy: 1, backend: "docker" },
      registries: [
        {
          registry: `docker.io${x}`,
          mirrors: [
            {
              registry: `docker.io${x}`,
              url: `https://m.example${x}`,
              scheme: "https",
              status: "unreachable",
              reason: `refused${x}`,
              checks: [{ request: `GET /v2/${x}`, ok: false, reason: x }],
              kept: true,
            },
          ],
          kept: [`https://m.example${x}`],
          usable: 0,
          minHealthy: 1,
          ok: false,
        },
      ],
      docker: { checked: true, host: `tcp://h${x}`, reachable: true, mirrors: [`http://d${x}`], missing: [`http://e${x}`], extra: [], daemonJson: `{${x}}` },
      findings: [{ severity: "error", message: `line one${x}\nline two${x}` }],
      durationMs: 1,
    };
    for (const [name, format] of Object.entries(PREFLIGHT_FORMATS)) {
      for (const isTTY of [false, true]) {
        const out = format(report, { isTTY, color: isTTY });
        assert.doesNotMatch(ownColors(out), CONTROL, `${name}${isTTY ? " (terminal)" : ""}`);
        if (name === "json") assert.deepEqual(JSON.parse(out), report);
      }
    }
  });
});
