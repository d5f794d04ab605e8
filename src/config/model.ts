// Merges the layers (defaults < file < env < flags) into one normalized Model. Scalars: the
// highest layer wins. Mirror lists: flags first, then env, then file, de-duplicated by
// normalized URL. Every address is parsed here, once; errors become diagnostics at the value.
import type { RuleId } from "../lint/rules-catalog.js";
import { isAbsolute, relative, resolve, sep } from "node:path";
import type { Backend, Diagnostic, Explained, Mirror, Model, Order, PullPolicy, Registry, Unhealthy } from "./types.js";
import { option, schemaDefault } from "./options.js";
import type { Env, Layer, LayerMirror, LayerRegistry, Valued } from "./layers.js";
import { parseDuration, parseInsecureRegistry, parseMirrorUrl, parseRegistryKey, parseSearchRegistry, hasUnsafeCharacters } from "./addresses.js";
import { DEFAULT_ORIGIN } from "./origin.js";

/** The defaults, read from the schema's `default`s (src/config/options.ts). */
export const DEFAULTS = {
  backend: schemaDefault<Backend>("backend"),
  timeout: schemaDefault<string>("preflight.timeout"),
  unhealthy: schemaDefault<Unhealthy>("preflight.unhealthy"),
  order: schemaDefault<Order>("preflight.order"),
  minHealthy: schemaDefault<number>("preflight.minHealthy"),
  outDir: schemaDefault<string>("output.dir"),
  fallback: schemaDefault<boolean>("registries.*.fallback"),
  blocked: schemaDefault<boolean>("registries.*.blocked"),
  pull: schemaDefault<PullPolicy>("registries.*.mirrors.[].pull"),
};

/** WERF_BUILDAH_MODE values that select a Buildah mode (werf's GetBuildahMode). */
export const BUILDAH_MODES = ["auto", "default", "native-rootless", "native-chroot"];
const DOCKER_MODES = ["", "docker"];

export interface BuildResult {
  model?: Model;
  diagnostics: Diagnostic[];
}

/**
 * `layers` lowest precedence first. With `explain: false` the model's `explained` lists the
 * scalars only, not every mirror (a render of thousands of registries does not need it).
 */
export function buildModel(layers: Layer[], env: Env, cwd: string, configFile?: string, opts: { explain?: boolean } = {}): BuildResult {
  const diagnostics: Diagnostic[] = [];
  const explained: Explained[] = [];
  const top = [...layers].reverse(); // highest first
  function pick<K extends keyof Layer>(key: K): { v: NonNullable<Layer[K]>; layer?: Layer } | undefined {
    for (const l of top) if (l[key] !== undefined) return { v: l[key] as NonNullable<Layer[K]>, layer: l };
    return undefined;
  }
  function scalar<T>(path: string, key: keyof Layer, fallback: T): Valued<T> & { layer?: Layer } {
    const p = pick(key) as { v: Valued<T>; layer: Layer } | undefined;
    const chosen = p ? { ...p.v, layer: p.layer } : { value: fallback, origin: DEFAULT_ORIGIN };
    explained.push({ path, value: chosen.value, origin: chosen.origin });
    return chosen;
  }

  scalar("version", "version", 1);
  const backend = scalar("backend", "backend", DEFAULTS.backend);
  const buildahMode = env.WERF_BUILDAH_MODE ?? "";
  let effectiveBackend: Model["effectiveBackend"] = backend.value === "buildah" ? "buildah" : "docker";
  if (backend.value === "auto") {
    if (BUILDAH_MODES.includes(buildahMode)) effectiveBackend = "buildah";
    else if (!DOCKER_MODES.includes(buildahMode)) {
      diagnostics.push({
        severity: "warning",
        rule: "invalid-value",
        message: `werf does not know WERF_BUILDAH_MODE=${buildahMode.slice(0, 40)} and will fail; use auto, native-rootless, native-chroot or docker`,
        origin: { kind: "env", name: "WERF_BUILDAH_MODE" },
      });
    }
  }
  explained.push({
    path: "effectiveBackend",
    value: effectiveBackend,
    origin: backend.value === "auto" && buildahMode ? { kind: "env", name: "WERF_BUILDAH_MODE" } : backend.origin,
  });

  const timeout = scalar("preflight.timeout", "timeout", DEFAULTS.timeout);
  const timeoutMs = parseDuration(timeout.value);
  if (!timeoutMs.ok) diagnostics.push({ severity: "error", rule: timeoutMs.rule, message: timeoutMs.message, origin: timeout.origin });
  const probe = pick("probe");
  if (probe) explained.push({ path: "preflight.probe", value: probe.v.value, origin: probe.v.origin });
  if (probe && !/^[a-z0-9]+(?:[._/-][a-z0-9]+)*(?::[\w][\w.-]{0,127}|@sha256:[a-f0-9]{64})$/.test(probe.v.value)) {
    diagnostics.push({
      severity: "error",
      rule: "invalid-probe",
      message: "preflight.probe is a repository with a tag or digest on Docker Hub, as in `library/alpine:latest`",
      origin: probe.v.origin,
    });
  }
  const unhealthy = scalar("preflight.unhealthy", "unhealthy", DEFAULTS.unhealthy);
  const order = scalar("preflight.order", "order", DEFAULTS.order);
  const minHealthy = scalar("preflight.minHealthy", "minHealthy", DEFAULTS.minHealthy);
  const outDir = scalar("output.dir", "outDir", DEFAULTS.outDir);
  // A file's output.dir is checked even when a flag overrides it: the file is what gets committed.
  for (const l of layers) if (l.kind === "file" && l.outDir) diagnostics.push(...checkFileOutDir(l.outDir, l.baseDir));
  if (outDir.layer?.kind !== "file" && hasUnsafeCharacters(outDir.value.replace(/ /g, ""))) {
    diagnostics.push({ severity: "error", rule: "unsafe-value", message: "output.dir may not contain control characters or quotes", origin: outDir.origin });
  }
  const outBase = outDir.layer?.baseDir ?? (configFile ? layers.find((l) => l.kind === "file")?.baseDir : undefined) ?? cwd;

  const registries = mergeRegistries(layers, diagnostics, opts.explain === false ? undefined : explained);
  const insecureRegistries = parseList(layers, "insecureRegistries", parseInsecureRegistry, diagnostics, explained);
  const unqualifiedSearchRegistries = parseList(layers, "unqualifiedSearchRegistries", parseSearchRegistry, diagnostics, explained);

  if (diagnostics.some((d) => d.severity === "error")) return { diagnostics };
  const model: Model = {
    version: 1,
    backend: backend.value,
    effectiveBackend,
    registries,
    insecureRegistries,
    unqualifiedSearchRegistries,
    preflight: {
      timeoutMs: timeoutMs.ok ? timeoutMs.value : 5000,
      probe: probe?.v.value,
      unhealthy: unhealthy.value,
      order: order.value,
      minHealthy: minHealthy.value,
    },
    output: { dir: resolve(outBase, outDir.value) },
    configFile,
    explained,
  };
  return { model, diagnostics };
}

