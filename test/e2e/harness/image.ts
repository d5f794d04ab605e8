/**
 * Tiny OCI images made offline, purely in Node: a gzipped tar layer with one
 * small file, a config, a manifest, index.json and oci-layout. Different
 * `content` gives different layer, config and manifest digests, so a test can
 * tell which registry an image came from.
 *
 * pushImage() copies a layout tag to a (local!) registry with skopeo.
 */
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { describeFailure, isolatedEnv, makeTempDir, removeTempDir, requireTool, run, type NetNs, type RunResult } from "./tools.js";

export const OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json";
export const OCI_INDEX = "application/vnd.oci.image.index.v1+json";
export const OCI_CONFIG = "application/vnd.oci.image.config.v1+json";
export const OCI_LAYER_GZIP = "application/vnd.oci.image.layer.v1.tar+gzip";

// ---------------------------------------------------------------------------
// Minimal ustar writer
// ---------------------------------------------------------------------------

export interface TarEntry {
  /** Path inside the archive, no leading slash; directories may end in '/'. */
  name: string;
  type: "file" | "dir";
  content?: Buffer | string;
  mode?: number;
  /** Seconds since epoch; fixed by default so archives are reproducible. */
  mtime?: number;
}

const BLOCK = 512;
/** 2024-01-01T00:00:00Z: any fixed time keeps digests reproducible. */
const FIXED_MTIME = 1_704_067_200;

function writeString(buf: Buffer, offset: number, length: number, value: string): void {
  const bytes = Buffer.from(value, "utf8");
  if (bytes.length > length) throw new Error(`tar field too long (${bytes.length} > ${length}): ${value}`);
  bytes.copy(buf, offset);
}

function writeOctal(buf: Buffer, offset: number, length: number, value: number): void {
  // length-1 octal digits, zero padded, then NUL.
  const s = value.toString(8).padStart(length - 1, "0");
  if (s.length > length - 1) throw new Error(`tar numeric field overflow: ${value}`);
  writeString(buf, offset, length, `${s}\0`);
}

function splitName(name: string): { name: string; prefix: string } {
  if (Buffer.byteLength(name) <= 100) return { name, prefix: "" };
  // ustar: prefix (155) + '/' + name (100)
  const idx = name.lastIndexOf("/", name.length - 2);
  const prefix = name.slice(0, idx);
  const rest = name.slice(idx + 1);
  if (idx <= 0 || Buffer.byteLength(prefix) > 155 || Buffer.byteLength(rest) > 100) {
    throw new Error(`tar path too long for ustar: ${name}`);
  }
  return { name: rest, prefix };
}

function tarHeader(entry: TarEntry, size: number): Buffer {
  const h = Buffer.alloc(BLOCK, 0);
  let name = entry.name.replace(/^\/+/, "");
  if (entry.type === "dir" && !name.endsWith("/")) name += "/";
  const parts = splitName(name);
  writeString(h, 0, 100, parts.name);
  writeOctal(h, 100, 8, entry.mode ?? (entry.type === "dir" ? 0o755 : 0o644));
  writeOctal(h, 108, 8, 0); // uid
  writeOctal(h, 116, 8, 0); // gid
  writeOctal(h, 124, 12, size);
  writeOctal(h, 136, 12, entry.mtime ?? FIXED_MTIME);
  h.fill(0x20, 148, 156); // checksum field counts as spaces while summing
  writeString(h, 156, 1, entry.type === "dir" ? "5" : "0");
  writeString(h, 257, 6, "ustar\0");
  writeString(h, 263, 2, "00");
  writeString(h, 265, 32, "root");
  writeString(h, 297, 32, "root");
  writeOctal(h, 329, 8, 0);
  writeOctal(h, 337, 8, 0);
  writeString(h, 345, 155, parts.prefix);
  let sum = 0;
  for (const b of h) sum += b;
  // 6 octal digits, NUL, space (the traditional layout every reader accepts)
  writeString(h, 148, 8, `${sum.toString(8).padStart(6, "0")}\0 `);
  return h;
}

