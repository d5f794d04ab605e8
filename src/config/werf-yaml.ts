// The werf-mirror section inside werf.yaml. werf renders werf.yaml as a Go template (text/template)
// and rejects unknown keys, so the section lives in a Go template comment, which werf discards:
//
//   {{- /* werf-mirror
//   version: 1
//   ...
//   */ -}}
//
// Only the comment body is read as YAML; the rest of werf.yaml (templates included) is never
// parsed. But the block must not change what werf reads, and Go's lexer decides that
// (text/template/parse/lex.go, modelled here exactly):
// - a comment starts only at `{{/*` or at `{{-` + one space, tab, CR or LF + `/*`; anything
//   else (`{{-/*`, `{{ /*`, `{{-  /*`) is an action, and `/` in an action is a parse error;
// - the first `*/` ends the comment, wherever it stands (a YAML comment or a quoted value
//   included), and `}}` or one space/tab/CR/LF + `-}}` must follow at once, else Go fails with
//   "comment ends before closing delimiter";
// - `{{-` removes every space, tab, CR and LF before the action (back to the previous action),
//   `-}}` every one after it (up to the next action).
// So lint renders the block's surroundings both ways, with the block and without it (its
// `{{ ... }}` deleted), and errors when werf would read anything else than werf.yaml without
// the block; test/werf/werf-yaml-go.test.ts checks that claim against Go's own text/template.
import type { Diagnostic } from "./types.js";
import { LineTable, originAt } from "./source.js";
import { printable } from "../preflight/printable.js";

export const WERF_YAML_NAMES = ["werf.yaml", "werf.yml"];

export interface WerfYamlBlock {
  /** Offset of the block's `{{` in the file. */
  start: number;
  /** Offset just after its closing `}}` (of its closing line, when a `*\/` inside ends the Go comment earlier). */
  end: number;
  /** Offset of the body's first character in the file. */
  bodyOffset: number;
  body: string;
}

export interface WerfYamlScan {
  block?: WerfYamlBlock;
  /** Whether a werf-mirror block opens at all (closed or not, Go-readable or not): the file is then meant as a config. */
  opened: boolean;
  diagnostics: Diagnostic[];
}

/** A template action as Go's lexer delimits it. */
interface Action {
  start: number;
  end: number;
  /** `{{-` + space: the white space before it is trimmed. */
  leftTrim: boolean;
  /** space + `-}}`: the white space after it is trimmed. */
  rightTrim: boolean;
}

/**
 * The block's opening: `{{`, an optional `-`, white space, `/*`, `werf-mirror` and the end of the
 * line. The opener line must hold nothing else, so that prose such as
 * `{{/* werf-mirror is configured in werf-mirror.yaml *\/}}` is never taken for the block.
 * Go reads it as a comment only with no white space after `{{`, or exactly one after `{{-`.
 */
