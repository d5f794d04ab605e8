// JSON Schema validation (Ajv, compiled ahead of time by scripts/generate.mjs) with every error
// turned into a diagnostic at the offending key or value.
import schemaJson from "../../schema/werf-mirror.schema.json" with { type: "json" };
import { validate } from "../generated/validate.js";
import type { Diagnostic } from "./types.js";
import { locate, type ConfigSource, type PathSegment } from "./source.js";

interface AjvError {
  instancePath: string;
  schemaPath: string;
  keyword: string;
  params: Record<string, unknown>;
  message?: string;
}

type SchemaNode = {
  $ref?: string;
  properties?: Record<string, SchemaNode>;
  enum?: unknown[];
  const?: unknown;
  type?: string;
  oneOf?: SchemaNode[];
  pattern?: string;
  description?: string;
};
const schema = schemaJson as unknown as SchemaNode & { $defs: Record<string, SchemaNode> };

export function validateSchema(source: ConfigSource): Diagnostic[] {
  if (validate(source.data)) return [];
  const errors = pruneOneOf((validate as unknown as { errors: AjvError[] }).errors ?? [], source.data);
  const seen = new Set<string>();
  const out: Diagnostic[] = [];
  for (const err of errors) {
    const d = toDiagnostic(err, source);
    const id = `${d.rule}|${d.message}|${JSON.stringify(d.origin)}`;
    if (!seen.has(id)) {
      seen.add(id);
      out.push(d);
    }
  }
  return out;
}

function toDiagnostic(err: AjvError, source: ConfigSource): Diagnostic {
  const path = pointerToPath(err.instancePath);
  const where = describePath(path);
  const parent = schemaForPath(path, source.data);
  switch (err.keyword) {
    case "additionalProperties": {
      const key = String(err.params.additionalProperty);
      const allowed = Object.keys(parent?.properties ?? {}).filter((k) => k !== "$schema");
      const guess = closest(key, allowed);
      return {
        severity: "error",
        rule: "unknown-key",
        message:
          `unknown key \`${shorten(key)}\`${where ? ` in ${where}` : " at the top level"}` +
          (guess ? `; did you mean \`${guess}\`?` : ".") +
          ` Allowed: ${allowed.join(", ")}.`,
        origin: locate(source, [...path, key], { key: true }),
      };
    }
    case "required":
      return {
        severity: "error",
        rule: "missing-key",
        message: `\`${String(err.params.missingProperty)}\` is required${where ? ` in ${where}` : ""}${
          err.params.missingProperty === "version" ? "; add `version: 1` at the top" : ""
        }`,
        origin: locate(source, path),
      };
    case "enum":
      return {
        severity: "error",
        rule: "invalid-value",
        message: `${where} must be one of: ${(parent?.enum ?? (err.params.allowedValues as unknown[]) ?? []).join(", ")}`,
        origin: locate(source, path),
      };
    case "const":
      return {
        severity: "error",
        rule: "invalid-value",
        message: `${where} must be ${JSON.stringify(err.params.allowedValue)}; write \`${String(path[path.length - 1])}: ${JSON.stringify(err.params.allowedValue)}\``,
        origin: locate(source, path),
      };
    case "type": {
      const isMirror = typeof path[path.length - 1] === "number" && path[path.length - 2] === "mirrors";
      const type = String(err.params.type);
      const expected = isMirror ? "a URL string or a mapping with `url`" : type === "array" ? "a list" : `${/^[aeiou]/.test(type) ? "an" : "a"} ${type}`;
      return {
        severity: "error",
        rule: "invalid-type",
        message: `${where || "the configuration"} must be ${expected}${typeHint(path, valueAt(source.data, path), type, parent)}`,
        origin: locate(source, path),
      };
    }
    case "pattern":
      return {
        severity: "error",
        rule: "invalid-value",
        message: `${where} must be ${parent?.description ? lowerFirst(parent.description.replace(/\.$/, "")) : "in a valid format"}`,
        origin: locate(source, path),
      };
    case "minimum":
      return {
        severity: "error",
        rule: "invalid-value",
        message: `${where} must be a whole number of at least ${String(err.params.limit)}`,
        origin: locate(source, path),
      };
    case "minLength":
      return {
        severity: "error",
        rule: "schema",
        message: `${where} must not be empty; give it a value or remove the key`,
        origin: locate(source, path),
      };
    default:
      return {
        severity: "error",
        rule: "schema",
        message: `${where || "the configuration"} ${err.message ?? "is invalid"}`,
        origin: locate(source, path),
      };
  }
}

/**
 * A mirror is `string | {url,...}` (oneOf). Ajv reports both branches; keep only the errors of
 * the branch that matches the value's type, and drop the summary oneOf error when others explain it.
 */
