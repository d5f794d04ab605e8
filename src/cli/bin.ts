// The executable: wires the real process into the CLI and exits with its code.
import { main } from "./main.js";

main(process.argv.slice(2), {
  stdout: (t) => process.stdout.write(t),
  stderr: (t) => process.stderr.write(t),
  env: process.env,
  cwd: process.cwd(),
  isTTY: process.stdout.isTTY === true,
  stderrIsTTY: process.stderr.isTTY === true,
}).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    // A bug, not a user error: say so without a wall of stack unless asked.
    const e = err as Error;
    process.stderr.write(`werf-mirror: internal error: ${e?.message ?? String(err)}\n`);
    if (process.env.WERF_MIRROR_DEBUG) process.stderr.write(`${e?.stack ?? ""}\n`);
    process.stderr.write("Please report it with the command you ran. Set WERF_MIRROR_DEBUG=1 for details.\n");
    process.exitCode = 70;
  },
);
