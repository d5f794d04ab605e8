// `apply docker`: editing the real daemon.json. Only the values of the keys apply changes are
// rewritten: every other byte stays as it was (numbers such as 9223372036854775807 or 3.0,
// which a JSON.parse/JSON.stringify round trip would print differently than dockerd's Go decoder
// reads them, key order, escapes, duplicate keys, whitespace). An unparsable file is refused with
// its line and column and left untouched; the old file is backed up; the write is atomic, fsynced,
// and keeps the file's mode, owner and group. A symlinked daemon.json is edited in its target.
import { isUtf8 } from "node:buffer";
import { chown, copyFile, constants, lstat, mkdir, open, readFile, readdir, readlink, realpath, stat, unlink } from "node:fs/promises";
import { commitTemp, discardTemp, TEMP_MARK, writeTemp } from "../fs/output-dir.js";
import { basename, dirname, join } from "node:path";
import type { DaemonJsonFragment } from "../backends/docker.js";
import { unifiedDiff } from "./diff.js";

export class DaemonJsonError extends Error {
  override name = "DaemonJsonError";
  /** `line` 0: the problem is the path itself, not a place in the file. */
  constructor(
    readonly path: string,
    readonly line: number,
    readonly col: number,
    detail: string,
    fix = "fix the file (dockerd will not start with it either)",
  ) {
    super(`${line ? `${path}:${line}:${col}` : path}: ${detail}; ${fix}; nothing written`);
  }
}

export interface MergeResult {
  text: string;
  /** Things the user should know: mirrors replaced, duplicate or ignored keys. */
  notes: string[];
}

/** The keys `apply docker` edits, each with a value dockerd takes, for the error that shows one. */
const MANAGED_KEYS: Record<string, string> = {
  "registry-mirrors": "https://mirror.example.com",
  "insecure-registries": "registry.example.com:5000",
};

const trimSlash = (s: string) => s.replace(/\/+$/, "");

/** Pure: the edited daemon.json text. `existing` undefined means no file yet. */
export function mergeDaemonJson(existing: string | undefined, fragment: DaemonJsonFragment, path = "daemon.json"): MergeResult {
  const notes: string[] = [];
  // A BOM is kept where it is (dockerd skips it); offsets below are in the text after it.
  const bom = existing?.startsWith("\uFEFF") ? "\uFEFF" : "";
  const source = (existing ?? "").slice(bom.length);
  const blank = source.trim() === "";
  const data = blank ? {} : parseObject(source, path);
  if (!blank) notes.push(...checkManagedKeys(source, path));

  const edits: [key: string, list: string[]][] = [];
  const ours = fragment["registry-mirrors"];
  if (ours && ours.length > 0) {
    const current = data["registry-mirrors"];
    const same = Array.isArray(current) && current.length === ours.length && current.every((v, i) => trimSlash(v as string) === trimSlash(ours[i]!));
    if (!same) {
      if (Array.isArray(current)) {
        const dropped = (current as string[]).filter((v) => !ours.some((o) => trimSlash(o) === trimSlash(v)));
        if (dropped.length > 0) notes.push(`registry-mirrors is replaced by the configured mirrors; no longer listed: ${dropped.join(", ")}`);
      }
      edits.push(["registry-mirrors", [...ours]]);
    }
  } else if (data["registry-mirrors"] !== undefined) {
    notes.push("the config has no docker.io mirror for dockerd, so registry-mirrors is left as it is");
  }

  const insecure = fragment["insecure-registries"] ?? [];
  if (insecure.length > 0) {
    const current = data["insecure-registries"];
    const list: string[] = Array.isArray(current) ? [...(current as string[])] : [];
    for (const entry of insecure) if (!list.includes(entry)) list.push(entry);
    if (!Array.isArray(current) || list.length !== current.length) edits.push(["insecure-registries", list]);
  }
  if ("registry-mirror" in data) notes.push("the key `registry-mirror` (singular) is not read by dockerd; remove it, registry-mirrors is the real one");

  // Unchanged content keeps its bytes: no reformatting churn in the diff or the file.
  if (edits.length === 0 && !blank) return { text: existing!, notes };
  let text = blank ? "{}\n" : source;
  for (const [key, list] of edits) text = setMember(text, key, list);
  return { text: bom + text, notes };
}

