// Runs the command of `werf-mirror exec`: signals forwarded, its exit code returned (128+N when
// killed by signal N, 127 when not found).
import { spawn } from "node:child_process";
import { constants } from "node:os";

const FORWARDED = ["SIGINT", "SIGTERM"] as const;

export function runChild(cmd: string, args: string[], env: Record<string, string>, cwd: string, warn: (m: string) => void): Promise<number> {
  return new Promise((resolveExit) => {
    // The handlers go in before the child starts: a signal that arrives between the spawn and
    // their installation would otherwise kill werf-mirror itself and orphan the child.
    let child: ReturnType<typeof spawn> | undefined;
    let pending: NodeJS.Signals | undefined;
    const forward = (sig: NodeJS.Signals) => () => {
      if (!child) pending = sig;
      else if (child.exitCode === null && child.signalCode === null) child.kill(sig);
    };
    const handlers = FORWARDED.map((sig) => [sig, forward(sig)] as const);
    for (const [sig, h] of handlers) process.on(sig, h);
    child = spawn(cmd, args, { stdio: "inherit", env, cwd });
    if (pending) child.kill(pending);
    const cleanup = () => {
      for (const [sig, h] of handlers) process.off(sig, h);
    };
    child.on("error", (err: NodeJS.ErrnoException) => {
      cleanup();
      warn(`werf-mirror exec: cannot run ${cmd}: ${err.code === "ENOENT" ? "command not found" : err.message}\n`);
      resolveExit(err.code === "ENOENT" ? 127 : 126);
    });
    child.on("exit", (code, signal) => {
      cleanup();
      resolveExit(signal ? 128 + (constants.signals[signal] ?? 0) : (code ?? 1));
    });
  });
}
