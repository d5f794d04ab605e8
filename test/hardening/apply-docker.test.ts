// `werf-mirror apply docker` edits daemon.json in place, through the real CLI (in-process):
// - every byte outside the keys it changes stays as it was (numbers dockerd's Go decoder reads
//   differently from JavaScript, key order, whitespace, escapes, duplicate keys, BOM, CRLF);
// - a symlinked daemon.json is edited in its target, and the link stays;
// - a registry-mirrors or insecure-registries that is not a list of strings is refused;
// - temp files left by a killed apply are removed by the next one.
import { test } from "node:test";
import assert from "node:assert/strict";
import { lstat, mkdir, readFile, readdir, readlink, stat, symlink, writeFile } from "node:fs/promises";
import { join } from "node:path";
import fc from "fast-check";
import { runCli, tempDir } from "../render/helpers.js";
import { mergeDaemonJson } from "../../src/render/daemon-json.js";

const CONFIG = `version: 1
registries:
  docker.io:
    mirrors: [https://mirror.gcr.io, http://cache.local:5000]
insecureRegistries: [registry.local:5000]
`;
const NOW = new Date("2024-05-06T07:08:09.123Z");
const BACKUP = "daemon.json.bak-20240506T070809Z";

async function setup(t: Parameters<typeof tempDir>[0], daemonJson?: string | Buffer): Promise<{ dir: string; path: string }> {
  const dir = await tempDir(t);
  await writeFile(join(dir, "werf-mirror.yaml"), CONFIG);
  const path = join(dir, "daemon.json");
  if (daemonJson !== undefined) await writeFile(path, daemonJson);
  return { dir, path };
}

const apply = (dir: string, path: string, ...extra: string[]) => runCli(["apply", "docker", "--daemon-json", path, ...extra], { cwd: dir, now: NOW });

test("apply docker changes only the values of registry-mirrors and insecure-registries: numbers, escapes, order, duplicates and spacing keep their bytes", async (t) => {
  // JSON.parse + JSON.stringify would print 9223372036854776000 (dockerd's int64 fields reject
  // it), 3 and 100; "\u00e9" would become "é" and the first "dup" would vanish.
  const original = [
    "{",
    '    "max-concurrent-downloads": 3.0,',
    '    "big":9223372036854775807 ,',
    '    "ratio": 1e2, "neg": -0.0,',
    '    "name": "caf\\u00e9 \\"q\\" \\/",',
    '    "dup": 1,',
    '    "dup": 2,',
    '    "registry-mirrors": [ "https://old.example/" ],',
    '    "nested": {"b": [1, 2.50, {"x": null}], "a": true},',
    '    "insecure-registries": ["10.0.0.0/8"]',
    "}",
    "",
  ].join("\n");
  const { dir, path } = await setup(t, original);
  const result = await apply(dir, path);
  assert.equal(result.code, 0, result.stderr);
  const expected = [
    "{",
    '    "max-concurrent-downloads": 3.0,',
    '    "big":9223372036854775807 ,',
    '    "ratio": 1e2, "neg": -0.0,',
    '    "name": "caf\\u00e9 \\"q\\" \\/",',
    '    "dup": 1,',
    '    "dup": 2,',
    '    "registry-mirrors": ["https://mirror.gcr.io/", "http://cache.local:5000/"],',
    '    "nested": {"b": [1, 2.50, {"x": null}], "a": true},',
    '    "insecure-registries": ["10.0.0.0/8", "cache.local:5000", "registry.local:5000"]',
    "}",
    "",
  ].join("\n");
  assert.equal(await readFile(path, "utf8"), expected);
  assert.equal(await readFile(join(dir, BACKUP), "utf8"), original);
  // The diff shows the two edited lines and nothing else.
  assert.deepEqual(
    result.stdout.split("\n").filter((l) => /^[-+](?![-+])/.test(l)),
    [
      '-    "registry-mirrors": [ "https://old.example/" ],',
      '+    "registry-mirrors": ["https://mirror.gcr.io/", "http://cache.local:5000/"],',
      '-    "insecure-registries": ["10.0.0.0/8"]',
      '+    "insecure-registries": ["10.0.0.0/8", "cache.local:5000", "registry.local:5000"]',
    ],
  );
});

