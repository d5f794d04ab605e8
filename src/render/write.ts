// Writing rendered files: all or nothing. Every target is checked first (a file without our
// header, or for header-less formats one whose bytes differ from what we last wrote, belongs to
// the user and is not overwritten without `force`); then every temp file is written next to its
// target, and only then renamed over it. A failure before the renames leaves no file changed.
import { type Dirent, readdirSync, chmodSync, chownSync, closeSync, fstatSync, mkdirSync, openSync, readFileSync, renameSync, rmdirSync, unlinkSync, writeFileSync } from "node:fs";
import { basename, dirname, isAbsolute, join, normalize, sep } from "node:path";
import { HEADER_MARK } from "../backends/common.js";
import type { RenderedFile } from "../backends/types.js";

export const MANIFEST_NAME = ".werf-mirror-manifest.json";
const LOCK_NAME = ".werf-mirror.lock";
/** In every temp file's name, so that leftovers of a killed run can be found and removed. */
const TEMP_MARK = ".werf-mirror-";
/** How long a render waits for another one writing to the same directory. */
const LOCK_WAIT_MS = 30_000;

export interface WritableFile extends RenderedFile {
  /** Renderer that produced it; recorded so a later render can remove files it no longer makes. */
  backend?: string;
}

export interface WriteOptions {
  /** Overwrite user-owned files. */
  force?: boolean;
  /**
   * Renderers that ran. Files they wrote last time and no longer produce (a registry removed
   * from the config) are deleted, if still unchanged. Default: none are pruned.
   */
  backends?: string[];
}

export interface WriteResult {
  written: string[];
  unchanged: string[];
  removed: string[];
}

/** Targets that exist and are not ours; nothing was written. */
export class UserOwnedError extends Error {
  override name = "UserOwnedError";
  constructor(readonly paths: string[]) {
    super(
      `${paths.join(", ")} ${paths.length === 1 ? "exists and was not" : "exist and were not"} written by werf-mirror (no generated-by header, or changed since); nothing written. Move ${paths.length === 1 ? "it" : "them"} away, choose another --out-dir, or pass --force to overwrite`,
    );
  }
}

interface ManifestEntry {
  /** Content hash of what werf-mirror wrote (see contentHash). */
  hash: string;
  /**
   * The hash of the version this one replaces, while the replacement is under way: the manifest
   * is written before the renames, so after a kill between the two either version counts as ours.
   */
  previous?: string;
  backend?: string;
}
interface Manifest {
  version: 1;
  files: Record<string, ManifestEntry>;
}

/**
 * FNV-1a (32-bit, over UTF-16 code units) and the length: enough to recognise the bytes
 * werf-mirror wrote. This is bookkeeping, not a defence against an attacker (who could as well
 * edit the manifest), and it spares every render the start-up of OpenSSL.
 */
export function contentHash(text: string): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
  return `fnv1a32:${(h >>> 0).toString(16).padStart(8, "0")}:${text.length}`;
}

export async function writeRendered(outDir: string, files: WritableFile[], opts: WriteOptions = {}): Promise<WriteResult> {
  mkdirSync(outDir, { recursive: true });
  const lock = await acquireLock(outDir);
  try {
    if (lock.stale) removeStaleTemps(outDir);
    return writeLocked(outDir, files, opts);
  } finally {
    lock.release();
  }
}

