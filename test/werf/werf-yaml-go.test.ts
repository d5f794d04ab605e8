// lint's claim about the werf-mirror block in werf.yaml, checked against Go's own text/template,
// the engine werf renders werf.yaml with (pkg/config/parser.go): where lint has nothing to say
// about the block, werf.yaml renders exactly as it does with the block deleted (blank lines
// before the first document aside: YAML ignores them); where lint says werf would fail, Go fails;
// where it says werf would read something else, Go renders something else. The cases: every
// werf config under fixtures/lint, and every opener and closer form at every kind of place (the
// top, before and after `---`, after a block scalar at the end, before an indented line, next to
// trimming actions). The Go program (gotemplate/main.go, standard library only) is built offline
// with the installed toolchain; without `go` this skips loudly, and fails under CI=true.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { copyFileSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { scanWerfYaml } from "../../src/config/werf-yaml.js";
import { requireTool } from "../e2e/harness/tools.js";

const ROOT = join(import.meta.dirname, "..", "..");

interface Rendered {
  name: string;
  out?: string;
  error?: string;
}

/** Builds gotemplate/main.go in a temp dir (no network: GOPROXY=off, no modules) and renders `texts` with it. */
function renderWithGo(go: string, texts: { name: string; text: string }[]): Map<string, Rendered> {
  const dir = mkdtempSync(join(tmpdir(), "werf-yaml-go-"));
  try {
    copyFileSync(join(import.meta.dirname, "gotemplate", "main.go"), join(dir, "main.go"));
    writeFileSync(join(dir, "go.mod"), "module gotemplate\n\ngo 1.18\n");
    const env = {
      PATH: process.env.PATH,
      HOME: dir,
      GOCACHE: join(dir, "cache"),
      GOPATH: join(dir, "gopath"),
      GOPROXY: "off",
      GOFLAGS: "-mod=mod",
      GOTOOLCHAIN: "local",
      GOWORK: "off",
      CGO_ENABLED: "0",
    };
    const built = spawnSync(go, ["build", "-o", "render", "."], { cwd: dir, env, encoding: "utf8", timeout: 300_000 });
    assert.equal(built.status, 0, `go build failed: ${built.stderr}`);
    const run = spawnSync(join(dir, "render"), [], { input: JSON.stringify(texts), encoding: "utf8", maxBuffer: 64 << 20, timeout: 60_000 });
    assert.equal(run.status, 0, run.stderr);
    return new Map((JSON.parse(run.stdout) as Rendered[]).map((r) => [r.name, r]));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** werf's view: the rendered text; YAML ignores blank lines before the first document. */
const view = (s: string) => s.replace(/^(?:[ \t\r]*\n)*/, "");

const BODY = "\nversion: 1\nregistries:\n  docker.io:\n    mirrors: [https://mirror.gcr.io]\n";
const OPENERS = ["{{/*", "{{- /*", "{{-\t/*", "{{-\n/*", "{{-/*", "{{ /*", "{{-  /*"];
const CLOSERS = ["*/}}", "*/ -}}", "*/\t-}}", "*/\n-}}", "*/ }}", "*/-}}"];
const PLACES: Record<string, [string, string]> = {
  "at the top": ["", "\nproject: app\nconfigVersion: 1\n"],
  "at the top after blank lines": ["\n\n", "\nproject: app\nconfigVersion: 1\n"],
  "at the top before a blank line": ["", "\n\nproject: app\nconfigVersion: 1\n"],
  "at the top before an indented line": ["", "\n  project: app\n  configVersion: 1\n"],
  "before ---": ["project: app\nconfigVersion: 1\n", "\n---\nimage: app\nfrom: alpine\n"],
  "after ---": ["project: app\nconfigVersion: 1\n---\n", "\nimage: app\nfrom: alpine\n"],
  "at the end after a block scalar": ["project: app\nconfigVersion: 1\n---\nimage: app\nshell:\n  setup:\n    - |\n      echo hi\n", "\n"],
  "at the end without a line break": ["project: app\nconfigVersion: 1\n", ""],
  "before a trimming action": ["project: app\nconfigVersion: 1\n", '\n{{- $base := "alpine" }}\n---\nimage: app\nfrom: {{ $base }}\n'],
  "after a trimming action": ['project: app\nconfigVersion: 1\n{{ $base := "alpine" -}}\n', "\n---\nimage: app\nfrom: {{ $base }}\n"],
  "between actions that do not trim": ["project: app\n{{ $a := 1 }}\n", "\n{{ $b := 2 }}\nconfigVersion: 1\n"],
};

function werfConfigsUnder(dir: string): string[] {
  return readdirSync(dir)
    .sort()
    .flatMap((n) => {
      const p = join(dir, n);
      return statSync(p).isDirectory() ? werfConfigsUnder(p) : /^werf\.ya?ml$/.test(n) ? [p] : [];
    });
}

test("where lint finds the werf-mirror block harmless, Go renders werf.yaml as without it; where lint objects, Go fails or renders something else", {
  timeout: 600_000,
}, (t) => {
  const go = requireTool("go", "apt-get install golang-go");
  if (!go) {
    t.diagnostic("SKIPPED: go not installed (apt-get install golang-go)");
    return t.skip("go not installed (apt-get install golang-go)");
  }
  const cases: { name: string; text: string }[] = [];
  for (const file of werfConfigsUnder(join(ROOT, "fixtures", "lint"))) cases.push({ name: file.slice(ROOT.length + 1), text: readFileSync(file, "utf8") });
  for (const [place, [before, after]] of Object.entries(PLACES)) {
    for (const open of OPENERS) {
      for (const close of CLOSERS)
        cases.push({ name: `${JSON.stringify(open)} ... ${JSON.stringify(close)} ${place}`, text: `${before}${open} werf-mirror${BODY}${close}${after}` });
    }
  }
  const scans = cases.map((c) => ({ ...c, scan: scanWerfYaml("werf.yaml", c.text) }));
  const inputs = scans.flatMap((c) => [
    { name: c.name, text: c.text },
    { name: `${c.name} (without the block)`, text: c.scan.block ? c.text.slice(0, c.scan.block.start) + c.text.slice(c.scan.block.end) : c.text },
  ]);
  const rendered = renderWithGo(go, inputs);

  const wrong: string[] = [];
  const tally = { harmless: 0, fails: 0, reads: 0 };
  for (const c of scans) {
    const withBlock = rendered.get(c.name)!;
    const without = rendered.get(`${c.name} (without the block)`)!;
    const claims = c.scan.diagnostics.filter((d) => d.rule === "werf-yaml-block" && /werf would/.test(d.message)).map((d) => d.message);
    const goSays =
      withBlock.error !== undefined
        ? `Go fails: ${withBlock.error}`
        : `Go renders ${JSON.stringify(withBlock.out)}; without the block ${JSON.stringify(without.out ?? without.error)}`;
    if (claims.length === 0) {
      tally.harmless++;
      const same = withBlock.out !== undefined && without.out !== undefined && view(withBlock.out) === view(without.out);
      if (!same) wrong.push(`${c.name}: lint finds nothing, but ${goSays}`);
    } else if (claims.some((m) => /werf would fail/.test(m))) {
      tally.fails++;
      if (withBlock.error === undefined) wrong.push(`${c.name}: lint says ${JSON.stringify(claims[0])}, but ${goSays}`);
    } else {
      tally.reads++;
      const differs = withBlock.out !== undefined && without.out !== undefined && view(withBlock.out) !== view(without.out);
      if (!differs) wrong.push(`${c.name}: lint says ${JSON.stringify(claims[0])}, but ${goSays}`);
    }
  }
  assert.deepEqual(wrong, [], "lint and Go's text/template disagree");
  // Every kind of verdict is exercised, so that neither direction holds vacuously.
  t.diagnostic(`harmless ${tally.harmless}, Go fails ${tally.fails}, werf reads something else ${tally.reads}`);
  assert.ok(tally.harmless >= 30 && tally.fails >= 100 && tally.reads >= 30, JSON.stringify(tally));
});