function pruneOneOf(errors: AjvError[], data: unknown): AjvError[] {
  const byPath = new Map<string, AjvError[]>();
  for (const e of errors) {
    const list = byPath.get(e.instancePath);
    if (list) list.push(e);
    else byPath.set(e.instancePath, [e]);
  }
  return errors.filter((e) => {
    const siblings = byPath.get(e.instancePath) ?? [];
    const isMirror = /\/mirrors\/\d+$/.test(e.instancePath);
    if (!isMirror) return true;
    const value = valueAt(data, pointerToPath(e.instancePath));
    if (e.keyword === "oneOf") return siblings.length === 1 && typeof value !== "object";
    if (value !== null && typeof value === "object" && !Array.isArray(value)) {
      return !e.schemaPath.startsWith("#/$defs/mirrorUrl") && !(e.keyword === "type" && e.params.type === "string");
    }
    if (typeof value === "string") return e.schemaPath.startsWith("#/$defs/mirrorUrl");
    return e.keyword === "type" && e.params.type === "string";
  });
}

function valueAt(data: unknown, path: PathSegment[]): unknown {
  let v = data;
  for (const seg of path) v = v && typeof v === "object" ? (v as Record<string, unknown>)[seg] : undefined;
  return v;
}

export function pointerToPath(pointer: string): PathSegment[] {
  if (!pointer) return [];
  return pointer
    .slice(1)
    .split("/")
    .map((s) => s.replace(/~1/g, "/").replace(/~0/g, "~"))
    .map((s) => (/^\d+$/.test(s) ? Number(s) : s));
}

/** `registries."docker.io".mirrors[0]` */
export function describePath(path: PathSegment[]): string {
  let out = "";
  for (const seg of path) {
    if (typeof seg === "number") out += `[${seg}]`;
    else out += (out ? "." : "") + (/^[A-Za-z_$][\w$-]*$/.test(seg) ? seg : JSON.stringify(shorten(seg)));
  }
  return out ? `\`${out}\`` : "";
}

/** Keys of a registry's settings: written at the registry's own level, they were meant one level deeper. */
const REGISTRY_SETTINGS = ["mirrors", "fallback", "blocked"];

/** What most likely went wrong, for the common cases: indentation and durations written as numbers. */
function typeHint(path: PathSegment[], value: unknown, type: string, node: SchemaNode | undefined): string {
  const last = path[path.length - 1];
  if (path.length === 2 && path[0] === "registries" && typeof last === "string" && REGISTRY_SETTINGS.includes(last)) {
    return `; \`${last}\` is read as a registry name here: it is indented at the level of the registries, so indent it (two more spaces) below its registry key`;
  }
  if (type === "object" && value === null) {
    return "; it has no value: if the lines below belong to it, they are not indented under it (indent them two more spaces)";
  }
  if (type === "string" && typeof value === "number" && node?.pattern && /ms\|s\|m|\(ms\|s\|m\)/.test(node.pattern)) {
    return `; write a duration as a number and a unit, such as \`${value}s\` or \`${value}ms\``;
  }
  return "";
}

function lowerFirst(s: string): string {
  return s.charAt(0).toLowerCase() + s.slice(1);
}

function shorten(s: string): string {
  return s.length > 60 ? `${s.slice(0, 57)}...` : s;
}

/** The schema that applies to the value at `path` (following $ref, additionalProperties, items, oneOf). */
function schemaForPath(path: PathSegment[], data: unknown): SchemaNode | undefined {
  let node: SchemaNode | undefined = deref(schema);
  let value = data;
  for (const seg of path) {
    if (!node) return undefined;
    const n: SchemaNode & { additionalProperties?: SchemaNode | boolean; items?: SchemaNode } = node;
    value = value && typeof value === "object" ? (value as Record<string, unknown>)[seg] : undefined;
    if (typeof seg === "number") node = deref(n.items);
    else node = deref(n.properties?.[seg] ?? (typeof n.additionalProperties === "object" ? n.additionalProperties : undefined));
    if (node?.oneOf) {
      const isObject = value !== null && typeof value === "object";
      node = node.oneOf.map(deref).find((b) => (b?.type === "object") === isObject) ?? node;
    }
  }
  return node;
}

function deref(node: SchemaNode | undefined): SchemaNode | undefined {
  let n = node;
  while (n?.$ref) n = schema.$defs[n.$ref.replace("#/$defs/", "")];
  return n;
}

/** The allowed name closest to `key`, if it is close enough to be a typo. */
export function closest(key: string, candidates: string[]): string | undefined {
  let best: string | undefined;
  let bestDist = Infinity;
  for (const c of candidates) {
    const d = editDistance(key.toLowerCase(), c.toLowerCase());
    if (d < bestDist) {
      bestDist = d;
      best = c;
    }
  }
  return best !== undefined && bestDist <= Math.max(2, Math.floor(best.length / 3)) ? best : undefined;
}

function editDistance(a: string, b: string): number {
  if (Math.abs(a.length - b.length) > 3) return 99;
  const prev = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let diag = prev[0]!;
    prev[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const tmp = prev[j]!;
      prev[j] = Math.min(prev[j]! + 1, prev[j - 1]! + 1, diag + (a[i - 1] === b[j - 1] ? 0 : 1));
      diag = tmp;
    }
  }
  return prev[b.length]!;
}
