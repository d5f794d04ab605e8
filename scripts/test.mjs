// Runs every test/**/*.test.ts with node's test runner through tsx (Node 20's --test takes no globs).
// Extra arguments are passed to node --test (e.g. --test-name-pattern=lint).
import { readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { spawnSync } from "node:child_process";

function find(dir) {
  return readdirSync(dir)
    .sort()
    .flatMap((n) => {
      const p = join(dir, n);
      return statSync(p).isDirectory() ? find(p) : p.endsWith(".test.ts") ? [p] : [];
    });
}
const files = find("test");
const r = spawnSync(process.execPath, ["--import", "tsx", "--test", ...process.argv.slice(2), ...files], { stdio: "inherit" });
process.exit(r.status ?? 1);
