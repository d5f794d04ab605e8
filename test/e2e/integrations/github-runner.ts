/**
 * Runs a composite action's steps the way the GitHub Actions runner does, for action.yml's tests:
 * each `run:` step goes to `bash --noprofile --norc -eo pipefail FILE` (the runner's `shell: bash`)
 * with fresh GITHUB_ENV / GITHUB_PATH / GITHUB_OUTPUT / GITHUB_STEP_SUMMARY files, `${{ }}`
 * expressions are evaluated as the runner would, and after each step the files are read back with
 * the runner's rules: NAME=VALUE lines or NAME<<DELIMITER heredocs, GITHUB_PATH entries put in
 * front of PATH for the following steps, the summary appended to the job's.
 *
 * Only the expressions action.yml needs are known (inputs, steps.<id>.outputs, string literals,
 * == and !=); anything else throws, so a new expression in action.yml cannot go untested.
 */
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { delimiter, isAbsolute, join } from "node:path";
import { parse } from "yaml";

import { run, type RunResult } from "../harness/tools.js";

export interface ActionYml {
  inputs: Record<string, { description: string; default?: string; required?: boolean }>;
  outputs: Record<string, { description: string; value: string }>;
  runs: { using: string; steps: Step[] };
}

interface Step {
  name: string;
  id?: string;
  if?: string;
  shell?: string;
  run?: string;
  uses?: string;
  env?: Record<string, string>;
  "working-directory"?: string;
}

export interface StepRun {
  name: string;
  skipped: boolean;
  result?: RunResult;
}

export interface ActionRun {
  /** Every step in order; the run stops after the first failing one, as the runner does. */
  steps: StepRun[];
  /** False when a step failed. */
  ok: boolean;
  /** What the steps appended to GITHUB_ENV, in effect for the job's later steps. */
  env: Record<string, string>;
  /** GITHUB_PATH entries, first = searched first. */
  path: string[];
  /** The job summary: every step's GITHUB_STEP_SUMMARY. */
  summary: string;
  /** The action's outputs (its `outputs:` evaluated after the steps). */
  outputs: Record<string, string>;
  /** Step outputs by step id. */
  stepOutputs: Record<string, Record<string, string>>;
  /** The raw GITHUB_ENV content of each step, to check its format. */
  envFiles: string[];
}

export function readActionYml(file: string): ActionYml {
  return parse(readFileSync(file, "utf8")) as ActionYml;
}

interface Context {
  inputs: Record<string, string>;
  steps: Record<string, Record<string, string>>;
}

/** Evaluates one `${{ }}` body: literals, inputs.*, steps.<id>.outputs.*, == and != (case-insensitive, as GitHub compares strings). */
export function evaluate(expr: string, ctx: Context): string | boolean {
  const e = expr.trim();
  const cmp = /^(.+?)\s*(==|!=)\s*(.+)$/.exec(e);
  if (cmp) {
    const a = String(evaluate(cmp[1]!, ctx)).toLowerCase();
    const b = String(evaluate(cmp[3]!, ctx)).toLowerCase();
    return cmp[2] === "==" ? a === b : a !== b;
  }
  const literal = /^'((?:[^']|'')*)'$/.exec(e);
  if (literal) return literal[1]!.replaceAll("''", "'");
  const input = /^inputs\.([A-Za-z_][\w-]*)$/.exec(e);
  if (input) {
    if (!(input[1]! in ctx.inputs)) throw new Error(`action.yml uses inputs.${input[1]}, which it does not declare`);
    return ctx.inputs[input[1]!]!;
  }
  const output = /^steps\.([A-Za-z_][\w-]*)\.outputs\.([A-Za-z_][\w-]*)$/.exec(e);
  if (output) return ctx.steps[output[1]!]?.[output[2]!] ?? "";
  throw new Error(`the runner simulation does not know the expression \${{ ${e} }}: teach github-runner.ts or keep action.yml simpler`);
}

/** Replaces every `${{ }}` in a string value. */
export function substitute(text: string, ctx: Context): string {
  return text.replace(/\$\{\{(.*?)\}\}/g, (_, body: string) => String(evaluate(body, ctx)));
}

/** A step's `if:`: with or without `${{ }}`; absent means success(), i.e. run while nothing failed. */
function condition(text: string | undefined, ctx: Context): boolean {
  if (text === undefined) return true;
  const m = /^\s*\$\{\{(.*)\}\}\s*$/s.exec(text);
  const value = evaluate(m ? m[1]! : text, ctx);
  return value === true || (typeof value === "string" && value !== "" && value !== "false");
}

/**
 * The runner's reading of GITHUB_ENV and GITHUB_OUTPUT: each non-empty line is NAME=VALUE (the
 * first '=' splits) unless '<<' comes before any '=', which starts NAME<<DELIMITER ... DELIMITER.
 * Anything else fails the step ("Invalid format").
 */
