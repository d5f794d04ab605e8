// The host's effective registries.conf, which render and the preflight hand-off merge onto so
// that nothing the host configured is lost.
import { readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { HEADER_MARK } from "../backends/names.js";

/**
 * The registries.conf containers/image reads: $CONTAINERS_REGISTRIES_CONF, else for non-root
 * users ~/.config/containers/registries.conf if it exists, else /etc/containers/registries.conf.
 */
export function defaultBaseCandidates(env: Record<string, string | undefined>, uid: number | undefined): string[] {
  const out: string[] = [];
  if (env.CONTAINERS_REGISTRIES_CONF) out.push(env.CONTAINERS_REGISTRIES_CONF);
  const configHome = env.XDG_CONFIG_HOME || (env.HOME ? join(env.HOME, ".config") : undefined);
  if (uid !== 0 && configHome) out.push(join(configHome, "containers", "registries.conf"));
  out.push("/etc/containers/registries.conf");
  return out;
}

/**
 * The first readable candidate that werf-mirror did not generate itself (CONTAINERS_REGISTRIES_CONF
 * may point at an earlier hand-off: merging onto it would keep registries removed from the config).
 */
export async function readDefaultBase(opts: {
  env: Record<string, string | undefined>;
  uid: number | undefined;
  cwd: string;
  /** A path never to use as the base (the file about to be written). */
  exclude?: string;
}): Promise<{ text: string; name: string } | undefined> {
  for (const candidate of defaultBaseCandidates(opts.env, opts.uid)) {
    const path = resolve(opts.cwd, candidate);
    if (opts.exclude && path === resolve(opts.exclude)) continue;
    let text: string;
    try {
      text = readFileSync(path, "utf8");
    } catch {
      continue;
    }
    if (text.startsWith(HEADER_MARK)) continue;
    return { text, name: path };
  }
  return undefined;
}
