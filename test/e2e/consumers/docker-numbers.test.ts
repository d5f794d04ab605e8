/**
 * A real dockerd reads daemon.json with Go's encoding/json: 9223372036854775807 fits its int
 * fields, while the 9223372036854776000 that a JSON.parse/JSON.stringify round trip prints does
 * not, and dockerd refuses to start. `apply docker` edits the file instead of re-printing it, so
 * the daemon.json it writes still starts dockerd (and the mirror is in GET /info).
 */
import assert from "node:assert/strict";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";

import { startDockerd } from "../harness/dockerd.js";
import { makeTempDir, removeTempDir } from "../harness/tools.js";
import { caseDir, config, missingTools, skipped, started, Stops, werfMirror } from "./support.js";

const ORIGINAL = '{\n  "max-download-attempts": 9223372036854775807,\n  "labels": ["caf\\u00e9=kept"]\n}\n';

describe("dockerd with numbers JavaScript would re-print differently", { timeout: 120_000 }, () => {
  let skip: string | null = null;
  const stops = new Stops();
  let work = "";

  before(() => {
    skip = missingTools(["dockerd", "docker", "unshare", "nsenter", "ip"], "dockerd");
    if (skip) return;
    work = makeTempDir("cons-dkr-num");
    stops.add("work dir", () => removeTempDir(work));
  });
  after(() => stops.run());

  it("the daemon.json apply docker wrote keeps 9223372036854775807 and starts dockerd; the re-printed one does not", { timeout: 100_000 }, async (t) => {
    if (skipped(t, skip)) return;
    const dir = caseDir(work, "numbers");
    const cfg = join(dir, "werf-mirror.yaml");
    writeFileSync(cfg, config("registries:\n  docker.io:\n    mirrors: [https://mirror.example.com]\n"));
    const daemonJson = join(dir, "daemon.json");
    writeFileSync(daemonJson, ORIGINAL);
    const cli = await werfMirror(["apply", "docker", "--daemon-json", daemonJson, "--config", cfg], dir);
    assert.equal(cli.code, 0, `${cli.stdout}\n${cli.stderr}`);
    const written = readFileSync(daemonJson, "utf8");
    assert.match(written, /"max-download-attempts": 9223372036854775807,/);

    const d = await started(stops, "dockerd", startDockerd({ configFile: daemonJson }));
    const info = await d.info();
    assert.deepEqual(info.RegistryConfig?.Mirrors, ["https://mirror.example.com/"]);
    assert.ok((info.Labels as string[] | undefined)?.includes("café=kept"), `labels: ${JSON.stringify(info.Labels)}`);
    await d.stop();

    // The same content re-printed by JavaScript, as apply used to write it: dockerd refuses it.
    const reprinted = join(dir, "reprinted.json");
    writeFileSync(reprinted, `${JSON.stringify(JSON.parse(written), null, 2)}\n`);
    assert.match(readFileSync(reprinted, "utf8"), /9223372036854776000/);
    await assert.rejects(startDockerd({ configFile: reprinted, readyTimeoutMs: 30_000 }), /cannot unmarshal number 9223372036854776000/);
  });
});
