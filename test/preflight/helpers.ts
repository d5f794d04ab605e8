/**
 * Helpers for the preflight tests: run the CLI in-process with captured output, load a model
 * from YAML, and small fault servers on 127.0.0.1 that are always closed (sockets included).
 */
import { writeFileSync } from "node:fs";
import { createServer as createHttpServer, type IncomingMessage, type ServerResponse } from "node:http";
import { createServer as createHttpsServer } from "node:https";
import { createServer as createNetServer, type Server as NetServer, type Socket } from "node:net";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import assert from "node:assert/strict";
import { main } from "../../src/cli/main.js";
import { requireTools } from "../e2e/harness/tools.js";
import { loadConfig } from "../../src/config/load.js";
import type { Model } from "../../src/config/types.js";

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

export async function cli(argv: string[], opts: { cwd: string; env?: Record<string, string | undefined> }): Promise<CliResult> {
  let stdout = "";
  let stderr = "";
  const code = await main(argv, {
    stdout: (t) => {
      stdout += t;
    },
    stderr: (t) => {
      stderr += t;
    },
    env: { HOME: opts.cwd, PATH: process.env.PATH, ...opts.env },
    cwd: opts.cwd,
    isTTY: false,
  });
  return { code, stdout, stderr };
}

/** Writes werf-mirror.yaml into dir and loads it (no env but `env`). */
export async function modelFrom(dir: string, yaml: string, env: Record<string, string> = {}): Promise<Model> {
  const file = join(dir, "werf-mirror.yaml");
  writeFileSync(file, yaml);
  const r = await loadConfig({ cwd: dir, configPath: file, env });
  if (!r.model || r.hasErrors) throw new Error(`config did not load: ${JSON.stringify(r.diagnostics)}`);
  return r.model;
}

export interface FaultServer {
  port: number;
  url: string;
  /** Requests seen: method, url, authorization header present. */
  requests: { method: string; url: string; authorization?: string }[];
  close(): Promise<void>;
}

function track(server: NetServer): Set<Socket> {
  const sockets = new Set<Socket>();
  server.on("connection", (s: Socket) => {
    sockets.add(s);
    s.on("close", () => sockets.delete(s));
  });
  return sockets;
}

async function listen(server: NetServer): Promise<number> {
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve());
  });
  const a = server.address();
  if (!a || typeof a === "string") throw new Error("no address");
  return a.port;
}

function closer(server: NetServer, sockets: Set<Socket>): () => Promise<void> {
  return () =>
    new Promise<void>((resolve) => {
      for (const s of sockets) s.destroy();
      server.close(() => resolve());
    });
}

/** Accepts connections and never says a word. */
export async function hungServer(): Promise<FaultServer> {
  const server = createNetServer(() => {
    /* silence */
  });
  const sockets = track(server);
  const port = await listen(server);
  return { port, url: `http://127.0.0.1:${port}`, requests: [], close: closer(server, sockets) };
}

export type Handler = (req: IncomingMessage, res: ServerResponse, self: FaultServer) => void;

/** An HTTP (or HTTPS with `tls`) server with a handler; records every request. */
export async function httpServer(handler: Handler, tls?: { cert: string; key: string }): Promise<FaultServer> {
  const self: FaultServer = { port: 0, url: "", requests: [], close: async () => {} };
  const onRequest = (req: IncomingMessage, res: ServerResponse) => {
    self.requests.push({ method: req.method ?? "", url: req.url ?? "", ...(req.headers.authorization ? { authorization: req.headers.authorization } : {}) });
    handler(req, res, self);
  };
  const server = tls ? createHttpsServer({ cert: readFileSync(tls.cert), key: readFileSync(tls.key) }, onRequest) : createHttpServer(onRequest);
  const sockets = track(server);
  // Timers of slow handlers must not outlive the test.
  const timers = new Set<NodeJS.Timeout>();
  (self as FaultServer & { timers: Set<NodeJS.Timeout> }).timers = timers;
  self.port = await listen(server);
  self.url = `${tls ? "https" : "http"}://127.0.0.1:${self.port}`;
  const close = closer(server, sockets);
  self.close = async () => {
    for (const t of timers) clearInterval(t);
    await close();
  };
  return self;
}

/** Registers an interval that close() clears. */
export function every(server: FaultServer, ms: number, fn: () => void): NodeJS.Timeout {
  const t = setInterval(fn, ms);
  (server as FaultServer & { timers: Set<NodeJS.Timeout> }).timers.add(t);
  return t;
}

/** A file with Docker-style `auths` for DOCKER_CONFIG. */
export function writeDockerConfig(dir: string, auths: Record<string, { username: string; password: string }>): string {
  const entries = Object.fromEntries(Object.entries(auths).map(([k, v]) => [k, { auth: Buffer.from(`${v.username}:${v.password}`).toString("base64") }]));
  writeFileSync(join(dir, "config.json"), JSON.stringify({ auths: entries }));
  return dir;
}

/** Each shell as a command line that runs a script given with -c. */
export function posixShells(): [name: string, argv: string[]][] {
  const found = requireTools(["sh", "dash", "bash", "zsh", "busybox"] as const);
  assert.ok(found.tools, `${found.missing}: every shell must be here to prove this`);
  const t = found.tools!;
  return [
    ["sh", [t.sh, "-c"]],
    ["dash", [t.dash, "-c"]],
    ["bash", [t.bash, "-c"]],
    ["zsh", [t.zsh, "-c"]],
    ["busybox sh", [t.busybox, "sh", "-c"]],
  ];
}
