// Preflight progress goes to stderr, and is shown when stderr is a terminal even though stdout is
// captured (as in `. $(werf-mirror env --as-file)`); never with --quiet or without a terminal.
import { test } from "node:test";
import assert from "node:assert/strict";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { runCli } from "./helpers/cli.js";
import { tempTree } from "./helpers/tmp.js";

test("env shows probing progress on a terminal stderr while stdout is captured", async () => {
  const server = createServer((_req, res) => res.writeHead(200, { "Docker-Distribution-API-Version": "registry/2.0" }).end("{}"));
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const port = (server.address() as AddressInfo).port;
  const t = tempTree({
    "werf-mirror.yaml": `version: 1\nbackend: buildah\nregistries:\n  docker.io:\n    mirrors: [http://127.0.0.1:${port}]\npreflight:\n  timeout: 2s\n`,
  });
  try {
    const env = { HOME: t.dir };
    const shown = await runCli(["env", "--refresh"], { cwd: t.dir, env, isTTY: false, stderrIsTTY: true });
    assert.equal(shown.code, 0, shown.stderr);
    assert.match(shown.stderr, /probing mirrors: 1\/1/);
    assert.doesNotMatch(shown.stdout, /probing/, "stdout holds only the hand-off");
    const quiet = await runCli(["env", "--refresh", "--quiet"], { cwd: t.dir, env, isTTY: false, stderrIsTTY: true });
    assert.doesNotMatch(quiet.stderr, /probing/);
    const piped = await runCli(["env", "--refresh"], { cwd: t.dir, env, isTTY: false, stderrIsTTY: false });
    assert.doesNotMatch(piped.stderr, /probing/);
  } finally {
    server.close();
    t.cleanup();
  }
});
