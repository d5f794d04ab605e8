/**
 * Shared plumbing for the consumer proofs in test/e2e/consumers/*.test.ts:
 * loud skips (or CI failures) for missing tools, a stack of things to stop by
 * pid whatever happens, and "write this werf-mirror.yaml, run the real CLI
 * in-process, give me the out dir".
 *
 * Every consumer that could fall back to docker.io runs inside a private
 * network namespace (harness startNetNs) together with the registries it uses.
 */
import assert from "node:assert/strict";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { TestContext } from "node:test";

import { runCli, type CliRun } from "../../helpers/cli.js";
import { requireRoot, requireTools } from "../harness/tools.js";

/** The reference every docker.io case pulls (only ever inside the namespace). */
export const ALPINE = "docker.io/library/alpine:3.19";

/**
 * Why a whole file must skip, or null when every tool is there (and we are root).
 * With CI=true requireTools/requireRoot throw instead, so the suite fails.
 */
export function missingTools(names: readonly string[], rootFor?: string): string | null {
  const r = requireTools(names);
  if (!r.tools) return r.missing;
  return rootFor ? requireRoot(rootFor) : null;
}

/** Skip loudly (a SKIPPED diagnostic plus t.skip) when `reason` is set. */
export function skipped(t: TestContext, reason: string | null): boolean {
  if (!reason) return false;
  t.diagnostic(`SKIPPED: ${reason}`);
  t.skip(reason);
  return true;
}

/** Things to stop at the end, in reverse order of starting; errors are logged, never thrown. */
export class Stops {
  private readonly fns: Array<{ what: string; fn: () => Promise<void> | void }> = [];

  add(what: string, fn: () => Promise<void> | void): void {
    this.fns.push({ what, fn });
  }

  async run(): Promise<void> {
    while (this.fns.length > 0) {
      const { what, fn } = this.fns.pop()!;
      try {
        await fn();
      } catch (err) {
        console.error(`[consumers] cleanup of ${what} failed:`, err);
      }
    }
  }
}

export interface Rendered {
  /** The case directory (holds werf-mirror.yaml). */
  dir: string;
  /** The render output directory. */
  out: string;
  config: string;
  cli: CliRun;
}

let caseCounter = 0;

/** A fresh directory under `work` for one case. */
export function caseDir(work: string, label: string): string {
  mkdirSync(work, { recursive: true });
  return mkdtempSync(join(work, `${String(++caseCounter).padStart(2, "0")}-${label.replace(/[^a-z0-9-]+/gi, "-").slice(0, 40)}-`));
}

/** Run the werf-mirror CLI in-process in `cwd`, with an empty environment (nothing from the host leaks in). */
export function werfMirror(args: string[], cwd: string, env: Record<string, string | undefined> = {}): Promise<CliRun> {
  return runCli(args, { cwd, env });
}

function describeCli(args: string[], r: CliRun): string {
  return `werf-mirror ${args.join(" ")} exited ${r.code}\n--- stdout ---\n${r.stdout}\n--- stderr ---\n${r.stderr}`;
}

/**
 * Write `yaml` as werf-mirror.yaml in a new case dir under `work` and run
 * `werf-mirror render --target BACKEND --out-dir DIR/out --config DIR/werf-mirror.yaml ...extra`.
 * Fails the test unless render exits 0.
 */
export async function renderCase(work: string, label: string, yaml: string, backend: string, extra: string[] = []): Promise<Rendered> {
  const dir = caseDir(work, label);
  const config = join(dir, "werf-mirror.yaml");
  writeFileSync(config, yaml);
  const out = join(dir, "out");
  const args = ["render", "--target", backend, "--out-dir", out, "--config", config, ...extra];
  const cli = await werfMirror(args, dir);
  assert.equal(cli.code, 0, describeCli(args, cli));
  return { dir, out, config, cli };
}

/** A rendered file's text, or a failure that lists what render wrote and said. */
export function renderedFile(r: Rendered, rel: string): string {
  const p = join(r.out, rel);
  assert.ok(existsSync(p), `render did not write ${rel}\n--- stdout ---\n${r.cli.stdout}\n--- stderr ---\n${r.cli.stderr}`);
  return readFileSync(p, "utf8");
}

/** The YAML for `version: 1` plus the given body (already indented as top-level YAML). */
export function config(body: string): string {
  return `version: 1\n${body.replace(/^\n/, "")}`;
}

/** Count of access-log lines that contain `needle`, for before/after deltas. */
export function count(reg: { hits(needle: string): string[] }, needle: string): number {
  return reg.hits(needle).length;
}

/** A one-line summary of a consumer run for assertion messages. */
export function showRun(r: { command: string; code: number | null; stdout: string; stderr: string }): string {
  return `${r.command}\nexit ${r.code}\n--- stdout ---\n${r.stdout.slice(-3000)}\n--- stderr ---\n${r.stderr.slice(-3000)}`;
}

/** Await `p` (something with stop()) and register its stop() under `what`. */
export async function started<T extends { stop(): Promise<void> }>(stops: Stops, what: string, p: Promise<T>): Promise<T> {
  const v = await p;
  stops.add(what, () => v.stop());
  return v;
}

/**
 * Like Promise.all, but waits for every promise to settle before throwing the
 * first error, so everything that did start is registered for stopping.
 */
export async function settleAll<T extends readonly unknown[] | []>(ps: T): Promise<{ -readonly [K in keyof T]: Awaited<T[K]> }> {
  const rs = await Promise.allSettled(ps as readonly unknown[]);
  for (const r of rs) if (r.status === "rejected") throw r.reason;
  return rs.map((r) => (r as PromiseFulfilledResult<unknown>).value) as { -readonly [K in keyof T]: Awaited<T[K]> };
}
