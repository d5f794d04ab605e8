/**
 * Builds and runs test/e2e/go-readers/reader (our Go program) that decodes each rendered file
 * the way its consumer does, with the consumer's own TOML/YAML/flag library from Debian's
 * golang-*-dev packages. Built offline (GOPATH=/usr/share/gocode, GO111MODULE=off) into a temp
 * dir, never into the repository. A missing `go` or library skips loudly; with CI=true it fails.
 */
import { existsSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

import { isCI, requireTool, run } from "../harness/tools.js";

const SOURCE = join(dirname(fileURLToPath(import.meta.url)), "reader");
const GOPATH = "/usr/share/gocode";

/** The Go packages the reader imports, and the Debian package that ships each. */
export const GO_LIBRARIES: Record<string, string> = {
  "github.com/pelletier/go-toml": "golang-github-pelletier-go-toml-dev",
  "github.com/pelletier/go-toml/v2": "golang-github-pelletier-go-toml.v2-dev",
  "github.com/BurntSushi/toml": "golang-github-burntsushi-toml-dev",
  "gopkg.in/yaml.v2": "golang-gopkg-yaml.v2-dev",
  "github.com/spf13/pflag": "golang-github-spf13-pflag-dev",
};

export type ReaderKind = "buildkit-v1" | "buildkit-v2" | "containerd-v1" | "containerd-v2" | "registries-conf" | "k3s" | "kaniko";

export type ReadResult = { ok: true; value: any } | { ok: false; error: string };

export interface Reader {
  read(kind: ReaderKind, file: string): Promise<ReadResult>;
}

/** The built reader, or why not (a skip reason; with CI=true a missing tool throws instead). */
export async function buildReader(): Promise<Reader | string> {
  const go = requireTool("go");
  if (!go) return "go not installed (apt-get install golang-go)";
  const missing = Object.entries(GO_LIBRARIES).filter(([pkg]) => !existsSync(join(GOPATH, "src", pkg)));
  if (missing.length > 0) {
    const msg = `Go libraries not installed: ${missing.map(([p]) => p).join(", ")} (apt-get install ${missing.map(([, d]) => d).join(" ")})`;
    if (isCI()) throw new Error(`${msg}; CI=true, so this is a failure, not a skip`);
    return msg;
  }
  const out = join(mkdtempSync(join(tmpdir(), "wm-go-reader-")), "reader");
  const env = {
    PATH: process.env.PATH ?? "/usr/bin:/bin",
    HOME: process.env.HOME ?? tmpdir(),
    GOPATH,
    GO111MODULE: "off",
    GOFLAGS: "",
    GOPROXY: "off",
    // Outside the repository; kept between runs so a rebuild takes a second, not ten.
    GOCACHE: join(tmpdir(), "wm-go-reader-cache"),
    CGO_ENABLED: "0",
  };
  const built = await run(go, ["build", "-o", out, "."], { cwd: SOURCE, env, timeoutMs: 180_000 });
  if (built.code !== 0) throw new Error(`building the Go reader failed:\n${built.stderr}`);
  return {
    async read(kind, file) {
      const r = await run(out, [kind, file], { timeoutMs: 30_000 });
      return r.code === 0 ? { ok: true, value: JSON.parse(r.stdout) } : { ok: false, error: r.stderr.trim() || `exit ${r.code}` };
    },
  };
}