const OPENER = /\{\{(-?)([ \t\r\n]*)\/\*[ \t]*werf-mirror[ \t]*(?=\r?\n|$)/y;
const BLOCK_EXAMPLE = "{{- /* werf-mirror\nversion: 1\nregistries:\n  docker.io:\n    mirrors: [https://mirror.gcr.io]\n*/ -}}";
const UNTRIMMED_FORM = "open the block with `{{/* werf-mirror` and close it with `*/}}`";

/** Go's white space for trimming and trim markers (lex.go `spaceChars`): no other character counts. */
const isGoSpace = (c: string | undefined) => c === " " || c === "\t" || c === "\r" || c === "\n";

function trimGo(s: string, start: boolean, end: boolean): string {
  let i = 0;
  let j = s.length;
  if (start) while (i < j && isGoSpace(s[i])) i++;
  if (end) while (j > i && isGoSpace(s[j - 1])) j--;
  return s.slice(i, j);
}

/** Whether the action at `i` (its `{{`) starts with a trim marker. */
const leftTrimAt = (text: string, i: number) => text[i + 2] === "-" && isGoSpace(text[i + 3]);

/** A right delimiter at `p`: `}}`, or one Go space + `-}}` (lex.go atRightDelim). */
function rightDelimAt(text: string, p: number): { end: number; trim: boolean } | undefined {
  if (isGoSpace(text[p]) && text[p + 1] === "-" && text.startsWith("}}", p + 2)) return { end: p + 4, trim: true };
  if (text.startsWith("}}", p)) return { end: p + 2, trim: false };
  return undefined;
}

export function isWerfYaml(path: string): boolean {
  const base = path.split(/[\\/]/).pop() ?? "";
  return WERF_YAML_NAMES.includes(base);
}

/**
 * Reads werf.yaml as Go's lexer does, one pass and linear on any input (a search that found no
 * terminator is not repeated: `never` remembers from where there is none). Actions around the
 * block are delimited exactly; after a template error elsewhere (werf fails there anyway) the
 * block is still looked for by its opener line, so that its own problems are reported too.
 */
export function scanWerfYaml(file: string, text: string): WerfYamlScan {
  const lines = new LineTable(text);
  const at = (offset: number) => originAt({ file, lines }, offset);
  const diagnostics: Diagnostic[] = [];
  const error = (offset: number, message: string) => diagnostics.push({ severity: "error", rule: "werf-yaml-block", message, origin: at(offset) });
  const never = new Map<string, number>();
  const find = (needle: string, from: number) => {
    if (from >= (never.get(needle) ?? Infinity)) return -1;
    const i = text.indexOf(needle, from);
    if (i < 0) never.set(needle, Math.min(from, never.get(needle) ?? Infinity));
    return i;
  };

  let noClosingLineFrom = Infinity;
  const closingLine = (from: number) => {
    const found = from >= noClosingLineFrom ? -1 : closingLineFrom(text, from);
    if (found < 0) noClosingLineFrom = Math.min(from, noClosingLineFrom);
    return found;
  };

  let block: WerfYamlBlock | undefined;
  const blockSpans: [number, number][] = [];
  let opened = false;
  /** The action before the current position: none (the file's start), one, or unknown after a template error. */
  let prev: Action | undefined | "unknown";
  let pos = 0;
  for (;;) {
    const i = prev === "unknown" ? nextOpener(text, pos) : find("{{", pos);
    if (i < 0) break;
    OPENER.lastIndex = i;
    const open = OPENER.exec(text);
    if (!open) {
      const action = lexAction(text, i, find);
      // Go stops at an error; werf fails there. Keep looking for the block by its opener line.
      prev = action ?? "unknown";
      pos = action ? action.end : i + 2;
      continue;
    }
    opened = true;
    const goComment = (open[1] === "" && open[2] === "") || (open[1] === "-" && open[2]!.length === 1);
    if (!goComment) {
      error(
        i,
        `Go's template parser does not read \`${printable(open[0].slice(0, open[0].indexOf("/*") + 2))}\` as the start of a comment (only \`{{/*\` or \`{{-\` and one space before \`/*\`): ` +
          `werf would fail to parse werf.yaml; ${UNTRIMMED_FORM} (\`{{- /* werf-mirror\` ... \`*/ -}}\` only at the very start of werf.yaml)`,
      );
    }
    const bodyOffset = i + open[0].length;
    const close = find("*/", bodyOffset);
    if (close < 0) {
      error(
        i,
        "the werf-mirror comment block is never closed: Go reads the rest of werf.yaml as the comment, so werf would fail to parse it (unclosed comment); end the block with `*/}}` on a line of its own",
      );
      break;
    }
    const delim = rightDelimAt(text, close + 2);
    const ownLine = delim !== undefined && onLineOfItsOwn(text, close);
    // Where the user meant the block to end: the first closing line from the first `*/` on.
    const intended = ownLine ? close : closingLine(close);
    if (!ownLine) {
      error(
        close,
        delim
          ? "`*/` ends the Go template comment here, inside the werf-mirror block: werf would read the rest of the block as werf.yaml. " +
              "The block must hold no `*/`, not even in a YAML comment or a quoted value; close it with `*/}}` on a line of its own"
          : onLineOfItsOwn(text, close)
            ? "Go requires `}}` (or one space and `-}}`) right after the comment's `*/`: werf would fail to parse werf.yaml (comment ends before closing delimiter); close the werf-mirror block with `*/}}`"
            : "`*/` ends the Go template comment here, inside the werf-mirror block, and no `}}` follows: werf would fail to parse werf.yaml (comment ends before closing delimiter). " +
              "The block must hold no `*/`, not even in a YAML comment or a quoted value; close it with `*/}}` on a line of its own",
      );
    }
    const end = intended >= 0 ? intended : close;
    blockSpans.push([i, end]);
    if (block) {
      error(i, "werf.yaml holds a second werf-mirror block; keep one block and merge the two");
    } else {
      // `end`: where the user's block ends (its intended closing line when the first `*/` is not it).
      const closing = ownLine ? delim : intended >= 0 ? rightDelimAt(text, intended + 2) : undefined;
      block = { start: i, end: closing?.end ?? close + 2, bodyOffset, body: text.slice(bodyOffset, end) };
      if (goComment && ownLine) {
        const changed = changeToWerfView(text, { start: i, end: delim!.end, leftTrim: open[1] === "-", rightTrim: delim!.trim }, prev);
        if (changed) error(changed.offset, changed.message);
      }
    }
    if (goComment && ownLine) {
      prev = { start: i, end: delim!.end, leftTrim: open[1] === "-", rightTrim: delim!.trim };
      pos = delim!.end;
    } else {
      prev = "unknown";
      pos = end + 2;
    }
  }
  diagnostics.push(...findBareMirrorKeys(text, blockSpans, at));
  return { block, opened, diagnostics };
}

/** The next werf-mirror opener at or after `from` (by its line alone: used after a template error). */
function nextOpener(text: string, from: number): number {
  const re = /\{\{-?[ \t\r\n]*\/\*[ \t]*werf-mirror[ \t]*(?=\r?\n|$)/g;
  re.lastIndex = from;
  return re.exec(text)?.index ?? -1;
}

/** Whether only spaces and tabs stand between the start of the line and `offset`. */
function onLineOfItsOwn(text: string, offset: number): boolean {
  for (let p = offset - 1; p >= 0 && text[p] !== "\n"; p--) if (text[p] !== " " && text[p] !== "\t") return false;
  return true;
}

/** The offset of the `*\/` of the first line from `from` on that is a closing line (`*\/}}` or `*\/ -}}`), or -1. */
function closingLineFrom(text: string, from: number): number {
  const re = /^[ \t]*\*\/(?:\}\}|[ \t]-\}\})/gm;
  re.lastIndex = from;
  const m = re.exec(text);
  return m ? m.index + m[0].indexOf("*/") : -1;
}

