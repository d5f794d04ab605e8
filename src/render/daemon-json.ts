// `apply docker`: merging the rendered fragment into the real daemon.json. Every other key is
// kept in its place; an unparsable file is refused with its line and column and left untouched;
// the old file is backed up; the write is atomic and keeps the file's mode, owner and group.
import { randomBytes } from "node:crypto";
import { chown, copyFile, constants, mkdir, open, readFile, rename, stat, unlink } from "node:fs/promises";
import { basename, dirname, join } from "node:path";
import type { DaemonJsonFragment } from "../backends/docker.js";
import { unifiedDiff } from "./diff.js";

export class DaemonJsonError extends Error {
  override name = "DaemonJsonError";
  constructor(
    readonly path: string,
    readonly line: number,
    readonly col: number,
    detail: string,
  ) {
    super(`${path}:${line}:${col}: ${detail}; fix the file (dockerd will not start with it either); nothing written`);
  }
}

export interface MergeResult {
  text: string;
  /** Things the user should know: mirrors replaced, ignored keys. */
  notes: string[];
}

const trimSlash = (s: string) => s.replace(/\/+$/, "");

/** Pure: the merged daemon.json text. `existing` undefined means no file yet. */
export function mergeDaemonJson(existing: string | undefined, fragment: DaemonJsonFragment, path = "daemon.json"): MergeResult {
  const notes: string[] = [];
  let changed = false;
  let data: Record<string, unknown> = {};
  const source = existing?.replace(/^\uFEFF/, "");
  if (source !== undefined && source.trim() !== "") {
    let parsed: unknown;
    try {
      parsed = JSON.parse(source);
    } catch (err) {
      const { line, col } = lineCol(source, jsonErrorOffset(source, (err as Error).message));
      throw new DaemonJsonError(path, line, col, `not valid JSON (${(err as Error).message.replace(/, ".*" is not valid JSON$/s, "")})`);
    }
    if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) {
      throw new DaemonJsonError(path, 1, 1, "daemon.json must hold a JSON object ({...})");
    }
    data = parsed as Record<string, unknown>;
  }

  const ours = fragment["registry-mirrors"];
  if (ours && ours.length > 0) {
    const current = data["registry-mirrors"];
    const same = Array.isArray(current) && current.length === ours.length && current.every((v, i) => typeof v === "string" && trimSlash(v) === trimSlash(ours[i]!));
    if (!same) {
      if (Array.isArray(current)) {
        const dropped = current.filter((v) => typeof v !== "string" || !ours.some((o) => trimSlash(o) === trimSlash(v)));
        if (dropped.length > 0) notes.push(`registry-mirrors is replaced by the configured mirrors; no longer listed: ${dropped.map(String).join(", ")}`);
      }
      data["registry-mirrors"] = [...ours];
      changed = true;
    }
  } else if (data["registry-mirrors"] !== undefined) {
    notes.push("the config has no docker.io mirror for dockerd, so registry-mirrors is left as it is");
  }

  const insecure = fragment["insecure-registries"] ?? [];
  if (insecure.length > 0) {
    const current = data["insecure-registries"];
    const list = Array.isArray(current) ? [...current] : [];
    if (current !== undefined && !Array.isArray(current)) notes.push("insecure-registries was not a list; it is replaced");
    for (const entry of insecure) if (!list.includes(entry)) list.push(entry);
    if (!Array.isArray(current) || list.length !== current.length) {
      data["insecure-registries"] = list;
      changed = true;
    }
  }
  if ("registry-mirror" in data) notes.push("the key `registry-mirror` (singular) is not read by dockerd; remove it, registry-mirrors is the real one");

  // Unchanged content keeps its bytes: no reformatting churn in the diff or the file.
  if (!changed && existing !== undefined && existing.trim() !== "") return { text: existing, notes };
  return { text: `${JSON.stringify(data, null, detectIndent(source))}\n`, notes };
}

function detectIndent(text: string | undefined): string | number {
  const m = text ? /^([ \t]+)"/m.exec(text) : null;
  return m ? m[1]! : 2;
}

export function lineCol(text: string, offset: number): { line: number; col: number } {
  const before = text.slice(0, Math.max(0, Math.min(offset, text.length)));
  const lines = before.split("\n");
  return { line: lines.length, col: lines[lines.length - 1]!.length + 1 };
}

/** Where JSON.parse stopped: its own position when it says one, else found by a small scanner. */
export function jsonErrorOffset(text: string, message: string): number {
  const m = /at position (\d+)/.exec(message);
  if (m) return Number(m[1]);
  return scanJson(text);
}

