/**
 * A real distribution registry (Debian's `docker-registry`, distribution 2.8)
 * on 127.0.0.1: plain, or a pull-through cache of another local registry,
 * optionally with TLS from a private CA and/or htpasswd basic auth, or with
 * token authentication against a token realm (see token-server.ts).
 *
 * No outside traffic: no notifications endpoints, no redis, no bugsnag /
 * newrelic reporting, no debug server, and a proxy `remoteurl` is only ever a
 * 127.0.0.1 registry the test started.
 */
import { randomBytes } from "node:crypto";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { request as httpRequest } from "node:http";
import { request as httpsRequest } from "node:https";
import { join } from "node:path";
import { findTool, freePort, isolatedEnv, makeTempDir, removeTempDir, requireTools, runOk, startDaemon, waitFor, type Daemon, type NetNs } from "./tools.js";

// ---------------------------------------------------------------------------
// Private CA and server certificates (openssl)
// ---------------------------------------------------------------------------

export interface CA {
  dir: string;
  /** PEM CA certificate; what consumers must trust. */
  cert: string;
  key: string;
  /**
   * A directory holding only `ca.crt`: the layout containers/image consumers
   * (skopeo --cert-dir, podman --cert-dir, buildah --cert-dir) expect.
   */
  certDir: string;
}

export async function createCA(dir: string = makeTempDir("ca")): Promise<CA> {
  const { tools, missing } = requireTools(["openssl"] as const);
  if (!tools) throw new Error(missing);
  mkdirSync(dir, { recursive: true });
  const cert = join(dir, "ca.crt");
  const key = join(dir, "ca.key");
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
      key,
      "-out",
      cert,
      "-days",
      "2",
      "-subj",
      "/CN=werf-mirror e2e test CA",
      "-addext",
      "basicConstraints=critical,CA:TRUE",
      "-addext",
      "keyUsage=critical,keyCertSign,cRLSign",
    ],
    { timeoutMs: 20_000 },
  );
  const certDir = join(dir, "certs.d");
  mkdirSync(certDir, { recursive: true });
  writeFileSync(join(certDir, "ca.crt"), readFileSync(cert));
  return { dir, cert, key, certDir };
}

export interface ServerCert {
  cert: string;
  key: string;
}

/** A server certificate for 127.0.0.1 / localhost (plus `extraNames`) signed by `ca`. */
export async function issueServerCert(ca: CA, dir: string, extraNames: readonly string[] = []): Promise<ServerCert> {
  const { tools, missing } = requireTools(["openssl"] as const);
  if (!tools) throw new Error(missing);
  mkdirSync(dir, { recursive: true });
  const key = join(dir, "server.key");
  const csr = join(dir, "server.csr");
  const cert = join(dir, "server.crt");
  const ext = join(dir, "server.ext");
  const sans = ["IP:127.0.0.1", "DNS:localhost", ...extraNames.map((n) => (/^[\d.]+$/.test(n) ? `IP:${n}` : `DNS:${n}`))];
  writeFileSync(
    ext,
    [
      `subjectAltName=${sans.join(",")}`,
      "basicConstraints=CA:FALSE",
      "keyUsage=critical,digitalSignature,keyEncipherment",
      "extendedKeyUsage=serverAuth",
      "",
    ].join("\n"),
  );
  await runOk(
    tools.openssl,
    ["req", "-new", "-nodes", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-keyout", key, "-out", csr, "-subj", "/CN=127.0.0.1"],
    { timeoutMs: 20_000 },
  );
  await runOk(tools.openssl, ["x509", "-req", "-in", csr, "-CA", ca.cert, "-CAkey", ca.key, "-CAcreateserial", "-out", cert, "-days", "2", "-extfile", ext], {
    timeoutMs: 20_000,
  });
  return { cert, key };
}

// ---------------------------------------------------------------------------
// htpasswd (bcrypt) without apache2-utils
// ---------------------------------------------------------------------------

/**
 * distribution's htpasswd backend only accepts bcrypt. Node has no bcrypt, so
 * use `htpasswd -B` when apache2-utils is there, else perl's crypt(3) (perl-base
 * is Essential on Debian; libxcrypt does `$2b$`).
 */
export async function bcryptHash(password: string): Promise<string> {
  const htpasswd = findTool("htpasswd");
  if (htpasswd) {
    const r = await runOk(htpasswd, ["-nbB", "-C", "5", "u", password], { timeoutMs: 20_000 });
    return r.stdout.trim().split(":").slice(1).join(":");
  }
  const perl = findTool("perl");
  if (!perl) throw new Error("need htpasswd (apache2-utils) or perl to make a bcrypt hash");
  const alphabet = "./ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
  const salt = [...randomBytes(22)].map((b) => alphabet[b % 64]).join("");
  const r = await runOk(perl, ["-e", "print crypt($ARGV[0], $ARGV[1])", password, `$2b$05$${salt}`], { timeoutMs: 20_000 });
  const hash = r.stdout.trim();
  if (!hash.startsWith("$2b$")) throw new Error(`perl crypt() did not produce a bcrypt hash: ${hash}`);
  return hash;
}

// ---------------------------------------------------------------------------
// The registry
// ---------------------------------------------------------------------------

export interface RegistryOptions {
  /** Label used in temp dir names and messages. */
  name?: string;
  /** Make this a pull-through cache of `remoteUrl` (another local registry, e.g. `http://127.0.0.1:5000`). */
  proxy?: { remoteUrl: string; username?: string; password?: string };
  /** Serve HTTPS with a cert for 127.0.0.1 signed by `ca` (a new CA when `true`). */
  tls?: boolean | { ca: CA };
  /** htpasswd basic auth with this one user. */
  auth?: { username: string; password: string };
  /**
   * Token authentication (distribution's `auth: token:`): clients are sent to
   * `realm` for a JWT whose `iss` is `issuer`, `aud` is `service`, and whose
   * signing certificate (header `x5c`) chains to a cert in `rootCertBundle`
   * (a PEM file). Exclusive with `auth`. The realm must be loopback.
   */
  tokenAuth?: TokenAuthOptions;
  /** Start inside this network namespace (then only things in it can reach the registry). */
  netns?: NetNs;
  /**
   * Also listen on [::1] (`http.addr: ":PORT"`, every address of the namespace, which has only
   * `lo`), for IPv6 mirrors; `hostPort`/`url` stay 127.0.0.1 (skopeo 1.9 cannot push to an IPv6
   * reference). Needs `netns`: on the host it would listen on every interface.
   */
  ipv6?: boolean;
  /** Fixed port; default a free one. */
  port?: number;
  /** Readiness timeout; default 10 s. */
  readyTimeoutMs?: number;
}

export interface TokenAuthOptions {
  realm: string;
  service: string;
  issuer: string;
  /** PEM file with the certificate(s) token signatures must chain to. */
  rootCertBundle: string;
}

export interface HttpResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
}

