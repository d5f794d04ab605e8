// Runs `werf version` from PATH (bounded in time and output) for the version check of the hand-off.
import { spawn } from "node:child_process";
import { werfVersionWarning } from "../consumers/werf-version.js";

const TIMEOUT_MS = 5_000;
const MAX_OUTPUT = 4096;

/** A warning about the werf on PATH, or undefined when there is none or it is a modelled version. */
export function checkWerfOnPath(env: Record<string, string | undefined>): Promise<string | undefined> {
  return new Promise((resolve) => {
    let out = "";
    let child: ReturnType<typeof spawn>;
    try {
      child = spawn("werf", ["version"], { env: env as NodeJS.ProcessEnv, stdio: ["ignore", "pipe", "ignore"] });
    } catch {
      resolve(undefined);
      return;
    }
    const timer = setTimeout(() => child.kill("SIGKILL"), TIMEOUT_MS);
    child.stdout!.on("data", (d: Buffer) => {
      if (out.length < MAX_OUTPUT) out += d.toString("utf8").slice(0, MAX_OUTPUT - out.length);
    });
    child.on("error", () => {
      clearTimeout(timer);
      resolve(undefined); // no werf on PATH: nothing to check
    });
    child.on("close", (code) => {
      clearTimeout(timer);
      resolve(code === 0 ? werfVersionWarning(out) : `\`werf version\` failed (exit ${code ?? "killed"}); werf-mirror could not check which werf will run`);
    });
  });
}
