// Credentials for private mirrors, from the files werf's keychain and containers/image read:
// $DOCKER_CONFIG/config.json (else ~/.docker/config.json), then $REGISTRY_AUTH_FILE, then
// ${XDG_RUNTIME_DIR}/containers/auth.json. The first file with an entry for the mirror wins.
// In Docker's config.json, credential helpers take part as in docker/cli's
// GetCredentialsStore: for each key, a `credHelpers` entry for it wins, else `credsStore`,
// else the file's `auths`. A helper is `docker-credential-<name> get` on PATH, the server on
// stdin, JSON {ServerURL, Username, Secret} on stdout.
// A credential never leaves this module except as an Authorization header value; a helper's
// stdout and stderr are never logged, stored or quoted in a message.
import { execFile } from "node:child_process";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import type { Env } from "../config/layers.js";

export interface Credentials {
  username: string;
  password: string;
  /** The file it came from (for messages; the file name is not a secret). */
  source: string;
}

export type ReadText = (path: string) => Promise<string | undefined>;

/** The default ReadText: a file's text, or undefined when it cannot be read. */
export const readTextFile: ReadText = async (path) => {
  try {
    return await readFile(path, "utf8");
  } catch {
    return undefined;
  }
};

/** Docker's config.json: the only auth file whose `credHelpers` and `credsStore` are honoured. */
export function dockerConfigFile(env: Env, home: string | undefined): string | undefined {
  if (env.DOCKER_CONFIG) return join(env.DOCKER_CONFIG, "config.json");
  return home ? join(home, ".docker", "config.json") : undefined;
}

/** The auth files in the order they are consulted. */
export function authFiles(env: Env, home: string | undefined): string[] {
  const files: string[] = [];
  const docker = dockerConfigFile(env, home);
  if (docker) files.push(docker);
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

// ---------------------------------------------------------------------------
// Credential helpers
// ---------------------------------------------------------------------------

/** What running a helper gave. stdout/stderr are for parsing only, never for messages. */
export interface HelperRunResult {
  outcome: "exited" | "not-found" | "timeout" | "too-large" | "error";
  /** Exit code when `exited` (0 on success). */
  code?: number | null;
  signal?: string | null;
  stdout: string;
  stderr: string;
}

/** Runs `command args` (looked up on `env.PATH`) with `input` on stdin; never rejects. */
export type RunHelper = (command: string, args: string[], input: string, o: { timeoutMs: number; env: Env }) => Promise<HelperRunResult>;

/** A helper answers with a small JSON object; anything bigger is not a helper's answer. */
export const HELPER_MAX_OUTPUT = 64 * 1024;

/** node:child_process execFile with a hard timeout (SIGKILL), stdin written, stdout capped. */
export const runHelperProcess: RunHelper = (command, args, input, o) =>
  new Promise((resolve) => {
    try {
      const child = execFile(
        command,
        args,
        {
          env: o.env,
          timeout: Math.max(1, Math.floor(o.timeoutMs)),
          killSignal: "SIGKILL",
          maxBuffer: HELPER_MAX_OUTPUT,
          encoding: "utf8",
          windowsHide: true,
        },
        (err, stdout, stderr) => {
          if (!err) return resolve({ outcome: "exited", code: 0, stdout, stderr });
          // Never use err.message: execFile puts the child's stderr in it.
          const e = err as NodeJS.ErrnoException & { code?: string | number | null; killed?: boolean; signal?: string | null };
          if (e.code === "ENOENT") return resolve({ outcome: "not-found", stdout: "", stderr: "" });
          if (e.code === "ERR_CHILD_PROCESS_STDIO_MAXBUFFER") return resolve({ outcome: "too-large", stdout: "", stderr: "" });
          if (e.killed && e.signal === "SIGKILL") return resolve({ outcome: "timeout", signal: e.signal, stdout: "", stderr: "" });
          if (typeof e.code === "number" || e.signal) {
            return resolve({ outcome: "exited", code: typeof e.code === "number" ? e.code : null, signal: e.signal ?? null, stdout, stderr });
          }
          resolve({ outcome: "error", stdout: "", stderr: "" });
        },
      );
      child.stdin?.on("error", () => {
        /* a helper that exits without reading stdin: EPIPE is not our failure */
      });
      child.stdin?.end(input);
    } catch {
      resolve({ outcome: "error", stdout: "", stderr: "" });
    }
  });

/** A credential helper failed or answered something unusable. The message holds no output. */
export class CredentialHelperError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "CredentialHelperError";
  }
}

export interface HelperOptions {
  run: RunHelper;
  /** Environment for the helper (PATH finds it; HOME, DBUS_*, AWS_* etc. are the helper's). */
  env: Env;
  /** Docker's config.json (see dockerConfigFile); helpers are honoured in this file only. */
  dockerConfig: string | undefined;
  /** The probe's deadline on `now`'s clock: a helper gets what is left of it. */
  deadline: number;
  now: () => number;
}

/** docker/cli: the Docker Hub key a helper is asked for. */
const DOCKER_HUB_SERVER = "https://index.docker.io/v1/";
const NOT_FOUND = "credentials not found in native keychain";
const HELPER_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;