test("keys apply adds go after the last one in the file's own indentation and line endings (tabs, CRLF, BOM)", async (t) => {
  const original = '\uFEFF{\r\n\t"debug": true,\r\n\t"x": 1e2,\r\n\t"features": {\r\n\t\t"buildkit": true\r\n\t}\r\n}\r\n';
  const { dir, path } = await setup(t, original);
  const result = await apply(dir, path);
  assert.equal(result.code, 0, result.stderr);
  assert.equal(
    await readFile(path, "utf8"),
    '\uFEFF{\r\n\t"debug": true,\r\n\t"x": 1e2,\r\n\t"features": {\r\n\t\t"buildkit": true\r\n\t},\r\n' +
      '\t"registry-mirrors": [\r\n\t\t"https://mirror.gcr.io/",\r\n\t\t"http://cache.local:5000/"\r\n\t],\r\n' +
      '\t"insecure-registries": [\r\n\t\t"cache.local:5000",\r\n\t\t"registry.local:5000"\r\n\t]\r\n}\r\n',
  );
});

test("a one-line daemon.json stays on one line, a one-item-a-line list stays so, an empty object gets the keys indented", async (t) => {
  const { dir, path } = await setup(t, '{"debug":true,"n":1.10}');
  const result = await apply(dir, path);
  assert.equal(result.code, 0, result.stderr);
  assert.equal(
    await readFile(path, "utf8"),
    '{"debug":true,"n":1.10, "registry-mirrors":["https://mirror.gcr.io/", "http://cache.local:5000/"], "insecure-registries":["cache.local:5000", "registry.local:5000"]}',
  );

  // A list written one item a line is replaced one item a line, at its own indentation.
  await writeFile(
    path,
    '{\n  "registry-mirrors": [\n      "https://old.example"\n  ],\n  "insecure-registries": ["cache.local:5000", "registry.local:5000"]\n}\n',
  );
  assert.equal((await apply(dir, path)).code, 0);
  assert.equal(
    await readFile(path, "utf8"),
    '{\n  "registry-mirrors": [\n    "https://mirror.gcr.io/",\n    "http://cache.local:5000/"\n  ],\n  "insecure-registries": ["cache.local:5000", "registry.local:5000"]\n}\n',
  );

  await writeFile(path, "{ }\n");
  assert.equal((await apply(dir, path)).code, 0);
  assert.equal(
    await readFile(path, "utf8"),
    '{\n  "registry-mirrors": [\n    "https://mirror.gcr.io/",\n    "http://cache.local:5000/"\n  ],\n  "insecure-registries": [\n    "cache.local:5000",\n    "registry.local:5000"\n  ]\n}\n',
  );
});

test("of duplicate registry-mirrors keys the last, which dockerd reads, is edited; an escaped key counts as the key", async (t) => {
  const original =
    '{\n  "registry-mirrors": ["https://first.example"],\n  "registry\\u002dmirrors": ["https://last.example"],\n  "insecure-registries": ["cache.local:5000", "registry.local:5000"]\n}\n';
  const { dir, path } = await setup(t, original);
  const result = await apply(dir, path);
  assert.equal(result.code, 0, result.stderr);
  assert.equal(
    await readFile(path, "utf8"),
    '{\n  "registry-mirrors": ["https://first.example"],\n  "registry\\u002dmirrors": ["https://mirror.gcr.io/", "http://cache.local:5000/"],\n  "insecure-registries": ["cache.local:5000", "registry.local:5000"]\n}\n',
  );
  assert.match(
    result.stderr,
    /note: registry-mirrors appears 2 times \(lines 2, 3\); dockerd reads only the last, which is the one updated; remove the others/,
  );
  assert.match(result.stderr, /no longer listed: https:\/\/last\.example/);
});

