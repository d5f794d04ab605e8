// `npm run bench`: builds, runs every scenario several times, and prints a table of medians and
// ratios against baselines measured in the same run; every target is such a ratio, since absolute
// times do not hold on shared machines. Exits 0 when every target is met, 1 otherwise.
//
//   WERF_MIRROR_BENCH_RUNS=N   runs per scenario (default 11)
//   WERF_MIRROR_BENCH_DIR=DIR  where the render scenarios write (default: /dev/shm when it
//                              exists, so the table measures werf-mirror rather than the disk;
//                              the same render on the work disk is printed for reference)
import { spawn, spawnSync, execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync, readFileSync, existsSync, copyFileSync, readdirSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, dirname } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const RUNS = Number(process.env.WERF_MIRROR_BENCH_RUNS ?? 11);
const bin = join(root, "dist/werf-mirror.cjs");
const ajvCli = join(root, "node_modules/ajv-cli/dist/index.js");
const node = process.execPath;

execFileSync(node, [join(root, "scripts/build.mjs")], { cwd: root, stdio: "inherit" });

const work = mkdtempSync(join(tmpdir(), "werf-mirror-bench-"));
const fastDir = process.env.WERF_MIRROR_BENCH_DIR ?? (existsSync("/dev/shm") ? mkdtempSync("/dev/shm/werf-mirror-bench-") : work);
const cleanups = [() => rmSync(work, { recursive: true, force: true }), () => rmSync(fastDir, { recursive: true, force: true })];
process.on("exit", () => cleanups.forEach((c) => c()));

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
};

/** Wall time of one run of a command, in ms; fails loudly on an unexpected exit code. */
function timeOnce(cmd, args, { okCodes = [0], env, before } = {}) {
  before?.();
  const t = process.hrtime.bigint();
  const r = spawnSync(cmd, args, { cwd: work, env: { ...process.env, ...env }, stdio: ["ignore", "ignore", "pipe"], maxBuffer: 64 << 20 });
  const ms = Number(process.hrtime.bigint() - t) / 1e6;
  if (!okCodes.includes(r.status)) throw new Error(`${cmd} ${args.join(" ")} exited ${r.status}: ${String(r.stderr).slice(0, 500)}`);
  return ms;
}

function measure(cmd, args, opts = {}) {
  timeOnce(cmd, args, opts); // warm the file cache
  const xs = [];
  for (let i = 0; i < RUNS; i++) xs.push(timeOnce(cmd, args, opts));
  return median(xs);
}

/** Async wall time (the preflight scenario needs the fake mirrors' event loop running). */
function timeAsync(cmd, args, okCodes = [0, 1]) {
  return new Promise((resolve, reject) => {
    const t = process.hrtime.bigint();
    const child = spawn(cmd, args, { cwd: work, stdio: ["ignore", "ignore", "pipe"] });
    let err = "";
    child.stderr.on("data", (d) => (err += d));
    child.on("close", (code) => {
      const ms = Number(process.hrtime.bigint() - t) / 1e6;
      if (!okCodes.includes(code)) reject(new Error(`${cmd} exited ${code}: ${err.slice(0, 500)}`));
      else resolve(ms);
    });
  });
}

function scaleConfig(n) {
  const lines = ["version: 1", "registries:"];
  for (let i = 0; i < n; i++) {
    lines.push(
      `  reg${i}.example.com:`,
      "    mirrors:",
      `      - https://m1-${i}.example.com`,
      `      - url: https://m2-${i}.example.com/cache`,
      "        pull: digest-only",
      `      - http://m3-${i}.example.com:5000`,
    );
  }
  const file = join(work, `scale-${n}.yaml`);
  writeFileSync(file, `${lines.join("\n")}\n`);
  return file;
}

const rows = [];
const row = (scenario, value, baseline, ratio, target, ok) => rows.push({ scenario, value, baseline, ratio, target, ok });
const fmt = (ms) => (ms >= 1000 ? `${(ms / 1000).toFixed(2)} s` : `${ms.toFixed(0)} ms`);

// 1. Cold start: lint on a typical config vs bare node and vs ajv-cli on the same file and schema.
const typical = join(work, "werf-mirror.yaml");
copyFileSync(join(root, "werf-mirror.yaml.example"), typical);
const bare = measure(node, ["-e", "0"]);
const lint = measure(node, [bin, "lint", typical]);
const ajv = measure(node, [ajvCli, "validate", "--spec=draft2020", "--strict=false", "-s", join(root, "schema/werf-mirror.schema.json"), "-d", typical]);
row("cold start: lint typical config", fmt(lint), `node -e 0: ${fmt(bare)}`, `${(lint / bare).toFixed(2)}x`, "<= 1.30x", lint / bare <= 1.3);
row("cold start: lint vs ajv-cli validate", fmt(lint), `ajv-cli: ${fmt(ajv)}`, `${(lint / ajv).toFixed(2)}x`, "< 1.00x", lint < ajv);

