// Files in an output directory, read and written so that nothing found there can send werf-mirror
// elsewhere or stall it. The directory holds whatever a checkout, a cache or another user left,
// so below its root:
// - no symbolic link is followed: every directory on the way is checked (from its parent's
//   listing, which costs no extra system call), missing ones are created one at a time, files are
//   opened with O_NOFOLLOW and the opened handle is checked again with fstat;
// - only regular files are read or replaced: a FIFO, socket or device is refused (opened with
//   O_NONBLOCK, so that even a FIFO swapped in after the listing cannot make the open wait).
// The root itself may be a symbolic link: the user named it (`output.dir`, `--out-dir`), as
// `.werf-mirror -> /tmp/x`; only what lies below it is checked. These checks are against what is
// planted before a run; a process racing werf-mirror in the directory while it runs, with the
// user's own rights, is out of reach of Node's fs API (no openat/unlinkat).
//
// Writes go to a temp file next to the target and are renamed over it. Temp names carry TEMP_MARK,
// the writer's pid and a random part: a leftover never collides with a later run (every run in a
// container is pid 1), and any writer that lists a directory removes the leftovers of writers
// that are gone.
import {
  closeSync,
  constants,
  fchmodSync,
  fchownSync,
  fstatSync,
  fsyncSync,
  linkSync,
  lstatSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  renameSync,
  unlinkSync,
  writeFileSync,
  type Dirent,
} from "node:fs";
import { basename, dirname, join } from "node:path";

/** In every temp file's name, so that leftovers of a killed run can be recognised and removed. */
export const TEMP_MARK = ".werf-mirror-";

// Windows has neither flag; there the listing checks stand alone.
const O_NOFOLLOW = constants.O_NOFOLLOW ?? 0;
const O_NONBLOCK = constants.O_NONBLOCK ?? 0;

/** A path werf-mirror refuses to use as it is; the message says what it is and what to do. */
export class UnsafePathError extends Error {
  override name = "UnsafePathError";
  constructor(
    readonly path: string,
    message: string,
  ) {
    super(message);
  }
}

type Kind = "file" | "directory" | "symbolic link" | "FIFO (named pipe)" | "socket" | "device" | "special file";

interface TypeBits {
  isFile(): boolean;
  isDirectory(): boolean;
  isSymbolicLink(): boolean;
  isFIFO(): boolean;
  isSocket(): boolean;
  isBlockDevice(): boolean;
  isCharacterDevice(): boolean;
}

function kindOf(t: TypeBits): Kind {
  if (t.isFile()) return "file";
  if (t.isDirectory()) return "directory";
  if (t.isSymbolicLink()) return "symbolic link";
  if (t.isFIFO()) return "FIFO (named pipe)";
  if (t.isSocket()) return "socket";
  if (t.isBlockDevice() || t.isCharacterDevice()) return "device";
  return "special file";
}

function symlinkError(path: string): UnsafePathError {
  return new UnsafePathError(
    path,
    `${path} is a symbolic link; werf-mirror does not follow links inside the output directory, so that it never reads, writes or deletes elsewhere. Remove the link, or set output.dir (--out-dir) to the real directory`,
  );
}

function notRegularError(path: string, kind: Kind): UnsafePathError {
  return new UnsafePathError(
    path,
    `${path} is a ${kind}, not a regular file; werf-mirror reads and replaces only regular files. Remove it, or choose another output.dir (--out-dir)`,
  );
}

function notDirectoryError(path: string, kind: Kind): UnsafePathError {
  return new UnsafePathError(path, `${path} is a ${kind}, not a directory; remove it, or choose another output.dir (--out-dir)`);
}

export interface ExistingFile {
  text: string;
  /** Permission bits. */
  mode: number;
  uid: number;
  gid: number;
  ino: number;
  mtimeMs: number;
}

/**
 * A regular file's text and metadata, or undefined when there is none. Opened without waiting
 * (a FIFO would block the open until a writer comes) and checked on the open handle; with
 * `followSymlink` false, a symbolic link at `path` itself is refused.
 */
