// Which werf the model of werf's mirror code (werf.ts) describes, and what to say when the werf on
// PATH is another one. `werf version` prints werf's Version variable (cmd/werf/version/main.go:19),
// e.g. `v2.77.1`.
import { WERF_VERSIONS } from "./werf.js";

type Triple = [number, number, number];

export function parseWerfVersion(text: string): Triple | undefined {
  const m = /(?:^|\s)v?(\d+)\.(\d+)\.(\d+)(?:[-+.\w]*)?\s*$/.exec(text.trim());
  return m ? [Number(m[1]), Number(m[2]), Number(m[3])] : undefined;
}

function compare(a: Triple, b: Triple): number {
  for (let i = 0; i < 3; i++) if (a[i] !== b[i]) return a[i]! - b[i]!;
  return 0;
}

/** A warning when `werf version` printed a version outside the modelled range, or nothing usable. */
export function werfVersionWarning(output: string): string | undefined {
  const v = parseWerfVersion(output);
  const range = `${WERF_VERSIONS.min} to ${WERF_VERSIONS.max}`;
  if (!v)
    return `\`werf version\` printed ${JSON.stringify(
      output
        .trim()
        .slice(0, 40)
        .replace(/[^\x20-\x7e]/g, "?"),
    )}, not a version; werf-mirror's model of werf's mirror handling covers werf ${range}`;
  const min = parseWerfVersion(WERF_VERSIONS.min)!;
  const max = parseWerfVersion(WERF_VERSIONS.max)!;
  if (compare(v, min) >= 0 && compare(v, max) <= 0) return undefined;
  return `werf ${v.join(".")} is on PATH, but werf-mirror's model of werf's mirror handling covers werf ${range}; check \`werf-mirror config --explain --for werf\` against that werf's behaviour`;
}
