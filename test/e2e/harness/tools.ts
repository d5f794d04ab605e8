/**
 * Process plumbing for the end-to-end harness: finding binaries, running
 * commands with a hard timeout, starting long-lived daemons that are stopped
 * by pid, free loopback ports, temp dirs and a private network namespace.
 *
 * Everything here talks to 127.0.0.1 (or to a fresh network namespace that
 * only has `lo`) and nothing else.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { accessSync, constants as fsConstants, createWriteStream, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { delimiter, join } from "node:path";

// ---------------------------------------------------------------------------
// Binaries
// ---------------------------------------------------------------------------

/** Directories searched after $PATH: daemons live in sbin, which a non-login PATH may lack. */
const EXTRA_DIRS = ["/usr/local/sbin", "/usr/local/bin", "/usr/sbin", "/usr/bin", "/sbin", "/bin"];

/** Absolute path of an executable named `name`, or null. */
export function findTool(name: string): string | null {
  if (name.includes("/")) return isExecutable(name) ? name : null;
  const dirs = [...(process.env.PATH ?? "").split(delimiter).filter(Boolean), ...EXTRA_DIRS];
  for (const dir of dirs) {
    const candidate = join(dir, name);
    if (isExecutable(candidate)) return candidate;
  }
  return null;
}

function isExecutable(p: string): boolean {
  try {
    if (!statSync(p).isFile()) return false;
    accessSync(p, fsConstants.X_OK);
    return true;
  } catch {
    return false;
  }
}

export function isCI(): boolean {
  return process.env.CI === "true";
}

/**
 * Path of a required binary. When it is missing: on CI (`CI=true`) this throws,
 * so the test fails; elsewhere it returns null and the caller must skip loudly:
 *
 *   const skopeo = requireTool('skopeo');
 *   if (!skopeo) return t.skip('skopeo not installed: apt-get install skopeo');
 */
export function requireTool(name: string, hint = `apt-get install ${debianPackageFor(name)}`): string | null {
  const found = findTool(name);
  if (found) return found;
  const msg = `${name} not installed (${hint})`;
  if (isCI()) throw new Error(`${msg}; CI=true, so a missing e2e tool is a failure, not a skip`);
  return null;
}

/** Debian package that ships a binary, for error messages. */
export function debianPackageFor(name: string): string {
  const map: Record<string, string> = {
    "docker-registry": "docker-registry",
    dockerd: "docker.io",
    docker: "docker.io",
    ctr: "containerd",
    containerd: "containerd",
    skopeo: "skopeo",
    podman: "podman",
    buildah: "buildah",
    openssl: "openssl",
    curl: "curl",
    nsenter: "util-linux",
    unshare: "util-linux",
    ip: "iproute2",
    perl: "perl-base",
    go: "golang-go",
  };
  return map[name] ?? name;
}

/** Like requireTool for several names at once. Returns null (skip) if any is missing; the message names them all. */
export function requireTools<const N extends string>(names: readonly N[]): { tools: Record<N, string>; missing: null } | { tools: null; missing: string } {
  const tools = {} as Record<N, string>;
  const missing: string[] = [];
  for (const n of names) {
    const p = findTool(n);
    if (p) tools[n] = p;
    else missing.push(n);
  }
  if (missing.length === 0) return { tools, missing: null };
  const pkgs = [...new Set(missing.map(debianPackageFor))].join(" ");
  const msg = `not installed: ${missing.join(", ")} (apt-get install ${pkgs})`;
  if (isCI()) throw new Error(`${msg}; CI=true, so a missing e2e tool is a failure, not a skip`);
  return { tools: null, missing: msg };
}

/**
 * Consumers such as containerd, dockerd and rootful podman need root. Returns
 * null when we are root; otherwise a skip message (or throws on CI).
 */
export function requireRoot(what: string): string | null {
  if (typeof process.getuid === "function" && process.getuid() === 0) return null;
  const msg = `${what} needs root`;
  if (isCI()) throw new Error(`${msg}; CI=true, so this is a failure, not a skip`);
  return msg;
}

// ---------------------------------------------------------------------------
// One-shot commands
// ---------------------------------------------------------------------------

