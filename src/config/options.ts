// The options, each declared once. A setting's allowed values and default come from the JSON
// Schema itself (its `enum` and `default` at the setting's path); its environment variable and
// flag are named here. The env and flag layers (layers.ts), the defaults (model.ts), the CLI's
// option specs and help (cli/options.ts, cli/main.ts) and the README's lists derive from this
// table; test/options.test.ts checks its invariants, as Renovate's lib/config/options does.
import schema from "../../schema/werf-mirror.schema.json" with { type: "json" };

type SchemaNode = {
  $ref?: string;
  properties?: Record<string, SchemaNode>;
  additionalProperties?: SchemaNode | boolean;
  items?: SchemaNode;
  oneOf?: SchemaNode[];
  enum?: readonly unknown[];
  default?: unknown;
  description?: string;
};

const root = schema as unknown as SchemaNode & { $defs: Record<string, SchemaNode> };

/** A node with its `$ref` followed; the node's own keywords (a `default` beside the `$ref`) win. */
function deref(node: SchemaNode): SchemaNode {
  if (!node.$ref) return node;
  const { $ref, ...own } = node;
  return { ...deref(root.$defs[$ref.replace("#/$defs/", "")]!), ...own };
}

/**
 * The schema node at a dotted path: `preflight.timeout`; `*` steps into a map's values
 * (`registries.*.fallback`), `[]` into an array's items, and a `oneOf` is searched for the path.
 */
export function schemaAt(path: string): SchemaNode | undefined {
  let node: SchemaNode | undefined = root;
  for (const step of path.split(".")) {
    if (!node) return undefined;
    const n: SchemaNode = deref(node);
    const next = (m: SchemaNode): SchemaNode | undefined => {
      const d = deref(m);
      if (step === "*") return typeof d.additionalProperties === "object" ? d.additionalProperties : undefined;
      if (step === "[]") return d.items;
      return d.properties?.[step] ?? d.oneOf?.map(next).find((x) => x !== undefined);
    };
    node = next(n);
  }
  return node ? deref(node) : undefined;
}

/** The schema's `default` at a path (a test checks every default the code uses is there). */
export function schemaDefault<T>(path: string): T {
  const node = schemaAt(path);
  if (!node || node.default === undefined) throw new Error(`the schema has no default at ${path}`);
  return node.default as T;
}

/** The schema's `enum` at a path. */
export function schemaEnum(path: string): readonly string[] {
  const values = schemaAt(path)?.enum;
  if (!values) throw new Error(`the schema has no enum at ${path}`);
  return values as readonly string[];
}

/** An option that the environment and the command line can set, besides (or instead of) the file. */
export interface Option {
  /** Key in the env and flag layers. */
  key: "config" | "backend" | "outDir" | "timeout" | "unhealthy";
  /** Where the config file holds it; none for `config` itself. */
  path?: string;
  env: `WERF_MIRROR_${string}`;
  flag: `--${string}`;
  /** Placeholder in help: `--timeout DURATION`. */
  valueName: string;
  description: string;
}

export const OPTIONS: readonly Option[] = [
  { key: "config", env: "WERF_MIRROR_CONFIG", flag: "--config", valueName: "PATH", description: "Config file to use instead of searching" },
  {
    key: "backend",
    path: "backend",
    env: "WERF_MIRROR_BACKEND",
    flag: "--backend",
    valueName: "BACKEND",
    description: "werf's container backend (auto follows WERF_BUILDAH_MODE)",
  },
  { key: "outDir", path: "output.dir", env: "WERF_MIRROR_OUT_DIR", flag: "--out-dir", valueName: "DIR", description: "Directory for generated files" },
  {
    key: "timeout",
    path: "preflight.timeout",
    env: "WERF_MIRROR_TIMEOUT",
    flag: "--timeout",
    valueName: "DURATION",
    description: "Per-probe time limit, e.g. 5s",
  },
  {
    key: "unhealthy",
    path: "preflight.unhealthy",
    env: "WERF_MIRROR_UNHEALTHY",
    flag: "--unhealthy",
    valueName: "POLICY",
    description: "What to do with a failing mirror",
  },
];

export function option(key: Option["key"]): Option {
  return OPTIONS.find((o) => o.key === key)!;
}

/** Allowed values of an option, from the schema; undefined when any value of its type goes. */
export function optionChoices(o: Option): readonly string[] | undefined {
  return o.path ? (schemaAt(o.path)?.enum as readonly string[] | undefined) : undefined;
}

/** Environment variables with a prefix: several values, one variable each. */
export const ENV_PREFIXES = {
  /** werf's own docker.io mirrors, read as werf reads them. */
  werfMirror: "WERF_CONTAINER_REGISTRY_MIRROR_",
  /** `REGISTRY=URL`: a mirror for any registry. */
  addMirror: "WERF_MIRROR_ADD_",
} as const;

/** Every environment variable werf-mirror reads for its configuration, for help and the README. */
export function environmentNames(): string[] {
  return [`${ENV_PREFIXES.werfMirror}<ANY>`, `${ENV_PREFIXES.addMirror}<ANY>=REGISTRY=URL`, ...OPTIONS.map((o) => o.env)];
}
