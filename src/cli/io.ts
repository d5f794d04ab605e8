// Everything the CLI touches outside itself, injected so tests drive it in-process.
export interface Io {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  env: Record<string, string | undefined>;
  cwd: string;
  /** Whether stdout is a terminal (colors, tables). */
  isTTY: boolean;
  /** Whether stderr is a terminal (progress lines); stdout may be captured, as in `$(werf-mirror env)`. */
  stderrIsTTY?: boolean;
  /** The clock (backup names); default the real one. */
  now?: () => Date;
  /** The user id (which registries.conf containers/image reads); default process.getuid(). */
  uid?: number;
}
