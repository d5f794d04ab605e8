// Where preflight keeps its results under output.dir, writing them atomically (temp file in
// the same directory, synced, then renamed), and reading back a fresh result for `env` and `exec`.
// Everything written here is private to the user who ran preflight (mode 0600): preflight.json
// records which mirrors need credentials, where they came from and text from the servers; the
// hand-off files are per-user runtime state read by the same user's werf. None of them is meant
// to hold a secret; 0600 is the second line of defence. A file that is replaced keeps its owner.
// Nothing below output.dir is followed if it is a symbolic link, and only regular files are read
// or replaced (src/fs/output-dir.ts): a planted `handoff` link or a FIFO at preflight.json is
// refused with a message, never written through or waited on.
import { mkdirSync, unlinkSync } from "node:fs";
import { dirname, isAbsolute, join, relative, sep } from "node:path";
import { OutputDir, readRegularFile, writeFileAtomic as writeBelow } from "../fs/output-dir.js";
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
  envCmd: string;
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
    envCmd: join(dir, "env.bat"),
  };
}

/** Mode of every file preflight, env and exec write. */
export const PRIVATE_MODE = 0o600;

/**
 * Writes `path` atomically (temp file in the same directory, synced, renamed), 0600 unless told
 * otherwise; a replaced file keeps its owner. `root` is the directory below which nothing may be
 * a symbolic link (output.dir); by default only the file itself is checked (`env
 * --output-file-path`, where the user names the directory).
 */
export async function writeFileAtomic(path: string, content: string, opts: { mode?: number; root?: string } = {}): Promise<void> {
  const root = opts.root ?? dirname(path);
  const rel = relative(root, path);
  if (rel === "" || rel.startsWith("..") || isAbsolute(rel)) throw new Error(`${path} is not below ${root}`);
  mkdirSync(root, { recursive: true });
  writeBelow(new OutputDir(root), rel.split(sep).join("/"), content, { mode: opts.mode ?? PRIVATE_MODE, fsync: true, keepOwner: true });
}

/**
 * Discards the stored preflight.json below `outDir` (after `apply docker`: what the daemon will
 * have is no longer what was checked). The entry is unlinked, never followed; true if there was one.
 */
export function forgetStoredReport(outDir: string): boolean {
  const dir = new OutputDir(outDir);
  if (dir.kind("preflight.json") === undefined) return false;
  unlinkSync(dir.path("preflight.json"));
  return true;
}

export type Freshness = { report: PreflightReport } | { stale: string };

/**
 * A stored report usable now: same hash of what decides it, not offline, passed, younger than
 * the TTL. A failed result is never replayed: the user is most likely fixing what it said.
 */
export async function readFreshReport(path: string, hash: string, nowMs: number, ttlMs = PREFLIGHT_TTL_MS): Promise<Freshness> {
  let report: PreflightReport;
  try {
    report = JSON.parse(readRegularFile(path)?.text ?? "") as PreflightReport;
  } catch {
    return { stale: "no earlier preflight result" };
  }
  if (report?.version !== 1 || typeof report.createdAt !== "string") return { stale: "the stored preflight result has an unknown shape" };
  if (report.configHash !== hash) return { stale: "the configuration, the environment or a CA or credentials file changed since the last preflight" };
  if (report.offline) return { stale: "the last preflight was offline" };
  if (report.ok !== true) return { stale: "the last preflight failed" };
  const age = nowMs - Date.parse(report.createdAt);
  if (!(age >= 0 && age <= ttlMs)) return { stale: `the last preflight is older than ${Math.round(ttlMs / 60000)} minutes` };
  return { report };
}