export function readRegularFile(path: string, opts: { followSymlink?: boolean } = {}): ExistingFile | undefined {
  let fd: number;
  try {
    fd = openSync(path, constants.O_RDONLY | O_NONBLOCK | (opts.followSymlink ? 0 : O_NOFOLLOW));
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === "ENOENT") return undefined;
    if (code === "ELOOP" || code === "EMLINK") throw symlinkError(path); // EMLINK: FreeBSD's answer to O_NOFOLLOW
    throw err;
  }
  try {
    const info = fstatSync(fd);
    if (!info.isFile()) throw notRegularError(path, kindOf(info));
    return { text: readFileSync(fd, "utf8"), mode: info.mode & 0o7777, uid: info.uid, gid: info.gid, ino: info.ino, mtimeMs: info.mtimeMs };
  } finally {
    closeSync(fd);
  }
}

/**
 * The tree below one output directory, as listed so far. Paths are relative to the root and
 * `/`-separated (`certs.d/docker.io/hosts.toml`); `..` and absolute paths are refused.
 */
export class OutputDir {
  /** Relative directory ("" is the root) → its entries; null when it does not exist. */
  private readonly listings = new Map<string, Map<string, Kind> | null>();
  /** Temp files of other writers seen in the listings. */
  private readonly temps: string[] = [];

  constructor(readonly root: string) {}

  /** The absolute path of `rel`. */
  path(rel: string): string {
    const parts = rel.split("/");
    if (rel === "" || rel.startsWith("/") || parts.some((p) => p === ".." || p === "." || p === "")) {
      throw new Error(`refusing a path outside the output directory: ${rel}`);
    }
    return join(this.root, ...parts);
  }

  /**
   * What is at `rel`: undefined when nothing is. A directory on the way that is a symbolic link
   * or not a directory is refused (UnsafePathError).
   */
  kind(rel: string): Kind | undefined {
    this.path(rel); // validates
    const parts = rel.split("/");
    let dir = "";
    for (const part of parts.slice(0, -1)) {
      const sub = dir ? `${dir}/${part}` : part;
      const kind = this.listing(dir)?.get(part);
      if (kind === undefined) return undefined; // a missing directory: nothing below it exists
      if (kind === "symbolic link") throw symlinkError(this.path(sub));
      if (kind !== "directory") throw notDirectoryError(this.path(sub), kind);
      dir = sub;
    }
    return this.listing(dir)?.get(parts.at(-1)!);
  }

  /** The regular file at `rel`, or undefined; anything else there is refused. */
  read(rel: string): ExistingFile | undefined {
    const kind = this.kind(rel);
    if (kind === undefined) return undefined;
    if (kind === "symbolic link") throw symlinkError(this.path(rel));
    if (kind !== "file") throw notRegularError(this.path(rel), kind);
    // Opened without following and checked again: the entry may have changed since the listing.
    return readRegularFile(this.path(rel));
  }

  /** Refuses anything at `rel` but a regular file or nothing (a target about to be replaced). */
  checkReplaceable(rel: string): Kind | undefined {
    const kind = this.kind(rel);
    if (kind === "symbolic link") throw symlinkError(this.path(rel));
    if (kind !== undefined && kind !== "file") throw notRegularError(this.path(rel), kind);
    return kind;
  }

  /** Creates the missing directories of `relDir` ("" or "." is the root), one at a time. */
  ensureDir(relDir: string): void {
    if (relDir === "" || relDir === ".") return;
    let dir = "";
    for (const part of relDir.split("/")) {
      const sub = dir ? `${dir}/${part}` : part;
      const kind = this.listing(dir)?.get(part);
      if (kind === "symbolic link") throw symlinkError(this.path(sub));
      if (kind !== undefined && kind !== "directory") throw notDirectoryError(this.path(sub), kind);
      if (kind === undefined) {
        try {
          mkdirSync(this.path(sub)); // not recursive: never through a link planted meanwhile
        } catch (err) {
          if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw err;
          const now = kindOf(lstatSync(this.path(sub)));
          if (now !== "directory") throw now === "symbolic link" ? symlinkError(this.path(sub)) : notDirectoryError(this.path(sub), now);
        }
        this.listing(dir)?.set(part, "directory");
        this.listings.set(sub, new Map());
      }
      dir = sub;
    }
  }