/** Offset of the first JSON syntax error (text.length if the input ends early). */
function scanJson(s: string): number {
  let i = 0;
  const ws = () => {
    while (i < s.length && " \t\n\r".includes(s[i]!)) i++;
  };
  const fail = () => {
    throw i;
  };
  const str = () => {
    if (s[i] !== '"') fail();
    i++;
    while (i < s.length && s[i] !== '"') {
      if (s[i] === "\\") i++;
      else if (s.charCodeAt(i) < 0x20) fail();
      i++;
    }
    if (i >= s.length) fail();
    i++;
  };
  const value = (): void => {
    ws();
    const c = s[i];
    if (c === "{") {
      i++;
      ws();
      if (s[i] === "}") return void i++;
      for (;;) {
        ws();
        str();
        ws();
        if (s[i] !== ":") fail();
        i++;
        value();
        ws();
        if (s[i] === ",") i++;
        else if (s[i] === "}") return void i++;
        else fail();
      }
    } else if (c === "[") {
      i++;
      ws();
      if (s[i] === "]") return void i++;
      for (;;) {
        value();
        ws();
        if (s[i] === ",") i++;
        else if (s[i] === "]") return void i++;
        else fail();
      }
    } else if (c === '"') str();
    else {
      const lit = /^(?:true|false|null|-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?)/.exec(s.slice(i));
      if (!lit) fail();
      i += lit![0].length;
    }
  };
  try {
    value();
    ws();
    if (i < s.length) fail();
  } catch (at) {
    if (typeof at === "number") return at;
    throw at;
  }
  return i;
}

export interface ApplyDaemonJsonOptions {
  path: string;
  fragment: DaemonJsonFragment;
  /** Clock for the backup name. */
  now: Date;
  dryRun?: boolean;
}

export interface ApplyDaemonJsonResult {
  status: "unchanged" | "written" | "dry-run";
  created: boolean;
  diff: string;
  notes: string[];
  backupPath?: string;
}

/** `20240131T235959Z`. */
export function backupStamp(now: Date): string {
  return now.toISOString().replace(/\.\d+Z$/, "Z").replace(/[-:]/g, "");
}

export async function applyDaemonJson(opts: ApplyDaemonJsonOptions): Promise<ApplyDaemonJsonResult> {
  let existing: string | undefined;
  let mode = 0o644;
  let owner: { uid: number; gid: number } | undefined;
  try {
    const info = await stat(opts.path);
    if (!info.isFile()) throw new Error(`${opts.path} is not a regular file; nothing written`);
    mode = info.mode & 0o7777;
    owner = { uid: info.uid, gid: info.gid };
    existing = await readFile(opts.path, "utf8");
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== "ENOENT") throw err;
  }
  const merged = mergeDaemonJson(existing, opts.fragment, opts.path);
  const created = existing === undefined;
  const diff = unifiedDiff(existing ?? "", merged.text, created ? "/dev/null" : opts.path, opts.path);
  if (existing === merged.text) return { status: "unchanged", created: false, diff: "", notes: merged.notes };
  if (opts.dryRun) return { status: "dry-run", created, diff, notes: merged.notes };

  const dir = dirname(opts.path);
  let backupPath: string | undefined;
  if (!created) {
    const stamp = backupStamp(opts.now);
    for (let n = 0; ; n++) {
      const candidate = join(dir, `${basename(opts.path)}.bak-${stamp}${n ? `-${n}` : ""}`);
      try {
        await copyFile(opts.path, candidate, constants.COPYFILE_EXCL);
        backupPath = candidate;
        if (owner) await keepOwner(candidate, owner);
        break;
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== "EEXIST" || n > 100) throw err;
      }
    }
  } else {
    await mkdir(dir, { recursive: true, mode: 0o755 });
  }
  // Random, not only the pid: a temp file left by a killed run must not block the next one,
  // which may well get the same pid (in a container, every run is pid 1).
  const temp = join(dir, `.${basename(opts.path)}.werf-mirror-${process.pid}-${randomBytes(4).toString("hex")}.tmp`);
  try {
    const handle = await open(temp, "wx", mode);
    try {
      await handle.writeFile(merged.text, "utf8");
      if (owner) await keepOwner(temp, owner);
      await handle.chmod(mode); // after chown, which may clear set-id bits
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temp, opts.path);
  } catch (err) {
    await unlink(temp).catch(() => undefined);
    throw err;
  }
  return { status: "written", created, diff, notes: merged.notes, backupPath };
}

/** Gives `path` the owner and group of the file it replaces (or backs up); only root can change them. */
async function keepOwner(path: string, owner: { uid: number; gid: number }): Promise<void> {
  if (owner.uid === process.getuid?.() && owner.gid === process.getgid?.()) return;
  try {
    await chown(path, owner.uid, owner.gid);
  } catch (err) {
    // Not root: the file can only be ours. Keeping the mode is what is left to do.
    if ((err as NodeJS.ErrnoException).code !== "EPERM") throw err;
  }
}