function writeLocked(outDir: string, files: WritableFile[], opts: WriteOptions): WriteResult {
  const manifest = readManifest(outDir);
  const exists = existenceCache(outDir);
  const refused: string[] = [];
  // Synchronous file calls on purpose: a render writes up to thousands of small files, and the
  // thread-pool round trips of the promise API cost more than the system calls themselves.
  const plans = files.map((file) => {
    const target = targetPath(outDir, file.path);
    const existing = exists(target) ? readExisting(target, file.path) : undefined;
    if (existing === undefined) return { file, target, mode: 0o644, changed: true };
    if (existing.text === file.content) return { file, target, mode: existing.mode, changed: false };
    const entry = manifest.files[file.path];
    const hash = contentHash(existing.text);
    const ours = existing.text.startsWith(HEADER_MARK) || entry?.hash === hash || entry?.previous === hash;
    if (!ours && !opts.force) refused.push(file.path);
    return { file, target, mode: existing.mode, changed: true, owner: existing, previous: hash };
  });
  if (refused.length > 0) throw new UserOwnedError(refused.sort());

  // Files the same renderers wrote last time and no longer produce (a registry removed from the
  // config) are removed after the swap, if unchanged since; the others stay recorded.
  const current = new Set(files.map((f) => f.path));
  const scope = new Set(opts.backends ?? []);
  const next: Manifest = { version: 1, files: {} };
  const toRemove: string[] = [];
  for (const [path, entry] of Object.entries(manifest.files)) {
    if (current.has(path)) continue;
    const target = targetPath(outDir, path);
    let existing: ReturnType<typeof readExisting>;
    try {
      existing = exists(target) ? readExisting(target, path) : undefined;
    } catch {
      existing = undefined;
    }
    if (!existing) continue;
    const hash = contentHash(existing.text);
    if (entry.backend && scope.has(entry.backend) && (hash === entry.hash || hash === entry.previous)) toRemove.push(path);
    else next.files[path] = entry;
  }
  // The manifest is written before any rename and names both versions of every replaced file
  // (`previous`), so whatever a kill interrupts, the next run takes either version as its own.
  for (const p of plans) {
    const previous = "previous" in p ? p.previous : manifest.files[p.file.path]?.previous;
    next.files[p.file.path] = { hash: contentHash(p.file.content), ...(previous ? { previous } : {}), ...(p.file.backend ? { backend: p.file.backend } : {}) };
  }

  const toWrite = plans.filter((p) => p.changed);
  for (const dir of new Set(toWrite.map((p) => dirname(p.target)))) mkdirSync(dir, { recursive: true });
  // A random part in every temp name: a killed run's leftovers (same pid in a container) never collide.
  const run = `${process.pid}-${Math.random().toString(36).slice(2, 10)}`;
  const temps = toWrite.map((p, i) => ({
    temp: join(dirname(p.target), `.${p.file.path.split("/").pop()}${TEMP_MARK}${run}-${i}.tmp`),
    target: p.target,
  }));
  try {
    toWrite.forEach((p, i) => {
      writeTempFile(temps[i]!.temp, p.file.content, p.mode);
      if (p.owner) keepOwner(temps[i]!.temp, p.owner, p.mode);
    });
    writeManifest(outDir, next);
  } catch (err) {
    for (const t of temps) removeQuietly(t.temp);
    throw err;
  }
  let renamed = 0;
  try {
    for (const t of temps) {
      renameSync(t.temp, t.target);
      renamed++;
    }
  } catch (err) {
    for (const t of temps.slice(renamed)) removeQuietly(t.temp);
    throw err;
  }
  for (const path of toRemove) {
    const target = targetPath(outDir, path);
    removeQuietly(target);
    try {
      rmdirSync(dirname(target)); // only when empty, e.g. certs.d/<host>
    } catch {
      // not empty: other files live there
    }
  }
  return {
    written: toWrite.map((p) => p.file.path),
    unchanged: plans.filter((p) => !p.changed).map((p) => p.file.path),
    removed: toRemove,
  };
}

/**
 * Whether a path below `root` exists, from one directory listing per directory: a fresh output
 * tree of a thousand certs.d/<host>/ directories costs a couple of system calls, not a thousand.
 */
function existenceCache(root: string): (path: string) => boolean {
  const listings = new Map<string, Set<string> | null>();
  const listing = (dir: string): Set<string> | null => {
    const cached = listings.get(dir);
    if (cached !== undefined) return cached;
    let result: Set<string> | null = null;
    const parent = dirname(dir);
    const parentListing = dir === root || parent === dir ? undefined : listing(parent);
    if (parentListing !== null && (parentListing === undefined || parentListing.has(basename(dir)))) {
      try {
        result = new Set(readdirSync(dir));
      } catch {
        result = null;
      }
    }
    listings.set(dir, result);
    return result;
  };
  return (path) => listing(dirname(path))?.has(basename(path)) ?? false;
}

/**
 * One writer per output directory: concurrent renders take turns instead of refusing each
 * other's files. A lock whose process is gone is taken over (`stale`: its temp files remain).
 */
async function acquireLock(outDir: string): Promise<{ stale: boolean; release: () => void }> {
  const path = join(outDir, LOCK_NAME);
  const deadline = Date.now() + LOCK_WAIT_MS;
  let stale = false;
  for (;;) {
    try {
      writeFileSync(path, `${process.pid}\n`, { flag: "wx", mode: 0o644 });
      return { stale, release: () => removeQuietly(path) };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw err;
    }
    const holder = Number.parseInt(readQuietly(path) ?? "", 10);
    if (!Number.isInteger(holder) || !processAlive(holder)) {
      stale = true;
      removeQuietly(path);
      continue;
    }
    if (Date.now() > deadline) {
      throw new Error(`another werf-mirror (pid ${holder}) has been writing to ${outDir} for ${LOCK_WAIT_MS / 1000} s; wait for it, or remove ${path} if no such process runs`);
    }
    await new Promise((r) => setTimeout(r, 25));
  }
}

