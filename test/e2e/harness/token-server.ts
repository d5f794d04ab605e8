/**
 * OUR token realm for registries with token authentication (Docker Registry
 * token auth spec): a small node:http(s) server on 127.0.0.1 that stands in
 * for a separate token service such as docker_auth or Harbor core. It is not
 * the registry: the registry is a real distribution 2.8 started with
 * `startRegistry({ tokenAuth: server.tokenAuth })`.
 *
 *   GET /token?service=SERVICE&scope=repository:NAME:pull[,push] [Authorization: Basic ...]
 *   -> 200 {"token", "access_token", "expires_in", "issued_at"}
 *
 * The token is an ES256 JWT signed with node:crypto by a key whose self-signed
 * certificate (made with `openssl`) is both the header's `x5c` and the
 * registry's `rootcertbundle`. distribution 2.8 (registry/auth/token/token.go)
 * takes the signing key from `x5c` (verified against rootcertbundle) before
 * `jwk` or `kid`; `aud` must be a single string there, not an array.
 *
 * Access: anonymous requests get `pull` on every repository (`anonymous:
 * 'pull'`, a public registry) or nothing (`'none'`: a token with an empty
 * `access`, as docker_auth and Harbor answer, and the registry then says 401
 * insufficient_scope). Named users get the actions listed for them; a wrong
 * password is refused with 401. Requests are recorded without secrets: the
 * account name and what was asked and granted, never the password or token.
 */
