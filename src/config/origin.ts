import { relative, isAbsolute } from "node:path";
import type { Origin } from "./types.js";

export const DEFAULT_ORIGIN: Origin = { kind: "default" };

/** `werf-mirror.yaml:7:9`, `env WERF_MIRROR_TIMEOUT`, `flag --timeout`, `default`. */
export function formatOrigin(origin: Origin, cwd?: string): string {
  switch (origin.kind) {
    case "file":
      return `${displayPath(origin.file, cwd)}:${origin.line}:${origin.col}`;
    case "env":
      return `env ${origin.name}`;
    case "flag":
      return `flag ${origin.name}`;
    case "default":
      return "default";
  }
}

export function displayPath(file: string, cwd?: string): string {
  if (!cwd || !isAbsolute(file)) return file;
  const rel = relative(cwd, file);
  return rel && !rel.startsWith("..") && !isAbsolute(rel) ? rel : file;
}
