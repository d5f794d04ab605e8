// Golden files: every case under fixtures/render renders byte for byte to its expected/ files.
// WERF_MIRROR_UPDATE_GOLDEN=1 rewrites them (see fixtures/render/README.md).
import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, readdirSync, readFileSync, rmSync, mkdirSync, writeFileSync, statSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { renderAll } from "../../src/backends/index.js";
import { loadFixtureModel } from "./helpers.js";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "../../fixtures/render");
const UPDATE = process.env.WERF_MIRROR_UPDATE_GOLDEN === "1";
/** Absolute paths (CA files) depend on the checkout; goldens show them under this placeholder. */
const PLACEHOLDER = "/FIXTURE";

function listFiles(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    return statSync(p).isDirectory() ? listFiles(p) : [p];
  });
}

const cases = readdirSync(ROOT)
  .filter((name) => existsSync(join(ROOT, name, "werf-mirror.yaml")))
  .sort();

test("there are golden cases", () => {
  assert.ok(cases.length >= 18, `found ${cases.length} cases`);
});

for (const name of cases) {
  test(`golden: ${name}`, async () => {
    const dir = join(ROOT, name);
    const model = await loadFixtureModel(dir);
    const basePath = join(dir, "base-registries.conf");
    const result = renderAll(["all"], {
      model,
      sourceName: "werf-mirror.yaml",
      baseRegistriesConf: existsSync(basePath) ? readFileSync(basePath, "utf8") : undefined,
      baseRegistriesConfName: existsSync(basePath) ? "base-registries.conf" : undefined,
    });
    const actual = new Map<string, string>();
    for (const f of result.files) actual.set(f.path, f.content.split(dir).join(PLACEHOLDER));
    actual.set(
      "warnings.txt",
      result.warnings
        .map((w) => `${w.consumer}: ${w.registry}: ${w.message}\n`)
        .join("")
        .split(dir)
        .join(PLACEHOLDER),
    );
    const expectedDir = join(dir, "expected");
    if (UPDATE) {
      rmSync(expectedDir, { recursive: true, force: true });
      for (const [path, content] of actual) {
        mkdirSync(dirname(join(expectedDir, path)), { recursive: true });
        writeFileSync(join(expectedDir, path), content);
      }
    }
    const expected = listFiles(expectedDir)
      .map((p) => relative(expectedDir, p).split("\\").join("/"))
      .sort();
    assert.deepEqual([...actual.keys()].sort(), expected, "the set of rendered files differs from expected/");
    for (const [path, content] of actual) {
      assert.equal(content, readFileSync(join(expectedDir, path), "utf8"), `${name}/expected/${path} differs`);
    }
  });
}