/** JSON.parse, as strict as dockerd's Go decoder (no comments, no trailing commas), into an object. */
function parseObject(source: string, path: string): Record<string, unknown> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(source);
  } catch (err) {
    const { line, col } = lineCol(source, jsonErrorOffset(source, (err as Error).message));
    // V8 quotes the file (`..."text" is not valid JSON`): drop it, it may span lines.
    throw new DaemonJsonError(path, line, col, `not valid JSON (${(err as Error).message.replace(/, (?:\.\.\.)?".*" is not valid JSON$/s, "")})`);
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) {
    throw new DaemonJsonError(path, 1, 1, "daemon.json must hold a JSON object ({...})");
  }
  return parsed as Record<string, unknown>;
}

/**
 * Every occurrence of a key apply edits must be a list of strings (or null): dockerd would refuse
 * anything else, and apply would otherwise drop or keep it silently. Returns a note per key that
 * appears more than once: Go's decoder, like JSON.parse, takes the last one.
 */
function checkManagedKeys(source: string, path: string): string[] {
  const notes: string[] = [];
  const { members } = topLevelMembers(source);
  for (const [key, example] of Object.entries(MANAGED_KEYS)) {
    const found = members.filter((m) => m.key === key);
    for (const m of found) {
      const value: unknown = JSON.parse(source.slice(m.valueStart, m.valueEnd));
      const wrong = !Array.isArray(value)
        ? value === null
          ? undefined
          : `is ${kindOf(value)}`
        : value.some((v) => typeof v !== "string")
          ? `holds ${kindOf(value.find((v) => typeof v !== "string"))}`
          : undefined;
      if (wrong) {
        const { line, col } = lineCol(source, m.valueStart);
        throw new DaemonJsonError(path, line, col, `${key} ${wrong}; dockerd expects a list of strings, e.g. "${key}": ["${example}"]`);
      }
    }
    if (found.length > 1) {
      const lines = found.map((m) => lineCol(source, m.keyStart).line);
      notes.push(`${key} appears ${found.length} times (lines ${lines.join(", ")}); dockerd reads only the last, which is the one updated; remove the others`);
    }
  }
  return notes;
}

function kindOf(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "a list";
  return typeof value === "object" ? "an object" : `a ${typeof value}`;
}

/** A member of the top-level object: its decoded key and where its key and value are. */
interface Member {
  key: string;
  keyStart: number;
  keyEnd: number;
  valueStart: number;
  valueEnd: number;
}

/** The top-level object of a text JSON.parse accepted: where its braces are, and its members. */
function topLevelMembers(s: string): { open: number; close: number; members: Member[] } {
  const members: Member[] = [];
  const open = skipSpace(s, 0);
  let i = skipSpace(s, open + 1);
  while (i < s.length && s[i] !== "}") {
    const keyStart = i;
    const keyEnd = endOfValue(s, keyStart);
    const valueStart = skipSpace(s, skipSpace(s, keyEnd) + 1); // past the colon
    const valueEnd = endOfValue(s, valueStart);
    members.push({ key: JSON.parse(s.slice(keyStart, keyEnd)) as string, keyStart, keyEnd, valueStart, valueEnd });
    i = skipSpace(s, valueEnd);
    if (s[i] === ",") i = skipSpace(s, i + 1);
  }
  return { open, close: i, members };
}

function skipSpace(s: string, i: number): number {
  while (i < s.length && (s[i] === " " || s[i] === "\t" || s[i] === "\n" || s[i] === "\r")) i++;
  return i;
}

/** Where the JSON value starting at `i` ends, in valid JSON: no recursion, so any depth will do. */
function endOfValue(s: string, i: number): number {
  let depth = 0;
  while (i < s.length) {
    const c = s[i]!;
    if (c === '"') {
      for (i++; i < s.length && s[i] !== '"'; i++) if (s[i] === "\\") i++;
      i++;
    } else if (c === "{" || c === "[") {
      depth++;
      i++;
    } else if (c === "}" || c === "]") {
      depth--;
      i++;
    } else if (depth > 0) {
      i++;
    } else {
      // A number, true, false or null: it ends where a delimiter starts.
      while (i < s.length && !",}] \t\n\r".includes(s[i]!)) i++;
    }
    if (depth === 0) return i;
  }
  return i;
}

/** How the file is laid out, so that what apply adds looks like the rest. */
interface Layout {
  eol: string;
  /** One level of indentation. */
  unit: string;
  /** Between a key and its value, as the first member has it. */
  colon: string;
  /** The whole object on one line: added members stay on it. */
  oneLine: boolean;
}

