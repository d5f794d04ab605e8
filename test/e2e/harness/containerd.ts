/**
 * A private containerd (as root) with its own root, state, socket and log in a
 * temp dir, and `ctr images pull --hosts-dir` to prove hosts.toml files.
 *
 * Where hosts.toml is read: with containerd 1.6 `ctr images pull` resolves and
 * fetches in the *ctr client process* (the daemon only stores content and
 * unpacks), so it is ctr that reads `--hosts-dir`, and a bad hosts.toml shows
 * up on ctr's stderr as `failed to decode hosts.toml` (see CtrPullResult),
 * not in containerd's log. ctr then silently falls back to the default host
 * (registry-1.docker.io for docker.io): pass `netns` so that fallback cannot
 * leave the machine.
 */
import { writeFileSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import { isolatedEnv, makeTempDir, removeTempDir, requireTools, run, startDaemon, waitFor, type Daemon, type NetNs, type RunResult } from "./tools.js";

/** Plugins a pull-only containerd does not need (CRI wants CNI etc.; the rest are snapshotters/tracing we lack). */
export const DISABLED_PLUGINS = [
  "io.containerd.grpc.v1.cri",
  "io.containerd.snapshotter.v1.btrfs",
  "io.containerd.snapshotter.v1.zfs",
  "io.containerd.snapshotter.v1.aufs",
  "io.containerd.snapshotter.v1.devmapper",
  "io.containerd.tracing.processor.v1.otlp",
  "io.containerd.internal.v1.tracing",
];

export interface ContainerdOptions {
  /** Run the daemon itself inside this network namespace (it makes no requests of its own for ctr pulls). */
  netns?: NetNs;
  /** Snapshotter for unpacking; 'native' (plain copies) works everywhere, 'overlayfs' needs overlay mounts. */
  snapshotter?: string;
  /** containerd namespace used by ctr. Default 'werf-mirror-e2e'. */
  namespace?: string;
  readyTimeoutMs?: number;
}

export interface CtrPullOptions {
  /** Run ctr inside this network namespace (registries must be in it too). Strongly recommended for docker.io refs. */
  netns?: NetNs;
  /** `--plain-http`: only needed for hosts NOT described by a hosts.toml with an http:// URL. */
  plainHttp?: boolean;
  /** `--user user:password` */
  user?: string;
  /** `--tlscacert` (hosts.toml `ca = ...` is the per-host way). */
  tlsCaCert?: string;
  /** `--skip-verify` */
  skipVerify?: boolean;
  /** Extra ctr images pull flags. */
  extraArgs?: string[];
  timeoutMs?: number;
}

export interface CtrPullResult extends RunResult {
  ok: boolean;
  /** Lines where ctr said it could not parse a hosts.toml ("failed to decode hosts.toml"). */
  decodeErrors: string[];
}

export interface Containerd {
  dir: string;
  socket: string;
  pid: number;
  logFile: string;
  configFile: string;
  namespace: string;
  daemon: Daemon;
  /** Run `ctr --address SOCK -n NS ...args`. */
  ctr(args: readonly string[], opts?: { netns?: NetNs; timeoutMs?: number }): Promise<RunResult>;
  /** `ctr images pull --hosts-dir DIR REF`; never throws for a failed pull, check `.ok`. */
  ctrPull(ref: string, hostsDir: string, opts?: CtrPullOptions): Promise<CtrPullResult>;
  /** `ctr images ls`: name -> manifest digest. */
  images(): Promise<Map<string, string>>;
  /** containerd's own log (it runs with level debug). */
  log(): string;
  stop(): Promise<void>;
}

function tomlString(s: string): string {
  return JSON.stringify(s); // a JSON string literal is a valid TOML basic string
}

export async function startContainerd(opts: ContainerdOptions = {}): Promise<Containerd> {
  const need = requireTools(["containerd", "ctr"] as const);
  if (!need.tools) throw new Error(need.missing);
  const { containerd, ctr } = need.tools;
  const dir = makeTempDir("ctd");
  try {
    const root = join(dir, "root");
    const state = join(dir, "state");
    const socket = join(dir, "containerd.sock");
    mkdirSync(root, { recursive: true });
    mkdirSync(state, { recursive: true });
    const configFile = join(dir, "config.toml");
    writeFileSync(
      configFile,
      [
        "version = 2",
        `root = ${tomlString(root)}`,
        `state = ${tomlString(state)}`,
        `temp = ${tomlString(join(dir, "tmp"))}`,
        `disabled_plugins = [${DISABLED_PLUGINS.map(tomlString).join(", ")}]`,
        "",
        "[grpc]",
        `  address = ${tomlString(socket)}`,
        "",
        "[ttrpc]",
        `  address = ${tomlString(`${socket}.ttrpc`)}`,
        "",
        "[debug]",
        '  level = "debug"',
        "",
        "[metrics]",
        '  address = ""',
        "",
        "[plugins]",
        // The opt plugin would otherwise create /opt/containerd.
        '  [plugins."io.containerd.internal.v1.opt"]',
        `    path = ${tomlString(join(dir, "opt"))}`,
        "",
      ].join("\n"),
    );
    mkdirSync(join(dir, "tmp"), { recursive: true });
    const logFile = join(dir, "containerd.log");
    const [cmd, args] = opts.netns ? opts.netns.wrap(containerd, ["--config", configFile]) : [containerd, ["--config", configFile]];
    const daemon = startDaemon("containerd", cmd, args, { logFile, env: isolatedEnv(dir) });
    const namespace = opts.namespace ?? "werf-mirror-e2e";
    const snapshotter = opts.snapshotter ?? "native";
    const env = isolatedEnv(dir);

    const ctrRun = (a: readonly string[], o: { netns?: NetNs; timeoutMs?: number } = {}) => {
      const full = ["--address", socket, "--namespace", namespace, ...a];
      const timeoutMs = o.timeoutMs ?? 60_000;
      return o.netns ? o.netns.run(ctr, full, { env, timeoutMs }) : run(ctr, full, { env, timeoutMs });
    };

    try {
      await waitFor("containerd", async () => (await ctrRun(["--connect-timeout", "1s", "version"], { timeoutMs: 3_000 })).code === 0, {
        daemon,
        timeoutMs: opts.readyTimeoutMs ?? 15_000,
        intervalMs: 150,
      });
    } catch (err) {
      await daemon.stop(2_000);
      throw err;
    }

    return {
      dir,
      socket,
      pid: daemon.pid,
      logFile,
      configFile,
      namespace,
      daemon,
      ctr: ctrRun,
      ctrPull: async (ref, hostsDir, o = {}) => {
        const a = ["--debug", "images", "pull", "--hosts-dir", hostsDir, "--snapshotter", snapshotter];
        if (o.plainHttp) a.push("--plain-http");
        if (o.user) a.push("--user", o.user);
        if (o.tlsCaCert) a.push("--tlscacert", o.tlsCaCert);
        if (o.skipVerify) a.push("--skip-verify");
        a.push(...(o.extraArgs ?? []), ref);
        const r = await ctrRun(a, { timeoutMs: o.timeoutMs ?? 60_000, ...(o.netns ? { netns: o.netns } : {}) });
        const decodeErrors = r.stderr.split("\n").filter((l) => l.includes("failed to decode"));
        return { ...r, ok: r.code === 0, decodeErrors };
      },
      images: async () => {
        const r = await ctrRun(["images", "ls"], { timeoutMs: 15_000 });
        const m = new Map<string, string>();
        for (const line of r.stdout.split("\n").slice(1)) {
          const cols = line.trim().split(/\s+/);
          const digest = cols.find((c) => c.startsWith("sha256:"));
          if (cols[0] && digest) m.set(cols[0], digest);
        }
        return m;
      },
      log: () => daemon.log(),
      stop: async () => {
        await daemon.stop(10_000);
        removeTempDir(dir);
      },
    };
  } catch (err) {
    removeTempDir(dir);
    throw err;
  }
}

/**
 * Write `<hostsDir>/<host>/hosts.toml`. Convenience for hand-written fixtures;
 * tests of the renderer write their own tree.
 */
export function writeHostsToml(hostsDir: string, host: string, toml: string): string {
  const d = join(hostsDir, host);
  mkdirSync(d, { recursive: true });
  const f = join(d, "hosts.toml");
  writeFileSync(f, toml);
  return f;
}