export function parseFileCommands(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  const lines = text.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    if (line === "") continue;
    const eq = line.indexOf("=");
    const heredoc = line.indexOf("<<");
    if (eq >= 0 && (heredoc < 0 || eq < heredoc)) {
      const name = line.slice(0, eq);
      if (name === "") throw new Error(`Invalid format '${line}': the name must not be empty`);
      out[name] = line.slice(eq + 1);
    } else if (heredoc >= 0) {
      const name = line.slice(0, heredoc);
      const delim = line.slice(heredoc + 2);
      if (name === "" || delim === "") throw new Error(`Invalid format '${line}'`);
      const value: string[] = [];
      for (i++; i < lines.length && lines[i] !== delim; i++) value.push(lines[i]!);
      if (i >= lines.length) throw new Error(`Invalid value: matching delimiter not found '${delim}'`);
      out[name] = value.join("\n");
    } else {
      throw new Error(`Invalid format '${line}'`);
    }
  }
  return out;
}

export interface RunActionOptions {
  actionPath: string;
  workspace: string;
  /** RUNNER_TEMP: the files of each step are made here. */
  temp: string;
  inputs?: Record<string, string>;
  /** The job's environment (what `env:` on the job and the machine give). */
  env: NodeJS.ProcessEnv;
  timeoutMs?: number;
}

/** Runs action.yml's steps as the runner runs a composite action. */
export async function runAction(opts: RunActionOptions): Promise<ActionRun> {
  const action = readActionYml(join(opts.actionPath, "action.yml"));
  if (action.runs.using !== "composite") throw new Error(`action.yml runs ${action.runs.using}, not composite`);
  const inputs: Record<string, string> = {};
  for (const [name, spec] of Object.entries(action.inputs)) inputs[name] = opts.inputs?.[name] ?? spec.default ?? "";
  for (const name of Object.keys(opts.inputs ?? {})) if (!(name in action.inputs)) throw new Error(`action.yml has no input ${name}`);
  const ctx: Context = { inputs, steps: {} };
  const result: ActionRun = { steps: [], ok: true, env: {}, path: [], summary: "", outputs: {}, stepOutputs: ctx.steps, envFiles: [] };
  mkdirSync(opts.temp, { recursive: true });

  for (const [index, step] of action.runs.steps.entries()) {
    if (!result.ok || !condition(step.if, ctx)) {
      result.steps.push({ name: step.name, skipped: true });
      continue;
    }
    if (step.uses !== undefined || step.run === undefined) throw new Error(`step ${step.name}: only run: steps are simulated`);
    if (step.shell !== "bash") throw new Error(`step ${step.name}: composite run steps must say shell: bash`);
    const files = Object.fromEntries(
      ["GITHUB_ENV", "GITHUB_PATH", "GITHUB_OUTPUT", "GITHUB_STEP_SUMMARY", "GITHUB_STATE"].map((k) => [
        k,
        join(opts.temp, `_runner_file_commands/${k}_${index}`),
      ]),
    );
    mkdirSync(join(opts.temp, "_runner_file_commands"), { recursive: true });
    for (const f of Object.values(files)) writeFileSync(f, "");
    const script = join(opts.temp, `step_${index}.sh`);
    writeFileSync(script, step.run);
    const wd = step["working-directory"] === undefined ? "." : substitute(step["working-directory"], ctx);
    const stepEnv = Object.fromEntries(Object.entries(step.env ?? {}).map(([k, v]) => [k, substitute(String(v), ctx)]));
    const env: NodeJS.ProcessEnv = {
      ...opts.env,
      ...result.env,
      ...stepEnv,
      ...files,
      PATH: [...result.path, opts.env.PATH ?? ""].join(delimiter),
      CI: "true",
      GITHUB_ACTIONS: "true",
      GITHUB_WORKSPACE: opts.workspace,
      GITHUB_ACTION_PATH: opts.actionPath,
      RUNNER_TEMP: opts.temp,
      RUNNER_OS: "Linux",
    };
    const r = await run("bash", ["--noprofile", "--norc", "-eo", "pipefail", script], {
      cwd: isAbsolute(wd) ? wd : join(opts.workspace, wd),
      env,
      timeoutMs: opts.timeoutMs ?? 300_000,
    });
    result.steps.push({ name: step.name, skipped: false, result: r });
    const envText = readFileSync(files.GITHUB_ENV!, "utf8");
    result.envFiles.push(envText);
    Object.assign(result.env, parseFileCommands(envText));
    for (const p of readFileSync(files.GITHUB_PATH!, "utf8").split("\n").filter(Boolean)) result.path.unshift(p);
    if (step.id) ctx.steps[step.id] = parseFileCommands(readFileSync(files.GITHUB_OUTPUT!, "utf8"));
    result.summary += readFileSync(files.GITHUB_STEP_SUMMARY!, "utf8");
    if (r.code !== 0) result.ok = false;
  }
  for (const [name, spec] of Object.entries(action.outputs ?? {})) result.outputs[name] = substitute(spec.value, ctx);
  return result;
}
