// Runs the CLI in-process with an injected Io: no child process, no real env.
import { main } from "../../src/cli/main.js";

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

export async function runCli(
  args: string[],
  opts: { cwd: string; env?: Record<string, string | undefined>; isTTY?: boolean; stderrIsTTY?: boolean },
): Promise<CliRun> {
  let stdout = "";
  let stderr = "";
  const code = await main(args, {
    stdout: (t) => void (stdout += t),
    stderr: (t) => void (stderr += t),
    env: opts.env ?? {},
    cwd: opts.cwd,
    isTTY: opts.isTTY ?? false,
    stderrIsTTY: opts.stderrIsTTY ?? opts.isTTY ?? false,
  });
  return { code, stdout, stderr };
}
