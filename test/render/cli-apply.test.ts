// `werf-mirror apply docker` driven in-process against a temp daemon.json.
import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { chmod, readFile, readdir, stat, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { runCli, tempDir } from "./helpers.js";
import { mergeDaemonJson } from "../../src/render/daemon-json.js";

const CONFIG = `version: 1
registries:
  docker.io:
    mirrors: [https://mirror.gcr.io, http://cache.local:5000]
insecureRegistries: [registry.local:5000]
`;
const NOW = new Date("2024-05-06T07:08:09.123Z");

async function setup(t: Parameters<typeof tempDir>[0], daemonJson?: string): Promise<{ dir: string; path: string }> {
  const dir = await tempDir(t);
  await writeFile(join(dir, "werf-mirror.yaml"), CONFIG);
  const path = join(dir, "daemon.json");
  if (daemonJson !== undefined) await writeFile(path, daemonJson);
  return { dir, path };
}

test("apply docker keeps every other key in place, backs up, keeps the mode, prints a diff", async (t) => {
  const original =
    '{\n    "log-driver": "journald",\n    "registry-mirrors": ["https://old.example/"],\n    "insecure-registries": ["10.0.0.0/8"],\n    "features": {"buildkit": true}\n}\n';
  const { dir, path } = await setup(t, original);
  await chmod(path, 0o600);
  const result = await runCli(["apply", "docker", "--daemon-json", path], { cwd: dir, now: NOW });
  assert.equal(result.code, 0, result.stderr);
  const data = JSON.parse(await readFile(path, "utf8"));
  assert.deepEqual(Object.keys(data), ["log-driver", "registry-mirrors", "insecure-registries", "features"]);
  assert.deepEqual(data["registry-mirrors"], ["https://mirror.gcr.io/", "http://cache.local:5000/"]);
  assert.deepEqual(data["insecure-registries"], ["10.0.0.0/8", "cache.local:5000", "registry.local:5000"]);
  assert.deepEqual(data.features, { buildkit: true });
  assert.match(await readFile(path, "utf8"), /^\{\n {4}"log-driver"/, "indentation kept");
  assert.equal((await stat(path)).mode & 0o777, 0o600);
  const backup = join(dir, "daemon.json.bak-20240506T070809Z");
  assert.equal(await readFile(backup, "utf8"), original);
  assert.match(result.stdout, /^--- .*daemon\.json\n\+\+\+ .*daemon\.json\n@@ /);
  assert.match(result.stdout, /^-.*https:\/\/old\.example\//m);
  assert.match(result.stdout, /^\+.*"https:\/\/mirror\.gcr\.io\/"/m);
  assert.match(result.stdout, /systemctl reload docker/);
  assert.match(result.stderr, /no longer listed: https:\/\/old\.example\//);

  const again = await runCli(["apply", "docker", "--daemon-json", path], { cwd: dir, now: NOW });
  assert.equal(again.code, 0);
  assert.match(again.stdout, /nothing written/);
  assert.equal((await readdir(dir)).filter((n) => n.includes(".bak-")).length, 1);
});

test("an unparsable daemon.json is refused with line:col and left untouched", async (t) => {
  const broken = '{\n  "debug": true\n  "log-level": "warn"\n}\n';
  const { dir, path } = await setup(t, broken);
  const result = await runCli(["apply", "docker", "--daemon-json", path], { cwd: dir, now: NOW });
  assert.equal(result.code, 1);
  assert.match(result.stderr, /daemon\.json:3:3: not valid JSON.*nothing written/);
  assert.equal(await readFile(path, "utf8"), broken);
  assert.deepEqual(await readdir(dir), ["daemon.json", "werf-mirror.yaml"]);
});

test("line:col is found even when JSON.parse gives no position", () => {
  assert.throws(() => mergeDaemonJson('{\n  "a": }\n', {}), /daemon\.json:2:8: /);
  assert.throws(() => mergeDaemonJson("[1]", {}), /must hold a JSON object/);
});

test("--dry-run prints the diff and writes nothing", async (t) => {
  const { dir, path } = await setup(t, '{"debug": true}\n');
  const result = await runCli(["apply", "docker", "--daemon-json", path, "--dry-run"], { cwd: dir, now: NOW });
  assert.equal(result.code, 0, result.stderr);
  // A one-line file stays on one line.
  assert.match(
    result.stdout,
    /^-\{"debug": true\}\n\+\{"debug": true, "registry-mirrors": \["https:\/\/mirror\.gcr\.io\/", "http:\/\/cache\.local:5000\/"\], "insecure-registries": \["cache\.local:5000", "registry\.local:5000"\]\}$/m,
  );
  assert.match(result.stdout, /Dry run/);
  assert.equal(await readFile(path, "utf8"), '{"debug": true}\n');
  assert.deepEqual((await readdir(dir)).sort(), ["daemon.json", "werf-mirror.yaml"]);
});

test("a missing daemon.json is created with mode 0644 and no backup", async (t) => {
  const { dir } = await setup(t);
  const path = join(dir, "etc", "docker", "daemon.json");
  const result = await runCli(["apply", "docker", "--daemon-json", path], { cwd: dir, now: NOW });
  assert.equal(result.code, 0, result.stderr);
  assert.equal((await stat(path)).mode & 0o777, 0o644);
  assert.deepEqual(JSON.parse(await readFile(path, "utf8")), {
    "registry-mirrors": ["https://mirror.gcr.io/", "http://cache.local:5000/"],
    "insecure-registries": ["cache.local:5000", "registry.local:5000"],
  });
  assert.match(result.stdout, /^--- \/dev\/null/);
  assert.ok(!existsSync(`${path}.bak-20240506T070809Z`));
});

test("apply needs the `docker` target", async (t) => {
  const { dir } = await setup(t);
  const result = await runCli(["apply", "containerd"], { cwd: dir });
  assert.equal(result.code, 2);
  assert.match(result.stderr, /the only target is `docker`/);
});

test("mirrors equal up to the trailing slash are left as written", () => {
  const text = '{\n  "registry-mirrors": ["https://mirror.gcr.io"]\n}\n';
  assert.equal(mergeDaemonJson(text, { "registry-mirrors": ["https://mirror.gcr.io/"] }).text, text);
});

test("the printed diff shows removed lines before added ones, as diff -u does", async () => {
  const { unifiedDiff } = await import("../../src/render/diff.js");
  const d = unifiedDiff('{\n  "a": 1\n}\n', '{\n  "a": 2\n}\n', "old", "new");
  assert.equal(d, '--- old\n+++ new\n@@ -1,3 +1,3 @@\n {\n-  "a": 1\n+  "a": 2\n }\n');
});
