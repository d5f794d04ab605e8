/**
 * A minimal Language Server Protocol client over stdio (JSON-RPC 2.0 with Content-Length
 * framing), enough to drive yaml-language-server as an editor does: initialize, configuration,
 * didOpen, publishDiagnostics, completion, hover. Requests from the server (workspace/configuration,
 * client/registerCapability, window/workDoneProgress/create) are answered as VS Code would.
 */
import { type ChildProcessWithoutNullStreams, spawn } from "node:child_process";

interface Message {
  jsonrpc: "2.0";
  id?: number | string;
  method?: string;
  params?: unknown;
  result?: unknown;
  error?: { code: number; message: string };
}

export interface Diagnostic {
  range: { start: { line: number; character: number }; end: { line: number; character: number } };
  message: string;
  severity?: number;
  source?: string;
}

export interface LspClient {
  request<T>(method: string, params: unknown, timeoutMs?: number): Promise<T>;
  notify(method: string, params: unknown): void;
  /** The next publishDiagnostics for `uri` (or the one already received since the last call). */
  diagnostics(uri: string, timeoutMs?: number): Promise<Diagnostic[]>;
  /** stderr of the server so far, for failure messages. */
  stderr(): string;
  /** Every notification received, for failure messages. */
  log(): string[];
  close(): Promise<void>;
}

export function startLanguageServer(command: string, args: string[], settings: unknown, env: NodeJS.ProcessEnv): LspClient {
  const child: ChildProcessWithoutNullStreams = spawn(command, args, { stdio: ["pipe", "pipe", "pipe"], env });
  let nextId = 1;
  let buffer = Buffer.alloc(0);
  let errText = "";
  const log: string[] = [];
  const pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  const published = new Map<string, Diagnostic[]>();
  const waiting = new Map<string, (d: Diagnostic[]) => void>();
  let exited: string | undefined;

  const send = (m: Message) => {
    const body = Buffer.from(JSON.stringify(m), "utf8");
    child.stdin.write(Buffer.concat([Buffer.from(`Content-Length: ${body.length}\r\n\r\n`, "ascii"), body]));
  };

  const onMessage = (m: Message) => {
    if (m.method && m.id !== undefined) {
      // A request from the server.
      if (m.method === "workspace/configuration") {
        const items = (m.params as { items: { section?: string }[] }).items;
        send({ jsonrpc: "2.0", id: m.id, result: items.map((i) => section(settings, i.section)) });
      } else {
        send({ jsonrpc: "2.0", id: m.id, result: null });
      }
      return;
    }
    if (m.method) {
      log.push(`${m.method} ${JSON.stringify(m.params).slice(0, 500)}`);
      if (m.method === "textDocument/publishDiagnostics") {
        const p = m.params as { uri: string; diagnostics: Diagnostic[] };
        const w = waiting.get(p.uri);
        if (w) {
          waiting.delete(p.uri);
          w(p.diagnostics);
        } else published.set(p.uri, p.diagnostics);
      }
      return;
    }
    const p = pending.get(m.id as number);
    if (!p) return;
    pending.delete(m.id as number);
    if (m.error) p.reject(new Error(`${m.error.code} ${m.error.message}`));
    else p.resolve(m.result);
  };

  child.stdout.on("data", (chunk: Buffer) => {
    buffer = Buffer.concat([buffer, chunk]);
    for (;;) {
      const headerEnd = buffer.indexOf("\r\n\r\n");
      if (headerEnd < 0) return;
      const length = Number(/Content-Length: (\d+)/i.exec(buffer.subarray(0, headerEnd).toString("ascii"))?.[1]);
      if (buffer.length < headerEnd + 4 + length) return;
      const body = buffer.subarray(headerEnd + 4, headerEnd + 4 + length).toString("utf8");
      buffer = buffer.subarray(headerEnd + 4 + length);
      onMessage(JSON.parse(body) as Message);
    }
  });
  child.stderr.on("data", (b: Buffer) => {
    errText += b.toString("utf8");
  });
  child.on("exit", (code, signal) => {
    exited = `exited ${code ?? signal}`;
    for (const p of pending.values()) p.reject(new Error(`language server ${exited}: ${errText}`));
    pending.clear();
  });

  const withTimeout = <T>(p: Promise<T>, ms: number, what: string): Promise<T> =>
    new Promise<T>((resolve, reject) => {
      const t = setTimeout(() => reject(new Error(`no ${what} within ${ms} ms; server said:\n${log.join("\n")}\n${errText}`)), ms);
      p.then(
        (v) => {
          clearTimeout(t);
          resolve(v);
        },
        (e: unknown) => {
          clearTimeout(t);
          reject(e);
        },
      );
    });

  return {
    request<T>(method: string, params: unknown, timeoutMs = 20_000): Promise<T> {
      if (exited) return Promise.reject(new Error(`language server ${exited}: ${errText}`));
      const id = nextId++;
      const p = new Promise<T>((resolve, reject) => pending.set(id, { resolve: resolve as (v: unknown) => void, reject }));
      send({ jsonrpc: "2.0", id, method, params });
      return withTimeout(p, timeoutMs, `answer to ${method}`);
    },
    notify(method: string, params: unknown): void {
      send({ jsonrpc: "2.0", method, params });
    },
    diagnostics(uri: string, timeoutMs = 20_000): Promise<Diagnostic[]> {
      const got = published.get(uri);
      if (got) {
        published.delete(uri);
        return Promise.resolve(got);
      }
      return withTimeout(new Promise<Diagnostic[]>((resolve) => waiting.set(uri, resolve)), timeoutMs, `diagnostics for ${uri}`);
    },
    stderr: () => errText,
    log: () => log,
    async close(): Promise<void> {
      if (exited) return;
      const gone = new Promise<void>((resolve) => child.once("exit", () => resolve()));
      try {
        await this.request("shutdown", null, 5_000);
        this.notify("exit", null);
      } catch {
        child.kill("SIGKILL");
      }
      const t = setTimeout(() => child.kill("SIGKILL"), 5_000);
      await gone;
      clearTimeout(t);
    },
  };
}

/** `settings` at a dotted section ("yaml", "http", "[yaml]"), or null. */
function section(settings: unknown, name: string | undefined): unknown {
  if (!name) return settings;
  let at: unknown = settings;
  for (const part of name.split(".")) at = at && typeof at === "object" ? (at as Record<string, unknown>)[part] : undefined;
  return at ?? null;
}