test("comments and trailing commas are still refused (dockerd's Go decoder rejects them), nothing written", async (t) => {
  for (const broken of ['{\n  // mirrors\n  "debug": true\n}\n', '{\n  "debug": true,\n}\n', '{\n  "registry-mirrors": ["https://a.example",]\n}\n']) {
    const { dir, path } = await setup(t, broken);
    const result = await apply(dir, path);
    assert.equal(result.code, 1, broken);
    assert.match(result.stderr, /daemon\.json:\d+:\d+: not valid JSON.*nothing written/);
    assert.equal(await readFile(path, "utf8"), broken);
    assert.deepEqual((await readdir(dir)).sort(), ["daemon.json", "werf-mirror.yaml"]);
  }
});

test("bytes that are not UTF-8 are refused with their line, not silently turned into U+FFFD", async (t) => {
  const original = Buffer.concat([Buffer.from('{\n  "labels": ["caf'), Buffer.from([0xe9]), Buffer.from('"]\n}\n')]);
  const { dir, path } = await setup(t, original);
  const result = await apply(dir, path);
  assert.equal(result.code, 1);
  assert.match(result.stderr, /daemon\.json:2:\d+: .*not UTF-8.*nothing written/);
  assert.deepEqual(await readFile(path), original);
  assert.deepEqual((await readdir(dir)).sort(), ["daemon.json", "werf-mirror.yaml"]);
});

test("a registry-mirrors or insecure-registries that is not a list of strings is refused with its position, nothing written", async (t) => {
  const cases: [string, RegExp][] = [
    [
      '{\n  "debug": true,\n  "registry-mirrors": "https://x.example"\n}\n',
      /daemon\.json:3:23: registry-mirrors is a string; dockerd expects a list of strings, e\.g\. "registry-mirrors": \["https:\/\/mirror\.example\.com"\]/,
    ],
    ['{"insecure-registries": "10.0.0.0/8"}', /daemon\.json:1:25: insecure-registries is a string; dockerd expects a list of strings/],
    ['{"registry-mirrors": [1]}', /daemon\.json:1:22: registry-mirrors holds a number; dockerd expects a list of strings/],
  ];
  for (const [original, message] of cases) {
    const { dir, path } = await setup(t, original);
    const result = await apply(dir, path);
    assert.equal(result.code, 1, original);
    assert.match(result.stderr, message);
    assert.match(result.stderr, /nothing written\n$/);
    assert.equal(await readFile(path, "utf8"), original);
    assert.deepEqual((await readdir(dir)).sort(), ["daemon.json", "werf-mirror.yaml"]);
  }
});