export interface RunOptions {
  env?: NodeJS.ProcessEnv;
  /** Hard timeout; the process gets SIGKILL when it passes. Default 60 s. */
  timeoutMs?: number;
  cwd?: string;
  input?: string | Buffer;
}

export interface RunResult {
  /** Exit code, or null when killed by a signal (e.g. on timeout). */
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  timedOut: boolean;
  /** The command line, for error messages. */
  command: string;
}

/**
 * spawn() a command, capture stdout/stderr, and SIGKILL it if it runs longer
 * than timeoutMs. Never rejects for a non-zero exit; see runOk for that.
 */
export function run(cmd: string, args: readonly string[], opts: RunOptions = {}): Promise<RunResult> {
  const timeoutMs = opts.timeoutMs ?? 60_000;
  const command = [cmd, ...args].map(shellQuote).join(" ");
  return new Promise((resolve) => {
    let child: ChildProcess;
    try {
      child = spawn(cmd, [...args], {
        env: opts.env ?? process.env,
        cwd: opts.cwd,
        stdio: [opts.input === undefined ? "ignore" : "pipe", "pipe", "pipe"],
      });
    } catch (err) {
      resolve({ code: 127, signal: null, stdout: "", stderr: String(err), timedOut: false, command });
      return;
    }
    const out: Buffer[] = [];
    const errb: Buffer[] = [];
    child.stdout?.on("data", (b: Buffer) => out.push(b));
    child.stderr?.on("data", (b: Buffer) => errb.push(b));
    if (opts.input !== undefined) child.stdin?.end(opts.input);
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill("SIGKILL");
    }, timeoutMs);
    let spawnError: Error | null = null;
    child.on("error", (err) => {
      spawnError = err;
    });
    child.on("close", (code, signal) => {
      clearTimeout(timer);
      let stderr = Buffer.concat(errb).toString("utf8");
      if (spawnError) stderr += `\n${String(spawnError)}`;
      if (timedOut) stderr += `\n[harness] killed after ${timeoutMs} ms timeout`;
      resolve({
        code: spawnError && code === null ? 127 : code,
        signal,
        stdout: Buffer.concat(out).toString("utf8"),
        stderr,
        timedOut,
        command,
      });
    });
  });
}

/** run() that throws (with the command, code and output) unless the exit code is 0. */
export async function runOk(cmd: string, args: readonly string[], opts: RunOptions = {}): Promise<RunResult> {
  const r = await run(cmd, args, opts);
  if (r.code !== 0) throw new Error(describeFailure(r));
  return r;
}

export function describeFailure(r: RunResult): string {
  const how = r.timedOut ? "timed out" : r.code === null ? `killed by ${r.signal}` : `exited ${r.code}`;
  return `command ${how}: ${r.command}\n--- stdout ---\n${tail(r.stdout)}\n--- stderr ---\n${tail(r.stderr)}`;
}

function tail(s: string, max = 4000): string {
  return s.length > max ? `...${s.slice(-max)}` : s;
}

export function shellQuote(s: string): string {
  return /^[\w@%+=:,./-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}

// ---------------------------------------------------------------------------
// Long-lived daemons
// ---------------------------------------------------------------------------

export interface Daemon {
  readonly pid: number;
  readonly name: string;
  readonly logFile: string;
  /** True once the process has exited. */
  readonly exited: boolean;
  readonly exitCode: number | null;
  /** Resolves when the process exits. */
  readonly exitPromise: Promise<void>;
  /** SIGTERM by pid, wait up to graceMs (default 10 s), then SIGKILL and wait. Idempotent. */
  stop(graceMs?: number): Promise<void>;
  /** The captured log (stdout+stderr) so far. */
  log(): string;
}

const live = new Set<ChildProcess>();
let exitHookInstalled = false;

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  // Last resort if a test forgot to stop something or the runner is exiting:
  // SIGKILL every daemon we started, by pid. (Synchronous: 'exit' allows nothing else.)
  process.on("exit", () => {
    for (const c of live) {
      if (c.pid !== undefined && c.exitCode === null && c.signalCode === null) {
        try {
          process.kill(c.pid, "SIGKILL");
        } catch {
          /* already gone */
        }
      }
    }
  });
}

export interface StartDaemonOptions {
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  /** stdout and stderr are appended here. */
  logFile: string;
}

