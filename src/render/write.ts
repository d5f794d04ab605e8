// Writing rendered files: all or nothing. Every target is checked first (a file without our
// header, or for header-less formats one the manifest cannot prove we wrote, belongs to the user
// and is not overwritten without `force`); then every temp file is written next to its target,
// and only then renamed over it. A failure before the renames leaves no file changed. Nothing
// below the output directory is followed if it is a symbolic link, and only regular files are
// read, replaced or removed (src/fs/output-dir.ts).
import { linkSync, lstatSync, mkdirSync, renameSync, rmdirSync, unlinkSync } from "node:fs";
import { homedir } from "node:os";
import { HEADER_MARK } from "../backends/common.js";
import type { RenderedFile } from "../backends/types.js";
import {
  commitTemp,
  createExclusive,
  discardTemp,
  OutputDir,
  processAlive,
  readRegularFile,
  removeQuietly,
  tempPathFor,
  writeFileAtomic,
  writeTemp,
} from "../fs/output-dir.js";
import { ContentProof, formatManifest, isRenderedPath, loadManifestKey, manifestKeyFile, MANIFEST_NAME, parseManifest, type Manifest } from "./manifest.js";

export { MANIFEST_NAME } from "./manifest.js";
export { UnsafePathError } from "../fs/output-dir.js";

const LOCK_NAME = ".werf-mirror.lock";
/** How long a render waits for another one writing to the same directory. */
const LOCK_WAIT_MS = 30_000;
/**
 * An empty or unreadable lock this young is taken as held: its writer may be between creating
 * and filling it (earlier versions, or file systems without hard links).
 */
const LOCK_FILLING_MS = 2_000;

export interface WritableFile extends RenderedFile {
  /** Renderer that produced it; recorded so a later render can remove files it no longer makes. */
  backend?: string;
}

