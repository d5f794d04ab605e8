import type { Io } from "./io.js";
import type { FlagValues } from "../config/layers.js";

export interface OptionSpec {
  name: string;
  type: "string" | "boolean";
  multiple?: boolean;
  /** Placeholder shown in help, e.g. `PATH`. */
  value?: string;
  choices?: string[];
  default?: string;
  description: string;
}

export type Values = Record<string, string | boolean | string[] | undefined>;

export interface Context {
  io: Io;
  /** The command's own options and the shared ones, parsed. */
  values: Values;
  positionals: string[];
  /** Working directory after --cwd. */
  cwd: string;
  /** The options that feed the flag layer of the configuration. */
  flags: FlagValues;
  color: boolean;
  quiet: boolean;
  verbose: boolean;
}

export interface Command {
  name: string;
  summary: string;
  usage: string;
  description: string;
  options: OptionSpec[];
  examples: string[];
  /** Exit codes beyond the shared ones, shown in help. */
  exitCodes?: string[];
  /** Whether the shared configuration options (--config, --mirror, ...) apply. */
  configOptions?: boolean;
  run(ctx: Context): Promise<number>;
  /**
   * Called whenever the command does not succeed (a usage error, a non-zero exit, a crash), with
   * its raw arguments: `env` prints what makes the shell's hand-off idiom stop before werf runs.
   */
  failClosed?(io: Io, args: string[]): void;
}

export const EXIT_OK = 0;
export const EXIT_FINDINGS = 1;
export const EXIT_USAGE = 2;