export interface Registry {
  /** http://127.0.0.1:PORT or https://127.0.0.1:PORT */
  url: string;
  /** 127.0.0.1:PORT, as used in image references and mirror configs. */
  hostPort: string;
  /** http(s)://[::1]:PORT with `ipv6`, else null. */
  ipv6Url: string | null;
  port: number;
  /** Temp dir: config.yml, data/, registry.log, certs. Removed by stop(). */
  dir: string;
  pid: number;
  logFile: string;
  configFile: string;
  tls: { ca: CA; cert: ServerCert } | null;
  auth: { username: string; password: string; htpasswdFile: string } | null;
  tokenAuth: TokenAuthOptions | null;
  netns: NetNs | null;
  daemon: Daemon;
  /** GET a path (e.g. `/v2/_catalog`) from the registry, with auth and CA as configured. */
  get(path: string, headers?: Record<string, string>): Promise<HttpResponse>;
  /** The registry's log (text formatter + access log) so far. */
  log(): string;
  /**
   * Access-log lines whose request line contains `needle`, e.g.
   * `hits('GET /v2/library/alpine/manifests/3.19')`.
   */
  hits(needle: string): string[];
  stop(): Promise<void>;
}

function registryConfigYaml(o: {
  dataDir: string;
  addr: string;
  secret: string;
  tls: ServerCert | null;
  htpasswdFile: string | null;
  tokenAuth?: TokenAuthOptions | null;
  proxy: RegistryOptions["proxy"] | null;
}): string {
  const q = (s: string) => JSON.stringify(s); // JSON strings are valid YAML scalars
  const lines = [
    "version: 0.1",
    "log:",
    "  level: info",
    "  formatter: text",
    "  accesslog:",
    "    disabled: false",
    "  fields:",
    "    service: werf-mirror-e2e-registry",
    // No `reporting:` (bugsnag/newrelic), no `notifications:`, no `redis:`:
    // none of them is enabled unless configured, and we configure none.
    "storage:",
    "  filesystem:",
    `    rootdirectory: ${q(o.dataDir)}`,
    "  cache:",
    "    blobdescriptor: inmemory",
    "  delete:",
    "    enabled: true",
    "  maintenance:",
    "    uploadpurging:",
    "      enabled: false",
    "    readonly:",
    "      enabled: false",
    "http:",
    `  addr: ${q(o.addr)}`,
    `  secret: ${q(o.secret)}`,
    "  headers:",
    "    X-Content-Type-Options: [nosniff]",
  ];
  if (o.tls) {
    lines.push("  tls:", `    certificate: ${q(o.tls.cert)}`, `    key: ${q(o.tls.key)}`);
  }
  lines.push("health:", "  storagedriver:", "    enabled: false");
  if (o.htpasswdFile) {
    lines.push("auth:", "  htpasswd:", "    realm: werf-mirror-e2e", `    path: ${q(o.htpasswdFile)}`);
  }
  if (o.tokenAuth) {
    if (o.htpasswdFile) throw new Error("a registry takes one auth method: htpasswd or token, not both");
    const realm = new URL(o.tokenAuth.realm);
    if (!isLoopbackHost(realm.hostname)) throw new Error(`refusing a token realm that is not loopback: ${o.tokenAuth.realm}`);
    // registry/auth/token (distribution 2.8): all four are required strings.
    lines.push(
      "auth:",
      "  token:",
      `    realm: ${q(o.tokenAuth.realm)}`,
      `    service: ${q(o.tokenAuth.service)}`,
      `    issuer: ${q(o.tokenAuth.issuer)}`,
      `    rootcertbundle: ${q(o.tokenAuth.rootCertBundle)}`,
    );
  }
  if (o.proxy) {
    const u = new URL(o.proxy.remoteUrl);
    if (!isLoopbackHost(u.hostname)) {
      throw new Error(`refusing a pull-through remoteurl that is not loopback: ${o.proxy.remoteUrl}`);
    }
    lines.push("proxy:", `  remoteurl: ${q(o.proxy.remoteUrl)}`);
    if (o.proxy.username !== undefined) lines.push(`  username: ${q(o.proxy.username)}`);
    if (o.proxy.password !== undefined) lines.push(`  password: ${q(o.proxy.password)}`);
  }
  return `${lines.join("\n")}\n`;
}

