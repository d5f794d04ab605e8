// Writing rendered files: all or nothing. Every target is checked first (a file without our
// header, or for header-less formats one whose bytes differ from what we last wrote, belongs to
// the user and is not overwritten without `force`); then every temp file is written next to its
// target, and only then renamed over it. A failure before the renames leaves no file changed.
import { createHash } from "node:crypto";
import { mkdir, open, readFile, rename, rmdir, stat, unlink } from "node:fs/promises";
import { dirname, isAbsolute, join, normalize, sep } from "node:path";
import { HEADER_MARK } from "../backends/common.js";
import type { RenderedFile } from "../backends/types.js";

export const MANIFEST_NAME = ".werf-mirror-manifest.json";

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
  sha256: string;
  backend?: string;
}
interface Manifest {
  version: 1;
  files: Record<string, ManifestEntry>;
}

const IO_CONCURRENCY = 32;

/** `fn` over `items` with at most `limit` in flight; results in input order. */
async function mapLimit<T, R>(items: T[], limit: number, fn: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      results[i] = await fn(items[i]!, i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}

const sha256 = (text: string) => createHash("sha256").update(text, "utf8").digest("hex");

export async function writeRendered(outDir: string, files: WritableFile[], opts: WriteOptions = {}): Promise<WriteResult> {
  const manifest = await readManifest(outDir);
  const refused: string[] = [];
  // Reads, directory creation and synced writes run in parallel (bounded): a render of
  // thousands of files is dominated by I/O latency, not by the work itself.
  const plans = await mapLimit(files, IO_CONCURRENCY, async (file) => {
    const target = targetPath(outDir, file.path);
    const existing = await readExisting(target, file.path);
    if (existing === undefined) return { file, target, mode: 0o644, changed: true };
    if (existing.text === file.content) return { file, target, mode: existing.mode, changed: false };
    const ours = existing.text.startsWith(HEADER_MARK) || manifest.files[file.path]?.sha256 === sha256(existing.text);
    if (!ours && !opts.force) refused.push(file.path);
    return { file, target, mode: existing.mode, changed: true };
  });
  if (refused.length > 0) throw new UserOwnedError(refused.sort());

  const toWrite = plans.filter((p) => p.changed);
  await mapLimit([...new Set(toWrite.map((p) => dirname(p.target)))], IO_CONCURRENCY, (dir) => mkdir(dir, { recursive: true }));
  const temps = toWrite.map((p, i) => ({
    temp: join(dirname(p.target), `.${p.file.path.split("/").pop()}.werf-mirror-${process.pid}-${i}.tmp`),
    target: p.target,
  }));
  try {
    await mapLimit(toWrite, IO_CONCURRENCY, (p, i) => writeFileSynced(temps[i]!.temp, p.file.content, p.mode));
  } catch (err) {
    await Promise.all(temps.map((t) => unlink(t.temp).catch(() => undefined)));
    throw err;
  }
  let renamed = 0;
  try {
    for (const t of temps) {
      await rename(t.temp, t.target);
      renamed++;
    }
  } catch (err) {
    await Promise.all(temps.slice(renamed).map((t) => unlink(t.temp).catch(() => undefined)));
    throw err;
  }

  // Files the same renderers wrote last time and no longer produce: remove them if unchanged.
  const removed: string[] = [];
  const current = new Set(files.map((f) => f.path));
  const scope = new Set(opts.backends ?? []);
  const next: Manifest = { version: 1, files: {} };
  for (const [path, entry] of Object.entries(manifest.files)) {
    if (current.has(path)) continue;
    if (!entry.backend || !scope.has(entry.backend)) {
      next.files[path] = entry;
      continue;
    }
    const target = targetPath(outDir, path);
    const existing = await readExisting(target, path).catch(() => undefined);
    if (existing && sha256(existing.text) === entry.sha256) {
      await unlink(target);
      removed.push(path);
      await rmdir(dirname(target)).catch(() => undefined); // only when empty, e.g. certs.d/<host>
    } else if (existing) {
      next.files[path] = entry;
    }
  }
  for (const f of files) next.files[f.path] = { sha256: sha256(f.content), ...(f.backend ? { backend: f.backend } : {}) };
  await writeManifest(outDir, next);
  return {
    written: toWrite.map((p) => p.file.path),
    unchanged: plans.filter((p) => !p.changed).map((p) => p.file.path),
    removed,
  };
}

/** `outDir/relative`, refusing absolute paths and `..` (a rendered path never has them). */
function targetPath(outDir: string, relative: string): string {
  const clean = normalize(relative);
  if (isAbsolute(relative) || clean.split(sep).includes("..") || clean === ".") {
    throw new Error(`refusing to write outside the output directory: ${relative}`);
  }
  return join(outDir, clean);
}

async function readExisting(target: string, shown: string): Promise<{ text: string; mode: number } | undefined> {
  let info;
  try {
    info = await stat(target);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw err;
  }
  if (!info.isFile()) throw new Error(`${shown} exists and is not a regular file; remove it or choose another --out-dir`);
  return { text: await readFile(target, "utf8"), mode: info.mode & 0o7777 };
}

async function writeFileSynced(path: string, content: string, mode: number): Promise<void> {
  const handle = await open(path, "wx", mode);
  try {
    await handle.writeFile(content, "utf8");
    await handle.chmod(mode); // the umask may have narrowed the mode given to open
    await handle.sync();
  } finally {
    await handle.close();
  }
}

async function readManifest(outDir: string): Promise<Manifest> {
  try {
    const data = JSON.parse(await readFile(join(outDir, MANIFEST_NAME), "utf8")) as Partial<Manifest>;
    if (data && typeof data.files === "object" && data.files !== null) return { version: 1, files: data.files };
  } catch {
    // Missing or unreadable: no file counts as ours by hash.
  }
  return { version: 1, files: {} };
}

async function writeManifest(outDir: string, manifest: Manifest): Promise<void> {
  const sorted: Manifest = { version: 1, files: Object.fromEntries(Object.entries(manifest.files).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) };
  const target = join(outDir, MANIFEST_NAME);
  const temp = join(outDir, `.werf-mirror-manifest.${process.pid}.tmp`);
  await mkdir(outDir, { recursive: true });
  try {
    await writeFileSynced(temp, `${JSON.stringify(sorted, null, 2)}\n`, 0o644);
    await rename(temp, target);
  } catch (err) {
    await unlink(temp).catch(() => undefined);
    throw err;
  }
}
