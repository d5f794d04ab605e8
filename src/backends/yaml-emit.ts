// Block-style YAML for plain data (objects, arrays, strings, booleans, numbers). The `yaml`
// package's stringifier takes ~150 ms for a thousand registries; this takes ~1 ms. Every string
// is either a plain scalar that no YAML 1.1 or 1.2 reader can take for anything but that string,
// or a JSON double-quoted string (JSON's escapes are a subset of YAML's double-quoted escapes).
// The render property tests parse every emitted file back with the `yaml` package.

/** Plain only when it cannot start an indicator, hold a comment, or end a key early. */
const PLAIN = /^[A-Za-z0-9/_][A-Za-z0-9._~/:@+-]*$/;
/** Words YAML 1.1 (k3s reads with go-yaml) or 1.2 resolve to booleans or null. */
const RESERVED = /^(?:y|n|yes|no|on|off|true|false|null)$/i;
/** Anything a core or YAML 1.1 schema could read as a number. */
const NUMERIC = /^[-+]?(?:0x[0-9a-f_]+|0o?[0-7_]+|0b[01_]+|[0-9][0-9_]*(?:\.[0-9_]*)?(?:e[-+]?[0-9]+)?)$/i;

export function yamlScalar(value: unknown): string {
  if (typeof value === "boolean") return value ? "true" : "false";
  if (typeof value === "number" && Number.isFinite(value)) return String(value);
  if (typeof value !== "string") throw new TypeError(`cannot write ${typeof value} as a YAML scalar`);
  const plain = PLAIN.test(value) && /[a-z]/i.test(value) && !RESERVED.test(value) && !NUMERIC.test(value) && !value.endsWith(":");
  return plain ? value : JSON.stringify(value);
}

/** A mapping at the top level, nested mappings and sequences in block style. */
export function toBlockYaml(data: Record<string, unknown>): string {
  const out: string[] = [];
  writeMap(data, "", out);
  return out.length ? `${out.join("\n")}\n` : "{}\n";
}

function writeMap(map: Record<string, unknown>, pad: string, out: string[]): void {
  for (const [key, value] of Object.entries(map)) {
    const k = `${pad}${yamlScalar(key)}:`;
    if (Array.isArray(value)) {
      if (value.length === 0) out.push(`${k} []`);
      else {
        out.push(k);
        writeSeq(value, `${pad}  `, out);
      }
    } else if (value !== null && typeof value === "object") {
      if (Object.keys(value).length === 0) out.push(`${k} {}`);
      else {
        out.push(k);
        writeMap(value as Record<string, unknown>, `${pad}  `, out);
      }
    } else out.push(`${k} ${yamlScalar(value)}`);
  }
}

function writeSeq(items: unknown[], pad: string, out: string[]): void {
  for (const item of items) {
    if (Array.isArray(item) || (item !== null && typeof item === "object")) {
      throw new TypeError("nested collections in sequences are not needed by any renderer");
    }
    out.push(`${pad}- ${yamlScalar(item)}`);
  }
}