export function isLoopbackHost(h: string): boolean {
  return h === "localhost" || /^127\.\d+\.\d+\.\d+$/.test(h) || h === "[::1]" || h === "::1";
}

/** Start a registry and wait until `GET /v2/` answers (200, or 401 with auth or token auth). */
export async function startRegistry(opts: RegistryOptions = {}): Promise<Registry> {
  const need = requireTools(opts.netns ? (["docker-registry", "curl"] as const) : (["docker-registry"] as const));
  if (!need.tools) throw new Error(need.missing);
  const bin = need.tools["docker-registry"];
  if (opts.ipv6 && !opts.netns) throw new Error("startRegistry: ipv6 listens on every address, so it needs a private netns");
  const name = opts.name ?? (opts.proxy ? "cache" : "registry");
  const dir = makeTempDir(`reg-${name}`);
  try {
    const dataDir = join(dir, "data");
    mkdirSync(dataDir, { recursive: true });

    let tls: Registry["tls"] = null;
    if (opts.tls) {
      const ca = opts.tls === true ? await createCA(join(dir, "ca")) : opts.tls.ca;
      tls = { ca, cert: await issueServerCert(ca, join(dir, "tls")) };
    }
    let auth: Registry["auth"] = null;
    if (opts.auth) {
      const htpasswdFile = join(dir, "htpasswd");
      writeFileSync(htpasswdFile, `${opts.auth.username}:${await bcryptHash(opts.auth.password)}\n`);
      auth = { ...opts.auth, htpasswdFile };
    }

    // The port is free "a moment ago": retry a couple of times on a bind race.
    let lastErr: unknown = null;
    for (let attempt = 0; attempt < 3; attempt++) {
      const port = opts.port ?? (await freePort());
      const hostPort = `127.0.0.1:${port}`;
      const url = `${tls ? "https" : "http"}://${hostPort}`;
      const configFile = join(dir, "config.yml");
      writeFileSync(
        configFile,
        registryConfigYaml({
          dataDir,
          addr: opts.ipv6 ? `:${port}` : hostPort,
          secret: randomBytes(16).toString("hex"),
          tls: tls?.cert ?? null,
          htpasswdFile: auth?.htpasswdFile ?? null,
          tokenAuth: opts.tokenAuth ?? null,
          proxy: opts.proxy ?? null,
        }),
      );
      const logFile = join(dir, `registry-${attempt}.log`);
      const [cmd, args] = opts.netns ? opts.netns.wrap(bin, ["serve", configFile]) : [bin, ["serve", configFile]];
      // Empty env: no REGISTRY_* overrides from the environment can sneak in.
      const daemon = startDaemon(`registry ${name}`, cmd, args, { logFile, env: isolatedEnv(dir) });

      const get = (path: string, headers: Record<string, string> = {}) =>
        opts.netns ? curlGet(opts.netns, url + path, headers, tls?.ca.cert ?? null, auth) : nodeGet(url + path, headers, tls?.ca.cert ?? null, auth);

      try {
        await waitFor(
          `registry ${name} on ${url}`,
          async () => {
            const r = await get("/v2/");
            return r.status === 200 || ((auth !== null || opts.tokenAuth !== undefined) && r.status === 401);
          },
          { daemon, timeoutMs: opts.readyTimeoutMs ?? 10_000, intervalMs: 100 },
        );
      } catch (err) {
        await daemon.stop(2_000);
        lastErr = err;
        if (opts.port === undefined && /address already in use/.test(daemon.log())) continue;
        throw err;
      }

      const log = () => daemon.log();
      const registry: Registry = {
        url,
        hostPort,
        ipv6Url: opts.ipv6 ? `${tls ? "https" : "http"}://[::1]:${port}` : null,
        port,
        dir,
        pid: daemon.pid,
        logFile,
        configFile,
        tls,
        auth,
        tokenAuth: opts.tokenAuth ?? null,
        netns: opts.netns ?? null,
        daemon,
        get,
        log,
        hits: (needle) =>
          log()
            .split("\n")
            .filter((l) => /" \d{3} /.test(l) && l.includes(needle)),
        stop: async () => {
          await daemon.stop(5_000);
          removeTempDir(dir);
        },
      };
      return registry;
    }
    throw lastErr instanceof Error ? lastErr : new Error(String(lastErr));
  } catch (err) {
    removeTempDir(dir);
    throw err;
  }
}

function basicAuth(auth: { username: string; password: string } | null): Record<string, string> {
  return auth ? { Authorization: `Basic ${Buffer.from(`${auth.username}:${auth.password}`).toString("base64")}` } : {};
}

function nodeGet(
  url: string,
  headers: Record<string, string>,
  caFile: string | null,
  auth: { username: string; password: string } | null,
): Promise<HttpResponse> {
  return new Promise((resolve, reject) => {
    const u = new URL(url);
    if (!isLoopbackHost(u.hostname)) {
      reject(new Error(`refusing non-loopback request: ${url}`));
      return;
    }
    const reqFn = u.protocol === "https:" ? httpsRequest : httpRequest;
    const req = reqFn(
      u,
      {
        method: "GET",
        headers: { ...basicAuth(auth), ...headers },
        timeout: 2_000,
        ...(u.protocol === "https:" && caFile ? { ca: readFileSync(caFile) } : {}),
        agent: false,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () => {
          const hs: Record<string, string> = {};
          for (const [k, v] of Object.entries(res.headers)) if (v !== undefined) hs[k] = Array.isArray(v) ? v.join(", ") : v;
          resolve({ status: res.statusCode ?? 0, headers: hs, body: Buffer.concat(chunks).toString("utf8") });
        });
        res.on("error", reject);
      },
    );
    req.on("timeout", () => req.destroy(new Error("timeout")));
    req.on("error", reject);
    req.end();
  });
}