  /**
   * Removes the temp files, in the directories listed so far, whose writer is gone (a killed
   * run); those of a live writer (a preflight running meanwhile) stay. Returns what it removed.
   */
  sweepTemps(): string[] {
    const removed: string[] = [];
    for (const rel of this.temps.splice(0)) {
      const pid = tempWriter(basename(rel));
      if (pid === undefined || writerAlive(pid, this.path(rel))) continue;
      removeQuietly(this.path(rel));
      removed.push(rel);
    }
    return removed;
  }

  private listing(dir: string): Map<string, Kind> | null {
    const cached = this.listings.get(dir);
    if (cached !== undefined) return cached;
    let entries: Dirent[];
    try {
      entries = readdirSync(dir ? this.path(dir) : this.root, { withFileTypes: true });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "ENOENT") throw err;
      this.listings.set(dir, null);
      return null;
    }
    const result = new Map<string, Kind>();
    for (const e of entries) {
      const kind = kindOf(e);
      result.set(e.name, kind);
      if (kind === "file" && tempWriter(e.name) !== undefined) this.temps.push(dir ? `${dir}/${e.name}` : e.name);
    }
    this.listings.set(dir, result);
    return result;
  }
}

// Temp files: `.<target name>.werf-mirror-<pid>-<random>.tmp`.

/** Temp files this process has created and not yet renamed or removed: never swept. */
const ownTemps = new Set<string>();

/** A fresh temp name next to `target`. */
export function tempPathFor(target: string): string {
  return join(dirname(target), `.${basename(target)}${TEMP_MARK}${process.pid}-${Math.random().toString(36).slice(2, 10)}.tmp`);
}

// Besides today's names, those of earlier versions: render's `...werf-mirror-<pid>-<random>-<i>.tmp`
// (matched by the first pattern), the manifest's `.werf-mirror-manifest.<pid>.tmp` and preflight's
// `.<name>.<pid>.<8 hex>.tmp`, so that an upgrade does not strand them.
const TEMP_NAMES = [
  /^\..+\.werf-mirror-(\d+)(?:-[a-z0-9]+)+\.tmp$/,
  /^\.werf-mirror-manifest\.(\d+)\.tmp$/,
  /^\.(?:preflight\.json|registries\.conf|env\.sh|werf-mirror\.env|env\.ps1)\.(\d+)\.[0-9a-f]{8}\.tmp$/,
];

/** The pid of the writer that made a temp file of this name; undefined when it is not one of ours. */
export function tempWriter(name: string): number | undefined {
  for (const re of TEMP_NAMES) {
    const m = re.exec(name);
    if (m) return Number(m[1]);
  }
  return undefined;
}

function writerAlive(pid: number, path: string): boolean {
  // Our own pid on a file we did not create: an earlier run that had it (a container's pid 1).
  if (pid === process.pid) return ownTemps.has(path);
  return processAlive(pid);
}

/** Whether a process with this pid exists (EPERM: it does, under another user). */
export function processAlive(pid: number): boolean {
  if (!Number.isSafeInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === "EPERM";
  }
}

export interface TempFileOptions {
  /** Permission bits, exact whatever the umask. */
  mode: number;
  /**
   * fsync before the rename: for files that cannot be made again (daemon.json, preflight's
   * results of a slow run). Rendered files are not synced: the rename alone makes the swap
   * atomic for readers and against a killed process, and they can always be rendered again.
   */
  fsync: boolean;
  /** Owner and group for the new file, so that a replaced file keeps them (only root can give them). */
  owner?: { uid: number; gid: number };
}

