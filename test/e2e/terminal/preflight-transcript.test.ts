// What a person sees: `werf-mirror preflight` on a real pseudo-terminal (util-linux `script`) with
// one healthy mirror and one that accepts connections and never answers. The transcript (kept in
// the test output) shows the progress line naming the mirror still waited on and the time so far,
// then the table.
import { test } from "node:test";
import assert from "node:assert/strict";
import { createServer as createHttpServer } from "node:http";
import { createServer as createTcpServer, type Socket } from "node:net";
import type { AddressInfo } from "node:net";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { buildCliBundle } from "../../helpers/bundle.js";
import { requireTools, run } from "../harness/tools.js";

test("preflight on a terminal with a hung mirror: the progress line names it and counts the seconds, then the table", async (t) => {
  const tools = requireTools(["script"] as const);
  assert.ok(tools.tools, `${tools.missing}: util-linux's script is needed to record a terminal session`);
  const dir = mkdtempSync(join(tmpdir(), "transcript-"));
  const healthy = createHttpServer((_q, r) => r.writeHead(200, { "Docker-Distribution-API-Version": "registry/2.0" }).end("{}"));
  const sockets: Socket[] = [];
  const hung = createTcpServer((s) => sockets.push(s)); // accepts, never answers
  try {
    await new Promise<void>((r) => healthy.listen(0, "127.0.0.1", r));
    await new Promise<void>((r) => hung.listen(0, "127.0.0.1", r));
    const ok = `http://127.0.0.1:${(healthy.address() as AddressInfo).port}`;
    const stuck = `http://127.0.0.1:${(hung.address() as AddressInfo).port}`;
    writeFileSync(
      join(dir, "werf-mirror.yaml"),
      `version: 1\nbackend: buildah\nregistries:\n  docker.io:\n    mirrors: [${ok}, ${stuck}]\npreflight:\n  timeout: 2s\n  unhealthy: drop\n`,
    );
    const bin = await buildCliBundle(join(dir, "werf-mirror.cjs"));
    const transcript = join(dir, "typescript");
    const r = await run(tools.tools!.script, ["-q", "-e", "-c", `${process.execPath} ${bin} preflight --no-color`, transcript], {
      cwd: dir,
      env: { PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: dir, TERM: "xterm", COLUMNS: "160" },
      timeoutMs: 20_000,
    });
    assert.equal(r.code, 0, r.stdout + r.stderr);
    const seen = readFileSync(transcript, "utf8");
    t.diagnostic(`transcript:\n${seen.replace(/\r/g, "\\r").replace(/\u001b/g, "\\e")}`);
    // While the hung mirror holds out: one answered, the other named, the seconds counting.
    assert.match(seen, new RegExp(`probing mirrors: 1/2 answered, [0-9.]+ s; waiting for ${stuck.replace(/[.:/]/g, "\\$&")}`));
    const ticks = [...seen.matchAll(/probing mirrors: 1\/2 answered, ([0-9.]+) s/g)].map((m) => Number(m[1]));
    assert.ok(ticks.length >= 3 && ticks.at(-1)! >= 1.5, `the line is redrawn while waiting: ${ticks.join(", ")}`);
    // Then the line is erased and the table follows, the hung mirror unreachable and dropped.
    assert.match(seen, /\r\u001b\[K.*STATUS +REGISTRY +MIRROR/s);
    assert.match(seen, new RegExp(`unreachable +docker\\.io +${stuck.replace(/[.:/]/g, "\\$&")}`));
  } finally {
    for (const s of sockets) s.destroy();
    healthy.close();
    hung.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
