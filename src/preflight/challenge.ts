// Parsing `WWW-Authenticate` (RFC 7235): the scheme and its parameters, e.g.
// `Bearer realm="https://auth.docker.io/token",service="registry.docker.io"`.

export interface Challenge {
  scheme: "bearer" | "basic" | "other";
  params: Record<string, string>;
}

export function parseChallenge(value: string | undefined): Challenge | undefined {
  if (!value) return undefined;
  const m = /^\s*([A-Za-z][\w-]*)\s*(.*)$/s.exec(value);
  if (!m) return undefined;
  const name = m[1]!.toLowerCase();
  const scheme = name === "bearer" ? "bearer" : name === "basic" ? "basic" : "other";
  const params: Record<string, string> = {};
  const re = /([A-Za-z][\w-]*)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^,\s]*))\s*,?\s*/gy;
  const rest = m[2] ?? "";
  re.lastIndex = 0;
  let p: RegExpExecArray | null;
  while ((p = re.exec(rest)) !== null) {
    if (p[0] === "") break;
    params[p[1]!.toLowerCase()] = p[2] !== undefined ? p[2].replace(/\\(.)/g, "$1") : (p[3] ?? "");
  }
  return { scheme, params };
}