export interface WriteOptions {
  /** Overwrite user-owned files. */
  force?: boolean;
  /**
   * Renderers that ran. Files they wrote last time and no longer produce (a registry removed
   * from the config) are deleted, if provably unchanged since. Default: none are pruned.
   */
  backends?: string[];
  /**
   * Environment for XDG_STATE_HOME and HOME: where the key that signs the manifest lives (see
   * manifest.ts). Default: the user's home directory. Without either, the manifest written proves
   * nothing to a later run.
   */
  env?: Record<string, string | undefined>;
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

export async function writeRendered(outDir: string, files: WritableFile[], opts: WriteOptions = {}): Promise<WriteResult> {
  mkdirSync(outDir, { recursive: true });
  const dir = new OutputDir(outDir);
  const release = await acquireLock(dir);
  try {
    const proof = new ContentProof(loadManifestKey(manifestKeyFile(opts.env ?? { HOME: homedir() })));
    return writeLocked(dir, files, opts, proof);
  } finally {
    release();
  }
}

function writeLocked(dir: OutputDir, files: WritableFile[], opts: WriteOptions, proof: ContentProof): WriteResult {
  const manifest = parseManifest(dir.read(MANIFEST_NAME)?.text);
  const refused: string[] = [];
  // Synchronous file calls on purpose: a render writes up to thousands of small files, and the
  // thread-pool round trips of the promise API cost more than the system calls themselves.
  const plans = files.map((file) => {
    const existing = dir.read(file.path);
    if (existing === undefined) return { file, mode: 0o644, changed: true };
    if (existing.text === file.content) return { file, mode: existing.mode, changed: false };
    const ours = existing.text.startsWith(HEADER_MARK) || proof.vouches(manifest.files[file.path], file.path, existing.text);
    if (!ours && !opts.force) refused.push(file.path);
    return { file, mode: existing.mode, changed: true, owner: existing, previous: proof.hash(file.path, existing.text) };
  });
  if (refused.length > 0) throw new UserOwnedError(refused.sort());

  // Files the same renderers wrote last time and no longer produce (a registry removed from the
  // config) are removed after the swap, if the manifest proves them ours and unchanged, and only
  // at paths a renderer makes; the others stay recorded (a planted entry is dropped).
  const current = new Set(files.map((f) => f.path));
  const scope = new Set(opts.backends ?? []);
  const next: Manifest = { version: 2, files: {} };
  const toRemove: string[] = [];
  for (const [path, entry] of Object.entries(manifest.files)) {
    if (current.has(path) || !isRenderedPath(path)) continue;
    let existing: ReturnType<OutputDir["read"]>;
    try {
      existing = dir.read(path);
    } catch {
      continue; // a link or a FIFO on the way: not ours to touch, and never followed
    }
    if (!existing) continue;
    if (entry.backend && scope.has(entry.backend) && proof.vouches(entry, path, existing.text)) toRemove.push(path);
    else next.files[path] = entry;
  }
  // The manifest is written before any rename and names both versions of every replaced file
  // (`previous`), so whatever a kill interrupts, the next run takes either version as its own.
  for (const p of plans) {
    const previous = "previous" in p ? p.previous : manifest.files[p.file.path]?.previous;
    next.files[p.file.path] = {
      hash: proof.hash(p.file.path, p.file.content),
      ...(previous ? { previous } : {}),
      ...(p.file.backend ? { backend: p.file.backend } : {}),
    };
  }

  // Under the lock no other render writes here: temp files of writers that are gone are leftovers.
  dir.sweepTemps();
  const toWrite = plans.filter((p) => p.changed);
  for (const d of new Set(toWrite.map((p) => parentOf(p.file.path)))) dir.ensureDir(d);
  const temps: { temp: string; target: string }[] = [];
  try {
    for (const p of toWrite) {
      const target = dir.path(p.file.path);
      const owner = "owner" in p ? p.owner : undefined;
      temps.push({ temp: writeTemp(target, p.file.content, { mode: p.mode, fsync: false, ...(owner ? { owner } : {}) }), target });
    }
    writeFileAtomic(dir, MANIFEST_NAME, formatManifest(next), { mode: 0o644, fsync: false, keepOwner: false });
  } catch (err) {
    for (const t of temps) discardTemp(t.temp);
    throw err;
  }
  let renamed = 0;
  try {
    for (const t of temps) {
      commitTemp(t.temp, t.target);
      renamed++;
    }
  } catch (err) {
    for (const t of temps.slice(renamed)) discardTemp(t.temp);
    throw err;
  }
  for (const path of toRemove) {
    removeQuietly(dir.path(path));
    const parent = parentOf(path);
    if (parent === "") continue;
    try {
      rmdirSync(dir.path(parent)); // only when empty, e.g. certs.d/<host>; never the output directory
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

function parentOf(path: string): string {
  return path.split("/").slice(0, -1).join("/");
}

/** Lock paths this process holds: a second render of ours into the same directory waits too. */
const heldHere = new Set<string>();

/**
 * One writer per output directory: concurrent renders take turns instead of refusing each
 * other's files. The lock file holds the pid from the moment it exists (createExclusive); a lock
 * whose process is gone is taken over, and the temp files it left are swept by the next writer.
 */
async function acquireLock(dir: OutputDir): Promise<() => void> {
  const path = dir.path(LOCK_NAME);
  const deadline = Date.now() + LOCK_WAIT_MS;
  for (;;) {
    // Never through a planted link: link() does not follow one (EEXIST), and the read below
    // refuses it, as it refuses a FIFO. (The listing of the directory is taken once the lock is
    // held, so that it shows what no other render is changing.)
    if (!heldHere.has(path) && createExclusive(path, `${process.pid}\n`, 0o644)) {
      heldHere.add(path);
      return () => {
        heldHere.delete(path);
        removeQuietly(path);
      };
    }
    const lock = readRegularFile(path);
    if (!lock) continue; // released meanwhile
    const text = lock.text.trim();
    const holder = /^\d+$/.test(text) ? Number(text) : undefined;
    const held =
      holder === undefined
        ? Date.now() - lock.mtimeMs < LOCK_FILLING_MS
        : holder === process.pid
          ? heldHere.has(path) // else left by an earlier run that had our pid
          : processAlive(holder);
    if (!held) {
      takeOver(path, lock.ino);
      continue;
    }
    if (Date.now() > deadline) {
      throw new Error(
        `another werf-mirror (pid ${holder ?? "unknown"}) has been writing to ${dir.root} for ${LOCK_WAIT_MS / 1000} s; wait for it, or remove ${path} if no such process runs`,
      );
    }
    await new Promise((r) => setTimeout(r, 25));
  }
}

/**
 * Removes a stale lock, unless another process replaced it meanwhile: it is moved aside first
 * (one mover wins), and put back if it is not the file judged stale. (A third process creating a
 * lock in that instant could still be let in; three renders racing over a dead lock is rare.)
 */
function takeOver(path: string, staleIno: number): void {
  const aside = tempPathFor(path);
  try {
    renameSync(path, aside);
  } catch {
    return; // gone already: another waiter took it over
  }
  try {
    if (lstatSync(aside).ino !== staleIno) linkSync(aside, path);
  } catch {
    // another lock exists again: it stands
  }
  try {
    unlinkSync(aside);
  } catch {
    // already gone
  }
}
