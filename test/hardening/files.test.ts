// File safety:
// - a replaced file keeps its mode, owner and group (daemon.json by `apply docker`, rendered
//   files, preflight's files), tested with a file owned by another uid/gid (needs root for chown);
// - a render killed (SIGKILL) at random moments leaves every target either the complete old or
//   the complete new version, the manifest valid JSON, and leftovers that do not break the next run;
// - `apply docker` killed mid-write leaves daemon.json old or new, never a mix;
// - two renders at once in one output directory: each file is one of the two complete versions;
//   many at once take turns (the lock holds the pid from the moment it exists; an empty lock is
//   taken as held while young), so the tree is exactly one render's;
// - temp files a killed render or preflight left (same pid in a container, or gone) neither
//   collide with the next run nor stay; a running writer's temp files are left alone.
// The real CLI runs as a child process: bundled from the current sources with esbuild, as the
// shipped dist/werf-mirror.cjs is.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { spawn, spawnSync } from "node:child_process";
import {
  chmodSync,
  chownSync,
  cpSync,
  existsSync,
  watch,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  unlinkSync,
  utimesSync,
  writeFileSync,
} from "node:fs";
import { setTimeout as sleep } from "node:timers/promises";
import { join, relative } from "node:path";
import { applyDaemonJson } from "../../src/render/daemon-json.js";
import { writeRendered, MANIFEST_NAME } from "../../src/render/write.js";
import { writeFileAtomic } from "../../src/preflight/files.js";
import { makeTempDir, removeTempDir } from "../e2e/harness/tools.js";
import { buildCliBundle } from "../helpers/bundle.js";

