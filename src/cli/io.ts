// Everything the CLI touches outside itself, injected so tests drive it in-process.
export interface Io {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  env: Record<string, string | undefined>;
  cwd: string;
  /** Whether stdout is a terminal (colors, tables). */
  isTTY: boolean;
}