function mergeRegistries(layers: Layer[], diagnostics: Diagnostic[], explained: Explained[] | undefined): Registry[] {
  const byKey = new Map<string, Registry>();
  // Each layer's entries per normalized key, so merging is linear in the number of registries.
  const entries = new Map<string, { layer: Layer; reg: LayerRegistry }[]>();
  // Registries appear in file order, then in the order env and flags add them.
  for (const layer of layers) {
    for (const reg of layer.registries) {
      const parsed = parseRegistryKey(reg.key.value);
      if (!parsed.ok) {
        diagnostics.push({ severity: "error", rule: parsed.rule, message: parsed.message, origin: reg.key.origin });
        continue;
      }
      const key = parsed.value.key;
      const existing = byKey.get(key);
      if (!existing) {
        byKey.set(key, { prefix: parsed.value, mirrors: [], fallback: DEFAULTS.fallback, blocked: DEFAULTS.blocked, origin: reg.key.origin });
        entries.set(key, []);
      } else if (layer.kind === "file" && existing.origin.kind === "file") {
        diagnostics.push({
          severity: "error",
          rule: "duplicate-registry",
          message: `\`${reg.key.value}\` names the same registry as another key (\`${key}\`); merge the two entries`,
          origin: reg.key.origin,
        });
      }
      entries.get(key)!.push({ layer, reg });
    }
  }
  for (const [key, target] of byKey) {
    // Mirrors: highest layer first; scalars: the highest layer that sets them wins.
    const list = entries.get(key)!.reverse();
    const seen = new Map<string, Mirror>();
    for (const { layer, reg } of list) {
      for (const lm of reg.mirrors) {
        const m = normalizeMirror(lm, layer.baseDir, diagnostics);
        if (!m) continue;
        const prev = seen.get(m.url.href);
        if (!prev) {
          seen.set(m.url.href, m);
          target.mirrors.push(m);
          continue;
        }
        if (prev.origin.kind === m.origin.kind) {
          diagnostics.push({
            severity: "warning",
            rule: "duplicate-mirror",
            message: `this mirror is listed twice for \`${key}\` (${m.url.href}); remove one`,
            origin: m.origin,
          });
        }
        // A lower layer may still add attributes that the higher one did not set (flags carry URLs only).
        if (!prev.ca && m.ca) prev.ca = m.ca;
        if (prev.pull === "all" && lm.pull) prev.pull = m.pull;
        if (lm.insecure?.value && !prev.insecure) prev.insecure = true;
      }
    }
    for (const flag of ["fallback", "blocked"] as const) {
      const v = list.find((e) => e.reg[flag])?.reg[flag];
      if (!v) continue;
      target[flag] = v.value;
      explained?.push({ path: `registries.${key}.${flag}`, value: v.value, origin: v.origin });
    }
    if (explained) target.mirrors.forEach((m, i) => explained.push({ path: `registries.${key}.mirrors[${i}]`, value: describeMirror(m), origin: m.origin }));
  }
  return [...byKey.values()];
}

