/**
 * A private dockerd that cannot leave the machine.
 *
 * It runs inside a network namespace that only has `lo` (see startNetNs), so a
 * fallback to registry-1.docker.io fails at once ("network is unreachable")
 * instead of going out. Inside that namespace 127.0.0.1 is NOT the host's
 * loopback: start the registries dockerd should reach with `netns:
 * dockerd.netns` (startRegistry/pushImage take that option). The test process
 * talks to dockerd through its unix socket, which works across namespaces.
 *
 * It also runs in a private mount namespace with a temp dir bind-mounted over
 * /etc/docker (so dockerd's key.json and certs.d/ live in the temp dir and the
 * host's /etc/docker is neither read nor written) and empty tmpfs over /run and
 * /opt (see MOUNT_SCRIPT). `certsD` fills /etc/docker/certs.d/<host:port>/ca.crt
 * there for TLS mirrors.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { request } from "node:http";
import { join } from "node:path";
import {
  isolatedEnv,
  makeTempDir,
  removeTempDir,
  requireTools,
  run,
  startDaemon,
  startNetNs,
  waitFor,
  type Daemon,
  type NetNs,
  type RunResult,
} from "./tools.js";

export interface DockerdOptions {
  /** The daemon.json under test, passed as --config-file unchanged. */
  configFile?: string;
  /** Network namespace to run in; by default a new one owned (and stopped) by this dockerd. */
  netns?: NetNs;
  /** Default 'vfs' (works on any filesystem, no mounts); omitted if daemon.json sets storage-driver. */
  storageDriver?: string;
  /** host:port -> CA cert file, placed at /etc/docker/certs.d/<host:port>/ca.crt in dockerd's mount namespace. */
  certsD?: Record<string, string>;
  readyTimeoutMs?: number;
}

export interface DockerPullResult extends RunResult {
  ok: boolean;
}

export interface Dockerd {
  dir: string;
  socket: string;
  /** unix:///.../docker.sock, for DOCKER_HOST / -H. */
  host: string;
  pid: number;
  logFile: string;
  netns: NetNs;
  daemon: Daemon;
  /** GET a Docker Engine API path over the unix socket; parses JSON. */
  api<T = unknown>(path: string): Promise<{ status: number; body: T }>;
  /** GET /info (RegistryConfig.Mirrors, IndexConfigs, InsecureRegistryCIDRs, Driver, ...). */
  info(): Promise<DockerInfo>;
  /** `docker pull REF` with the docker CLI against this daemon's socket. Never throws for a failed pull. */
  dockerPull(ref: string, opts?: { timeoutMs?: number }): Promise<DockerPullResult>;
  /** Any docker CLI command against this daemon. */
  docker(args: readonly string[], opts?: { timeoutMs?: number }): Promise<RunResult>;
  /** RepoDigests of a local image (e.g. `docker.io/library/alpine@sha256:...`). */
  repoDigests(ref: string): Promise<string[]>;
  log(): string;
  stop(): Promise<void>;
}

/** The parts of GET /info the tests look at. */
export interface DockerInfo {
  Driver?: string;
  ServerVersion?: string;
  RegistryConfig?: {
    Mirrors?: string[] | null;
    InsecureRegistryCIDRs?: string[] | null;
    IndexConfigs?: Record<string, { Name: string; Mirrors: string[] | null; Secure: boolean; Official: boolean }>;
  };
  [k: string]: unknown;
}

/**
 * Runs in dockerd's private mount namespace, then execs dockerd ("$@"):
 * - a temp dir over /etc/docker: key.json and certs.d/ stay in the temp dir;
 * - a tmpfs over /run: dockerd creates /run/docker/plugins, and it would use a
 *   system containerd at /run/containerd/containerd.sock if one were running;
 *   with /run empty it always starts its own containerd under --exec-root;
 * - a tmpfs over /opt: that containerd child creates /opt/containerd.
 */
const MOUNT_SCRIPT = [
  "set -e",
  'mount --bind "$1" /etc/docker',
  "mount -t tmpfs -o mode=0755,size=16m wm-e2e-run /run",
  "mount -t tmpfs -o mode=0755,size=16m wm-e2e-opt /opt",
  "shift",
  'exec "$@"',
].join("\n");

/** Keys the harness sets as flags; dockerd refuses a key that is both a flag and in daemon.json. */
const FLAG_KEYS = ["data-root", "graph", "exec-root", "pidfile", "hosts", "iptables", "ip6tables", "bridge", "ip-forward", "ip-masq"];

