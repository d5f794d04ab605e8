// The floor any renderer pays: a bare node process that writes the given files (a JSON list of
// [path, content]) under a directory, synchronously, creating directories as needed.
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";

const [list, out] = process.argv.slice(2);
for (const [path, content] of JSON.parse(readFileSync(list, "utf8"))) {
  const target = join(out, path);
  mkdirSync(dirname(target), { recursive: true });
  writeFileSync(target, content);
}
