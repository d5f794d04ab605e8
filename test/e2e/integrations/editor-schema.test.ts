/**
 * The JSON Schema in a real editor engine: yaml-language-server (what VS Code's YAML extension,
 * Neovim, Helix, Zed and JetBrains' LSP clients run) started over stdio and spoken to as an
 * editor does (lsp.ts). A werf-mirror.yaml with the `# yaml-language-server: $schema=...`
 * modeline gets the schema's diagnostics, at the same places `werf-mirror lint` reports, and its
 * completions and hovers. The schema store is off, so the server fetches nothing.
 *
 * The block in werf.yaml cannot be checked by an editor: it sits in a Go template comment
 * (`{{- /* werf-mirror ... *\/ -}}`), and to a YAML server `{{` opens a flow mapping, so werf.yaml
 * is not YAML to it at all (werf renders the templates first). The last test shows what the
 * server makes of it; `werf-mirror lint werf.yaml` (and the pre-commit hook) checks the block.
 */
import assert from "node:assert/strict";
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { pathToFileURL } from "node:url";
import { after, before, describe, it } from "node:test";

import { runCli } from "../../helpers/cli.js";
import { makeTempDir, removeTempDir } from "../harness/tools.js";
import { type Diagnostic, type LspClient, startLanguageServer } from "./lsp.js";
import { CHECKOUT, quietEnv } from "./package.js";

const SERVER = join(dirname(createRequire(import.meta.url).resolve("yaml-language-server/package.json")), "bin/yaml-language-server");

/** What an editor sends: validation, completion and hover on; no schema store (no download). */
const SETTINGS = {
  yaml: { validate: true, completion: true, hover: true, schemaStore: { enable: false }, format: { enable: false } },
  http: { proxy: "", proxyStrictSSL: true },
};

const MODELINE = "# yaml-language-server: $schema=./schema/werf-mirror.schema.json";

/** Every line of the broken document below and what is wrong in it. */
const BROKEN = [
  MODELINE,
  "version: 2",
  "backend: podman",
  "mirrorz: []",
  "registries:",
  "  docker.io:",
  "    mirrors:",
  "      - url: https://mirror.example.com",
  "        pull: sometimes",
  "preflight:",
  "  timeout: 5",
  "",
].join("\n");

const at = (d: Diagnostic) => `${d.range.start.line + 1}:${d.range.start.character + 1}`;