export async function startDockerd(opts: DockerdOptions = {}): Promise<Dockerd> {
  const need = requireTools(["dockerd", "docker", "unshare", "nsenter", "ip"] as const);
  if (!need.tools) throw new Error(need.missing);
  const { dockerd, docker, unshare } = need.tools;

  let fileKeys: string[] = [];
  if (opts.configFile) {
    const parsed = JSON.parse(readFileSync(opts.configFile, "utf8")) as unknown;
    if (parsed && typeof parsed === "object" && !Array.isArray(parsed)) fileKeys = Object.keys(parsed);
    const clash = fileKeys.filter((k) => FLAG_KEYS.includes(k));
    if (clash.length) {
      throw new Error(`daemon.json sets ${clash.join(", ")}, which the harness sets as flags (dockerd would refuse to start)`);
    }
  }

  const dir = makeTempDir("dockerd");
  const ownNetns = !opts.netns;
  let netns: NetNs | null = opts.netns ?? null;
  try {
    if (!netns) netns = await startNetNs(dir);
    const etcDocker = join(dir, "etc-docker");
    mkdirSync(etcDocker, { recursive: true });
    for (const [hostPort, ca] of Object.entries(opts.certsD ?? {})) {
      const d = join(etcDocker, "certs.d", hostPort);
      mkdirSync(d, { recursive: true });
      writeFileSync(join(d, "ca.crt"), readFileSync(ca));
    }
    // The bind-mount target must exist; docker.io / docker-registry packages create it.
    if (!existsSync("/etc/docker")) mkdirSync("/etc/docker", { recursive: true });

    const socket = join(dir, "docker.sock");
    const host = `unix://${socket}`;
    const args = [
      "--data-root",
      join(dir, "data"),
      "--exec-root",
      join(dir, "exec"),
      "--pidfile",
      join(dir, "docker.pid"),
      "-H",
      host,
      "--iptables=false",
      "--ip6tables=false",
      "--ip-forward=false",
      "--ip-masq=false",
      "--bridge=none",
      "--log-level",
      "debug",
    ];
    if (!fileKeys.includes("storage-driver")) args.push("--storage-driver", opts.storageDriver ?? "vfs");
    // Without --config-file dockerd reads /etc/docker/daemon.json, which is our empty temp dir here.
    if (opts.configFile) args.push("--config-file", opts.configFile);

    // nsenter(net) -> unshare(mount) -> sh (bind /etc/docker) -> exec dockerd: one pid all the way.
    const inner = [unshare, "--mount", "--propagation", "private", "--", "sh", "-c", MOUNT_SCRIPT, "sh", etcDocker, dockerd, ...args];
    const [cmd, wrapped] = netns.wrap(inner[0]!, inner.slice(1));
    const logFile = join(dir, "dockerd.log");
    const daemon = startDaemon("dockerd", cmd, wrapped, { logFile, env: isolatedEnv(dir) });

    const cliEnv = isolatedEnv(dir, { DOCKER_HOST: host });
    const dockerCli = (a: readonly string[], o: { timeoutMs?: number } = {}) =>
      run(docker, ["-H", host, ...a], { env: cliEnv, timeoutMs: o.timeoutMs ?? 60_000 });
    const api = <T>(path: string) => unixGet<T>(socket, path);

    try {
      await waitFor("dockerd", async () => existsSync(socket) && (await unixGet<string>(socket, "/_ping", false)).status === 200, {
        daemon,
        timeoutMs: opts.readyTimeoutMs ?? 30_000,
        intervalMs: 200,
      });
    } catch (err) {
      await daemon.stop(5_000);
      throw err;
    }

    const ns = netns;
    return {
      dir,
      socket,
      host,
      pid: daemon.pid,
      logFile,
      netns: ns,
      daemon,
      api,
      info: async () => (await api<DockerInfo>("/info")).body,
      dockerPull: async (ref, o = {}) => {
        const r = await dockerCli(["pull", ref], { timeoutMs: o.timeoutMs ?? 60_000 });
        return { ...r, ok: r.code === 0 };
      },
      docker: dockerCli,
      repoDigests: async (ref) => {
        const r = await api<{ RepoDigests?: string[] }>(`/images/${encodeURIComponent(ref)}/json`);
        return r.status === 200 ? (r.body.RepoDigests ?? []) : [];
      },
      log: () => daemon.log(),
      stop: async () => {
        // dockerd stops its own containerd child on SIGTERM.
        await daemon.stop(20_000);
        if (ownNetns) await ns.stop();
        removeTempDir(dir);
      },
    };
  } catch (err) {
    if (ownNetns && netns) await netns.stop();
    removeTempDir(dir);
    throw err;
  }
}

function unixGet<T>(socketPath: string, path: string, json = true): Promise<{ status: number; body: T }> {
  return new Promise((resolve, reject) => {
    const req = request({ socketPath, path, method: "GET", timeout: 5_000, headers: { Host: "docker" } }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () => {
        const text = Buffer.concat(chunks).toString("utf8");
        try {
          resolve({ status: res.statusCode ?? 0, body: (json ? JSON.parse(text) : text) as T });
        } catch (err) {
          reject(new Error(`bad JSON from dockerd ${path}: ${String(err)}: ${text.slice(0, 200)}`));
        }
      });
      res.on("error", reject);
    });
    req.on("timeout", () => req.destroy(new Error("timeout")));
    req.on("error", reject);
    req.end();
  });
}