/** Start a long-lived process whose stdout/stderr go to logFile. Stop it with stop(). */
export function startDaemon(name: string, cmd: string, args: readonly string[], opts: StartDaemonOptions): Daemon {
  installExitHook();
  const child = spawn(cmd, [...args], {
    env: opts.env ?? process.env,
    cwd: opts.cwd,
    stdio: ["ignore", "pipe", "pipe"],
  });
  if (child.pid === undefined) {
    throw new Error(`failed to start ${name}: ${cmd} ${args.join(" ")}`);
  }
  const pid = child.pid;
  live.add(child);
  const log = createWriteStream(opts.logFile, { flags: "a" });
  log.write(`[harness] started pid ${pid}: ${[cmd, ...args].map(shellQuote).join(" ")}\n`);
  child.stdout?.pipe(log, { end: false });
  child.stderr?.pipe(log, { end: false });

  let exited = false;
  let exitCode: number | null = null;
  const exitPromise = new Promise<void>((resolve) => {
    child.on("error", (err) => {
      log.write(`[harness] spawn error: ${String(err)}\n`);
    });
    child.on("close", (code, signal) => {
      exited = true;
      exitCode = code;
      live.delete(child);
      log.end(`[harness] pid ${pid} exited code=${code} signal=${signal}\n`, () => resolve());
    });
  });

  let stopping: Promise<void> | null = null;
  const stop = (graceMs = 10_000): Promise<void> => {
    if (stopping) return stopping;
    stopping = (async () => {
      if (exited) return;
      try {
        process.kill(pid, "SIGTERM");
      } catch {
        /* gone */
      }
      const graceful = await withTimeout(exitPromise, graceMs);
      if (!graceful) {
        try {
          process.kill(pid, "SIGKILL");
        } catch {
          /* gone */
        }
        await withTimeout(exitPromise, 5_000);
      }
    })();
    return stopping;
  };

  return {
    pid,
    name,
    logFile: opts.logFile,
    get exited() {
      return exited;
    },
    get exitCode() {
      return exitCode;
    },
    exitPromise,
    stop,
    log: () => {
      try {
        return readFileSync(opts.logFile, "utf8");
      } catch {
        return "";
      }
    },
  };
}

/**
 * Poll `check` until it returns true, the daemon exits, or timeoutMs passes.
 * Throws with the daemon's log tail on failure.
 */
export async function waitFor(
  what: string,
  check: () => Promise<boolean>,
  opts: { timeoutMs?: number; intervalMs?: number; daemon?: Daemon } = {},
): Promise<void> {
  const timeoutMs = opts.timeoutMs ?? 10_000;
  const intervalMs = opts.intervalMs ?? 100;
  const deadline = Date.now() + timeoutMs;
  let lastErr: unknown = null;
  for (;;) {
    if (opts.daemon?.exited) {
      throw new Error(`${what}: ${opts.daemon.name} exited (code ${opts.daemon.exitCode}) before it was ready\n${tail(opts.daemon.log())}`);
    }
    try {
      if (await check()) return;
    } catch (err) {
      lastErr = err;
    }
    if (Date.now() >= deadline) break;
    await sleep(intervalMs);
  }
  const log = opts.daemon ? `\n--- ${opts.daemon.name} log (${opts.daemon.logFile}) ---\n${tail(opts.daemon.log())}` : "";
  throw new Error(`${what}: not ready after ${timeoutMs} ms${lastErr ? ` (last error: ${String(lastErr)})` : ""}${log}`);
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** Wait for `p` at most `ms`; true if it settled in time. The timer never keeps the process alive. */
export function withTimeout(p: Promise<unknown>, ms: number): Promise<boolean> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(false), ms);
    timer.unref();
    p.then(
      () => {
        clearTimeout(timer);
        resolve(true);
      },
      () => {
        clearTimeout(timer);
        resolve(true);
      },
    );
  });
}

// ---------------------------------------------------------------------------
// Ports and dirs
// ---------------------------------------------------------------------------

/** A TCP port that was free on 127.0.0.1 a moment ago (bind to :0, read it, close). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const addr = srv.address();
      if (addr === null || typeof addr === "string") {
        srv.close();
        reject(new Error("could not get a free port"));
        return;
      }
      const port = addr.port;
      srv.close(() => resolve(port));
    });
  });
}

/** Set WERF_MIRROR_E2E_KEEP=1 to keep temp dirs (logs, configs) after a run. */
export function keepTempDirs(): boolean {
  return process.env.WERF_MIRROR_E2E_KEEP === "1";
}

