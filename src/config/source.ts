// A config document parsed with the `yaml` package, keeping enough to turn any path in the
// data into file:line:col. The document may be a slice of a larger file (the werf.yaml comment
// block) or a key inside one (package.json's `werfMirror`): offsets are mapped back to the file.
import { LineCounter, parseDocument, isMap, isSeq, isPair, isScalar, type Document, type Node, type Pair, type YAMLMap } from "yaml";
import type { Diagnostic, Origin } from "./types.js";

export interface ConfigSource {
  /** Absolute path of the file. */
  file: string;
  /** The parsed document: whole file, or the werf.yaml block body. */
  doc: Document.Parsed;
  /** Where the config lives inside `doc` (`["werfMirror"]` for package.json). */
  root: (string | number)[];
  /** Offset of the document's text within the file. */
  baseOffset: number;
  /** Line counter over the whole file. */
  lines: LineCounter;
  /** The config as plain data (undefined when the document is empty). */
  data: unknown;
}

export type PathSegment = string | number;

export interface ParseResult {
  source?: ConfigSource;
  diagnostics: Diagnostic[];
}

/** Parses `text` (a slice of `fullText` starting at `baseOffset`) as YAML with positions. */
export function parseConfigText(
  file: string,
  fullText: string,
  text: string,
  baseOffset = 0,
  root: PathSegment[] = [],
): ParseResult {
  const lines = countLines(fullText);
  const doc = parseDocument(text, { prettyErrors: false, uniqueKeys: true });
  const source: ConfigSource = { file, doc, root, baseOffset, lines, data: undefined };
  const diagnostics: Diagnostic[] = [];
  for (const err of doc.errors) {
    const at = (err.pos?.[0] ?? 0) + baseOffset;
    diagnostics.push({
      severity: "error",
      rule: err.code === "DUPLICATE_KEY" ? "duplicate-key" : "yaml-syntax",
      message:
        err.code === "DUPLICATE_KEY"
          ? "this key appears twice in the same mapping; keep one"
          : `YAML syntax error: ${firstLine(err.message)}; fix the YAML at this position`,
      origin: originAt(source, at),
    });
  }
  if (diagnostics.length > 0) return { diagnostics };
  let data: unknown;
  try {
    // maxAliasCount bounds alias expansion ("billion laughs").
    data = doc.toJS({ maxAliasCount: 100 });
  } catch (err) {
    const node = doc.contents;
    return {
      diagnostics: [
        {
          severity: "error",
          rule: "yaml-syntax",
          message: /unresolved alias/i.test((err as Error).message)
            ? `YAML error: ${firstLine((err as Error).message)}; define each anchor (&name) before its alias (*name), or quote values that start with * or &`
            : `YAML error: ${firstLine((err as Error).message)}; write the values out instead of nesting aliases`,
          origin: originAt(source, (node?.range?.[0] ?? 0) + baseOffset),
        },
      ],
    };
  }
  for (const seg of root) {
    data = data && typeof data === "object" ? (data as Record<string | number, unknown>)[seg] : undefined;
  }
  source.data = data;
  return { source, diagnostics };
}

/** The yaml package's messages repeat the source line after a colon: keep the sentence only. */
/** A line counter over the whole file, so that positions inside a slice are the file's own. */
export function countLines(text: string): LineCounter {
  const lines = new LineCounter();
  lines.addNewLine(0);
  for (let i = text.indexOf("\n"); i !== -1; i = text.indexOf("\n", i + 1)) lines.addNewLine(i + 1);
  return lines;
}

function firstLine(message: string): string {
  const line = message.split("\n")[0] ?? message;
  return line.replace(/ at line \d+, column \d+:?\s*$/, "").trim();
}

export function originAt(source: Pick<ConfigSource, "file" | "lines">, offset: number): Origin {
  const { line, col } = source.lines.linePos(offset);
  return { kind: "file", file: source.file, line, col };
}

/**
 * The position of a value (or of its key, with `key: true`) at `path` below the config root.
 * Falls back to the nearest existing ancestor.
 */
export function locate(source: ConfigSource, path: PathSegment[], opts: { key?: boolean } = {}): Origin {
  const full = [...source.root, ...path];
  let node: unknown = source.doc.contents;
  let best: Node | undefined = isNodeWithRange(node) ? node : undefined;
  for (let i = 0; i < full.length; i++) {
    const seg = full[i];
    const last = i === full.length - 1;
    if (isMap(node)) {
      const pair = pairIndex(node).get(String(seg));
      if (!pair) break;
      if (last && opts.key && isNodeWithRange(pair.key)) {
        best = pair.key;
        break;
      }
      node = pair.value;
      if (isNodeWithRange(pair.value)) best = pair.value;
      else if (isNodeWithRange(pair.key)) best = pair.key;
    } else if (isSeq(node) && typeof seg === "number") {
      node = node.items[seg];
      if (!isNodeWithRange(node)) break;
      best = node;
    } else break;
  }
  const offset = best?.range?.[0] ?? 0;
  return originAt(source, offset + source.baseOffset);
}

// Lookups by key, built once per mapping: locating every value of a large file stays linear.
const pairIndexes = new WeakMap<object, Map<string, Pair>>();
function pairIndex(map: YAMLMap): Map<string, Pair> {
  let index = pairIndexes.get(map);
  if (!index) {
    index = new Map();
    for (const p of map.items) {
      const k = isPair(p) ? scalarValue(p.key) : undefined;
      if (k !== undefined && !index.has(k)) index.set(k, p);
    }
    pairIndexes.set(map, index);
  }
  return index;
}

function scalarValue(node: unknown): string | undefined {
  if (isScalar(node)) return String(node.value);
  return undefined;
}

function isNodeWithRange(node: unknown): node is Node {
  return !!node && typeof node === "object" && "range" in node && Array.isArray((node as Node).range);
}
