// The block YAML emitter behind registries.yaml: whatever the strings, YAML 1.2 and YAML 1.1
// readers (the yaml package in both modes) read back exactly the data that was written.
import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { parse } from "yaml";
import { toBlockYaml, yamlScalar } from "../../src/backends/yaml-emit.js";

const tricky = fc.oneof(
  fc.string({ unit: "binary", maxLength: 30 }),
  fc.constantFrom(
    "yes",
    "No",
    "on",
    "OFF",
    "y",
    "null",
    "~",
    "true",
    "0x1F",
    "0o17",
    "017",
    "1e3",
    "1_000",
    ".inf",
    "-.5",
    "1:20",
    "[fd00::1]:5000",
    "a: b",
    "a #b",
    "- x",
    "*x",
    "&a",
    "!t",
    "%p",
    "@",
    "`",
    "'",
    '"',
    "|",
    ">",
    "key:",
    "https://m.example.com/v2/x",
    "",
    " ",
    "é",
    "\u2028",
    "\u0000",
  ),
);

test("every string round-trips through YAML 1.2 and 1.1 readers", () => {
  fc.assert(
    fc.property(
      fc.dictionary(tricky, fc.oneof(tricky, fc.array(tricky, { maxLength: 3 }), fc.dictionary(tricky, fc.oneof(tricky, fc.boolean()), { maxKeys: 3 })), {
        maxKeys: 4,
      }),
      (data) => {
        const text = toBlockYaml(data);
        const plain = (v: unknown) => JSON.parse(JSON.stringify(v)) as unknown; // same prototypes on both sides
        assert.deepEqual(plain(parse(text)), plain(data), text);
        assert.deepEqual(plain(parse(text, { version: "1.1" })), plain(data), `YAML 1.1: ${text}`);
      },
    ),
    { numRuns: 2000 },
  );
});

test("host names and URLs stay plain; lookalikes of other types are quoted", () => {
  assert.equal(yamlScalar("docker.io"), "docker.io");
  assert.equal(yamlScalar("https://mirror.example.com:5000/v2/cache"), "https://mirror.example.com:5000/v2/cache");
  for (const s of ["yes", "on", "1e3", "0x1F", "[fd00::1]:5000", "10.0.0.1", "a b", ""]) assert.match(yamlScalar(s), /^"/, s);
});