function processAlive(pid: number): boolean {
  if (pid === process.pid) return false; // a lock left by an earlier run that had our pid
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === "EPERM";
  }
}

/** Temp files a killed run left behind, in the output directory and the directories below it. */
function removeStaleTemps(outDir: string): void {
  const visit = (dir: string, depth: number) => {
    let entries: Dirent[];
    try {
      entries = readdirSync(dir, { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of entries) {
      if (e.isFile() && e.name.startsWith(".") && e.name.includes(TEMP_MARK) && e.name.endsWith(".tmp")) removeQuietly(join(dir, e.name));
      else if (e.isDirectory() && depth < 3) visit(join(dir, e.name), depth + 1);
    }
  };
  visit(outDir, 0);
}

function readQuietly(path: string): string | undefined {
  try {
    return readFileSync(path, "utf8");
  } catch {
    return undefined;
  }
}

/** `outDir/relative`, refusing absolute paths and `..` (a rendered path never has them). */
function targetPath(outDir: string, relative: string): string {
  const clean = normalize(relative);
  if (isAbsolute(relative) || clean.split(sep).includes("..") || clean === ".") {
    throw new Error(`refusing to write outside the output directory: ${relative}`);
  }
  return join(outDir, clean);
}

function readExisting(target: string, shown: string): { text: string; mode: number; uid: number; gid: number } | undefined {
  let fd: number;
  try {
    fd = openSync(target, "r");
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    if ((err as NodeJS.ErrnoException).code === "EISDIR") throw new Error(`${shown} exists and is not a regular file; remove it or choose another --out-dir`);
    throw err;
  }
  try {
    const info = fstatSync(fd);
    if (!info.isFile()) throw new Error(`${shown} exists and is not a regular file; remove it or choose another --out-dir`);
    return { text: readFileSync(fd, "utf8"), mode: info.mode & 0o7777, uid: info.uid, gid: info.gid };
  } finally {
    closeSync(fd);
  }
}

/**
 * A new temp file, complete before it is renamed over the target. No fsync: the rename makes the
 * swap atomic for every reader and against a killed process, and rendered files can always be
 * rendered again; `apply docker`, which edits a file that cannot, does fsync (daemon-json.ts).
 */
function writeTempFile(path: string, content: string, mode: number): void {
  writeFileSync(path, content, { flag: "wx", mode });
  // The umask may have narrowed the mode given to open.
  if (mode !== (mode & ~currentUmask())) chmodSync(path, mode);
}

let umask: number | undefined;
function currentUmask(): number {
  // process.umask(mask) sets and returns the old one; put it straight back.
  if (umask === undefined) process.umask((umask = process.umask(0o022)));
  return umask;
}

/** A replaced file keeps its owner and group (only root can give them; others keep their own). */
function keepOwner(path: string, owner: { uid: number; gid: number }, mode: number): void {
  if (owner.uid === process.getuid?.() && owner.gid === process.getgid?.()) return;
  try {
    chownSync(path, owner.uid, owner.gid);
    chmodSync(path, mode); // chown clears set-id bits
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== "EPERM") throw err;
  }
}

function removeQuietly(path: string): void {
  try {
    unlinkSync(path);
  } catch {
    // already gone
  }
}

function readManifest(outDir: string): Manifest {
  try {
    const data = JSON.parse(readFileSync(join(outDir, MANIFEST_NAME), "utf8")) as Partial<Manifest>;
    if (data && typeof data.files === "object" && data.files !== null) return { version: 1, files: data.files };
  } catch {
    // Missing or unreadable: no file counts as ours by hash.
  }
  return { version: 1, files: {} };
}

function writeManifest(outDir: string, manifest: Manifest): void {
  const sorted: Manifest = { version: 1, files: Object.fromEntries(Object.entries(manifest.files).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) };
  const target = join(outDir, MANIFEST_NAME);
  const temp = join(outDir, `.werf-mirror-manifest.${process.pid}.tmp`);
  try {
    writeTempFile(temp, `${JSON.stringify(sorted, null, 2)}\n`, 0o644);
    renameSync(temp, target);
  } catch (err) {
    removeQuietly(temp);
    throw err;
  }
}