// 2. Scale: render --target all for 1,000 and 2,000 registries x 3 mirrors.
const renderArgs = (file, out) => [bin, "render", "--config", file, "--target", "all", "--out-dir", out, "--force", "--base", "/dev/null", "--quiet"];
const c1000 = scaleConfig(1000);
const c2000 = scaleConfig(2000);
const fresh = (dir) => () => rmSync(dir, { recursive: true, force: true });
const out1 = join(fastDir, "out-1000");
const out2 = join(fastDir, "out-2000");
const r1000 = measure(node, renderArgs(c1000, out1), { before: fresh(out1) });
const r2000 = measure(node, renderArgs(c2000, out2), { before: fresh(out2) });
// The floor: a bare node process writing the same bytes to the same tree.
const tree = [];
const collect = (dir, rel = "") => {
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    const r = rel ? `${rel}/${name}` : name;
    if (statSync(p).isDirectory()) collect(p, r);
    else tree.push([r, readFileSync(p, "utf8")]);
  }
};
collect(out1);
const treeFile = join(work, "tree-1000.json");
writeFileSync(treeFile, JSON.stringify(tree));
const outFloor = join(fastDir, "floor-1000");
const floor = measure(node, [join(root, "bench/write-tree.mjs"), treeFile, outFloor], { before: fresh(outFloor) });
row(
  "render all, 1,000 registries x 3",
  fmt(r1000),
  `node writing the same ${tree.length} files: ${fmt(floor)}`,
  `${(r1000 / floor).toFixed(2)}x`,
  "<= 1.50x",
  r1000 / floor <= 1.5,
);
row("render all, 2,000 vs 1,000 (linear)", fmt(r2000), `1,000: ${fmt(r1000)}`, `${(r2000 / r1000).toFixed(2)}x`, "<= 2.10x", r2000 / r1000 <= 2.1);
if (fastDir !== work) {
  const outDisk = join(work, "out-1000");
  const disk = measure(node, renderArgs(c1000, outDisk), { before: fresh(outDisk) });
  row("  (reference) same on the work disk", fmt(disk), "", "", "info", true);
}

// 3. Memory: peak RSS of render for 2,000 registries.
const rssFile = join(work, "rss");
timeOnce(node, ["--require", join(root, "bench/rss.cjs"), ...renderArgs(c2000, out2)], { env: { WERF_MIRROR_BENCH_RSS_FILE: rssFile }, before: fresh(out2) });
const rssMb = Number(readFileSync(rssFile, "utf8")) / 1024;
row("peak RSS, render 2,000 registries", `${rssMb.toFixed(0)} MB`, "", "", "< 150 MB", rssMb < 150);

// 4. Preflight: 20 mirrors, 5 of them hung, timeout 1 s, vs a sequential curl loop.
const fake = spawn(node, [join(root, "bench/fake-mirrors.mjs"), "15", "5"], { stdio: ["pipe", "pipe", "inherit"] });
cleanups.unshift(() => fake.kill());
const urls = await new Promise((resolve) => fake.stdout.once("data", (d) => resolve(JSON.parse(String(d)))));
const all = [...urls.healthy.slice(0, 8), ...urls.hung, ...urls.healthy.slice(8)];
const pfConfig = join(work, "preflight.yaml");
writeFileSync(
  pfConfig,
  `version: 1\nregistries:\n  docker.io:\n    mirrors:\n${all.map((u) => `      - ${u}`).join("\n")}\npreflight:\n  timeout: 1s\n  unhealthy: drop\noutput:\n  dir: pf-out\n`,
);
const pfArgs = [bin, "preflight", "--config", pfConfig, "--backend", "buildah", "--format", "json"];
await timeAsync(node, pfArgs);
const pf = [];
for (let i = 0; i < Math.min(RUNS, 5); i++) pf.push(await timeAsync(node, pfArgs));
const loop = `for u in ${all.join(" ")}; do curl -s -o /dev/null -m 1 "$u/v2/" || true; done`;
const curlMs = await timeAsync("bash", ["-c", loop], [0]);
const parallel = `printf '%s/v2/\\n' ${all.join(" ")} | xargs -P ${all.length} -n 1 curl -s -o /dev/null -m 1 || true`;
const par = [];
for (let i = 0; i < Math.min(RUNS, 5); i++) par.push(await timeAsync("bash", ["-c", parallel], [0]));
const parMed = median(par);
const pfMed = median(pf);
// One timeout is the least any prober pays here, plus the start of a node process.
const pfFloor = 1000 + 1.5 * bare;
row(
  "preflight: 20 mirrors, 5 hung, timeout 1s",
  fmt(pfMed),
  `1 s + 1.5 x node -e 0: ${fmt(pfFloor)}`,
  `${(pfMed / pfFloor).toFixed(2)}x`,
  "<= 1.00x",
  pfMed <= pfFloor,
);
row(
  "preflight vs parallel curl (xargs -P)",
  fmt(pfMed),
  `curl -P ${all.length}: ${fmt(parMed)}`,
  `${(pfMed / parMed).toFixed(2)}x`,
  "<= 1.10x",
  pfMed <= 1.1 * parMed,
);
row("  (reference) sequential curl loop", fmt(curlMs), "", `${(curlMs / pfMed).toFixed(1)}x slower`, "info", true);

// The table.
const head = ["scenario", "median", "baseline (same run)", "ratio", "target", "met"];
const body = rows.map((r) => [r.scenario, r.value, r.baseline, r.ratio, r.target, r.target === "info" ? "" : r.ok ? "yes" : "NO"]);
const widths = head.map((h, i) => Math.max(h.length, ...body.map((b) => b[i].length)));
const line = (cells) => `| ${cells.map((c, i) => c.padEnd(widths[i])).join(" | ")} |`;
console.log(`\nwerf-mirror benchmark: ${RUNS} runs per scenario (medians), node ${process.version}, ${(await import("node:os")).cpus().length} cores\n`);
console.log(line(head));
console.log(`|${widths.map((w) => "-".repeat(w + 2)).join("|")}|`);
for (const b of body) console.log(line(b));
const missed = rows.filter((r) => !r.ok);
console.log(missed.length ? `\n${missed.length} target(s) missed.` : "\nAll targets met.");
process.exitCode = missed.length ? 1 : 0;
fake.stdin.end();
