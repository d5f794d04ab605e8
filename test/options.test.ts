// Invariants of the one options table (src/config/options.ts), in the way Renovate's
// lib/config/options/index.spec.ts tests its table: names unique and well-formed, every schema
// path real, every default allowed, and every place that lists options agreeing with the table.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { ENV_PREFIXES, OPTIONS, environmentNames, optionChoices, schemaAt, schemaDefault } from "../src/config/options.js";
import { DEFAULTS } from "../src/config/model.js";
import { CONFIG_OPTIONS, WERF_BACKEND_OPTION } from "../src/cli/options.js";
import { runCli } from "./helpers/cli.js";
import { loadConfig } from "../src/config/load.js";

const root = join(import.meta.dirname, "..");

test("no two options share a key, an environment variable or a flag; names are well formed", () => {
  for (const field of ["key", "env", "flag"] as const) {
    const values = OPTIONS.map((o) => o[field]);
    assert.equal(new Set(values).size, values.length, `duplicate ${field}`);
  }
  for (const o of OPTIONS) {
    assert.match(o.env, /^WERF_MIRROR_[A-Z_]+$/);
    assert.match(o.flag, /^--[a-z]+(-[a-z]+)*$/);
    assert.ok(!o.env.startsWith(ENV_PREFIXES.addMirror), `${o.env} would be read as a mirror`);
  }
});

test("every option's schema path exists, and every default the code uses is the schema's and allowed", () => {
  for (const o of OPTIONS) if (o.path) assert.ok(schemaAt(o.path), `no schema node at ${o.path}`);
  const paths: Record<keyof typeof DEFAULTS, string> = {
    backend: "backend",
    timeout: "preflight.timeout",
    unhealthy: "preflight.unhealthy",
    order: "preflight.order",
    minHealthy: "preflight.minHealthy",
    outDir: "output.dir",
    fallback: "registries.*.fallback",
    blocked: "registries.*.blocked",
    pull: "registries.*.mirrors.[].pull",
  };
  assert.deepEqual(Object.keys(paths).sort(), Object.keys(DEFAULTS).sort());
  for (const [key, path] of Object.entries(paths)) {
    assert.deepEqual(DEFAULTS[key as keyof typeof DEFAULTS], schemaDefault(path), key);
    const allowed = schemaAt(path)!.enum;
    if (allowed) assert.ok(allowed.includes(DEFAULTS[key as keyof typeof DEFAULTS]), `default of ${key} not allowed`);
  }
  // Literal values, so that the table is not its own oracle.
  assert.deepEqual(DEFAULTS, {
    backend: "auto",
    timeout: "5s",
    unhealthy: "drop",
    order: "declared",
    minHealthy: 1,
    outDir: ".werf-mirror",
    fallback: true,
    blocked: false,
    pull: "all",
  });
});

test("the CLI's flags are the table's: names, values, allowed values, and the env variable in the help", () => {
  for (const o of OPTIONS) {
    const spec = o.key === "backend" ? WERF_BACKEND_OPTION : CONFIG_OPTIONS.find((s) => `--${s.name}` === o.flag);
    assert.ok(spec, `no CLI option for ${o.flag}`);
    assert.equal(spec.value, o.valueName);
    assert.deepEqual(spec.choices, optionChoices(o) ? [...optionChoices(o)!] : undefined);
    assert.ok(spec.description.includes(o.env), `${o.flag}'s help does not name ${o.env}`);
  }
  assert.deepEqual(WERF_BACKEND_OPTION.choices, ["auto", "docker", "buildah"]);
});

test("each option's env variable and flag really set it, and a value the schema does not allow is refused", async () => {
  const cwd = join(root, "fixtures", "lint", "valid", "mirror-forms");
  const values: Record<string, string> = { backend: "buildah", outDir: "elsewhere", timeout: "7s", unhealthy: "warn" };
  for (const o of OPTIONS.filter((x) => x.key !== "config")) {
    const byEnv = await loadConfig({ cwd, env: { [o.env]: values[o.key] }, noSearch: true, explain: true });
    const path = o.path!;
    assert.deepEqual(byEnv.model!.explained.find((e) => e.path === path)?.origin, { kind: "env", name: o.env });
    const byFlag = await loadConfig({ cwd, env: {}, flags: { [o.key]: values[o.key] }, noSearch: true, explain: true });
    assert.deepEqual(byFlag.model!.explained.find((e) => e.path === path)?.origin, { kind: "flag", name: o.flag });
    if (optionChoices(o)) {
      const bad = await loadConfig({ cwd, env: { [o.env]: "nonsense" }, noSearch: true });
      assert.ok(
        bad.diagnostics.some((d) => d.severity === "error" && d.message.includes(optionChoices(o)!.join(", "))),
        `${o.env}=nonsense`,
      );
    }
  }
});

test("the global help and the README list exactly the table's environment variables", async () => {
  const help = (await runCli(["--help"], { cwd: root })).stdout.replace(/\n/g, " ");
  const readme = readFileSync(join(root, "README.md"), "utf8");
  for (const name of environmentNames()) {
    assert.ok(help.includes(name), `--help lacks ${name}`);
    assert.ok(readme.includes(name.replace("=REGISTRY=URL", "")), `README lacks ${name}`);
  }
  const inReadme = new Set(readme.match(/WERF_MIRROR_[A-Z_]+/g));
  // Not configuration: the build's and the tests' own switches.
  for (const other of ["WERF_MIRROR_NO_COMPILE_CACHE", "WERF_MIRROR_UPDATE_GOLDEN", "WERF_MIRROR_ADD_", "WERF_MIRROR_DEBUG"]) inReadme.delete(other);
  assert.deepEqual([...inReadme].sort(), OPTIONS.map((o) => o.env).sort());
});
