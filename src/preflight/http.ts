// One bounded HTTP exchange over node:http/https. A deadline covers connect, headers and
// body together; the body is read up to a limit; no connection pooling, so a hung socket is
// destroyed with its request. Errors become short reasons a user can act on.
// Environment proxies (HTTPS_PROXY, HTTP_PROXY, ALL_PROXY, NO_PROXY, and their lower-case
// forms) are honoured by `envTransport`: https goes through a CONNECT tunnel (the proxy sees
// only `CONNECT host:port`); plain http is sent in absolute form, except a request that carries
// an Authorization header, which is tunnelled too so that no request addressed to the proxy
// ever holds the mirror's credentials.
import { maxHeaderSize, request as httpRequest, type ClientRequest, type IncomingHttpHeaders, type IncomingMessage } from "node:http";
import { request as httpsRequest } from "node:https";
import { connect as tlsConnect } from "node:tls";
import type { Socket } from "node:net";
import { printable } from "./printable.js";

export interface HttpRequest {
  url: URL;
  method: "GET" | "HEAD";
  headers?: Record<string, string>;
  /** Absolute time (ms, same clock as `now`) by which everything must be done. */
  deadline: number;
  /** Extra trusted CA certificates (PEM); the system store is always trusted too. */
  ca?: string[];
  /** `false` skips certificate verification (insecure mirrors). */
  verifyTls: boolean;
  /** Bytes of body to keep; the rest is not read. Default 64 KiB. */
  maxBodyBytes?: number;
  /** Talk to a unix socket instead of url's host (Docker Engine API). */
  socketPath?: string;
  /** Client certificate and key (Docker over tcp with TLS). */
  cert?: string;
  key?: string;
  /** An http:// proxy to go through (see `proxyFor`); never used with socketPath. */
  proxy?: URL;
}

export interface HttpResponse {
  status: number;
  headers: IncomingHttpHeaders;
  body: Buffer;
  /** Whether the body was longer than maxBodyBytes (and cut). */
  truncated: boolean;
}

/** Injected by tests; the default talks to the network. */
export type Transport = (req: HttpRequest, now: () => number) => Promise<HttpResponse>;

export class HttpError extends Error {
  constructor(
    message: string,
    readonly code: string,
  ) {
    super(message);
  }
}

const DEFAULT_MAX_BODY = 64 * 1024;