async function curlGet(
  ns: NetNs,
  url: string,
  headers: Record<string, string>,
  caFile: string | null,
  auth: { username: string; password: string } | null,
): Promise<HttpResponse> {
  // Headers and body both on stdout (`-D -`): curl 7.88 segfaults on `-D /dev/stderr`
  // when stderr is a socket, as Node's stdio pipes are.
  const args = ["-gsS", "--max-time", "2", "--noproxy", "*", "-D", "-", "-o", "-", "-w", "\n%{http_code}"];
  if (caFile) args.push("--cacert", caFile);
  for (const [k, v] of Object.entries({ ...basicAuth(auth), ...headers })) args.push("-H", `${k}: ${v}`);
  args.push(url);
  const r = await ns.run("curl", args, { timeoutMs: 5_000 });
  if (r.code !== 0) throw new Error(`curl in netns failed (${r.code ?? r.signal}): ${r.stderr.trim()}`);
  const nl = r.stdout.lastIndexOf("\n");
  const status = Number(r.stdout.slice(nl + 1));
  const all = r.stdout.slice(0, nl);
  const sep = all.indexOf("\r\n\r\n");
  const head = sep >= 0 ? all.slice(0, sep) : all;
  const hs: Record<string, string> = {};
  for (const line of head.split(/\r?\n/)) {
    const m = /^([^:\s]+):\s*(.*)$/.exec(line);
    if (m && m[1] && m[2] !== undefined) hs[m[1].toLowerCase()] = m[2];
  }
  return { status, headers: hs, body: sep >= 0 ? all.slice(sep + 4) : "" };
}
