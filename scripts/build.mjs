// Bundles the CLI and the library into single files with esbuild (run by `npm run build` and `prepare`).
import { build } from "esbuild";
import { chmodSync } from "node:fs";

const common = { bundle: true, platform: "node", target: "node20", format: "cjs", legalComments: "none", logLevel: "warning", external: ["typescript"] };
await build({ ...common, entryPoints: ["src/cli/bin.ts"], outfile: "dist/werf-mirror.cjs", banner: { js: "#!/usr/bin/env node" } });
await build({ ...common, entryPoints: ["src/index.ts"], outfile: "dist/index.cjs" });
chmodSync("dist/werf-mirror.cjs", 0o755);
