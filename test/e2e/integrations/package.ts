/**
 * The package as people get it, for the integration tests: the working tree as a git repository
 * would hold it (what a pre-commit hook clones, what a GitHub Action checks out), the tarball
 * `npm pack` makes of it, and that tarball installed into a clean directory.
 *
 * Nothing is written into the checkout: the copy builds its own dist/ in a temp directory. The
 * install is offline (`npm ci --offline` from the npm cache that the checkout's `npm ci` filled),
 * so these tests reach no registry.
 */
import { execFileSync } from "node:child_process";
import { cpSync, lstatSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";

import { makeTempDir, removeTempDir, run, runOk } from "../harness/tools.js";

/** The checkout these tests belong to. */
export const CHECKOUT = resolve(import.meta.dirname, "../../..");

/** Environment for npm and git children: no user or system git config, nothing asked for. */
export function quietEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    GIT_CONFIG_NOSYSTEM: "1",
    GIT_CONFIG_GLOBAL: "/dev/null",
    GIT_AUTHOR_NAME: "werf-mirror test",
    GIT_AUTHOR_EMAIL: "test@werf-mirror.invalid",
    GIT_COMMITTER_NAME: "werf-mirror test",
    GIT_COMMITTER_EMAIL: "test@werf-mirror.invalid",
    GIT_TERMINAL_PROMPT: "0",
    npm_config_audit: "false",
    npm_config_fund: "false",
    npm_config_update_notifier: "false",
    ...extra,
  };
  // A test run under `npm run` or `npm exec` inherits what npm passes to its children: the script
  // and package (npm_lifecycle_*, npm_package_*), the prefixes, and the invocation's own flags
  // (`npm exec -c` leaves npm_config_call, which every npx below would then obey). The npm
  // children must start as a user's would; config from .npmrc files (registry, cafile) stays.
  for (const k of Object.keys(env))
    if (/^npm_(lifecycle_|package_|command$|execpath$|node_execpath$|config_(global|prefix|local_prefix|call|package|yes)$)/.test(k)) delete env[k];
  return env;
}

/**
 * Copies the working tree's files that git would commit (tracked, plus untracked that are not
 * ignored) to `dest`: what a clone of a commit made now would hold. Ignored files (node_modules,
 * dist, .werf-mirror) stay behind, so a build in the copy starts from the sources.
 */
export function copyWorkingTree(dest: string): string {
  const files = execFileSync("git", ["ls-files", "-z", "--cached", "--others", "--exclude-standard"], { cwd: CHECKOUT, encoding: "utf8" })
    .split("\0")
    .filter(Boolean);
  mkdirSync(dest, { recursive: true });
  for (const f of files) {
    // A tracked file deleted in the working tree is not there to copy (and would not be committed).
    try {
      lstatSync(join(CHECKOUT, f));
    } catch {
      continue;
    }
    cpSync(join(CHECKOUT, f), join(dest, f), { recursive: false, verbatimSymlinks: true });
  }
  return dest;
}

/** copyWorkingTree, committed in a fresh git repository; returns the commit. */
export async function workingTreeRepo(dest: string): Promise<{ dir: string; rev: string }> {
  copyWorkingTree(dest);
  const env = quietEnv();
  await runOk("git", ["init", "-q", "-b", "main"], { cwd: dest, env });
  await runOk("git", ["add", "-A"], { cwd: dest, env });
  await runOk("git", ["commit", "-q", "-m", "werf-mirror working tree"], { cwd: dest, env });
  const rev = (await runOk("git", ["rev-parse", "HEAD"], { cwd: dest, env })).stdout.trim();
  return { dir: dest, rev };
}

export interface Packed {
  /** The .tgz `npm pack` wrote. */
  tarball: string;
  /** The files in it, as `npm pack --json` lists them (paths inside package/). */
  files: { path: string; mode: number; size: number }[];
  /** The package.json inside the tarball. */
  manifest: {
    name: string;
    version: string;
    main: string;
    types: string;
    bin: Record<string, string>;
    exports: Record<string, string | Record<string, string>>;
    dependencies?: Record<string, string>;
  };
}

let packed: Promise<Packed> | undefined;

/**
 * `npm pack` of the working tree, once per test process. It runs in a copy whose node_modules is
 * a link to the checkout's (the build only reads it), so `prepare` builds into the copy's dist/.
 */
export function packWorkingTree(): Promise<Packed> {
  packed ??= (async () => {
    const work = makeTempDir("pack");
    // Shared by every test of the process, so removed when it ends.
    process.once("exit", () => removeTempDir(work));
    const tree = copyWorkingTree(join(work, "tree"));
    symlinkSync(join(CHECKOUT, "node_modules"), join(tree, "node_modules"));
    const r = await runOk("npm", ["pack", "--json", "--pack-destination", work], { cwd: tree, env: quietEnv(), timeoutMs: 180_000 });
    const [info] = JSON.parse(r.stdout.slice(r.stdout.indexOf("["))) as { filename: string; files: Packed["files"] }[];
    if (!info) throw new Error(`npm pack printed no package: ${r.stdout}`);
    const tarball = join(work, info.filename);
    const manifest = JSON.parse(execFileSync("tar", ["-xzOf", tarball, "package/package.json"], { encoding: "utf8" })) as Packed["manifest"];
    return { tarball, files: info.files, manifest };
  })();
  return packed;
}

/**
 * Installs a packed tarball into `dir` (a new package that depends on it only) without the
 * network: a lockfile names the tarball and, for each of its runtime dependencies, the exact
 * version and integrity the checkout's lockfile holds, which `npm ci` put in the npm cache. A
 * plain `npm install <tarball>` would ask the registry for each dependency's metadata first.
 */
export async function installTarball(dir: string, pack: Packed): Promise<void> {
  const lock = JSON.parse(readFileSync(join(CHECKOUT, "package-lock.json"), "utf8")) as { packages: Record<string, Record<string, unknown>> };
  const spec = `file:${pack.tarball}`;
  const deps = pack.manifest.dependencies ?? {};
  const integrity = `sha512-${execFileSync("openssl", ["dgst", "-sha512", "-binary", pack.tarball]).toString("base64")}`;
  const packages: Record<string, unknown> = {
    "": { name: "clean-project", version: "1.0.0", dependencies: { [pack.manifest.name]: spec } },
    [`node_modules/${pack.manifest.name}`]: {
      version: pack.manifest.version,
      resolved: spec,
      integrity,
      dependencies: deps,
      bin: pack.manifest.bin,
    },
  };
  for (const name of Object.keys(deps)) {
    const entry = lock.packages[`node_modules/${name}`];
    if (!entry) throw new Error(`runtime dependency ${name} is not in package-lock.json: run npm install and commit the lockfile`);
    packages[`node_modules/${name}`] = entry;
  }
  mkdirSync(dir, { recursive: true });
  writeFileSync(
    join(dir, "package.json"),
    `${JSON.stringify({ name: "clean-project", version: "1.0.0", private: true, dependencies: { [pack.manifest.name]: spec } }, null, 2)}\n`,
  );
  writeFileSync(
    join(dir, "package-lock.json"),
    `${JSON.stringify({ name: "clean-project", version: "1.0.0", lockfileVersion: 3, requires: true, packages }, null, 2)}\n`,
  );
  const r = await run("npm", ["ci", "--offline", "--no-audit", "--no-fund"], { cwd: dir, env: quietEnv(), timeoutMs: 120_000 });
  if (r.code !== 0) throw new Error(`npm ci --offline of the packed tarball failed (is the npm cache filled by the checkout's npm ci?):\n${r.stderr}`);
}
