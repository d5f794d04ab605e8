// Shared by the render tests: loading a fixture's model, an in-process CLI, temp directories.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadConfig } from "../../src/config/load.js";
import type { Model } from "../../src/config/types.js";
import { main } from "../../src/cli/main.js";
import type { Io } from "../../src/cli/io.js";

export async function loadFixtureModel(dir: string): Promise<Model> {
  const result = await loadConfig({ cwd: dir, configPath: "werf-mirror.yaml", env: {} });
  if (!result.model || result.hasErrors) {
    throw new Error(`fixture ${dir} does not load: ${result.diagnostics.map((d) => d.message).join("; ")}`);
  }
  return result.model;
}

export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

export async function runCli(argv: string[], opts: { cwd: string; env?: Record<string, string>; now?: Date; uid?: number }): Promise<RunResult> {
  let stdout = "";
  let stderr = "";
  const io: Io = {
    stdout: (t) => void (stdout += t),
    stderr: (t) => void (stderr += t),
    env: opts.env ?? {},
    cwd: opts.cwd,
    isTTY: false,
    now: opts.now ? () => opts.now! : undefined,
    uid: opts.uid ?? 0,
  };
  const code = await main(argv, io);
  return { code, stdout, stderr };
}

export async function tempDir(t: { after: (fn: () => Promise<void>) => void }): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), "werf-mirror-render-"));
  t.after(() => rm(dir, { recursive: true, force: true }));
  return dir;
}