import { createHash, createPrivateKey, randomBytes, sign, timingSafeEqual, X509Certificate, type KeyObject } from "node:crypto";
import { mkdirSync, readFileSync } from "node:fs";
import { createServer as createHttpServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { createServer as createHttpsServer } from "node:https";
import type { Socket } from "node:net";
import { join } from "node:path";
import type { ServerCert, TokenAuthOptions } from "./registry.js";
import { makeTempDir, removeTempDir, requireTools, runOk } from "./tools.js";

export type TokenAction = "pull" | "push" | "delete" | "*";

export interface TokenServerOptions {
  /** The registry's `service`; the token's `aud`. */
  service?: string;
  /** The token's `iss`. */
  issuer?: string;
  /** What an anonymous request gets: pull on any repository (default) or nothing. */
  anonymous?: "pull" | "none";
  /** Accounts (Basic credentials on the token request) and what they may do. */
  users?: Record<string, { password: string; actions: readonly TokenAction[] }>;
  /** Serve https with this certificate (e.g. `issueServerCert(ca, dir)`); default http. */
  tls?: ServerCert;
  /** Token lifetime; default 300 s. */
  expiresInSeconds?: number;
  /** Label used in the temp dir name. */
  name?: string;
}

export interface Grant {
  type: string;
  name: string;
  actions: string[];
}

/** One request to the realm, without secrets. */
export interface TokenRequestRecord {
  method: string;
  path: string;
  service: string | null;
  /** Every `scope` parameter, split on spaces, in order. */
  scopes: string[];
  /** The Basic user name, when the request had one (the password is never kept). */
  account: string | null;
  outcome: "anonymous" | "authenticated" | "refused" | "rejected";
  status: number;
  granted: Grant[];
}

export interface TokenServer {
  /** http(s)://127.0.0.1:PORT */
  url: string;
  /** `${url}/token`: the registry's `auth.token.realm`. */
  realm: string;
  port: number;
  service: string;
  issuer: string;
  /** PEM of the token signing certificate: the registry's `auth.token.rootcertbundle`. */
  rootCertBundle: string;
  /** Ready to pass as `startRegistry({ tokenAuth })`. */
  tokenAuth: TokenAuthOptions;
  /** Requests seen so far (no passwords, no tokens). */
  requests: TokenRequestRecord[];
  /**
   * Tokens issued so far, ONLY so tests can assert that they appear in no
   * output. Never print them.
   */
  issuedTokens(): readonly string[];
  /** Sign a token directly (no HTTP, not recorded), e.g. to hit the registry by hand. */
  mint(access: Grant[], subject?: string): string;
  stop(): Promise<void>;
}

const b64url = (b: Buffer | string): string => Buffer.from(b).toString("base64url");

/** A self-signed P-256 certificate and key for signing tokens. */
async function createSigningCert(dir: string): Promise<{ certFile: string; key: KeyObject; x5c: string }> {
  const { tools, missing } = requireTools(["openssl"] as const);
  if (!tools) throw new Error(missing);
  mkdirSync(dir, { recursive: true });
  const certFile = join(dir, "token-signing.crt");
  const keyFile = join(dir, "token-signing.key");
  await runOk(
    tools.openssl,
    [
      "req",
      "-x509",
      "-new",
      "-nodes",
      "-newkey",
      "ec",
      "-pkeyopt",
      "ec_paramgen_curve:prime256v1",
      "-keyout",
      keyFile,
      "-out",
      certFile,
      "-days",
      "2",
      "-subj",
      "/CN=werf-mirror e2e token signer",
      "-addext",
      "keyUsage=critical,digitalSignature",
    ],
    { timeoutMs: 20_000 },
  );
  const key = createPrivateKey(readFileSync(keyFile));
  const x5c = new X509Certificate(readFileSync(certFile)).raw.toString("base64"); // standard base64 DER, as JWS x5c wants
  return { certFile, key, x5c };
}

function parseScope(scope: string): { type: string; name: string; actions: string[] } | null {
  // type[(class)]:name:actions; a name may hold ':' (host:port/...), actions never do.
  const first = scope.indexOf(":");
  const last = scope.lastIndexOf(":");
  if (first <= 0 || last <= first) return null;
  return {
    type: scope.slice(0, first).replace(/\(.*\)$/, ""),
    name: scope.slice(first + 1, last),
    actions: scope
      .slice(last + 1)
      .split(",")
      .filter(Boolean),
  };
}

function sameSecret(a: string, b: string): boolean {
  const h = (s: string) => createHash("sha256").update(s).digest();
  return timingSafeEqual(h(a), h(b));
}

export async function startTokenServer(opts: TokenServerOptions = {}): Promise<TokenServer> {
  const dir = makeTempDir(`token-${opts.name ?? "realm"}`);
  try {
    const signer = await createSigningCert(dir);
    const service = opts.service ?? "werf-mirror-e2e-registry";
    const issuer = opts.issuer ?? "werf-mirror-e2e-token-realm";
    const anonymous = opts.anonymous ?? "pull";
    const users = opts.users ?? {};
    const expiresIn = opts.expiresInSeconds ?? 300;
    const requests: TokenRequestRecord[] = [];
    const issued: string[] = [];

    const mint = (access: Grant[], subject = ""): string => {
      const now = Math.floor(Date.now() / 1000);
      const header = { typ: "JWT", alg: "ES256", x5c: [signer.x5c] };
      const claims = {
        iss: issuer,
        sub: subject,
        aud: service, // a string: distribution 2.8's ClaimSet.Audience is not a list
        exp: now + expiresIn,
        nbf: now - 1,
        iat: now,
        jti: randomBytes(12).toString("hex"),
        access,
      };
      const input = `${b64url(JSON.stringify(header))}.${b64url(JSON.stringify(claims))}`;
      // JWS ES256 wants r||s (64 bytes), not DER.
      const sig = sign("sha256", Buffer.from(input), { key: signer.key, dsaEncoding: "ieee-p1363" });
      return `${input}.${b64url(sig)}`;
    };

    const handle = (req: IncomingMessage, res: ServerResponse): void => {
      const u = new URL(req.url ?? "/", "http://127.0.0.1");
      const record: TokenRequestRecord = {
        method: req.method ?? "",
        path: u.pathname,
        service: u.searchParams.get("service"),
        scopes: u.searchParams.getAll("scope").flatMap((s) => s.split(" ").filter(Boolean)),
        account: null,
        outcome: "rejected",
        status: 0,
        granted: [],
      };
      requests.push(record);
      const reply = (status: number, body: unknown, headers: Record<string, string> = {}) => {
        record.status = status;
        res.writeHead(status, { "Content-Type": "application/json", "Cache-Control": "no-store", ...headers });
        res.end(JSON.stringify(body));
      };
      if (u.pathname !== "/token") {
        reply(404, { errors: [{ code: "NOT_FOUND" }] });
        return;
      }
      // containers/image and preflight use GET; the OAuth2 POST form needs a refresh token we never hand out.
      if (req.method !== "GET") {
        reply(405, { errors: [{ code: "UNSUPPORTED" }] }, { Allow: "GET" });
        return;
      }

      let allowed: readonly string[];
      const authz = req.headers.authorization;
      if (authz) {
        const m = /^Basic\s+(\S+)$/i.exec(authz);
        const decoded = m ? Buffer.from(m[1]!, "base64").toString("utf8") : "";
        const colon = decoded.indexOf(":");
        const user = colon > 0 ? decoded.slice(0, colon) : "";
        const password = colon > 0 ? decoded.slice(colon + 1) : "";
        record.account = user || null;
        const entry = Object.prototype.hasOwnProperty.call(users, user) ? users[user] : undefined;
        // Compare even for an unknown user, so timing does not tell which users exist.
        const ok = sameSecret(password, entry?.password ?? randomBytes(16).toString("hex")) && entry !== undefined;
        if (!ok) {
          record.outcome = "refused";
          reply(
            401,
            { errors: [{ code: "UNAUTHORIZED", message: "authentication failed" }] },
            {
              "WWW-Authenticate": `Basic realm="${issuer}"`,
            },
          );
          return;
        }
        record.outcome = "authenticated";
        allowed = entry.actions;
      } else {
        record.outcome = "anonymous";
        allowed = anonymous === "pull" ? ["pull"] : [];
      }

      const granted: Grant[] = [];
      for (const s of record.scopes) {
        const p = parseScope(s);
        if (!p || p.type !== "repository") continue;
        const actions = p.actions.filter((a) => allowed.includes("*") || allowed.includes(a));
        if (actions.length > 0) granted.push({ type: "repository", name: p.name, actions });
      }
      record.granted = granted;
      const token = mint(granted, record.account ?? "");
      issued.push(token);
      reply(200, { token, access_token: token, expires_in: expiresIn, issued_at: new Date().toISOString() });
    };

    const server: Server = opts.tls
      ? createHttpsServer({ cert: readFileSync(opts.tls.cert), key: readFileSync(opts.tls.key) }, handle)
      : createHttpServer(handle);
    const sockets = new Set<Socket>();
    server.on("connection", (s: Socket) => {
      sockets.add(s);
      s.on("close", () => sockets.delete(s));
    });
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(0, "127.0.0.1", () => resolve());
    });
    const addr = server.address();
    if (!addr || typeof addr === "string") throw new Error("token server: no address");
    const port = addr.port;
    const url = `${opts.tls ? "https" : "http"}://127.0.0.1:${port}`;
    const realm = `${url}/token`;

    let stopping: Promise<void> | null = null;
    return {
      url,
      realm,
      port,
      service,
      issuer,
      rootCertBundle: signer.certFile,
      tokenAuth: { realm, service, issuer, rootCertBundle: signer.certFile },
      requests,
      issuedTokens: () => issued,
      mint,
      stop: () =>
        (stopping ??= new Promise<void>((resolve) => {
          for (const s of sockets) s.destroy();
          server.close(() => {
            removeTempDir(dir);
            resolve();
          });
        })),
    };
  } catch (err) {
    removeTempDir(dir);
    throw err;
  }
}
