// One bounded HTTP exchange over node:http/https. A deadline covers connect, headers and
// body together; the body is read up to a limit; no connection pooling, so a hung socket is
// destroyed with its request. Errors become short reasons a user can act on.
import { request as httpRequest, type IncomingHttpHeaders } from "node:http";
import { request as httpsRequest } from "node:https";

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
    let phase: "connect" | "headers" | "body" = "connect";
    let settled = false;
    const fail = (err: HttpError) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      clientReq.destroy();
      reject(err);
    };
    const options = {
      method: req.method,
      headers: { "User-Agent": "werf-mirror-preflight", ...req.headers },
      agent: false as const,
      ...(req.socketPath ? { socketPath: req.socketPath } : {}),
      ...(https
        ? {
            rejectUnauthorized: req.verifyTls,
            ...(req.ca ? { ca: req.ca } : {}),
            ...(req.cert ? { cert: req.cert } : {}),
            ...(req.key ? { key: req.key } : {}),
            servername: isIpLiteral(req.url.hostname) ? undefined : req.url.hostname,
          }
        : {}),
    };
    const clientReq = (https ? httpsRequest : httpRequest)(req.url, options, (res) => {
      phase = "body";
      const max = req.maxBodyBytes ?? DEFAULT_MAX_BODY;
      const chunks: Buffer[] = [];
      let size = 0;
      let truncated = false;
      const done = () => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        clientReq.destroy();
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
    });
    clientReq.on("socket", (socket) => {
      const connected = () => {
        if (phase === "connect") phase = "headers";
      };
      socket.once(https ? "secureConnect" : "connect", connected);
    });
    clientReq.on("error", (err) => fail(describeError(err, phase, req)));
    const timer = setTimeout(() => {
      const what =
        phase === "connect" ? "connecting" : phase === "headers" ? "waiting for the response headers" : "reading the response body";
      fail(new HttpError(`timed out ${what}`, "ETIMEDOUT"));
    }, remaining);
    clientReq.end();
  });

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
  if (code === "HPE_INVALID_CONSTANT" || code.startsWith("HPE_")) {
    return new HttpError(`${host} did not answer with HTTP (does it speak TLS? try https://)`, code);
  }
  return new HttpError(`${code ? `${code}: ` : ""}${err.message.split("\n")[0]?.slice(0, 200)}`, code || "EUNKNOWN");
}
