// Where preflight keeps its results under output.dir, writing them atomically (temp file in
// the same directory, synced, then renamed), and reading back a fresh result for `env` and `exec`.
// Everything written here is private to the user who ran preflight (mode 0600): preflight.json
// records which mirrors need credentials, where they came from and text from the servers; the
// hand-off files are per-user runtime state read by the same user's werf. None of them is meant
// to hold a secret; 0600 is the second line of defence. A file that is replaced keeps its owner.
import { chown, mkdir, open, readFile, rename, rm, stat } from "node:fs/promises";
import { dirname, join } from "node:path";
import { randomBytes } from "node:crypto";
import type { PreflightReport } from "./types.js";

/** A preflight.json younger than this (and with the same config hash) is reused by env and exec. */
export const PREFLIGHT_TTL_MS = 10 * 60 * 1000;

export interface PreflightPaths {
  report: string;
  dir: string;
  registriesConf: string;
  envSh: string;
  envFile: string;
  envPs1: string;
}

export function preflightPaths(outDir: string): PreflightPaths {
  const dir = join(outDir, "handoff");
  return {
    report: join(outDir, "preflight.json"),
    dir,
    registriesConf: join(dir, "registries.conf"),
    envSh: join(dir, "env.sh"),
    envFile: join(dir, "werf-mirror.env"),
    envPs1: join(dir, "env.ps1"),
  };
}

/** Mode of every file preflight, env and exec write. */
export const PRIVATE_MODE = 0o600;

export async function writeFileAtomic(path: string, content: string, mode = PRIVATE_MODE): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  const tmp = join(dirname(path), `.${path.split("/").pop()}.${process.pid}.${randomBytes(4).toString("hex")}.tmp`);
  const old = await stat(path).catch(() => undefined);
  try {
    const handle = await open(tmp, "wx", mode);
    try {
      await handle.writeFile(content, "utf8");
      await handle.chmod(mode); // exact, whatever the umask
      await handle.sync();
    } finally {
      await handle.close();
    }
    if (old && (old.uid !== process.getuid?.() || old.gid !== process.getgid?.())) {
      await chown(tmp, old.uid, old.gid).catch(() => undefined); // only root can; others keep their own
    }
    await rename(tmp, path);
  } catch (err) {
    await rm(tmp, { force: true });
    throw err;
  }
}

export type Freshness = { report: PreflightReport } | { stale: string };

/** A stored report usable now: same config hash, not offline, younger than the TTL. */
export async function readFreshReport(path: string, hash: string, nowMs: number, ttlMs = PREFLIGHT_TTL_MS): Promise<Freshness> {
  let report: PreflightReport;
  try {
    report = JSON.parse(await readFile(path, "utf8")) as PreflightReport;
  } catch {
    return { stale: "no earlier preflight result" };
  }
  if (report?.version !== 1 || typeof report.createdAt !== "string") return { stale: "the stored preflight result has an unknown shape" };
  if (report.configHash !== hash) return { stale: "the configuration changed since the last preflight" };
  if (report.offline) return { stale: "the last preflight was offline" };
  const age = nowMs - Date.parse(report.createdAt);
  if (!(age >= 0 && age <= ttlMs)) return { stale: `the last preflight is older than ${Math.round(ttlMs / 60000)} minutes` };
  return { report };
}