/** A fresh temp dir under os.tmpdir(); short names keep unix socket paths < 108 bytes. */
export function makeTempDir(label: string): string {
  return mkdtempSync(join(tmpdir(), `wm-e2e-${label}-`));
}

export function removeTempDir(dir: string): void {
  if (keepTempDirs()) return;
  try {
    rmSync(dir, { recursive: true, force: true, maxRetries: 3 });
  } catch {
    /* best effort (e.g. a leftover mount); never fail a test on cleanup */
  }
}

/**
 * A clean environment for consumer CLIs: own HOME / XDG dirs so no user config
 * (~/.config/containers/registries.conf, ~/.docker/config.json, ...) leaks in.
 * DOCKER_CONFIG is deliberately not set: podman/buildah treat it as an explicit
 * auth file location and fail when $DOCKER_CONFIG/config.json does not exist.
 */
export function isolatedEnv(home: string, extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  mkdirSync(join(home, "run"), { recursive: true, mode: 0o700 });
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH ?? "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
    HOME: home,
    XDG_CONFIG_HOME: join(home, ".config"),
    XDG_RUNTIME_DIR: join(home, "run"),
    XDG_DATA_HOME: join(home, ".local", "share"),
    LANG: "C.UTF-8",
    // Belt and braces: no proxies, and nothing but loopback anyway.
    NO_PROXY: "*",
    no_proxy: "*",
    ...extra,
  };
  for (const k of ["HTTP_PROXY", "HTTPS_PROXY", "http_proxy", "https_proxy", "ALL_PROXY", "all_proxy"]) delete env[k];
  return env;
}

// ---------------------------------------------------------------------------
// Network namespace
// ---------------------------------------------------------------------------

export interface NetNs {
  /** pid of the `sleep infinity` that holds the namespace open. */
  readonly pid: number;
  /** /proc/<pid>/ns/net */
  readonly path: string;
  /** Prefix a command so it runs inside the namespace: [nsenter, --net=PATH, cmd, ...args]. */
  wrap(cmd: string, args: readonly string[]): [string, string[]];
  /** run() inside the namespace. */
  run(cmd: string, args: readonly string[], opts?: RunOptions): Promise<RunResult>;
  stop(): Promise<void>;
}

/**
 * A new network namespace that only has `lo` (brought up). Anything started in
 * it (via wrap()/run()) cannot reach anything but its own 127.0.0.1 — which is
 * NOT the host's 127.0.0.1. Unix sockets on the filesystem still cross over, so
 * the test process can talk to a dockerd in here through its socket.
 */
export async function startNetNs(dir: string): Promise<NetNs> {
  const need = requireTools(["unshare", "nsenter", "ip"] as const);
  if (!need.tools) throw new Error(need.missing);
  const { unshare, nsenter, ip } = need.tools;
  const holder = startDaemon(
    "netns-holder",
    unshare,
    ["--net", "--", "sh", "-c", `${shellQuote(ip)} link set lo up && echo netns-ready && exec sleep infinity`],
    { logFile: join(dir, "netns.log") },
  );
  const path = `/proc/${holder.pid}/ns/net`;
  await waitFor("network namespace", async () => holder.log().includes("netns-ready"), { daemon: holder, timeoutMs: 5_000, intervalMs: 25 });
  if (readlinkSafe(path) === readlinkSafe("/proc/self/ns/net")) {
    await holder.stop();
    throw new Error("unshare --net did not create a new network namespace");
  }
  const wrap = (cmd: string, args: readonly string[]): [string, string[]] => [nsenter, [`--net=${path}`, "--", cmd, ...args]];
  return {
    pid: holder.pid,
    path,
    wrap,
    run: (cmd, args, opts) => {
      const [c, a] = wrap(cmd, args);
      return run(c, a, opts);
    },
    stop: () => holder.stop(2_000),
  };
}

function readlinkSafe(p: string): string {
  try {
    // statSync follows the magic link; dev+ino identify the namespace.
    const s = statSync(p);
    return `${s.dev}:${s.ino}`;
  } catch {
    return "";
  }
}
