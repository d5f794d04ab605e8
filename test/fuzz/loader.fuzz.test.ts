// Property tests over the loader and the CLI: whatever the input (arbitrary YAML text, arbitrary
// strings in every field, arbitrary env and flag values), no exception escapes, the result is
// diagnostics only, and the CLI answers with exit 0, 1 or 2 and no stack trace.
// FUZZ_RUNS=20000 npm run fuzz   runs longer (see README).
import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { stringify } from "yaml";
import { mkdtempSync, writeFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadConfig } from "../../src/config/load.js";
import { runCli } from "../helpers/cli.js";

const RUNS = Number(process.env.FUZZ_RUNS ?? 300);
const dir = mkdtempSync(join(tmpdir(), "werf-mirror-fuzz-"));
process.on("exit", () => rmSync(dir, { recursive: true, force: true }));

/** Strings that stress every serializer: quotes, newlines, NUL, unicode, TOML/YAML/shell metacharacters. */
export const hostile = fc.oneof(
  fc.string({ unit: "grapheme", maxLength: 40 }),
  fc.string({ unit: "binary", maxLength: 40 }),
  fc.constantFrom(
    "",
    " ",
    "\u0000",
    "\n",
    "\r\n",
    '"',
    "'",
    "\\",
    "]",
    "[[registry]]",
    '\n[[registry]]\nprefix = "evil"',
    "${HOME}",
    "$(id)",
    "`id`",
    'a"]\nlocation = "evil',
    "key: value",
    "- item",
    "{{ .Env }}",
    "*/}}",
    "#",
    "\u2028",
    "\uFEFF",
    "x".repeat(5000),
    "https://u:p@h",
    "mirror.example.com",
    "https://[::1]:5000/a",
    "*.example.com",
    "docker.io/library",
    "http://h/../..",
  ),
);

const config = fc.record(
  {
    version: fc.oneof(fc.constant(1), fc.anything()),
    backend: fc.oneof(fc.constantFrom("auto", "docker", "buildah"), hostile),
    registries: fc.dictionary(
      hostile,
      fc.record(
        {
          mirrors: fc.array(
            fc.oneof(
              hostile,
              fc.record(
                { url: hostile, pull: fc.oneof(fc.constantFrom("all", "digest-only", "tag-only"), hostile), insecure: fc.boolean(), ca: hostile },
                { requiredKeys: ["url"] },
              ),
            ),
            { maxLength: 4 },
          ),
          fallback: fc.oneof(fc.boolean(), hostile),
          blocked: fc.boolean(),
        },
        { requiredKeys: [] },
      ),
      { maxKeys: 4 },
    ),
    insecureRegistries: fc.array(hostile, { maxLength: 3 }),
    unqualifiedSearchRegistries: fc.array(hostile, { maxLength: 3 }),
    preflight: fc.record(
      { timeout: fc.oneof(fc.constantFrom("1s", "500ms"), hostile), probe: hostile, minHealthy: fc.oneof(fc.nat(), fc.integer()) },
      { requiredKeys: [] },
    ),
    output: fc.record({ dir: hostile }, { requiredKeys: [] }),
  },
  { requiredKeys: ["version"] },
);

function assertDiagnosticsOnly(r: Awaited<ReturnType<typeof loadConfig>>): void {
  for (const d of r.diagnostics) {
    assert.ok(d.severity === "error" || d.severity === "warning");
    assert.equal(typeof d.message, "string");
    assert.ok(d.message.length > 0);
    assert.ok(!/\bat .*\.(ts|js|cjs):\d+/.test(d.message), "no stack in a message");
  }
  assert.equal(
    r.hasErrors,
    r.diagnostics.some((d) => d.severity === "error"),
  );
  if (!r.hasErrors) assert.ok(r.model, "no errors means a model");
}

test("arbitrary YAML text: loadConfig returns diagnostics, never throws", async () => {
  let n = 0;
  await fc.assert(
    fc.asyncProperty(
      fc.oneof(
        fc.string({ unit: "binary", maxLength: 300 }),
        hostile,
        config.map((c) => stringify(c)),
      ),
      async (text) => {
        const file = join(dir, `t${n++}.yaml`);
        writeFileSync(file, text);
        assertDiagnosticsOnly(await loadConfig({ cwd: dir, configPath: file }));
      },
    ),
    { numRuns: RUNS },
  );
});

test("arbitrary values in every field: diagnostics only, and a loaded model holds only safe addresses", async () => {
  let n = 0;
  await fc.assert(
    fc.asyncProperty(config, async (c) => {
      const file = join(dir, `v${n++}.yaml`);
      writeFileSync(file, stringify(c));
      const r = await loadConfig({ cwd: dir, configPath: file });
      assertDiagnosticsOnly(r);
      for (const reg of r.model?.registries ?? []) {
        assert.match(reg.prefix.key, /^[\w.*:[\]/-]+$/, "registry keys reach renderers only when plain");
        for (const m of reg.mirrors) assert.match(m.url.href, /^https?:\/\/[\w.:[\]-]+(\/[\w.~-]+)*$/);
      }
    }),
    { numRuns: RUNS },
  );
});

test("arbitrary env and flag values: diagnostics only, never a throw", async () => {
  await fc.assert(
    fc.asyncProperty(
      fc.dictionary(
        fc.constantFrom(
          "WERF_CONTAINER_REGISTRY_MIRROR_A",
          "WERF_CONTAINER_REGISTRY_MIRROR_B",
          "WERF_MIRROR_ADD_X",
          "WERF_MIRROR_BACKEND",
          "WERF_MIRROR_TIMEOUT",
          "WERF_MIRROR_UNHEALTHY",
          "WERF_MIRROR_OUT_DIR",
          "WERF_BUILDAH_MODE",
        ),
        hostile,
      ),
      fc.array(hostile, { maxLength: 3 }),
      fc.array(hostile, { maxLength: 3 }),
      async (env, crm, mirror) => {
        assertDiagnosticsOnly(await loadConfig({ noSearch: true, cwd: dir, env, flags: { containerRegistryMirror: crm, mirror } }));
      },
    ),
    { numRuns: RUNS },
  );
});

test("the CLI answers every input with exit 0, 1 or 2 and no stack trace", async () => {
  let n = 0;
  await fc.assert(
    fc.asyncProperty(
      fc.oneof(
        fc.string({ unit: "binary", maxLength: 200 }),
        config.map((c) => stringify(c)),
      ),
      fc.constantFrom("lint", "config"),
      async (text, cmd) => {
        const file = join(dir, `c${n++}.yaml`);
        writeFileSync(file, text);
        const r = await runCli(cmd === "lint" ? ["lint", file] : ["config", "--config", file], { cwd: dir });
        assert.ok([0, 1, 2].includes(r.code), `exit ${r.code}`);
        assert.doesNotMatch(r.stdout + r.stderr, /\n\s+at .+:\d+:\d+\)?\n/);
      },
    ),
    { numRuns: Math.ceil(RUNS / 2) },
  );
});
