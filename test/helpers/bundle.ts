// The real CLI as a child process: bundled from the current sources with esbuild, as the shipped
// dist/werf-mirror.cjs is. For tests that kill it, race several at once, or must bound its time
// (a blocked open cannot be interrupted in-process).
import { join } from "node:path";
import { build } from "esbuild";

/** Bundles src/cli/bin.ts to `outfile`. */
export async function buildCliBundle(outfile: string): Promise<string> {
  await build({
    bundle: true,
    platform: "node",
    target: "node20",
    format: "cjs",
    logLevel: "warning",
    entryPoints: [join(import.meta.dirname, "../../src/cli/bin.ts")],
    outfile,
  });
  return outfile;
}