/**
 * The action whose `{{` is at `start`, delimited as Go's lexer does: a comment ends at the first
 * `*\/` (which a right delimiter must follow), any other action at the first right delimiter
 * outside quoted strings, raw strings and character constants. Undefined where Go fails.
 */
function lexAction(text: string, start: number, find: (needle: string, from: number) => number): Action | undefined {
  const leftTrim = leftTrimAt(text, start);
  let p = start + 2 + (leftTrim ? 2 : 0);
  if (text.startsWith("/*", p)) {
    const close = find("*/", p + 2);
    const delim = close < 0 ? undefined : rightDelimAt(text, close + 2);
    return delim && { start, end: delim.end, leftTrim, rightTrim: delim.trim };
  }
  if (find("}}", p) < 0) return undefined; // unclosed action
  while (p < text.length) {
    const delim = rightDelimAt(text, p);
    if (delim) return { start, end: delim.end, leftTrim, rightTrim: delim.trim };
    const c = text[p]!;
    if (c === "`") {
      const q = find("`", p + 1);
      if (q < 0) return undefined;
      p = q + 1;
    } else if (c === '"' || c === "'") {
      // An interpreted string or a character constant: backslash escapes; a line break ends it in error.
      for (p++; p < text.length && text[p] !== c; p++) {
        if (text[p] === "\n") return undefined;
        if (text[p] === "\\") p++;
      }
      if (p >= text.length) return undefined;
      p++;
    } else {
      p++;
    }
  }
  return undefined;
}