describe("yaml-language-server with the werf-mirror schema", { timeout: 120_000 }, () => {
  let work: string;
  let server: LspClient;
  let opened = 0;

  before(async () => {
    work = makeTempDir("editor");
    // Where a project has the schema: beside the config, or in node_modules/werf-mirror/schema/.
    mkdirSync(join(work, "schema"));
    copyFileSync(join(CHECKOUT, "schema/werf-mirror.schema.json"), join(work, "schema/werf-mirror.schema.json"));
    server = startLanguageServer(process.execPath, [SERVER, "--stdio"], SETTINGS, quietEnv({ HOME: work }));
    const root = pathToFileURL(work).href;
    const init = await server.request<{ capabilities: Record<string, unknown> }>("initialize", {
      processId: process.pid,
      rootUri: root,
      workspaceFolders: [{ uri: root, name: "project" }],
      capabilities: {
        workspace: { configuration: true },
        textDocument: {
          completion: { completionItem: { snippetSupport: false } },
          hover: { contentFormat: ["markdown", "plaintext"] },
          publishDiagnostics: {},
        },
      },
    });
    assert.ok(init.capabilities.completionProvider && init.capabilities.hoverProvider, JSON.stringify(init.capabilities));
    server.notify("initialized", {});
    server.notify("workspace/didChangeConfiguration", { settings: SETTINGS });
  });
  after(async () => {
    await server?.close();
    removeTempDir(work);
  });

  /** Opens `text` as `file` (written to disk too, for lint) and returns the server's diagnostics. */
  async function open(file: string, text: string): Promise<{ uri: string; diagnostics: Diagnostic[] }> {
    writeFileSync(file, text);
    const uri = pathToFileURL(file).href;
    server.notify("textDocument/didOpen", { textDocument: { uri, languageId: "yaml", version: ++opened, text } });
    return { uri, diagnostics: await server.diagnostics(uri) };
  }

  async function labels(uri: string, line: number, character: number): Promise<string[]> {
    const r = await server.request<{ items: { label: string }[] } | { label: string }[]>("textDocument/completion", {
      textDocument: { uri },
      position: { line, character },
    });
    return (Array.isArray(r) ? r : r.items).map((i) => i.label).sort();
  }

  it("the example config (its modeline points at ./schema/) has no diagnostics", async () => {
    const example = join(CHECKOUT, "werf-mirror.yaml.example");
    const text = readFileSync(example, "utf8");
    assert.ok(text.startsWith("# yaml-language-server: $schema=./schema/werf-mirror.schema.json\n"), "the example has the modeline");
    const uri = pathToFileURL(example).href;
    server.notify("textDocument/didOpen", { textDocument: { uri, languageId: "yaml", version: ++opened, text } });
    assert.deepEqual(await server.diagnostics(uri), []);
  });

  it("reports the schema's errors, each where werf-mirror lint reports it", async () => {
    const file = join(work, "werf-mirror.yaml");
    const { diagnostics } = await open(file, BROKEN);
    const byPlace = Object.fromEntries(diagnostics.map((d) => [at(d), d.message]));
    assert.deepEqual(byPlace, {
      "2:10": "Value must be 1.",
      "3:10": 'Value is not accepted. Valid values: "auto", "docker", "buildah".',
      "4:1": "Property mirrorz is not allowed.",
      "9:15": 'Value is not accepted. Valid values: "all", "digest-only", "tag-only".',
      "11:12": 'Incorrect type. Expected "string".',
    });
    for (const d of diagnostics) assert.equal(d.severity, 1, `${at(d)} is an error`);

    // The editor and the CLI point at the same places: the schema is the one source of both.
    const lint = await runCli(["lint", "--format", "json", "werf-mirror.yaml"], { cwd: work });
    assert.equal(lint.code, 1, lint.stderr);
    const places = (JSON.parse(lint.stdout) as { diagnostics: { line: number; column: number }[] }).diagnostics.map((d) => `${d.line}:${d.column}`);
    assert.deepEqual(places.sort(), Object.keys(byPlace).sort());
  });

  it("completes the keys and values the schema allows, where they are allowed", async () => {
    const file = join(work, "complete.yaml");
    const text = [
      MODELINE,
      "version: 1",
      "backend: ",
      "",
      "registries:",
      "  docker.io:",
      "    ",
      "    mirrors:",
      "      - url: https://mirror.example.com",
      "        pull: ",
      "preflight:",
      "  ",
      "",
    ].join("\n");
    const { uri } = await open(file, text);
    // A new top-level key: the ones not yet used.
    assert.deepEqual(await labels(uri, 3, 0), ["$schema", "insecureRegistries", "output", "unqualifiedSearchRegistries"]);
    assert.deepEqual(await labels(uri, 2, 9), ["auto", "buildah", "docker"]);
    assert.deepEqual(await labels(uri, 9, 14), ["all", "digest-only", "tag-only"]);
    // A registry's other keys beside `mirrors:`, and the keys of preflight.
    assert.deepEqual(await labels(uri, 6, 4), ["blocked", "fallback"]);
    assert.deepEqual(await labels(uri, 11, 2), ["minHealthy", "order", "probe", "timeout", "unhealthy"]);
  });

  it("shows the schema's description on hover", async () => {
    const file = join(work, "hover.yaml");
    const { uri } = await open(file, `${MODELINE}\nversion: 1\npreflight:\n  unhealthy: drop\n`);
    const hover = await server.request<{ contents: { value: string } }>("textDocument/hover", { textDocument: { uri }, position: { line: 3, character: 4 } });
    const schema = JSON.parse(readFileSync(join(CHECKOUT, "schema/werf-mirror.schema.json"), "utf8"));
    assert.ok(hover.contents.value.includes(schema.$defs.preflight.properties.unhealthy.description), hover.contents.value);
  });

  it("werf.yaml: the block in a Go template comment is not YAML to an editor, so only lint can check it", async () => {
    const file = join(work, "werf.yaml");
    const { diagnostics } = await open(
      file,
      ["{{- /* werf-mirror", MODELINE, "version: 1", "backend: podman", "*/ -}}", "project: app", "configVersion: 1", ""].join("\n"),
    );
    // The server stumbles over the template syntax on the first line...
    assert.ok(
      diagnostics.some((d) => d.range.start.line === 0 && /flow/.test(d.message)),
      diagnostics.map((d) => `${at(d)} ${d.message}`).join("\n"),
    );
    // ...and never reaches the schema: the wrong backend goes unreported.
    assert.ok(!diagnostics.some((d) => /Valid values/.test(d.message)));
    const lint = await runCli(["lint", "werf.yaml"], { cwd: work });
    assert.equal(lint.code, 1);
    assert.match(lint.stdout, /^werf\.yaml:4:10 error `backend` must be one of: auto, docker, buildah/m);
  });
});