function layoutOf(text: string, open: number, members: Member[]): Layout {
  const nl = text.indexOf("\n");
  const first = members[0];
  const colon = first ? text.slice(first.keyEnd, first.valueStart) : ": ";
  return {
    eol: nl > 0 && text[nl - 1] === "\r" ? "\r\n" : "\n",
    unit: /^([ \t]+)"/m.exec(text)?.[1] ?? "  ",
    colon: /[\r\n]/.test(colon) ? ": " : colon,
    oneLine: first !== undefined && !/[\r\n]/.test(text.slice(open, first.keyStart)),
  };
}

/**
 * `text` with the top-level `key` set to `list`: the value of its last occurrence (the one dockerd
 * reads) is replaced, or the key is added after the last member. Nothing else changes.
 */
function setMember(text: string, key: string, list: string[]): string {
  const { open, close, members } = topLevelMembers(text);
  const layout = layoutOf(text, open, members);
  let last: Member | undefined;
  for (const m of members) if (m.key === key) last = m;
  if (last) {
    // A list written on one line stays on one line.
    const inline = !/[\r\n]/.test(text.slice(last.valueStart, last.valueEnd));
    const value = inline ? inlineList(list) : blockList(list, layout, lineIndent(text, last.keyStart));
    return text.slice(0, last.valueStart) + value + text.slice(last.valueEnd);
  }
  const name = JSON.stringify(key) + layout.colon;
  const after = members[members.length - 1];
  if (!after) {
    const member = `${layout.unit}${name}${blockList(list, layout, layout.unit)}`;
    return `${text.slice(0, open + 1)}${layout.eol}${member}${layout.eol}${text.slice(close)}`;
  }
  const indent = lineIndent(text, after.keyStart);
  const member = layout.oneLine ? `, ${name}${inlineList(list)}` : `,${layout.eol}${indent}${name}${blockList(list, layout, indent)}`;
  return text.slice(0, after.valueEnd) + member + text.slice(after.valueEnd);
}

const inlineList = (list: string[]) => `[${list.map((v) => JSON.stringify(v)).join(", ")}]`;

/** A list one item a line, its brackets at `indent`. */
function blockList(list: string[], layout: Layout, indent: string): string {
  const items = list.map((v) => `${indent}${layout.unit}${JSON.stringify(v)}`);
  return `[${layout.eol}${items.join(`,${layout.eol}`)}${layout.eol}${indent}]`;
}

/** The spaces and tabs that start the line `at` is on. */
function lineIndent(text: string, at: number): string {
  const start = text.lastIndexOf("\n", at - 1) + 1;
  return /^[ \t]*/.exec(text.slice(start, at))![0];
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
  /** When `path` is a symlink: the file it points to, which is the one edited (the link stays). */
  target?: string;
}

/** `20240131T235959Z`. */
export function backupStamp(now: Date): string {
  return now
    .toISOString()
    .replace(/\.\d+Z$/, "Z")
    .replace(/[-:]/g, "");
}

/**
 * Temp files are the project's one kind (src/fs/output-dir.ts): `.daemon.json.werf-mirror-<pid>-<random>.tmp`.
 * Random, not only the pid: a temp file left by a killed run must not block the next one, which
 * may well get the same pid (in a container, every run is pid 1). Ours, from this version or an
 * older one (`<pid>` alone, or a hex random part).
 */
function isTempOf(name: string, base: string): boolean {
  const prefix = `.${base}${TEMP_MARK}`;
  return name.startsWith(prefix) && /^\d+(?:-[0-9a-z]+)?\.tmp$/.test(name.slice(prefix.length));
}