function describeMirror(m: Mirror): string {
  const extra = [m.pull !== "all" ? `pull=${m.pull}` : "", m.insecure ? "insecure" : "", m.ca ? `ca=${m.ca}` : ""].filter(Boolean);
  return extra.length ? `${m.url.href} (${extra.join(", ")})` : m.url.href;
}

function normalizeMirror(lm: LayerMirror, baseDir: string, diagnostics: Diagnostic[]): Mirror | undefined {
  const raw = lm.url.value;
  if (lm.werfSemantics && /^http:\/\//i.test(raw)) {
    diagnostics.push({
      severity: "error",
      rule: "werf-http-mirror",
      message:
        "werf only accepts https mirrors here (`only https schema allowed`); use an https URL, or put the http mirror in the config file (it is then handed over through registries.conf)",
      origin: lm.url.origin,
    });
    return undefined;
  }
  const parsed = parseMirrorUrl(raw);
  if (!parsed.ok) {
    diagnostics.push({ severity: "error", rule: parsed.rule, message: parsed.message, origin: lm.url.origin });
    return undefined;
  }
  const url = parsed.value;
  if (lm.insecure?.value === false && url.scheme === "http") {
    diagnostics.push({
      severity: "error",
      rule: "insecure-conflict",
      message: "an http:// mirror is always insecure; remove `insecure: false` or use https://",
      origin: lm.insecure.origin,
    });
    return undefined;
  }
  let ca: string | undefined;
  if (lm.ca) {
    if (hasUnsafeCharacters(lm.ca.value.replace(/ /g, ""))) {
      diagnostics.push({
        severity: "error",
        rule: "unsafe-value",
        message: "a CA path may not contain control characters, quotes, markup characters, noncharacters (such as U+FFFE) or lone surrogates; rename the file",
        origin: lm.ca.origin,
      });
      return undefined;
    }
    ca = isAbsolute(lm.ca.value) ? lm.ca.value : resolve(baseDir, lm.ca.value);
  }
  return {
    url,
    pull: lm.pull?.value ?? DEFAULTS.pull,
    insecure: url.scheme === "http" || lm.insecure?.value === true,
    ca,
    ...(lm.ca ? { caOrigin: lm.ca.origin } : {}),
    origin: lm.url.origin,
  };
}

/** The characters a path may hold to pass unquoted through a shell: no space, glob, quote or `$`. */
const SHELL_SAFE_PATH = /^[A-Za-z0-9_./+,:@%=-]+$/;

/**
 * output.dir from a config file. The file may come from anyone who can open a pull request, so it
 * may not send `render` outside its own directory, nor name a directory that breaks the printed
 * hand-off `. $(werf-mirror env --as-file)`, where the path is word-split and globbed. The
 * user's own --out-dir and WERF_MIRROR_OUT_DIR may do either.
 */
function checkFileOutDir(dir: Valued<string>, baseDir: string): Diagnostic[] {
  const out: Diagnostic[] = [];
  const rel = relative(baseDir, resolve(baseDir, dir.value));
  if (isAbsolute(dir.value) || rel === ".." || rel.startsWith(`..${sep}`)) {
    out.push({
      severity: "error",
      rule: "output-dir-outside",
      message:
        "output.dir leaves the config file's directory (an absolute path, or `..` above it), so the config could make `render` write anywhere; " +
        `use a directory inside the project such as \`${DEFAULTS.outDir}\`, and write elsewhere only by your own choice: ${option("outDir").flag} DIR or ${option("outDir").env}`,
      origin: dir.origin,
    });
  }
  if (!SHELL_SAFE_PATH.test(dir.value)) {
    out.push({
      severity: "error",
      rule: "unsafe-value",
      message:
        "output.dir in a config file may hold only letters, digits and `_ . / + , : @ % = -`: `werf-mirror env --as-file` prints a path under it for " +
        "`. $(werf-mirror env --as-file)`, where a space, glob character or quote would split it or source another file; rename the directory (or pass --out-dir DIR yourself)",
      origin: dir.origin,
    });
  }
  return out;
}

function parseList(
  layers: Layer[],
  key: "insecureRegistries" | "unqualifiedSearchRegistries",
  parse: (s: string) => { ok: true; value: string } | { ok: false; rule: RuleId; message: string },
  diagnostics: Diagnostic[],
  explained: Explained[],
): string[] {
  const out: string[] = [];
  const seen = new Set<string>();
  for (const layer of [...layers].reverse()) {
    for (const item of layer[key] ?? []) {
      const p = parse(item.value);
      if (!p.ok) {
        diagnostics.push({ severity: "error", rule: p.rule, message: p.message, origin: item.origin });
        continue;
      }
      if (seen.has(p.value)) {
        diagnostics.push({ severity: "warning", rule: "duplicate-entry", message: `\`${p.value}\` is listed twice; remove one`, origin: item.origin });
        continue;
      }
      explained.push({ path: `${key}[${out.length}]`, value: p.value, origin: item.origin });
      seen.add(p.value);
      out.push(p.value);
    }
  }
  return out;
}