export const nodeTransport: Transport = (req, now) =>
  new Promise<HttpResponse>((resolve, reject) => {
    const remaining = Math.max(0, req.deadline - now());
    const https = req.url.protocol === "https:";
    const proxy = req.socketPath ? undefined : req.proxy;
    let phase: "connect" | "headers" | "body" = "connect";
    let settled = false;
    let clientReq: ClientRequest | undefined;
    let tunnelReq: ClientRequest | undefined;
    const fail = (err: HttpError) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      tunnelReq?.destroy();
      clientReq?.destroy();
      reject(err);
    };
    const tlsOptions = {
      rejectUnauthorized: req.verifyTls,
      ...(req.ca ? { ca: req.ca } : {}),
      ...(req.cert ? { cert: req.cert } : {}),
      ...(req.key ? { key: req.key } : {}),
      servername: isIpLiteral(req.url.hostname) ? undefined : req.url.hostname,
    };
    const headers: Record<string, string> = { "User-Agent": "werf-mirror-preflight", ...req.headers };
    const onResponse = (res: IncomingMessage) => {
      phase = "body";
      const max = req.maxBodyBytes ?? DEFAULT_MAX_BODY;
      const chunks: Buffer[] = [];
      let size = 0;
      let truncated = false;
      const done = () => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        clientReq?.destroy();
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks), truncated });
      };
      res.on("data", (chunk: Buffer) => {
        if (truncated) return;
        const room = max - size;
        if (chunk.length > room) {
          chunks.push(chunk.subarray(0, room));
          size = max;
          truncated = true;
          done();
          return;
        }
        chunks.push(chunk);
        size += chunk.length;
      });
      res.on("end", done);
      res.on("error", (err) => fail(describeError(err, phase, req)));
      res.on("aborted", () => fail(new HttpError("the connection closed in the middle of the response", "ECONNRESET")));
    };
    const send = (r: ClientRequest, connectEvent: "connect" | "secureConnect" | undefined) => {
      clientReq = r;
      if (connectEvent) {
        r.on("socket", (socket) => {
          socket.once(connectEvent, () => {
            if (phase === "connect") phase = "headers";
          });
        });
      } else if (phase === "connect") phase = "headers";
      r.on("error", (err) => fail(describeError(err, phase, req)));
      r.end();
    };
    const timer = setTimeout(() => {
      const what = phase === "connect" ? "connecting" : phase === "headers" ? "waiting for the response headers" : "reading the response body";
      fail(new HttpError(`timed out ${what}${proxy && phase === "connect" ? ` (through the proxy ${proxy.host})` : ""}`, "ETIMEDOUT"));
    }, remaining);

    if (!proxy) {
      const options = {
        method: req.method,
        headers,
        agent: false as const,
        ...(req.socketPath ? { socketPath: req.socketPath } : {}),
        ...(https ? tlsOptions : {}),
      };
      send((https ? httpsRequest : httpRequest)(req.url, options, onResponse), https ? "secureConnect" : "connect");
      return;
    }
    const proxyHeaders = proxyAuthorization(proxy);
    const hasCredentials = Object.keys(headers).some((k) => k.toLowerCase() === "authorization");
    if (!https && !hasCredentials) {
      // Absolute form: the proxy forwards the request; it carries no credentials of the mirror.
      const r = httpRequest(
        {
          host: proxy.hostname.replace(/^\[|\]$/g, ""),
          port: proxy.port || 80,
          method: req.method,
          path: req.url.href,
          headers: { ...headers, Host: req.url.host, ...proxyHeaders },
          agent: false,
        },
        onResponse,
      );
      r.on("error", (err) => {
        if (phase === "connect") fail(proxyError(err, proxy));
      });
      send(r, "connect");
      return;
    }
    // CONNECT tunnel: the proxy is asked for `host:port` only; everything else is inside it.
    const target = `${req.url.hostname}:${req.url.port || (https ? 443 : 80)}`;
    tunnelReq = httpRequest({
      host: proxy.hostname.replace(/^\[|\]$/g, ""),
      port: proxy.port || 80,
      method: "CONNECT",
      path: target,
      headers: { Host: target, ...proxyHeaders },
      agent: false,
    });
    const tunnelRefused = (status: number) =>
      fail(new HttpError(`the proxy ${proxy.host} refused the tunnel to ${req.url.host} (${status}); check HTTPS_PROXY/HTTP_PROXY and NO_PROXY`, "EPROXY"));
    tunnelReq.on("response", (res: IncomingMessage) => {
      res.resume();
      tunnelRefused(res.statusCode ?? 0);
    });
    tunnelReq.on("connect", (res: IncomingMessage, socket: Socket) => {
      if (settled) return void socket.destroy();
      if (res.statusCode !== 200) {
        socket.destroy();
        return tunnelRefused(res.statusCode ?? 0);
      }
      // No `agent`: node uses `createConnection` only without one.
      const options = {
        method: req.method,
        headers,
        createConnection: () => (https ? tlsConnect({ socket, ...tlsOptions }) : socket),
      };
      send((https ? httpsRequest : httpRequest)(req.url, options, onResponse), https ? "secureConnect" : undefined);
    });
    tunnelReq.on("error", (err) => fail(proxyError(err, proxy)));
    tunnelReq.end();
  });

/** `Proxy-Authorization` from the proxy URL's own user info (never the mirror's credentials). */
function proxyAuthorization(proxy: URL): Record<string, string> {
  if (!proxy.username) return {};
  const user = decodeURIComponent(proxy.username);
  const pass = decodeURIComponent(proxy.password);
  return { "Proxy-Authorization": `Basic ${Buffer.from(`${user}:${pass}`).toString("base64")}` };
}

function proxyError(err: Error, proxy: URL): HttpError {
  const code = (err as NodeJS.ErrnoException).code ?? "";
  // Named by host:port only: the proxy URL's user info is a secret.
  const inner = describeError(err, "connect", { url: new URL(`http://${proxy.host}`) });
  return new HttpError(`cannot go through the proxy ${proxy.host}: ${inner.message}`, code || inner.code);
}

/** Proxy settings from the environment, curl's way (lower-case names first). */
export interface ProxyEnv {
  http?: string;
  https?: string;
  noProxy?: string;
}