/** The server string a helper gets on stdin for an auth key (as go-containerregistry's keychain). */
function helperServer(key: string): string {
  return key === "index.docker.io" || key === "docker.io" ? DOCKER_HUB_SERVER : key;
}

async function askHelper(name: string, server: string, source: string, h: HelperOptions): Promise<Credentials | undefined> {
  const program = `docker-credential-${name}`;
  if (!HELPER_NAME.test(name)) throw new CredentialHelperError(`the credential helper name in ${source} is not a plain name`);
  const timeoutMs = h.deadline - h.now();
  if (timeoutMs < 1) throw new CredentialHelperError(`no time left in the probe timeout to run the credential helper ${program}`);
  let r: HelperRunResult;
  try {
    r = await h.run(program, ["get"], server, { timeoutMs, env: h.env });
  } catch {
    r = { outcome: "error", stdout: "", stderr: "" };
  }
  switch (r.outcome) {
    case "not-found":
      throw new CredentialHelperError(`credential helper ${program} (named in ${source}) is not on PATH`);
    case "timeout":
      throw new CredentialHelperError(`credential helper ${program} did not answer within the probe timeout (${Math.round(timeoutMs)} ms) and was killed`);
    case "too-large":
      throw new CredentialHelperError(`credential helper ${program} wrote more than ${HELPER_MAX_OUTPUT} bytes; not a credential helper answer`);
    case "error":
      throw new CredentialHelperError(`credential helper ${program} could not be run`);
    case "exited":
      break;
  }
  if (r.code !== 0) {
    // The helpers' protocol: this exact text on stdout means "nothing stored for this server".
    if (r.stdout.trim() === NOT_FOUND || r.stderr.trim() === NOT_FOUND) return undefined;
    const how = r.code !== null && r.code !== undefined ? `exit ${r.code}` : `signal ${r.signal ?? "unknown"}`;
    throw new CredentialHelperError(`credential helper ${program} failed (${how})`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(r.stdout);
  } catch {
    throw new CredentialHelperError(`credential helper ${program} did not answer with JSON`);
  }
  const p = (parsed && typeof parsed === "object" ? parsed : {}) as Record<string, unknown>;
  const username = typeof p.Username === "string" ? p.Username : "";
  const secret = typeof p.Secret === "string" ? p.Secret : "";
  if (username === "" && secret === "") return undefined; // docker/cli: an empty answer is no credentials
  if (username === "<token>") {
    throw new CredentialHelperError(
      `credential helper ${program} gave an identity token for ${server}; identity tokens are not supported (use a username and password or access token)`,
    );
  }
  if (username === "") throw new CredentialHelperError(`credential helper ${program} answered without a Username`);
  return { username, password: secret, source: `${program} (${source})` };
}

function helperMap(value: unknown): Map<string, string> {
  const m = new Map<string, string>();
  if (value && typeof value === "object") {
    for (const [k, v] of Object.entries(value as Record<string, unknown>)) if (typeof v === "string" && v !== "") m.set(k.toLowerCase(), v);
  }
  return m;
}

/**
 * Credentials for `hostPort` + `path`. Throws CredentialHelperError when a configured helper
 * fails (as docker/cli and go-containerregistry do); without `helpers` they are not consulted.
 */
export async function findCredentials(
  hostPort: string,
  path: string,
  files: string[],
  readText: ReadText,
  helpers?: HelperOptions,
): Promise<Credentials | undefined> {
  const wanted = candidateKeys(hostPort.toLowerCase(), path);
  for (const file of files) {
    const text = await readText(file);
    if (text === undefined) continue;
    let parsed: { auths?: unknown; credHelpers?: unknown; credsStore?: unknown };
    try {
      parsed = JSON.parse(text) ?? {};
      if (typeof parsed !== "object") continue;
    } catch {
      continue; // an unreadable auth file is the consumer's problem; it just has no credentials here
    }
    const auths = parsed.auths && typeof parsed.auths === "object" ? (parsed.auths as Record<string, unknown>) : {};
    const byKey = new Map(Object.entries(auths).map(([k, v]) => [normalizeKey(k), v]));
    const isDocker = helpers !== undefined && helpers.dockerConfig === file;
    const credHelpers = isDocker ? helperMap(parsed.credHelpers) : new Map<string, string>();
    const credsStore = isDocker && typeof parsed.credsStore === "string" && parsed.credsStore !== "" ? parsed.credsStore : undefined;
    for (const key of wanted) {
      const server = helperServer(key);
      const helper = credHelpers.get(server.toLowerCase()) ?? credHelpers.get(key) ?? credsStore;
      if (helper && helpers) {
        const source = credHelpers.has(server.toLowerCase()) || credHelpers.has(key) ? `credHelpers in ${file}` : `credsStore in ${file}`;
        const creds = await askHelper(helper, server, source, helpers);
        if (creds) return creds;
        continue;
      }
      const creds = decode(byKey.get(key));
      if (creds) return { ...creds, source: file };
    }
  }
  return undefined;
}

export function basicAuthorization(c: Pick<Credentials, "username" | "password">): string {
  return `Basic ${Buffer.from(`${c.username}:${c.password}`).toString("base64")}`;
}