export async function applyDaemonJson(opts: ApplyDaemonJsonOptions): Promise<ApplyDaemonJsonResult> {
  const target = await fileToEdit(opts.path);
  const dir = dirname(target);
  const base = basename(target);
  const link = target !== opts.path ? { target } : {};
  const notes: string[] = [];
  if (!opts.dryRun) {
    const removed = await removeLeftoverTemps(dir, base);
    if (removed.length > 0)
      notes.push(`removed ${removed.length} temp file${removed.length > 1 ? "s" : ""} left by an interrupted apply: ${removed.join(", ")}`);
  }
  let existing: string | undefined;
  let mode = 0o644;
  let owner: { uid: number; gid: number } | undefined;
  try {
    const info = await stat(target);
    if (!info.isFile()) throw new DaemonJsonError(opts.path, 0, 0, "not a regular file", "name the file dockerd reads with --daemon-json");
    mode = info.mode & 0o7777;
    owner = { uid: info.uid, gid: info.gid };
    const bytes = await readFile(target);
    if (!isUtf8(bytes)) {
      const { line, col } = firstNonUtf8(bytes);
      // Go reads such a byte as U+FFFD; a text edit would write it back as U+FFFD, changing the file.
      throw new DaemonJsonError(opts.path, line, col, "a byte that is not UTF-8, which editing would turn into U+FFFD", "save the file as UTF-8");
    }
    existing = bytes.toString("utf8");
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== "ENOENT") throw err;
  }
  const merged = mergeDaemonJson(existing, opts.fragment, opts.path);
  notes.push(...merged.notes);
  const created = existing === undefined;
  const diff = unifiedDiff(existing ?? "", merged.text, created ? "/dev/null" : opts.path, opts.path);
  if (existing === merged.text) return { status: "unchanged", created: false, diff: "", notes, ...link };
  if (opts.dryRun) return { status: "dry-run", created, diff, notes, ...link };

  let backupPath: string | undefined;
  if (!created) {
    const stamp = backupStamp(opts.now);
    for (let n = 0; ; n++) {
      const candidate = join(dir, `${base}.bak-${stamp}${n ? `-${n}` : ""}`);
      try {
        await copyFile(target, candidate, constants.COPYFILE_EXCL);
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
  // The temp file is next to the file it replaces (for a symlink, next to its target), so that
  // the rename is atomic and the link is left in place.
  // Written complete and fsynced (daemon.json cannot be made again), owner and mode kept.
  const temp = writeTemp(target, merged.text, { mode, fsync: true, ...(owner ? { owner } : {}) });
  try {
    commitTemp(temp, target);
  } catch (err) {
    discardTemp(temp);
    if ((err as NodeJS.ErrnoException).code !== "ENOENT") throw err;
    throw new DaemonJsonError(
      opts.path,
      0,
      0,
      "its temp file was removed before it could replace it (another `werf-mirror apply docker` at the same time?)",
      "run it again",
    );
  }
  await syncDir(dir);
  return { status: "written", created, diff, notes, backupPath, ...link };
}

/** `path`, or for a symlink the file it points to: that file is edited and the link stays. */
async function fileToEdit(path: string): Promise<string> {
  try {
    if (!(await lstat(path)).isSymbolicLink()) return path;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return path;
    throw err;
  }
  try {
    return await realpath(path);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code !== "ENOENT" && code !== "ELOOP") throw err;
    // Creating a file where a dangling link points is a guess; the user knows where it should be.
    const why = code === "ELOOP" ? "which loops" : "which does not exist";
    throw new DaemonJsonError(
      path,
      0,
      0,
      `a symlink to ${await readlink(path)}, ${why}`,
      "create that file, or name the file dockerd reads with --daemon-json",
    );
  }
}

/**
 * Removes the temp files a killed apply left next to the file. apply takes no lock: an apply
 * running at this very moment would lose its temp file too, and then fails at its rename with
 * nothing written, which is better than temp files piling up in /etc/docker.
 */
async function removeLeftoverTemps(dir: string, base: string): Promise<string[]> {
  let names: string[];
  try {
    names = (await readdir(dir, { withFileTypes: true })).filter((e) => e.isFile() && isTempOf(e.name, base)).map((e) => e.name);
  } catch {
    return []; // no directory yet, or none we may read: writing will say so
  }
  const removed: string[] = [];
  for (const name of names) {
    await unlink(join(dir, name)).then(
      () => removed.push(name),
      () => undefined,
    );
  }
  return removed;
}

/** Line and column of the first byte that is not UTF-8 (a newline is never inside a character). */
function firstNonUtf8(bytes: Buffer): { line: number; col: number } {
  let start = 0;
  for (let line = 1; ; line++) {
    const end = bytes.indexOf(0x0a, start);
    const text = bytes.subarray(start, end < 0 ? bytes.length : end);
    if (end < 0 || !isUtf8(text)) return { line, col: text.toString("utf8").indexOf("\uFFFD") + 1 || 1 };
    start = end + 1;
  }
}

/** Makes the rename itself durable: the file cannot be regenerated if a crash loses it. */
async function syncDir(dir: string): Promise<void> {
  const handle = await open(dir, "r").catch(() => undefined);
  if (!handle) return;
  // Some file systems cannot fsync a directory; the file itself is already synced.
  await handle.sync().catch(() => undefined);
  await handle.close();
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
