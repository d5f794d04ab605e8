// The werf-mirror section inside werf.yaml. werf renders werf.yaml as a Go template and rejects
// unknown keys, so the section lives in a Go template comment, which werf discards:
//
//   {{- /* werf-mirror
//   version: 1
//   ...
//   */ -}}
//
// Only the comment body is read; the rest of werf.yaml (templates included) is never parsed.
import type { Diagnostic } from "./types.js";
import { LineTable, originAt } from "./source.js";

export const WERF_YAML_NAMES = ["werf.yaml", "werf.yml"];

export interface WerfYamlBlock {
  /** Offset of the body's first character in the file. */
  bodyOffset: number;
  body: string;
}

export interface WerfYamlScan {
  block?: WerfYamlBlock;
  /** Whether a werf-mirror block opens at all (closed or not): the file is then meant as a config. */
  opened: boolean;
  diagnostics: Diagnostic[];
}

const OPEN = /\{\{(?:- )?\/\*[ \t]*werf-mirror\b/g;
const CLOSE_DELIM = /(?: -)?\}\}/y;
const BLOCK_EXAMPLE = "{{- /* werf-mirror\nversion: 1\nregistries:\n  docker.io:\n    mirrors: [https://mirror.gcr.io]\n*/ -}}";

export function isWerfYaml(path: string): boolean {
  const base = path.split(/[\\/]/).pop() ?? "";
  return WERF_YAML_NAMES.includes(base);
}

/**
 * Finds the werf-mirror comment block and checks werf.yaml for keys werf itself would reject.
 * One pass, so that hostile input cannot make it quadratic: the search for the next opener resumes
 * after the previous block's end (Go comments do not nest, so an opener inside a comment opens
 * nothing), and an unclosed opener ends the scan (the rest of the file is its comment).
 */
export function scanWerfYaml(file: string, text: string): WerfYamlScan {
  const lines = new LineTable(text);
  const at = (offset: number) => originAt({ file, lines }, offset);
  const diagnostics: Diagnostic[] = [];
  let block: WerfYamlBlock | undefined;
  const blockSpans: [number, number][] = [];
  let opened = false;
  const open = new RegExp(OPEN); // its own lastIndex: the scan may be re-entered
  for (let m = open.exec(text); m !== null; m = open.exec(text)) {
    opened = true;
    const start = m.index;
    const bodyOffset = start + m[0].length;
    const close = text.indexOf("*/", bodyOffset);
    if (close === -1) {
      diagnostics.push({
        severity: "error",
        rule: "werf-yaml-block",
        message: "the werf-mirror comment block is never closed; end it with `*/}}` or `*/ -}}` on a line of its own",
        origin: at(start),
      });
      break;
    }
    CLOSE_DELIM.lastIndex = close + 2;
    if (!CLOSE_DELIM.test(text)) {
      diagnostics.push({
        severity: "error",
        rule: "werf-yaml-block",
        message:
          "a Go template comment must end with `*/}}` or `*/ -}}` (werf would fail to render werf.yaml); close the werf-mirror block that way",
        origin: at(close),
      });
    }
    blockSpans.push([start, close]);
    open.lastIndex = close + 2;
    if (block) {
      diagnostics.push({
        severity: "error",
        rule: "werf-yaml-block",
        message: "werf.yaml holds a second werf-mirror block; keep one block and merge the two",
        origin: at(start),
      });
      continue;
    }
    block = { bodyOffset, body: text.slice(bodyOffset, close) };
  }
  diagnostics.push(...findBareMirrorKeys(text, blockSpans, at));
  return { block, opened, diagnostics };
}

const BARE_KEYS = /^(mirrors|werf-mirror|werfMirror|registryMirrors|registry-mirrors)[ \t]*:/gm;

/** A top-level mirrors-like key in werf.yaml's first (meta) document makes werf fail. */
function findBareMirrorKeys(
  text: string,
  blockSpans: [number, number][],
  at: (offset: number) => ReturnType<typeof originAt>,
): Diagnostic[] {
  const docEnd = text.search(/^---/m);
  const firstDocEnd = docEnd > 0 ? docEnd : text.length;
  const out: Diagnostic[] = [];
  // Keys and spans both come in file order: one walk over the spans, not a search per key.
  let span = 0;
  for (const m of text.matchAll(BARE_KEYS)) {
    const offset = m.index ?? 0;
    if (offset >= firstDocEnd) break;
    while (span < blockSpans.length && blockSpans[span]![1] <= offset) span++;
    if (span < blockSpans.length && offset > blockSpans[span]![0]) continue;
    out.push({
      severity: "error",
      rule: "werf-yaml-meta-key",
      message: `werf rejects unknown keys in werf.yaml (\`unknown fields: ${m[1]}\`); move the mirrors into a Go template comment block:\n${BLOCK_EXAMPLE}`,
      origin: at(offset),
    });
  }
  return out;
}

