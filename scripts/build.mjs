// Bundles the CLI and the library into single files with esbuild (run by `npm run build` and `prepare`).
import { build } from "esbuild";
import { chmodSync } from "node:fs";

const common = { bundle: true, platform: "node", target: "node20", format: "cjs", legalComments: "none", logLevel: "warning", minify: true, keepNames: true,
  // cosmiconfig is only used to find files (our loaders parse them): its own loaders and their
  // dependencies are never called, so they are left out of the bundle to keep start-up fast.
  external: ["typescript", "js-yaml", "parse-json", "import-fresh", "jiti"] };
await build({ ...common, entryPoints: ["src/cli/bin.ts"], outfile: "dist/werf-mirror.cjs", banner: { js: "#!/usr/bin/env node" } });
await build({ ...common, entryPoints: ["src/index.ts"], outfile: "dist/index.cjs" });
chmodSync("dist/werf-mirror.cjs", 0o755);