/** An uncompressed ustar archive of the entries, in order, with the two zero end blocks. */
export function makeTar(entries: readonly TarEntry[]): Buffer {
  const chunks: Buffer[] = [];
  for (const e of entries) {
    const data = e.type === "file" ? Buffer.from(e.content ?? "") : Buffer.alloc(0);
    chunks.push(tarHeader(e, data.length));
    if (data.length > 0) {
      chunks.push(data);
      const pad = (BLOCK - (data.length % BLOCK)) % BLOCK;
      if (pad) chunks.push(Buffer.alloc(pad, 0));
    }
  }
  chunks.push(Buffer.alloc(BLOCK * 2, 0));
  return Buffer.concat(chunks);
}

// ---------------------------------------------------------------------------
// OCI layout
// ---------------------------------------------------------------------------

export interface Descriptor {
  mediaType: string;
  digest: string;
  size: number;
  annotations?: Record<string, string>;
}

export interface MakeImageOptions {
  /** Tag inside the layout (org.opencontainers.image.ref.name). Default 'latest'. */
  tag?: string;
  /** Content of the one file in the layer; different content => different digests. */
  content?: string;
  /** Path of that file inside the image. Default 'werf-mirror-e2e.txt'. */
  fileName?: string;
  /** Default: the host's, so containerd/docker/podman accept it without --platform. */
  architecture?: string;
  os?: string;
}

export interface ImageLayout {
  /** The OCI layout directory (use as `oci:DIR:TAG`). */
  dir: string;
  tag: string;
  manifestDigest: string;
  configDigest: string;
  layerDigest: string;
  diffId: string;
  content: string;
}

export function hostArchitecture(): string {
  const map: Record<string, string> = { x64: "amd64", arm64: "arm64", arm: "arm", ia32: "386", ppc64: "ppc64le", s390x: "s390x", riscv64: "riscv64" };
  return map[process.arch] ?? process.arch;
}

function sha256(b: Buffer): string {
  return `sha256:${createHash("sha256").update(b).digest("hex")}`;
}

function writeBlob(dir: string, data: Buffer): Descriptor & { digest: string } {
  const digest = sha256(data);
  const blobDir = join(dir, "blobs", "sha256");
  mkdirSync(blobDir, { recursive: true });
  writeFileSync(join(blobDir, digest.slice("sha256:".length)), data);
  return { mediaType: "", digest, size: data.length };
}

/**
 * Write (or add a tag to) an OCI image layout at `dir`. Calling it again on the
 * same dir with another tag adds a second image; the same tag is replaced.
 */
