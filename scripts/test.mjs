// Runs the test files of one tier (or all) with node's test runner through tsx (Node 20's --test
// takes no globs). Extra arguments are passed to node --test (e.g. --test-name-pattern=lint).
//   unit    (npm test)            types, unit, fixtures, real shells: fast, no daemons
//   e2e     (npm run test:e2e)    real consumers and registries: skopeo, podman, buildah, ctr,
//                                 dockerd, distribution, the Go readers
//   stress  (npm run test:stress) kill loops and property tests run long
// A file belongs to the first tier whose patterns match it; everything else is unit.
import { readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { spawnSync } from "node:child_process";

export const TIERS = {
  e2e: [/^test\/e2e\//, /^test\/preflight\/(credential-helper-registry|docker-daemon|handoff|registries|token-registry)\.test\.ts$/],
  stress: [/^test\/fuzz\//, /^test\/hardening\/(files|pathological-input)\.test\.ts$/],
};

export function tierOf(file) {
  for (const [tier, patterns] of Object.entries(TIERS)) if (patterns.some((p) => p.test(file))) return tier;
  return "unit";
}

function find(dir) {
  return readdirSync(dir)
    .sort()
    .flatMap((n) => {
      const p = join(dir, n);
      return statSync(p).isDirectory() ? find(p) : p.endsWith(".test.ts") ? [p.split("\\").join("/")] : [];
    });
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const args = process.argv.slice(2);
  const at = args.indexOf("--tier");
  const tier = at === -1 ? "all" : args[at + 1];
  if (!["unit", "e2e", "stress", "all"].includes(tier)) {
    console.error(`scripts/test.mjs: --tier must be unit, e2e, stress or all (got ${tier})`);
    process.exit(2);
  }
  const rest = at === -1 ? args : [...args.slice(0, at), ...args.slice(at + 2)];
  const files = find("test").filter((f) => tier === "all" || tierOf(f) === tier);
  const r = spawnSync(process.execPath, ["--import", "tsx", "--test", ...rest, ...files], { stdio: "inherit" });
  process.exit(r.status ?? 1);
}