test("a symlinked daemon.json: its target is edited in place (backup beside it, mode kept) and the link stays", async (t) => {
  const { dir } = await setup(t);
  const real = join(dir, "conf");
  await mkdir(real);
  const target = join(real, "daemon.json");
  await writeFile(target, '{\n  "debug": true\n}\n', { mode: 0o640 });
  const link = join(dir, "daemon.json");
  await symlink("conf/daemon.json", link);
  const result = await apply(dir, link);
  assert.equal(result.code, 0, result.stderr);
  assert.ok((await lstat(link)).isSymbolicLink(), "the link stays a link");
  assert.equal(await readlink(link), "conf/daemon.json");
  assert.match(await readFile(target, "utf8"), /"registry-mirrors": \[\n {4}"https:\/\/mirror\.gcr\.io\/"/);
  assert.equal((await stat(target)).mode & 0o777, 0o640);
  assert.deepEqual((await readdir(real)).sort(), ["daemon.json", BACKUP]);
  assert.deepEqual((await readdir(dir)).sort(), ["conf", "daemon.json", "werf-mirror.yaml"]);
  assert.ok(
    result.stdout.includes(`Updated ${link} (a symlink: its target ${target} was edited, the link stays; backup: ${join(real, BACKUP)}).\n`),
    result.stdout,
  );
});

test("a symlink to a missing file is refused, the link left alone", async (t) => {
  const { dir } = await setup(t);
  const link = join(dir, "daemon.json");
  await symlink("missing/daemon.json", link);
  const result = await apply(dir, link);
  assert.equal(result.code, 1);
  assert.match(
    result.stderr,
    /daemon\.json: a symlink to missing\/daemon\.json, which does not exist; create that file, or name the file dockerd reads with --daemon-json; nothing written/,
  );
  assert.equal(await readlink(link), "missing/daemon.json");
  assert.deepEqual((await readdir(dir)).sort(), ["daemon.json", "werf-mirror.yaml"]);
});

test("temp files a killed apply left are removed by the next apply, even when nothing else changes; others are kept", async (t) => {
  const { dir, path } = await setup(t, "{}\n");
  const leftovers = [".daemon.json.werf-mirror-1-0a1b2c3d.tmp", ".daemon.json.werf-mirror-4242.tmp"];
  const unrelated = [".daemon.json.other.tmp", ".other.json.werf-mirror-1-0a1b2c3d.tmp", "daemon.json.werf-mirror-1-0a1b2c3d.tmp"];
  for (const n of [...leftovers, ...unrelated]) await writeFile(join(dir, n), '{"half');

  const dry = await apply(dir, path, "--dry-run");
  assert.equal(dry.code, 0, dry.stderr);
  for (const n of leftovers) assert.ok((await readdir(dir)).includes(n), "--dry-run removes nothing");

  const first = await apply(dir, path);
  assert.equal(first.code, 0, first.stderr);
  assert.match(first.stderr, /note: removed 2 temp files left by an interrupted apply/);
  assert.deepEqual((await readdir(dir)).sort(), [BACKUP, "daemon.json", ...unrelated, "werf-mirror.yaml"].sort());

  // Already applied: nothing to write, and still the leftover is removed.
  await writeFile(join(dir, leftovers[0]!), '{"half');
  const again = await apply(dir, path);
  assert.equal(again.code, 0, again.stderr);
  assert.match(again.stdout, /nothing written/);
  assert.match(again.stderr, /note: removed 1 temp file left by an interrupted apply/);
  assert.ok(!(await readdir(dir)).includes(leftovers[0]!));
});

test("property: any daemon.json object, in any indentation, keeps every byte but the edited value or the added keys", () => {
  const ours = ["https://mirror.gcr.io/", "http://cache.local:5000/"];
  const key = fc.string({ maxLength: 8 }).filter((k) => k !== "registry-mirrors" && k !== "insecure-registries" && k !== "registry-mirror");
  fc.assert(
    fc.property(
      fc.dictionary(key, fc.jsonValue({ maxDepth: 3 }), { maxKeys: 6 }),
      fc.constantFrom(undefined, 2, 4, "\t"),
      fc.option(fc.tuple(fc.nat({ max: 6 }), fc.array(fc.webUrl(), { maxLength: 3 })), { nil: undefined }),
      (others, indent, present) => {
        const entries = Object.entries(others);
        const MARK = "\u0000registry-mirrors-value";
        if (present) entries.splice(Math.min(present[0], entries.length), 0, ["registry-mirrors", MARK]);
        // The old list written on one line, where the marker string is.
        const oldList = present ? `[${present[1].map((v) => JSON.stringify(v)).join(", ")}]` : "";
        const text = JSON.stringify(Object.fromEntries(entries), null, indent).replace(JSON.stringify(MARK), () => oldList);
        const out = mergeDaemonJson(text, { "registry-mirrors": ours }).text;
        assert.deepEqual(JSON.parse(out), { ...JSON.parse(text), "registry-mirrors": ours });
        if (present) {
          // Replaced in place, on one line as it was.
          const at = text.indexOf(oldList, text.indexOf('"registry-mirrors"'));
          const same = present[1].length === ours.length && present[1].every((v, i) => v.replace(/\/+$/, "") === ours[i]!.replace(/\/+$/, ""));
          assert.equal(out, same ? text : text.slice(0, at) + `["${ours[0]}", "${ours[1]}"]` + text.slice(at + oldList.length));
        } else {
          // Added in one place: all of the old text is around it.
          let head = 0;
          while (head < text.length && text[head] === out[head]) head++;
          assert.equal(out.slice(out.length - (text.length - head)), text.slice(head));
        }
      },
    ),
    { numRuns: 300 },
  );
});