export function proxyEnv(env: Record<string, string | undefined>): ProxyEnv {
  const pick = (...names: string[]) => {
    for (const n of names) if (env[n] !== undefined && env[n] !== "") return env[n];
    return undefined;
  };
  const all = pick("all_proxy", "ALL_PROXY");
  return {
    http: pick("http_proxy", "HTTP_PROXY") ?? all,
    https: pick("https_proxy", "HTTPS_PROXY") ?? all,
    noProxy: pick("no_proxy", "NO_PROXY"),
  };
}

/**
 * Whether `NO_PROXY` exempts `url` (curl's rules): `*` exempts everything; an entry matches the
 * host itself and every name under it (`example.com` and `.example.com` both match
 * `a.example.com`); `host:port` only on that port; IP addresses exactly, or by CIDR.
 */
export function bypassesProxy(url: URL, noProxy: string | undefined): boolean {
  if (!noProxy) return false;
  const host = url.hostname
    .replace(/^\[|\]$/g, "")
    .toLowerCase()
    .replace(/\.$/, "");
  const port = Number(url.port || (url.protocol === "https:" ? 443 : 80));
  for (const raw of noProxy.split(/[\s,]+/)) {
    let entry = raw.trim().toLowerCase();
    if (!entry) continue;
    if (entry === "*") return true;
    let entryPort: number | undefined;
    const v6 = /^\[([^\]]+)\](?::(\d+))?$/.exec(entry);
    if (v6) {
      entry = v6[1]!;
      entryPort = v6[2] ? Number(v6[2]) : undefined;
    } else {
      const m = /^([^:]+):(\d+)$/.exec(entry);
      if (m) {
        entry = m[1]!;
        entryPort = Number(m[2]);
      }
    }
    if (entryPort !== undefined && entryPort !== port) continue;
    if (entry.includes("/")) {
      if (inCidr(host, entry)) return true;
      continue;
    }
    entry = entry.replace(/^\*?\./, "").replace(/\.$/, "");
    if (!entry) continue;
    if (host === entry || (!isIpLiteral(entry) && host.endsWith(`.${entry}`))) return true;
  }
  return false;
}

function inCidr(host: string, cidr: string): boolean {
  const [base = "", bitsText = ""] = cidr.split("/");
  const a = ipBytes(host);
  const b = ipBytes(base);
  const bits = Number(bitsText);
  if (!a || !b || a.length !== b.length || !/^\d+$/.test(bitsText) || bits > a.length * 8) return false;
  for (let i = 0; i < bits; i++) {
    const mask = 0x80 >> (i % 8);
    if ((a[i >> 3]! & mask) !== (b[i >> 3]! & mask)) return false;
  }
  return true;
}

function ipBytes(ip: string): number[] | undefined {
  if (/^\d{1,3}(\.\d{1,3}){3}$/.test(ip)) {
    const parts = ip.split(".").map(Number);
    return parts.every((n) => n <= 255) ? parts : undefined;
  }
  if (!ip.includes(":")) return undefined;
  try {
    const h = new URL(`http://[${ip}]/`).hostname.slice(1, -1);
    const [head = "", tail = ""] = h.split("::");
    const groups = (x: string) => (x ? x.split(":") : []);
    const hs = groups(head);
    const ts = groups(tail);
    const all = h.includes("::") ? [...hs, ...Array(8 - hs.length - ts.length).fill("0"), ...ts] : hs;
    if (all.length !== 8) return undefined;
    return all.flatMap((g) => {
      const n = parseInt(g, 16);
      return [n >> 8, n & 255];
    });
  } catch {
    return undefined;
  }
}

/** localhost and loopback addresses never go through a proxy (as in Go's net/http, which werf, dockerd and containerd use). */
function isLoopback(url: URL): boolean {
  const host = url.hostname.replace(/^\[|\]$/g, "").toLowerCase();
  return host === "localhost" || host.endsWith(".localhost") || inCidr(host, "127.0.0.0/8") || inCidr(host, "::1/128");
}