export function makeImageLayout(dir: string, opts: MakeImageOptions = {}): ImageLayout {
  const tag = opts.tag ?? "latest";
  const content = opts.content ?? `werf-mirror e2e image ${tag}\n`;
  const fileName = opts.fileName ?? "werf-mirror-e2e.txt";
  const architecture = opts.architecture ?? hostArchitecture();
  const os = opts.os ?? "linux";
  mkdirSync(dir, { recursive: true });

  const tar = makeTar([{ name: fileName, type: "file", content }]);
  const diffId = sha256(tar);
  // Node's gzip header has mtime 0 and a fixed OS byte: reproducible.
  const layer = writeBlob(dir, gzipSync(tar, { level: 9 }));

  const created = new Date(FIXED_MTIME * 1000).toISOString();
  const config = {
    created,
    architecture,
    os,
    config: { Env: ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"], Cmd: ["/bin/sh"] },
    rootfs: { type: "layers", diff_ids: [diffId] },
    history: [{ created, created_by: "werf-mirror e2e harness (image.ts)" }],
  };
  const configBlob = writeBlob(dir, Buffer.from(JSON.stringify(config)));

  const manifest = {
    schemaVersion: 2,
    mediaType: OCI_MANIFEST,
    config: { mediaType: OCI_CONFIG, digest: configBlob.digest, size: configBlob.size },
    layers: [{ mediaType: OCI_LAYER_GZIP, digest: layer.digest, size: layer.size }],
  };
  const manifestBlob = writeBlob(dir, Buffer.from(JSON.stringify(manifest)));

  writeFileSync(join(dir, "oci-layout"), JSON.stringify({ imageLayoutVersion: "1.0.0" }));
  const indexPath = join(dir, "index.json");
  let manifests: Descriptor[] = [];
  if (existsSync(indexPath)) {
    const old = JSON.parse(readFileSync(indexPath, "utf8")) as { manifests?: Descriptor[] };
    manifests = (old.manifests ?? []).filter((m) => m.annotations?.["org.opencontainers.image.ref.name"] !== tag);
  }
  manifests.push({
    mediaType: OCI_MANIFEST,
    digest: manifestBlob.digest,
    size: manifestBlob.size,
    annotations: { "org.opencontainers.image.ref.name": tag },
  });
  writeFileSync(indexPath, JSON.stringify({ schemaVersion: 2, mediaType: OCI_INDEX, manifests }));

  return {
    dir,
    tag,
    manifestDigest: manifestBlob.digest,
    configDigest: configBlob.digest,
    layerDigest: layer.digest,
    diffId,
    content,
  };
}

/** makeImageLayout in a fresh temp dir (caller removes it, or ignores it: it is tiny). */
export function makeTempImage(opts: MakeImageOptions = {}): ImageLayout {
  return makeImageLayout(makeTempDir("img"), opts);
}

// ---------------------------------------------------------------------------
// Push with skopeo
// ---------------------------------------------------------------------------

export interface PushOptions {
  /** Tag in the layout to push. Default: the tag of `dest` if it has one, else 'latest'. */
  tag?: string;
  /** Run skopeo inside this network namespace (for registries started in it). */
  netns?: NetNs;
  /** Directory with ca.crt for a TLS registry; without it TLS is not verified. */
  destCertDir?: string;
  /** user:password for an htpasswd-protected registry. */
  destCreds?: string;
  timeoutMs?: number;
}

/**
 * `skopeo copy oci:DIR:TAG docker://...` to a local registry. Returns the
 * manifest digest the registry stored (from --digestfile).
 * `dest` may be given with or without the `docker://` prefix.
 */
export async function pushImage(layoutDir: string, dest: string, opts: PushOptions = {}): Promise<string> {
  const skopeo = requireTool("skopeo");
  if (!skopeo) throw new Error("pushImage: skopeo not installed (apt-get install skopeo); check requireTool first and skip");
  const destRef = dest.startsWith("docker://") ? dest : `docker://${dest}`;
  const tag = opts.tag ?? tagOf(destRef) ?? "latest";
  const work = makeTempDir("push");
  try {
    const digestFile = join(work, "digest");
    const args = ["--insecure-policy", "copy", "--retry-times", "0", "--preserve-digests", "--digestfile", digestFile];
    if (opts.destCertDir) args.push("--dest-cert-dir", opts.destCertDir, "--dest-tls-verify=true");
    else args.push("--dest-tls-verify=false");
    if (opts.destCreds) args.push("--dest-creds", opts.destCreds);
    args.push(`oci:${layoutDir}:${tag}`, destRef);
    const env = isolatedEnv(work);
    const r = opts.netns
      ? await opts.netns.run(skopeo, args, { env, timeoutMs: opts.timeoutMs ?? 60_000 })
      : await run(skopeo, args, { env, timeoutMs: opts.timeoutMs ?? 60_000 });
    if (r.code !== 0) throw new Error(`pushImage failed\n${describeFailure(r)}`);
    return readFileSync(digestFile, "utf8").trim();
  } finally {
    removeTempDir(work);
  }
}

/** The tag of a docker reference (`docker://host:port/repo:tag` -> `tag`), or null. */
export function tagOf(ref: string): string | null {
  const noScheme = ref.replace(/^docker:\/\//, "");
  const lastPart = noScheme.slice(noScheme.lastIndexOf("/") + 1);
  const at = lastPart.indexOf("@");
  const nameTag = at >= 0 ? lastPart.slice(0, at) : lastPart;
  const colon = nameTag.indexOf(":");
  return colon >= 0 ? nameTag.slice(colon + 1) : null;
}

// ---------------------------------------------------------------------------
// Pulling with containers/image consumers (skopeo, podman, buildah)
// ---------------------------------------------------------------------------

export interface ContainersPullOptions {
  /**
   * registries.conf (v2) under test. skopeo gets `--registries-conf FILE`
   * (Debian's skopeo 1.9 ignores CONTAINERS_REGISTRIES_CONF); podman and
   * buildah get `CONTAINERS_REGISTRIES_CONF=FILE`.
   */
  registriesConf?: string;
  /** Run inside this network namespace (then a fallback to docker.io cannot leave the machine). */
  netns?: NetNs;
  /** `--cert-dir` / `--src-cert-dir` (a dir with ca.crt, e.g. CA.certDir). */
  certDir?: string;
  /**
   * `--creds` / `--src-creds` user:password. NOTE: containers/image uses these
   * for the primary location only, never for a mirror; for a mirror with auth
   * use `authFile` (see writeAuthFile).
   */
  creds?: string;
  /** `--authfile` / `--src-authfile`: a containers auth.json, keyed by host:port (mirrors included). */
  authFile?: string;
  /**
   * `--tls-verify=BOOL` / `--src-tls-verify=BOOL`. Leave undefined when
   * proving a registries.conf: an explicit --tls-verify=false overrides the
   * file's `insecure = true` for every host and would hide a wrong file.
   */
  tlsVerify?: boolean;
  timeoutMs?: number;
  /** Reuse a storage/home dir (else a temp one, removed after the call). */
  workDir?: string;
}

export interface ContainersPullResult extends RunResult {
  ok: boolean;
  /** skopeo: manifest digest written by --digestfile (null for podman/buildah). */
  digest: string | null;
  /** podman/buildah: the image id printed by `pull --quiet` (= config digest hex; null for skopeo). */
  imageId: string | null;
}

/**
 * Write a containers/docker auth.json: `{"auths": {"127.0.0.1:5000": {"auth": base64(user:pass)}}}`.
 * Works for skopeo/podman/buildah (`authFile`) and as a docker CLI config.json.
 */
export function writeAuthFile(path: string, creds: Record<string, { username: string; password: string }>): string {
  const auths: Record<string, { auth: string }> = {};
  for (const [host, c] of Object.entries(creds)) auths[host] = { auth: Buffer.from(`${c.username}:${c.password}`).toString("base64") };
  writeFileSync(path, JSON.stringify({ auths }, null, 2), { mode: 0o600 });
  return path;
}

function containersEnv(work: string, registriesConf: string | undefined): NodeJS.ProcessEnv {
  const storageConf = join(work, "storage.conf");
  if (!existsSync(storageConf)) {
    // Our own storage.conf so the host's (overlay options, mount_program, ...) cannot interfere.
    writeFileSync(
      storageConf,
      `[storage]\ndriver = "vfs"\nrunroot = ${JSON.stringify(join(work, "runroot"))}\ngraphroot = ${JSON.stringify(join(work, "root"))}\n`,
    );
  }
  return isolatedEnv(join(work, "home"), {
    CONTAINERS_STORAGE_CONF: storageConf,
    ...(registriesConf ? { CONTAINERS_REGISTRIES_CONF: registriesConf } : {}),
  });
}

async function runMaybeInNs(ns: NetNs | undefined, cmd: string, args: string[], env: NodeJS.ProcessEnv, timeoutMs: number) {
  return ns ? ns.run(cmd, args, { env, timeoutMs }) : run(cmd, args, { env, timeoutMs });
}

/**
 * `skopeo copy [--registries-conf F] docker://REF oci:DIR:pulled` — a pull as
 * skopeo does it. Never throws for a failed copy; check `.ok`.
 */
export async function skopeoPull(ref: string, opts: ContainersPullOptions = {}): Promise<ContainersPullResult> {
  const skopeo = requireTool("skopeo");
  if (!skopeo) throw new Error("skopeo not installed (apt-get install skopeo)");
  const own = !opts.workDir;
  const work = opts.workDir ?? makeTempDir("skopeo");
  try {
    mkdirSync(join(work, "home"), { recursive: true });
    const digestFile = join(work, "digest");
    const args = ["--insecure-policy"];
    if (opts.registriesConf) args.push("--registries-conf", opts.registriesConf);
    args.push("copy", "--retry-times", "0", "--digestfile", digestFile);
    if (opts.tlsVerify !== undefined) args.push(`--src-tls-verify=${opts.tlsVerify}`);
    if (opts.certDir) args.push("--src-cert-dir", opts.certDir);
    if (opts.creds) args.push("--src-creds", opts.creds);
    if (opts.authFile) args.push("--src-authfile", opts.authFile);
    args.push(ref.startsWith("docker://") ? ref : `docker://${ref}`, `oci:${join(work, "oci")}:pulled`);
    const r = await runMaybeInNs(opts.netns, skopeo, args, isolatedEnv(join(work, "home")), opts.timeoutMs ?? 60_000);
    const digest = r.code === 0 && existsSync(digestFile) ? readFileSync(digestFile, "utf8").trim() : null;
    return { ...r, ok: r.code === 0, digest, imageId: null };
  } finally {
    if (own) removeTempDir(work);
  }
}

/**
 * `podman pull REF` as root with a private store: --root/--runroot/--tmpdir
 * in a temp dir, --storage-driver vfs, --cgroup-manager cgroupfs (no systemd
 * here), --events-backend none (nothing written to /run/libpod).
 */
export async function podmanPull(ref: string, opts: ContainersPullOptions = {}): Promise<ContainersPullResult> {
  const podman = requireTool("podman");
  if (!podman) throw new Error("podman not installed (apt-get install podman)");
  const own = !opts.workDir;
  const work = opts.workDir ?? makeTempDir("podman");
  try {
    mkdirSync(join(work, "home"), { recursive: true });
    const args = [
      "--root",
      join(work, "root"),
      "--runroot",
      join(work, "runroot"),
      "--tmpdir",
      join(work, "tmp"),
      "--storage-driver",
      "vfs",
      "--cgroup-manager",
      "cgroupfs",
      "--events-backend",
      "none",
      "pull",
      "--quiet",
    ];
    if (opts.tlsVerify !== undefined) args.push(`--tls-verify=${opts.tlsVerify}`);
    if (opts.certDir) args.push("--cert-dir", opts.certDir);
    if (opts.creds) args.push("--creds", opts.creds);
    if (opts.authFile) args.push("--authfile", opts.authFile);
    args.push(ref);
    const r = await runMaybeInNs(opts.netns, podman, args, containersEnv(work, opts.registriesConf), opts.timeoutMs ?? 60_000);
    return { ...r, ok: r.code === 0, digest: null, imageId: r.code === 0 ? (r.stdout.trim().split("\n").pop() ?? null) : null };
  } finally {
    if (own) removeTempDir(work);
  }
}

/** `buildah pull REF` as root with a private store (--root/--runroot temp dirs, --storage-driver vfs). */
export async function buildahPull(ref: string, opts: ContainersPullOptions = {}): Promise<ContainersPullResult> {
  const buildah = requireTool("buildah");
  if (!buildah) throw new Error("buildah not installed (apt-get install buildah)");
  const own = !opts.workDir;
  const work = opts.workDir ?? makeTempDir("buildah");
  try {
    mkdirSync(join(work, "home"), { recursive: true });
    const args = ["--root", join(work, "root"), "--runroot", join(work, "runroot"), "--storage-driver", "vfs", "pull", "--quiet"];
    if (opts.tlsVerify !== undefined) args.push(`--tls-verify=${opts.tlsVerify}`);
    if (opts.certDir) args.push("--cert-dir", opts.certDir);
    if (opts.creds) args.push("--creds", opts.creds);
    if (opts.authFile) args.push("--authfile", opts.authFile);
    args.push(ref);
    const r = await runMaybeInNs(opts.netns, buildah, args, containersEnv(work, opts.registriesConf), opts.timeoutMs ?? 60_000);
    return { ...r, ok: r.code === 0, digest: null, imageId: r.code === 0 ? (r.stdout.trim().split("\n").pop() ?? null) : null };
  } finally {
    if (own) removeTempDir(work);
  }
}