/**
 * Whether the block (its action) changes what werf reads: Go's output of the text around it, with
 * the block and with the block deleted. Only the text between the neighbouring actions can
 * differ: the block's own trim markers eat white space there, and the block stops the neighbours'
 * trimming. Before the first action, blank lines are compared away: YAML ignores them at the
 * start of a document stream (werf splits the rendered file into documents and parses each).
 */
function changeToWerfView(text: string, blk: Action, prev: Action | undefined | "unknown"): { offset: number; message: string } | undefined {
  if (prev === "unknown") return undefined; // werf fails earlier anyway
  const next = text.indexOf("{{", blk.end);
  const nextTrim = next >= 0 && leftTrimAt(text, next);
  const prevTrim = prev?.rightTrim === true;
  const before = text.slice(prev?.end ?? 0, blk.start);
  const after = text.slice(blk.end, next < 0 ? text.length : next);
  const beforeWith = trimGo(before, prevTrim, blk.leftTrim);
  const afterWith = trimGo(after, blk.rightTrim, nextTrim);
  const view = (s: string) => (prev === undefined ? s.replace(/^(?:[ \t\r]*\n)*/, "") : s);
  const withBlock = view(beforeWith + afterWith);
  const without = view(trimGo(before + after, prevTrim, nextTrim));
  if (withBlock === without) return undefined;
  const reads = describeDifference(withBlock, without);
  const atStart = prev === undefined && trimGo(before, true, true) === "";
  // Which trimming makes the difference: the block's `{{-`, its `-}}`, or else a neighbour's.
  if (blk.leftTrim && view(trimGo(before, prevTrim, false) + afterWith) !== withBlock) {
    return {
      offset: blk.start,
      message:
        `the \`{{-\` of the werf-mirror block removes the line break before it, so ${reads}. ` +
        `Trimming is safe only at the very start of werf.yaml (nothing but white space before the block); here ${UNTRIMMED_FORM}`,
    };
  }
  if (blk.rightTrim && view(beforeWith + trimGo(after, false, nextTrim)) !== withBlock) {
    return {
      offset: text.lastIndexOf("-}}", blk.end),
      message: atStart
        ? `the \`-}}\` of the werf-mirror block removes the white space after it, the next line's indentation included, so ${reads}; close the block with \`*/}}\` (no dash)`
        : `the \`-}}\` of the werf-mirror block removes the line break after it, so ${reads}. ` +
          `Trimming is safe only at the very start of werf.yaml (nothing but white space before the block); here ${UNTRIMMED_FORM}`,
    };
  }
  return {
    offset: blk.start,
    message:
      `${nextTrim ? "the `{{-` of the next action" : "the `-}}` of the action before it"} trims white space only up to the werf-mirror block, ` +
      `where without the block it would trim on, so ${reads}; move the block away from trimming actions (to the very top of werf.yaml, say)`,
  };
}

/** What werf would read differently, for the first line that differs. */
function describeDifference(withBlock: string, without: string): string {
  const show = (s: string) => `\`${printable(s.length > 60 ? `${s.slice(0, 57)}...` : s)}\``;
  const lastLine = (s: string) =>
    s
      .replace(/[ \t\r\n]+$/, "")
      .split("\n")
      .pop() ?? "";
  if (without.startsWith(withBlock)) {
    return `werf would read ${show(lastLine(withBlock))} without the line break that follows it in werf.yaml (the value of a block scalar there loses its last newline)`;
  }
  if (withBlock.startsWith(without)) return `werf would read a line break after ${show(lastLine(without))} that werf.yaml without the block does not have`;
  const a = withBlock.split("\n");
  const b = without.split("\n");
  let k = 0;
  while (a[k] === b[k]) k++;
  return `werf would read ${show(a[k] ?? "")} where werf.yaml without the block has ${show(b[k] ?? "")}`;
}

const BARE_KEYS = /^(mirrors|werf-mirror|werfMirror|registryMirrors|registry-mirrors)[ \t]*:/gm;

/** A top-level mirrors-like key in werf.yaml's first (meta) document makes werf fail. */
function findBareMirrorKeys(text: string, blockSpans: [number, number][], at: (offset: number) => ReturnType<typeof originAt>): Diagnostic[] {
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
