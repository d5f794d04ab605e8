// Credentials for private mirrors, from the files werf's keychain and containers/image read:
// $DOCKER_CONFIG/config.json (else ~/.docker/config.json), then $REGISTRY_AUTH_FILE, then
// ${XDG_RUNTIME_DIR}/containers/auth.json. The first file with an entry for the mirror wins.
// A credential never leaves this module except as an Authorization header value.
import { join } from "node:path";
import type { Env } from "../config/layers.js";

export interface Credentials {
  username: string;
  password: string;
  /** The file it came from (for messages; the file name is not a secret). */
  source: string;
}

export type ReadText = (path: string) => Promise<string | undefined>;

/** The auth files in the order they are consulted. */
export function authFiles(env: Env, home: string | undefined): string[] {
  const files: string[] = [];
  if (env.DOCKER_CONFIG) files.push(join(env.DOCKER_CONFIG, "config.json"));
  else if (home) files.push(join(home, ".docker", "config.json"));
  if (env.REGISTRY_AUTH_FILE) files.push(env.REGISTRY_AUTH_FILE);
  if (env.XDG_RUNTIME_DIR) files.push(join(env.XDG_RUNTIME_DIR, "containers", "auth.json"));
  return files;
}

/** Keys an auth file may use for `hostPort` + `path`, most specific first. */
function candidateKeys(hostPort: string, path: string): string[] {
  const segments = path.split("/").filter(Boolean);
  const keys: string[] = [];
  for (let i = segments.length; i >= 1; i--) keys.push(`${hostPort}/${segments.slice(0, i).join("/")}`);
  keys.push(hostPort);
  return keys;
}

/** `https://index.docker.io/v1/` → `index.docker.io`; `host:5000/ns` stays. */
function normalizeKey(key: string): string {
  return key
    .replace(/^[a-z]+:\/\//i, "")
    .replace(/\/v[12]\/?$/, "")
    .replace(/\/+$/, "")
    .toLowerCase();
}

function decode(entry: unknown): { username: string; password: string } | undefined {
  if (!entry || typeof entry !== "object") return undefined;
  const e = entry as Record<string, unknown>;
  if (typeof e.auth === "string" && e.auth !== "") {
    const text = Buffer.from(e.auth, "base64").toString("utf8");
    const colon = text.indexOf(":");
    if (colon > 0) return { username: text.slice(0, colon), password: text.slice(colon + 1) };
  }
  if (typeof e.username === "string" && typeof e.password === "string" && e.username !== "") {
    return { username: e.username, password: e.password };
  }
  return undefined;
}

export async function findCredentials(
  hostPort: string,
  path: string,
  files: string[],
  readText: ReadText,
): Promise<Credentials | undefined> {
  const wanted = candidateKeys(hostPort.toLowerCase(), path);
  for (const file of files) {
    const text = await readText(file);
    if (text === undefined) continue;
    let auths: Record<string, unknown>;
    try {
      const parsed = JSON.parse(text) as { auths?: Record<string, unknown> };
      auths = parsed && typeof parsed.auths === "object" && parsed.auths ? parsed.auths : {};
    } catch {
      continue; // an unreadable auth file is the consumer's problem; it just has no credentials here
    }
    const byKey = new Map(Object.entries(auths).map(([k, v]) => [normalizeKey(k), v]));
    for (const key of wanted) {
      const creds = decode(byKey.get(key));
      if (creds) return { ...creds, source: file };
    }
  }
  return undefined;
}

export function basicAuthorization(c: Pick<Credentials, "username" | "password">): string {
  return `Basic ${Buffer.from(`${c.username}:${c.password}`).toString("base64")}`;
}