/** The proxy for `url` under these settings, or undefined to go direct. */
export function proxyFor(url: URL, settings: ProxyEnv): URL | undefined {
  const raw = url.protocol === "https:" ? settings.https : settings.http;
  if (!raw || isLoopback(url) || bypassesProxy(url, settings.noProxy)) return undefined;
  let proxy: URL;
  try {
    proxy = new URL(/^[a-z][a-z0-9+.-]*:\/\//i.test(raw) ? raw : `http://${raw}`);
  } catch {
    throw new HttpError("the proxy in HTTPS_PROXY/HTTP_PROXY is not a URL; write http://host:port", "EPROXY");
  }
  if (proxy.protocol !== "http:") {
    throw new HttpError(
      `only http:// proxies are supported (HTTPS_PROXY/HTTP_PROXY names a ${proxy.protocol.replace(/:$/, "")}:// proxy); unset it or add the mirror to NO_PROXY`,
      "EPROXY",
    );
  }
  return proxy;
}

/** The default transport with the environment's proxies: what `preflight` uses. */
export function envTransport(env: Record<string, string | undefined>, base: Transport = nodeTransport): Transport {
  const settings = proxyEnv(env);
  if (!settings.http && !settings.https) return base;
  return async (req, now) => {
    if (req.socketPath) return base(req, now);
    return base({ ...req, proxy: proxyFor(req.url, settings) }, now);
  };
}

function isIpLiteral(host: string): boolean {
  return /^[\d.]+$/.test(host) || host.includes(":") || host.startsWith("[");
}

const TLS_TRUST_CODES = new Set([
  "UNABLE_TO_VERIFY_LEAF_SIGNATURE",
  "UNABLE_TO_GET_ISSUER_CERT",
  "UNABLE_TO_GET_ISSUER_CERT_LOCALLY",
  "SELF_SIGNED_CERT_IN_CHAIN",
  "DEPTH_ZERO_SELF_SIGNED_CERT",
  "CERT_UNTRUSTED",
]);

/** Turns a socket/TLS error into a reason that says what to do. */
export function describeError(err: Error, phase: string, req: Pick<HttpRequest, "url">): HttpError {
  const code = (err as NodeJS.ErrnoException).code ?? "";
  const host = req.url.host;
  if (err instanceof HttpError) return err;
  if (code === "ECONNREFUSED") return new HttpError(`connection refused by ${host} (nothing listens on that port)`, code);
  if (code === "ENOTFOUND" || code === "EAI_AGAIN") return new HttpError(`host ${req.url.hostname} not found (DNS)`, code);
  if (code === "EHOSTUNREACH" || code === "ENETUNREACH") return new HttpError(`${host} is not reachable from here (${code})`, code);
  if (code === "ECONNRESET" || code === "EPIPE") {
    return new HttpError(`${host} closed the connection ${phase === "connect" ? "during the handshake" : "before answering"}`, code);
  }
  if (TLS_TRUST_CODES.has(code)) {
    return new HttpError(
      `TLS certificate of ${host} is not trusted (${code}); set the mirror's \`ca:\` to its CA file, or \`insecure: true\` to skip verification`,
      code,
    );
  }
  if (code === "CERT_HAS_EXPIRED" || code === "CERT_NOT_YET_VALID") {
    return new HttpError(`TLS certificate of ${host} is outside its validity period (${code})`, code);
  }
  if (code === "ERR_TLS_CERT_ALTNAME_INVALID") {
    return new HttpError(`TLS certificate of ${host} does not name ${req.url.hostname} (${code})`, code);
  }
  if (code === "EPROTO" || code.startsWith("ERR_SSL") || /wrong version number|SSL/i.test(err.message)) {
    return new HttpError(`TLS handshake with ${host} failed (does it speak https? try http://)`, code || "EPROTO");
  }
  if (code === "HPE_HEADER_OVERFLOW") {
    // Node's parser stops at --max-http-header-size (16 KiB by default): the server spoke HTTP.
    return new HttpError(`${host} sent response headers too large (over ${Math.floor(maxHeaderSize / 1024)} KiB)`, code);
  }
  if (code === "HPE_INVALID_CONSTANT" || code.startsWith("HPE_")) {
    return new HttpError(`${host} did not answer with HTTP (does it speak TLS? try https://)`, code);
  }
  // Node's own words, which may quote what the server sent: one line, controls shown as text.
  return new HttpError(printable(`${code ? `${code}: ` : ""}${err.message.split("\n")[0]?.slice(0, 200)}`), code || "EUNKNOWN");
}
