// The manifest (.werf-mirror-manifest.json in the output directory) records the files werf-mirror
// wrote there, so that a later render may replace a header-less one (daemon.json, kaniko.args: no
// comment can say who wrote them) and remove one it no longer produces.
//
// The manifest is a plain file in a directory that may be committed, cached or shared, so it can
// be planted. Each entry therefore proves itself: its hash is HMAC-SHA-256 of the path and the
// content, keyed with a secret of the user's that lives outside every project
// ($XDG_STATE_HOME/werf-mirror/manifest.key, else ~/.local/state/werf-mirror/manifest.key; 0600,
// made on first use). A planted or committed manifest, or one of another user, proves nothing:
// its header-less files count as the user's (not replaced without --force) and nothing is removed
// on its word. The cost is one HMAC per rendered file (about 5 µs) and loading OpenSSL once
// (about 2.5 ms), paid only when a render writes; the alternatives were a checksum anyone can forge
// (what FNV-1a was) or never removing anything without a flag.
import { createHmac, randomBytes } from "node:crypto";
import { dirname, isAbsolute, join } from "node:path";
import { mkdirSync } from "node:fs";
import { CA_BUNDLE_DIR, safeHostPort } from "../backends/common.js";
import { createExclusive, readRegularFile, UnsafePathError } from "../fs/output-dir.js";

export const MANIFEST_NAME = ".werf-mirror-manifest.json";

export interface ManifestEntry {
  /** Proof of what werf-mirror wrote (ContentProof.hash). */
  hash: string;
  /**
   * The proof of the version this one replaces, while the replacement is under way: the manifest
   * is written before the renames, so after a kill between the two either version counts as ours.
   */
  previous?: string;
  /** Renderer that produced it: only the renderers that ran remove the files they no longer make. */
  backend?: string;
}

export interface Manifest {
  version: 2;
  files: Record<string, ManifestEntry>;
}

/** The manifest's text, entries sorted (deterministic output). */
export function formatManifest(manifest: Manifest): string {
  const files = Object.fromEntries(Object.entries(manifest.files).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
  return `${JSON.stringify({ version: 2, files }, null, 2)}\n`;
}

/** A manifest's entries; missing or unreadable: none (then no file counts as ours by its word). */
export function parseManifest(text: string | undefined): Manifest {
  try {
    const data = JSON.parse(text ?? "") as Partial<Manifest>;
    if (data && typeof data.files === "object" && data.files !== null && !Array.isArray(data.files)) {
      const files: Record<string, ManifestEntry> = {};
      for (const [path, e] of Object.entries(data.files)) {
        if (e && typeof e.hash === "string") {
          files[path] = {
            hash: e.hash,
            ...(typeof e.previous === "string" ? { previous: e.previous } : {}),
            ...(typeof e.backend === "string" ? { backend: e.backend } : {}),
          };
        }
      }
      return { version: 2, files };
    }
  } catch {
    // not JSON
  }
  return { version: 2, files: {} };
}

/** Where the user's manifest key lives; undefined when the environment names no home. */
export function manifestKeyFile(env: Record<string, string | undefined>): string | undefined {
  // XDG: a relative XDG_STATE_HOME is invalid and ignored.
  const state = env.XDG_STATE_HOME && isAbsolute(env.XDG_STATE_HOME) ? env.XDG_STATE_HOME : env.HOME ? join(env.HOME, ".local", "state") : undefined;
  return state && join(state, "werf-mirror", "manifest.key");
}

const KEY_TEXT = /^[0-9a-f]{64}\n?$/;

/**
 * The user's key, made on first use (a concurrent first use keeps one of the two). Without a
 * place to keep it, a key for this run only: what it writes proves nothing to a later run.
 */
export function loadManifestKey(file: string | undefined): Buffer {
  if (!file) return randomBytes(32);
  let found = readKey(file);
  if (!found) {
    mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
    createExclusive(file, `${randomBytes(32).toString("hex")}\n`, 0o600);
    found = readKey(file);
  }
  if (!found) throw new Error(`${file} vanished while werf-mirror created it`);
  return found;
}

function readKey(file: string): Buffer | undefined {
  // The key is the user's own file: a link to it (dotfiles) is followed.
  const key = readRegularFile(file, { followSymlink: true });
  if (!key) return undefined;
  const uid = process.getuid?.();
  if (uid !== undefined && key.uid !== uid) {
    throw new UnsafePathError(
      file,
      `${file} belongs to uid ${key.uid}, not to you (uid ${uid}): whoever owns it could make werf-mirror replace or remove your files. HOME or XDG_STATE_HOME points at another user's (as under sudo without -H?); point them at your own`,
    );
  }
  if ((key.mode & 0o077) !== 0) {
    throw new UnsafePathError(file, `${file} is readable or writable by other users (mode ${key.mode.toString(8)}); run chmod 600 ${file}`);
  }
  if (!KEY_TEXT.test(key.text)) {
    throw new UnsafePathError(
      file,
      `${file} is not a werf-mirror manifest key (64 hex digits); remove it: a new one is made, and header-less files (daemon.json, kaniko.args) then need --force once`,
    );
  }
  return Buffer.from(key.text.slice(0, 64), "hex");
}

/** Proofs that werf-mirror wrote given bytes at a given path. */
export class ContentProof {
  constructor(private readonly key: Buffer) {}

  hash(path: string, content: string): string {
    return `hmac-sha256:${createHmac("sha256", this.key).update(path).update("\0").update(content).digest("hex")}`;
  }

  /** Whether the entry proves that `content` at `path` is what werf-mirror wrote (either version). */
  vouches(entry: ManifestEntry | undefined, path: string, content: string): boolean {
    if (!entry) return false;
    const hash = this.hash(path, content);
    return entry.hash === hash || entry.previous === hash;
  }
}

/** Top-level files a renderer writes; the rest are certs.d/<host>/hosts.toml (containerd) and ca-bundles/<host>.pem (k3s, kaniko). */
const RENDERED_NAMES = new Set(["registries.conf", "daemon.json", "buildkitd.toml", "registries.yaml", "kaniko.args"]);

/**
 * Whether a renderer can produce this path: the only ones a render ever removes, whatever a
 * manifest says (a test checks every renderer's output against it).
 */
export function isRenderedPath(path: string): boolean {
  if (RENDERED_NAMES.has(path)) return true;
  const m = /^certs\.d\/([^/]+)\/hosts\.toml$/.exec(path) ?? new RegExp(`^${CA_BUNDLE_DIR}/([^/]+)\\.pem$`).exec(path);
  if (!m) return false;
  try {
    safeHostPort(m[1]!);
    return true;
  } catch {
    return false;
  }
}