// Kill moments come from a seeded generator, not Math.random: a failure names its seed, and
// KILL_SEED=<seed> replays the same moments (timing still varies with the machine's load).
const KILL_SEED = Number(process.env.KILL_SEED ?? 20261203) >>> 0;
function seeded(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
const random = seeded(KILL_SEED);

const isRoot = process.getuid?.() === 0;
const OTHER = { uid: 4321, gid: 8765 };
let dir: string;
let bundle: string;
before(async () => {
  dir = makeTempDir("hardening-files");
  bundle = await buildCliBundle(join(dir, "werf-mirror.cjs"));
});
after(() => removeTempDir(dir));

const owner = (p: string) => {
  const s = statSync(p);
  return { mode: (s.mode & 0o7777).toString(8), uid: s.uid, gid: s.gid };
};

function walk(d: string): string[] {
  if (!existsSync(d)) return [];
  return readdirSync(d).flatMap((n) => {
    const p = join(d, n);
    return statSync(p).isDirectory() ? walk(p) : [p];
  });
}

describe("replaced files keep mode, owner and group", () => {
  it("apply docker: a 0640 daemon.json owned by another uid/gid stays 0640 and theirs (backup too)", async (t) => {
    if (!isRoot) return t.skip("needs root to chown");
    const d = join(dir, "etc-docker");
    mkdirSync(d, { recursive: true });
    const path = join(d, "daemon.json");
    writeFileSync(path, '{\n  "log-driver": "journald"\n}\n');
    chownSync(path, OTHER.uid, OTHER.gid);
    chmodSync(path, 0o640);
    const r = await applyDaemonJson({ path, fragment: { "registry-mirrors": ["https://m.example.com/"] }, now: new Date(0) });
    assert.equal(r.status, "written");
    assert.deepEqual(owner(path), { mode: "640", ...OTHER });
    assert.deepEqual(JSON.parse(readFileSync(path, "utf8")), { "log-driver": "journald", "registry-mirrors": ["https://m.example.com/"] });
    assert.deepEqual(owner(r.backupPath!), { mode: "640", ...OTHER });
    assert.deepEqual(
      readdirSync(d).filter((n) => n.endsWith(".tmp")),
      [],
      "no temp file left",
    );
  });

  it("apply docker: a temp file left by a killed run with the same pid does not block the next one", async () => {
    const d = join(dir, "etc-docker-stale");
    mkdirSync(d, { recursive: true });
    const path = join(d, "daemon.json");
    writeFileSync(path, "{}\n");
    writeFileSync(join(d, `.daemon.json.werf-mirror-${process.pid}.tmp`), '{"half');
    const r = await applyDaemonJson({ path, fragment: { "registry-mirrors": ["https://m.example.com/"] }, now: new Date(0) });
    assert.equal(r.status, "written");
  });

  it("render: a temp file left by a killed run whose pid is reused (every container run is pid 1) does not block the next one", async () => {
    const out = join(dir, "render-stale-tmp");
    mkdirSync(out, { recursive: true });
    writeFileSync(join(out, `.registries.conf.werf-mirror-${process.pid}-0.tmp`), "half a file");
    await writeRendered(out, [{ path: "registries.conf", content: "# Generated by werf-mirror from a\n", hasHeader: true }]);
    assert.equal(readFileSync(join(out, "registries.conf"), "utf8"), "# Generated by werf-mirror from a\n");
  });

  it("render: rendered files replaced in place keep their 0640 mode and another uid/gid", async (t) => {
    if (!isRoot) return t.skip("needs root to chown");
    const out = join(dir, "render-owner");
    await writeRendered(out, [{ path: "registries.conf", content: "# Generated by werf-mirror from a\n", hasHeader: true }]);
    const p = join(out, "registries.conf");
    chownSync(p, OTHER.uid, OTHER.gid);
    chmodSync(p, 0o640);
    await writeRendered(out, [{ path: "registries.conf", content: "# Generated by werf-mirror from b\n", hasHeader: true }]);
    assert.equal(readFileSync(p, "utf8"), "# Generated by werf-mirror from b\n");
    assert.deepEqual(owner(p), { mode: "640", ...OTHER });
  });

  it("preflight files: written 0600 whatever the umask, and a replaced one keeps its owner", async (t) => {
    const p = join(dir, "pf", "preflight.json");
    const old = process.umask(0);
    try {
      await writeFileAtomic(p, "{}");
    } finally {
      process.umask(old);
    }
    assert.equal(owner(p).mode, "600");
    if (!isRoot) return t.skip("needs root to chown");
    chownSync(p, OTHER.uid, OTHER.gid);
    chmodSync(p, 0o644);
    await writeFileAtomic(p, '{"v":2}');
    assert.deepEqual(owner(p), { mode: "600", ...OTHER });
  });
});

/** A config of `n` registries whose mirrors are named after `variant`. */
function bigConfig(variant: string, n: number): string {
  let s = "version: 1\nregistries:\n";
  for (let i = 0; i < n; i++) s += `  r${i}.example.com:\n    mirrors: [https://m${variant}${i}.example.com]\n`;
  return `${s}  docker.io:\n    mirrors: [https://hub-${variant}.example.com]\ninsecureRegistries: [insecure.example.com]\n`;
}

function renderArgs(config: string, out: string): string[] {
  return [bundle, "render", "--config", config, "--out-dir", out, "--base", "/dev/null", "--quiet"];
}

/** The rendered tree of a directory: relative path → content (temp files and the manifest aside). */
function tree(d: string): Map<string, string> {
  const m = new Map<string, string>();
  for (const f of walk(d)) {
    const rel = relative(d, f);
    // The manifest, temp files and the lock of a killed run are bookkeeping, not rendered files.
    if (rel === MANIFEST_NAME || /\.tmp$/.test(rel) || rel === ".werf-mirror.lock") continue;
    m.set(rel, readFileSync(f, "utf8"));
  }
  return m;
}

/** The children's environment: the manifest key in the test's own state directory, not the user's. */
function childEnv(): NodeJS.ProcessEnv {
  return { ...process.env, XDG_STATE_HOME: join(dir, "state") };
}

function runToEnd(args: string[]): { code: number | null; stderr: string } {
  const r = spawnSync(process.execPath, args, { encoding: "utf8", env: childEnv() });
  return { code: r.status, stderr: r.stderr };
}

describe("leftovers and the lock", () => {
  const REGISTRIES_CONF = { path: "registries.conf", content: "# Generated by werf-mirror from a\n", hasHeader: true };

  it("a manifest temp left by a killed run with the same pid (pid 1 in containers) neither breaks the next render nor stays", async () => {
    const out = join(dir, "manifest-temp");
    mkdirSync(out, { recursive: true });
    // The names earlier versions and this one give the manifest's temp file.
    for (const name of [`.werf-mirror-manifest.${process.pid}.tmp`, `.${MANIFEST_NAME}.werf-mirror-${process.pid}-k1ll3d.tmp`])
      writeFileSync(join(out, name), '{"half');
    await writeRendered(out, [REGISTRIES_CONF]);
    assert.deepEqual(readdirSync(out).sort(), [MANIFEST_NAME, "registries.conf"]);
    assert.doesNotThrow(() => JSON.parse(readFileSync(join(out, MANIFEST_NAME), "utf8")));
  });

  it("temp files a killed preflight left are removed by the next writer there; a running writer's stay", async () => {
    const out = join(dir, "preflight-temps");
    mkdirSync(join(out, "handoff"), { recursive: true });
    const gone = spawnSync(process.execPath, ["-e", "0"]).pid!; // has exited
    const running = process.ppid;
    const leftovers = [
      `.preflight.json.${gone}.0123abcd.tmp`,
      `.preflight.json.werf-mirror-${gone}-x1y2z3.tmp`,
      `handoff/.env.sh.${gone}.89abcdef.tmp`,
      `handoff/.registries.conf.werf-mirror-${gone}-q7r8s9.tmp`,
    ];
    const live = `handoff/.werf-mirror.env.werf-mirror-${running}-a1b2c3.tmp`;
    for (const f of [...leftovers, live]) writeFileSync(join(out, f), "half");
    await writeFileAtomic(join(out, "preflight.json"), "{}\n");
    await writeFileAtomic(join(out, "handoff", "env.sh"), "export X=1\n");
    for (const f of leftovers) assert.ok(!existsSync(join(out, f)), `${f} removed`);
    assert.ok(existsSync(join(out, live)), "a running writer's temp file stays");
  });

  it("a lock file still empty (its writer between creating and filling it) is held, not taken for stale", async () => {
    const out = join(dir, "lock-filling");
    mkdirSync(out, { recursive: true });
    const lock = join(out, ".werf-mirror.lock");
    writeFileSync(lock, "");
    const pending = writeRendered(out, [REGISTRIES_CONF]);
    await sleep(400);
    assert.ok(!existsSync(join(out, "registries.conf")), "the render waits for the holder");
    assert.equal(readFileSync(lock, "utf8"), "", "the holder's lock is left alone");
    unlinkSync(lock); // the holder is done
    await pending;
    assert.equal(readFileSync(join(out, "registries.conf"), "utf8"), REGISTRIES_CONF.content);
    assert.ok(!existsSync(lock));
  });

  it("an empty lock left long ago (a run killed before it wrote its pid) is taken over at once", async () => {
    const out = join(dir, "lock-empty-old");
    mkdirSync(out, { recursive: true });
    const lock = join(out, ".werf-mirror.lock");
    writeFileSync(lock, "");
    const old = new Date(Date.now() - 60_000);
    utimesSync(lock, old, old);
    const t0 = performance.now();
    await writeRendered(out, [REGISTRIES_CONF]);
    assert.ok(performance.now() - t0 < 1500, "no wait");
    assert.ok(!existsSync(lock));
  });
});

describe("many renders at once into one directory take turns", () => {
  it("8 renders of 8 configs, 6 rounds: all succeed and the tree is exactly one render's", { timeout: 180_000 }, async () => {
    const VARIANTS = 8;
    const ROUNDS = Number(process.env.CONCURRENT_MANY_RUNS ?? 6);
    const configs: string[] = [];
    const refs: Map<string, string>[] = [];
    for (let v = 0; v < VARIANTS; v++) {
      const cfg = join(dir, `many-${v}.yaml`);
      writeFileSync(cfg, bigConfig(`v${v}x`, 5));
      configs.push(cfg);
      const ref = join(dir, `many-ref-${v}`);
      assert.equal(runToEnd(renderArgs(cfg, ref)).code, 0);
      refs.push(tree(ref));
    }
    for (let round = 0; round < ROUNDS; round++) {
      const out = join(dir, `many-${round}`);
      const results = await Promise.all(
        configs.map(
          (cfg) =>
            new Promise<{ code: number | null; stderr: string }>((resolve) => {
              const c = spawn(process.execPath, renderArgs(cfg, out), { stdio: ["ignore", "ignore", "pipe"], env: childEnv() });
              let stderr = "";
              c.stderr.on("data", (d: Buffer) => (stderr += d));
              c.on("exit", (code) => resolve({ code, stderr }));
            }),
        ),
      );
      for (const r of results) assert.equal(r.code, 0, `round ${round}: ${r.stderr}`);
      const now = tree(out);
      assert.ok(
        refs.some((ref) => JSON.stringify([...ref].sort()) === JSON.stringify([...now].sort())),
        `round ${round}: the tree is not exactly one render's (two wrote at once)`,
      );
      assert.deepEqual(
        readdirSync(out).filter((f) => f.endsWith(".tmp") || f.endsWith(".lock")),
        [],
        `round ${round}: no temp file or lock left`,
      );
    }
  });
});

describe("a killed or concurrent render never leaves a mixed or truncated file", () => {
  const N = 1500;
  let cfgA: string;
  let cfgB: string;
  let refA: Map<string, string>;
  let refB: Map<string, string>;
  before(() => {
    cfgA = join(dir, "a.yaml");
    cfgB = join(dir, "b.yaml");
    writeFileSync(cfgA, bigConfig("a", N));
    writeFileSync(cfgB, bigConfig("b", N));
    for (const [cfg, out] of [
      [cfgA, join(dir, "ref-a")],
      [cfgB, join(dir, "ref-b")],
    ] as const) {
      const r = runToEnd(renderArgs(cfg, out));
      assert.equal(r.code, 0, r.stderr);
    }
    refA = tree(join(dir, "ref-a"));
    refB = tree(join(dir, "ref-b"));
    assert.ok(refA.size > N);
    assert.deepEqual([...refA.keys()].sort(), [...refB.keys()].sort());
    for (const [k, v] of refA) assert.notEqual(v, refB.get(k), `${k} must differ between the versions`);
  });

  function assertEachFileWhole(out: string, what: string): { a: number; b: number } {
    const now = tree(out);
    let a = 0;
    let b = 0;
    assert.deepEqual([...now.keys()].sort(), [...refA.keys()].sort(), `${what}: the set of files`);
    for (const [k, v] of now) {
      if (v === refA.get(k)) a++;
      else if (v === refB.get(k)) b++;
      else assert.fail(`${what}: ${k} is neither version (${v.length} bytes): mixed or truncated`);
    }
    const manifest = join(out, MANIFEST_NAME);
    assert.doesNotThrow(() => JSON.parse(readFileSync(manifest, "utf8")), `${what}: the manifest is valid JSON`);
    return { a, b };
  }

  let mixedCopy: string | undefined;
  it("SIGKILL at random moments, many times: every file is the whole old or the whole new version", { timeout: 60_000 }, async (t) => {
    t.diagnostic(`KILL_SEED=${KILL_SEED} (set it to replay these kill moments)`);
    const out = join(dir, "killed");
    assert.equal(runToEnd(renderArgs(cfgA, out)).code, 0);
    // How long a full render takes here, to aim the kills at the whole run, writes included.
    const t0 = performance.now();
    assert.equal(runToEnd(renderArgs(cfgB, join(dir, "timing"))).code, 0);
    const full = performance.now() - t0;
    const KILLS = Number(process.env.KILL_RUNS ?? 20);
    let mixed = 0;
    let completed = 0;
    // Kill timing is chance: go on (up to three times as many kills) while none has landed
    // between the first and the last rename. The state such a kill leaves is also built
    // deterministically by the next test.
    let i = 0;
    for (; i < KILLS || (mixed === 0 && i < KILLS * 3); i++) {
      const cfg = i % 2 === 0 ? cfgB : cfgA;
      // No --force: whatever a kill left (either version of a header-less file such as
      // daemon.json, a stale lock, temp files), the next plain run must take it as its own.
      const child = spawn(process.execPath, renderArgs(cfg, out), { stdio: ["ignore", "ignore", "pipe"], env: childEnv() });
      let stderr = "";
      child.stderr.on("data", (c: Buffer) => (stderr += c));
      const exited = new Promise<number | null>((r) => child.on("exit", (code) => r(code)));
      // Odd runs: a random moment of the whole run. Even runs: aimed at the renames, a few ms
      // after the first one (registries.conf) lands, while the thousands of hosts.toml follow.
      let delay = full * (0.2 + random() * 0.9);
      let timer = setTimeout(() => child.kill("SIGKILL"), delay);
      const watcher =
        i % 2 === 0
          ? watch(out, (_event, name) => {
              if (name !== "registries.conf") return;
              watcher?.close();
              clearTimeout(timer);
              delay = random() * 6;
              timer = setTimeout(() => child.kill("SIGKILL"), delay);
            })
          : undefined;
      const code = await exited;
      watcher?.close();
      clearTimeout(timer);
      if (code === 0) completed++;
      else if (code !== null) assert.fail(`render ${i} exited ${code} before it was killed: ${stderr}`);
      const counts = assertEachFileWhole(out, `after kill ${i} at ${Math.round(delay)} ms`);
      if (counts.a > 0 && counts.b > 0) {
        mixed++;
        if (!mixedCopy) {
          mixedCopy = join(dir, "killed-mixed");
          cpSync(out, mixedCopy, { recursive: true });
        }
      }
    }
    t.diagnostic(`${i} kills: ${mixed} landed between the renames, ${completed} runs completed first`);
    // Leftover temp files (named after the killed pid) are ignored by a later run, which finishes
    // and leaves exactly one version.
    const leftovers = walk(out).filter((f) => f.endsWith(".tmp"));
    const last = runToEnd(renderArgs(cfgA, out));
    assert.equal(last.code, 0, `the run after the kills failed (${leftovers.length} temp files left): ${last.stderr}`);
    assert.deepEqual(assertEachFileWhole(out, "after the final run"), { a: refA.size, b: 0 });
    assert.deepEqual(
      walk(out).filter((f) => f.endsWith(".tmp") || f.endsWith(".lock")),
      [],
      "the final run removed the killed runs' temp files and lock",
    );
  });

  it("the state a kill between the renames leaves (both versions side by side) is taken as ours by the next plain render", () => {
    // Built deterministically: A rendered; B rendered over a copy of it (its manifest names A's
    // hashes as `previous`); then half the files of B put back to A's version, with B's manifest,
    // which is what a kill in the middle of B's renames leaves.
    const a = join(dir, "swap-a");
    const b = join(dir, "swap-b");
    assert.equal(runToEnd(renderArgs(cfgA, a)).code, 0);
    cpSync(a, b, { recursive: true });
    assert.equal(runToEnd(renderArgs(cfgB, b)).code, 0);
    const mid = mixedCopy ?? join(dir, "swap-mid");
    if (!mixedCopy) {
      cpSync(b, mid, { recursive: true });
      // Half the files, and always the header-less ones, which only the manifest can vouch for.
      [...refA.keys()].sort().forEach((k, i) => {
        if (i % 2 === 0 || k === "daemon.json" || k === "kaniko.args") writeFileSync(join(mid, k), refA.get(k)!);
      });
    }
    const counts = assertEachFileWhole(mid, "the interrupted swap");
    assert.ok(counts.a > 0 && counts.b > 0, "both versions side by side");
    // B again (the job re-run after the kill), then A: each replaces files the other wrote.
    for (const [cfg, ref] of [
      [cfgB, refB],
      [cfgA, refA],
    ] as const) {
      const r = runToEnd(renderArgs(cfg, mid));
      assert.equal(r.code, 0, r.stderr);
      assert.deepEqual(tree(mid), ref);
    }
  });

  it("two renders at once in the same directory, different configs: each file is one complete version", { timeout: 60_000 }, async () => {
    const ROUNDS = Number(process.env.CONCURRENT_RUNS ?? 4);
    for (let round = 0; round < ROUNDS; round++) {
      const out = join(dir, `concurrent-${round}`);
      rmSync(out, { recursive: true, force: true });
      const runs = [cfgA, cfgB].map(
        (cfg) =>
          new Promise<{ code: number | null; stderr: string }>((resolve) => {
            const c = spawn(process.execPath, renderArgs(cfg, out), { stdio: ["ignore", "ignore", "pipe"], env: childEnv() });
            let stderr = "";
            c.stderr.on("data", (d: Buffer) => (stderr += d));
            c.on("exit", (code) => resolve({ code, stderr }));
          }),
      );
      const results = await Promise.all(runs);
      for (const r of results) {
        // The two take turns (a lock in the output directory): both succeed.
        assert.equal(r.code, 0, r.stderr);
        assert.doesNotMatch(r.stderr, /internal error|EEXIST|ENOENT/);
      }
      assertEachFileWhole(out, `concurrent round ${round}`);
    }
  });
});

describe("apply docker killed mid-write", () => {
  it("daemon.json is the whole old or the whole new file, whenever the kill lands", { timeout: 30_000 }, async () => {
    const d = join(dir, "apply-kill");
    mkdirSync(d, { recursive: true });
    const path = join(d, "daemon.json");
    // A large daemon.json (other keys kept as they are) makes the write window wide.
    const big: Record<string, unknown> = { "log-driver": "journald" };
    // (3000 keys: the diff `apply` prints is quadratic in the line count, see the report.)
    for (let i = 0; i < 3000; i++) big[`x-key-${i}`] = "v".repeat(200);
    const oldText = `${JSON.stringify(big, null, 2)}\n`;
    writeFileSync(path, oldText);
    const cfg = join(d, "werf-mirror.yaml");
    writeFileSync(cfg, "version: 1\nregistries:\n  docker.io:\n    mirrors: [https://m.example.com]\n");
    const args = [bundle, "apply", "docker", "--config", cfg, "--daemon-json", path, "--quiet"];
    writeFileSync(join(d, "probe.json"), oldText);
    const t0 = performance.now();
    const full = spawnSync(
      process.execPath,
      args.map((a) => (a === path ? join(d, "probe.json") : a)),
      { encoding: "utf8" },
    );
    const duration = performance.now() - t0;
    assert.equal(full.status, 0, full.stderr);
    const newText = readFileSync(join(d, "probe.json"), "utf8");
    rmSync(join(d, "probe.json"));
    assert.notEqual(newText, oldText);
    for (let i = 0; i < 12; i++) {
      const child = spawn(process.execPath, args, { stdio: "ignore" });
      const exited = new Promise<void>((r) => child.on("exit", () => r()));
      let timer = setTimeout(() => child.kill("SIGKILL"), duration * (0.3 + random() * 0.8));
      // Even runs: aimed at the write: within 3 ms of the first change to daemon.json itself.
      const watcher =
        i % 2 === 0
          ? watch(d, (_e, name) => {
              if (name !== "daemon.json") return;
              watcher?.close();
              clearTimeout(timer);
              timer = setTimeout(() => child.kill("SIGKILL"), random() * 3);
            })
          : undefined;
      await exited;
      watcher?.close();
      clearTimeout(timer);
      for (const n of readdirSync(d)) if (n.startsWith("daemon.json.bak") || n.endsWith(".tmp")) rmSync(join(d, n));
      const now = readFileSync(path, "utf8");
      assert.ok(now === oldText || now === newText, `kill ${i}: daemon.json is neither version (${now.length} bytes)`);
      writeFileSync(path, oldText);
    }
  });
});