/**
 * A new, complete temp file next to `target` (created exclusively, never through a link);
 * returns its path, to pass to commitTemp or discardTemp.
 */
export function writeTemp(target: string, content: string, opts: TempFileOptions): string {
  for (let attempt = 0; ; attempt++) {
    const temp = tempPathFor(target);
    let fd: number;
    try {
      fd = openSync(temp, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | O_NOFOLLOW, opts.mode);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === "EEXIST" && attempt < 5) continue; // random part collided
      throw err;
    }
    ownTemps.add(temp);
    try {
      writeFileSync(fd, content);
      // The umask may have narrowed the mode given to open; chown clears set-id bits.
      const owner = opts.owner && (opts.owner.uid !== process.getuid?.() || opts.owner.gid !== process.getgid?.()) ? opts.owner : undefined;
      if (owner) keepOwner(fd, owner);
      if (owner || opts.mode !== (opts.mode & ~currentUmask())) fchmodSync(fd, opts.mode);
      if (opts.fsync) fsyncSync(fd);
      closeSync(fd);
    } catch (err) {
      closeSync(fd);
      discardTemp(temp);
      throw err;
    }
    return temp;
  }
}

/** Renames a temp file over its target (the atomic step). */
export function commitTemp(temp: string, target: string): void {
  renameSync(temp, target);
  ownTemps.delete(temp);
}

export function discardTemp(temp: string): void {
  removeQuietly(temp);
  ownTemps.delete(temp);
}

function keepOwner(fd: number, owner: { uid: number; gid: number }): void {
  try {
    fchownSync(fd, owner.uid, owner.gid);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== "EPERM") throw err; // not root: the file stays ours
  }
}

let umask: number | undefined;
function currentUmask(): number {
  // process.umask(mask) sets and returns the old one; put it straight back.
  if (umask === undefined) process.umask((umask = process.umask(0o022)));
  return umask;
}

export interface AtomicWriteOptions extends Omit<TempFileOptions, "owner"> {
  /** A replaced file keeps its owner and group. */
  keepOwner: boolean;
}

/**
 * Writes `rel` below `dir` all at once: missing directories created, a symbolic link or
 * non-regular file on the way or at the target refused, temp file, rename.
 */
export function writeFileAtomic(dir: OutputDir, rel: string, content: string, opts: AtomicWriteOptions): void {
  dir.ensureDir(rel.split("/").slice(0, -1).join("/"));
  const target = dir.path(rel);
  let owner: { uid: number; gid: number } | undefined;
  if (dir.checkReplaceable(rel) === "file" && opts.keepOwner) {
    const info = lstatSync(target);
    owner = { uid: info.uid, gid: info.gid };
  }
  dir.sweepTemps();
  const temp = writeTemp(target, content, { mode: opts.mode, fsync: opts.fsync, ...(owner ? { owner } : {}) });
  try {
    commitTemp(temp, target);
  } catch (err) {
    discardTemp(temp);
    throw err;
  }
}

const LINK_UNSUPPORTED = new Set(["EPERM", "ENOTSUP", "EOPNOTSUPP", "ENOSYS", "EXDEV"]);

/**
 * Creates `path` with `content` unless something is already there: false then. The file appears
 * complete (written as a temp file, then hard-linked into place, which never replaces), so no
 * reader ever sees it empty. On file systems without hard links, an exclusive create instead.
 */
export function createExclusive(path: string, content: string, mode: number): boolean {
  const temp = writeTemp(path, content, { mode, fsync: false });
  try {
    linkSync(temp, path);
    return true;
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? "";
    if (code === "EEXIST") return false;
    if (!LINK_UNSUPPORTED.has(code)) throw err;
    try {
      writeFileSync(path, content, { flag: "wx", mode });
      return true;
    } catch (err2) {
      if ((err2 as NodeJS.ErrnoException).code === "EEXIST") return false;
      throw err2;
    }
  } finally {
    discardTemp(temp);
  }
}

export function removeQuietly(path: string): void {
  try {
    unlinkSync(path);
  } catch {
    // already gone
  }
}
