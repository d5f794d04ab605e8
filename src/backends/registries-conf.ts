// containers-registries.conf v2 for containers/image: buildah, podman, skopeo and CRI-O (werf's
// Buildah backend reads only the docker.io mirrors and insecure registries of such a file). Merged onto the host's effective file so no host setting is lost: every key
// and every [[registry]] we do not manage is kept, ours replace the rest.
import { parse, stringify, TomlError } from "smol-toml";
import type { Mirror, Registry } from "../config/types.js";
import { CONSUMERS, gapCollector, mirrorPathFeatures, pullFeature } from "../consumers/capabilities.js";
import { header, isCidr, mirrorRepoLocation, oneLine, RenderError } from "./common.js";
import type { RenderInput, RenderResult, RenderWarning, Renderer } from "./types.js";

const ID = "registries-conf";
type Gap = ReturnType<typeof gapCollector>;
type Table = Record<string, unknown>;

export function renderRegistriesConf(input: RenderInput): RenderResult {
  const { model } = input;
  const warnings: RenderWarning[] = [];
  const gap = gapCollector(ID, warnings);
  const base = parseBase(input);

  const insecureHosts = new Set(model.insecureRegistries.filter((e) => !isCidr(e)));
  for (const cidr of model.insecureRegistries.filter(isCidr))
    gap("insecure-cidr", cidr, undefined, `list the registries in ${cidr} as host[:port] entries of \`insecureRegistries\``);

  const ours: Table[] = [];
  const managed = new Set<string>();
  for (const reg of model.registries) {
    ours.push(registryTable(reg, insecureHosts.has(reg.prefix.hostPort), gap));
    managed.add(reg.prefix.key);
  }
  for (const host of insecureHosts) {
    if (managed.has(host)) continue;
    ours.push({ prefix: host, location: host, insecure: true });
    managed.add(host);
  }

  const kept = baseRegistries(base).filter((entry) => {
    const key = typeof entry.prefix === "string" ? entry.prefix : entry.location;
    return typeof key !== "string" || !managed.has(key);
  });
  const doc: Table = {};
  for (const [key, value] of Object.entries(base)) if (key !== "registry") doc[key] = value;
  if (model.unqualifiedSearchRegistries.length > 0) doc["unqualified-search-registries"] = [...model.unqualifiedSearchRegistries];
  const registries = [...kept, ...ours];
  if (registries.length > 0) doc.registry = registries;

  // smol-toml writes every top-level scalar and array before the first table, so no global key
  // can end up inside a [[registry.mirror]] (where containers/image would read it as a mirror's).
  let text = header(input);
  if (input.baseRegistriesConf !== undefined && input.baseRegistriesConf.trim() !== "") {
    text += `# Merged onto ${oneLine(input.baseRegistriesConfName ?? "the host's registries.conf")}; its comments are not carried over.\n`;
  }
  const body = stringify(doc).replace(/^\n+/, "").trimEnd() + "\n";
  if (body.trim() !== "") text += `\n${body}`;
  return { files: [{ path: "registries.conf", content: text, hasHeader: true }], warnings };
}

function registryTable(reg: Registry, insecure: boolean, gap: Gap): Table {
  const key = reg.prefix.key;
  const ns = reg.prefix.namespace;
  const table: Table = { prefix: key };
  // containers/image requires wildcard prefixes to have no location; for the rest the location
  // must carry the same namespace as the prefix, as it replaces the prefix in the reference.
  if (!reg.prefix.wildcard) table.location = key;
  if (insecure) table.insecure = true;
  if (reg.blocked) table.blocked = true;

  // A path that makes the rewritten reference invalid would fail every pull under this prefix.
  let mirrors = reg.mirrors.filter((m) => {
    const cannot = mirrorPathFeatures(m).filter((f) => !CONSUMERS[ID].features[f].honoured);
    for (const f of cannot) gap(f, key, m, "it is left out of registries.conf");
    return cannot.length === 0;
  });
  const kept = mirrors;
  if (!reg.fallback && mirrors.length > 0) {
    if (reg.prefix.wildcard) {
      gap("no-fallback", key);
    } else {
      // The registry itself is always tried after the mirrors; the only way to skip it is to make
      // the last mirror the location (a rewrite). The declared order is kept: mirrors first, then it.
      const last = mirrors[mirrors.length - 1]!;
      mirrors = mirrors.slice(0, -1);
      table.location = mirrorRepoLocation(last, ns);
      if (last.insecure) table.insecure = true;
      else delete table.insecure;
      const pull = pullFeature(last);
      if (pull) gap(pull, key, last, "put a mirror with `pull: all` last");
    }
  }
  if (mirrors.length > 0) table.mirror = mirrors.map((m) => mirrorTable(m, ns));
  for (const m of kept) {
    if (m.ca)
      gap(
        "mirror-ca",
        key,
        m,
        `copy ${m.ca} to /etc/containers/certs.d/${m.url.hostPort}/ca.crt (rootless: ~/.config/containers/certs.d/${m.url.hostPort}/ca.crt)`,
      );
  }
  return table;
}

function mirrorTable(m: Mirror, namespace: string): Table {
  const table: Table = { location: mirrorRepoLocation(m, namespace) };
  if (m.insecure) table.insecure = true;
  // Written only when restricted: `all` is the default. Never with mirror-by-digest-only.
  if (m.pull !== "all") table["pull-from-mirror"] = m.pull;
  return table;
}

function parseBase(input: RenderInput): Table {
  const text = input.baseRegistriesConf;
  const name = input.baseRegistriesConfName ?? "the base registries.conf";
  if (text === undefined || text.trim() === "") return {};
  let base: Table;
  try {
    base = parse(text) as Table;
  } catch (err) {
    const where = err instanceof TomlError ? `:${err.line}:${err.column}` : "";
    const first = String((err as Error).message).split("\n")[0];
    throw new RenderError(
      `${name}${where}: cannot parse the base registries.conf (${first}); fix it, or pass --base with another file (--base /dev/null starts from nothing)`,
    );
  }
  const v1 = base.registries;
  if (v1 !== undefined && typeof v1 === "object" && !Array.isArray(v1)) {
    const tables =
      Object.keys(v1 as Table)
        .map((k) => `[registries.${k}]`)
        .join(", ") || "[registries]";
    throw new RenderError(
      `${name} is a v1 registries.conf (${tables}); containers/image refuses v1 and v2 settings in one file. ` +
        "Convert it to v2 (`unqualified-search-registries = [...]`, and a [[registry]] with `insecure = true` or `blocked = true` per host), or pass --base with a v2 file",
    );
  }
  if (base.registry !== undefined && !Array.isArray(base.registry)) {
    throw new RenderError(`${name}: \`registry\` must be an array of tables ([[registry]]); fix the base file or pass --base with another one`);
  }
  return base;
}

function baseRegistries(base: Table): Table[] {
  return Array.isArray(base.registry) ? (base.registry as Table[]) : [];
}

export const buildahRenderer: Renderer = {
  name: "buildah",
  consumers: "buildah, skopeo, CRI-O (containers-registries.conf v2; werf's Buildah backend takes only its docker.io mirrors)",
  render: renderRegistriesConf,
};

export const podmanRenderer: Renderer = {
  name: "podman",
  consumers: "podman, skopeo, CRI-O (containers-registries.conf v2)",
  render: renderRegistriesConf,
};
