/**
 * A releasable package: what `npm pack` puts in the tarball, and that tarball installed into a
 * clean directory runs as `npx werf-mirror`, loads as a library (CommonJS and ESM), and type-checks
 * for a TypeScript user. Offline: see package.ts.
 */
import assert from "node:assert/strict";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";

import { makeTempDir, removeTempDir, run } from "../harness/tools.js";
import { CHECKOUT, installTarball, type Packed, packWorkingTree, quietEnv } from "./package.js";

/** What a user of the package needs and nothing of the development tree. */
const NEVER_SHIPPED = [/^src\//, /^test\//, /^fixtures\//, /^scripts\//, /^bench\//, /^\.ci\//, /^ci\//, /(^|\/)node_modules\//, /\.test\.[cm]?[jt]s$/];

describe("npm pack", () => {
  let pack: Packed;
  before(async () => {
    pack = await packWorkingTree();
  });

  it("ships the bundle, the declarations, the schema and the example; no sources, tests or fixtures", () => {
    const paths = pack.files.map((f) => f.path).sort();
    for (const p of paths) {
      assert.ok(!NEVER_SHIPPED.some((re) => re.test(p)), `${p} must not be in the package (package.json "files")`);
      // TypeScript goes out as declarations only (dist/types): a .ts that is not a .d.ts is a source.
      assert.ok(!/\.[cm]?ts$/.test(p) || /\.d\.[cm]?ts$/.test(p), `${p}: TypeScript source in the package`);
    }
    for (const p of [
      "package.json",
      "README.md",
      "LICENSE",
      "CHANGELOG.md",
      "dist/werf-mirror.cjs",
      "dist/index.cjs",
      "dist/types/index.d.ts",
      "schema/werf-mirror.schema.json",
      "werf-mirror.yaml.example",
    ])
      assert.ok(paths.includes(p), `${p} missing from the package; it has:\n${paths.join("\n")}`);
  });

  it("every entry point of package.json names a file in the tarball, and the bin is executable", () => {
    const paths = new Map(pack.files.map((f) => [f.path, f]));
    const m = pack.manifest;
    const targets = [m.main, m.types, ...Object.values(m.bin), ...Object.values(m.exports).flatMap((e) => (typeof e === "string" ? [e] : Object.values(e)))];
    for (const t of targets) assert.ok(paths.has(t.replace(/^\.\//, "")), `package.json points at ${t}, which is not in the tarball`);
    for (const bin of Object.values(m.bin)) {
      const f = paths.get(bin)!;
      assert.equal(f.mode & 0o111, 0o111, `${bin} is not executable in the tarball (mode ${f.mode.toString(8)})`);
    }
  });

  it("declares the version of the CHANGELOG", () => {
    // The release's entry in CHANGELOG.md is what users read: it must exist for the packed version.
    const changelog = readFileSync(join(CHECKOUT, "CHANGELOG.md"), "utf8");
    assert.match(changelog, new RegExp(`^## \\[${pack.manifest.version.replaceAll(".", "\\.")}\\] - \\d{4}-\\d{2}-\\d{2}$`, "m"));
    assert.match(changelog, /^## \[Unreleased\]$/m);
  });
});

describe("the packed tarball in a clean directory", () => {
  let pack: Packed;
  let dir: string;
  let env: NodeJS.ProcessEnv;
  before(async () => {
    pack = await packWorkingTree();
    dir = makeTempDir("clean");
    await installTarball(dir, pack);
    env = quietEnv({ HOME: dir, XDG_CACHE_HOME: join(dir, ".cache"), NO_COLOR: "1" });
  });
  after(() => removeTempDir(dir));

  const npx = (args: string[]) => run("npx", ["--offline", "--no-install", "werf-mirror", ...args], { cwd: dir, env, timeoutMs: 60_000 });

  it("npx werf-mirror: --version, init, lint, render and env work", async () => {
    const version = await npx(["--version"]);
    assert.equal(version.code, 0, version.stderr);
    assert.equal(version.stdout.trim(), pack.manifest.version);

    const init = await npx(["init"]);
    assert.equal(init.code, 0, init.stderr);
    assert.ok(existsSync(join(dir, "werf-mirror.yaml")), "init wrote no werf-mirror.yaml");

    const lint = await npx(["lint"]);
    assert.equal(lint.code, 0, `${lint.stdout}${lint.stderr}`);

    const render = await npx(["render", "--base", "/dev/null"]);
    assert.equal(render.code, 0, `${render.stdout}${render.stderr}`);
    assert.ok(existsSync(join(dir, ".werf-mirror", "registries.conf")), render.stdout);

    const handoff = await npx(["env", "--offline"]);
    assert.equal(handoff.code, 0, handoff.stderr);
    assert.match(handoff.stdout, /^export CONTAINERS_REGISTRIES_CONF=/m);
  });

  it("npx werf-mirror lint finds a broken config and says where", async () => {
    const sub = join(dir, "broken");
    await run("mkdir", ["-p", sub]);
    writeFileSync(join(sub, "werf-mirror.yaml"), "version: 1\nregistries:\n  docker.io:\n    mirrors: [ftp://mirror.example.com]\n");
    const r = await run("npx", ["--offline", "--no-install", "werf-mirror", "lint"], { cwd: sub, env, timeoutMs: 60_000 });
    assert.equal(r.code, 1, `${r.stdout}${r.stderr}`);
    assert.match(r.stdout, /^werf-mirror\.yaml:4:15 error .*\[url-scheme\]$/m);
  });

  it("the library loads with require and import, and the schema export resolves", async () => {
    const script = [
      "const cjs = require('werf-mirror');",
      "for (const f of ['loadConfig', 'lint', 'render', 'preflight']) if (typeof cjs[f] !== 'function') throw new Error('require: no ' + f);",
      "const schema = require('werf-mirror/schema.json');",
      "if (schema.$schema !== 'https://json-schema.org/draft/2020-12/schema') throw new Error('schema.json: ' + schema.$schema);",
      "import('werf-mirror').then(async (esm) => {",
      "  if (typeof esm.loadConfig !== 'function') throw new Error('import: no loadConfig');",
      "  const r = await esm.loadConfig({ cwd: process.cwd(), env: {} });",
      "  console.log(JSON.stringify({ errors: r.hasErrors, registries: Object.keys(r.model.registries) }));",
      "});",
    ].join("\n");
    const r = await run(process.execPath, ["-e", script], { cwd: dir, env, timeoutMs: 30_000 });
    assert.equal(r.code, 0, r.stderr);
    const out = JSON.parse(r.stdout) as { errors: boolean; registries: string[] };
    assert.equal(out.errors, false);
    assert.ok(out.registries.length > 0, r.stdout);
  });

  it("a TypeScript user type-checks against the shipped declarations", async () => {
    writeFileSync(
      join(dir, "use.ts"),
      [
        "import { loadConfig, lint, type LoadResult } from 'werf-mirror';",
        "const r: LoadResult = await loadConfig({ cwd: process.cwd(), env: {} });",
        "const n: number = r.diagnostics.length;",
        "console.log(n, typeof lint);",
        "",
      ].join("\n"),
    );
    writeFileSync(
      join(dir, "tsconfig.json"),
      JSON.stringify({
        compilerOptions: {
          target: "ES2022",
          module: "NodeNext",
          moduleResolution: "NodeNext",
          strict: true,
          noEmit: true,
          skipLibCheck: false,
          types: ["node"],
          typeRoots: [join(CHECKOUT, "node_modules/@types")],
        },
        files: ["use.ts"],
      }),
    );
    writeFileSync(join(dir, "package.json"), JSON.stringify({ ...JSON.parse(readFileSync(join(dir, "package.json"), "utf8")), type: "module" }));
    const r = await run(process.execPath, [join(CHECKOUT, "node_modules/typescript/bin/tsc"), "-p", dir], { cwd: dir, env, timeoutMs: 120_000 });
    assert.equal(r.code, 0, `tsc against the packed declarations:\n${r.stdout}${r.stderr}`);
  });
});
