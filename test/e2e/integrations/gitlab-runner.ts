/**
 * Runs a GitLab CI job the way GitLab and its runner do, for the template's tests: `extends`
 * merged as GitLab merges it (hashes deeply, anything else replaced), the job's variables and the
 * predefined ones (CI, GITLAB_CI, CI_PROJECT_DIR, CI_JOB_NAME, CI_JOB_STAGE) in the environment,
 * and `before_script` + `script` run in one bash with `set -eo pipefail`, each entry echoed with
 * `$ ` and evaluated, so `cd` and `export` carry over to the next entries. Afterwards the
 * artifacts are collected as GitLab would (`when: always` also after a failure) and the dotenv
 * report is read with GitLab's own rules.
 */
import { existsSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { parse } from "yaml";

import { run, type RunResult } from "../harness/tools.js";

type Yaml = Record<string, unknown>;

export interface Job {
  stage?: string;
  image?: string;
  variables?: Record<string, string>;
  before_script?: string[];
  script: string[];
  artifacts?: { when?: string; paths?: string[]; reports?: { junit?: string; dotenv?: string } };
  extends?: string | string[];
}

/** GitLab's `extends`: hashes merge deeply, the extending job's values win, arrays are replaced. */
export function mergeExtends(base: Yaml, own: Yaml): Yaml {
  const out: Yaml = { ...base };
  for (const [k, v] of Object.entries(own)) {
    const b = out[k];
    out[k] = isHash(b) && isHash(v) ? mergeExtends(b, v) : v;
  }
  return out;
}

function isHash(v: unknown): v is Yaml {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** The job `name` of a pipeline made of the template plus the project's own .gitlab-ci.yml. */
export function resolveJob(template: string, project: string, name: string): Job {
  const all: Yaml = { ...(parse(template) as Yaml), ...(parse(project) as Yaml) };
  const resolve = (n: string, seen: string[]): Yaml => {
    const job = all[n];
    if (!isHash(job)) throw new Error(`no job ${n}`);
    if (seen.includes(n)) throw new Error(`extends loop: ${[...seen, n].join(" -> ")}`);
    const parents = job.extends === undefined ? [] : Array.isArray(job.extends) ? (job.extends as string[]) : [job.extends as string];
    const { extends: _, ...own } = job;
    return mergeExtends(
      parents.reduce<Yaml>((acc, p) => mergeExtends(acc, resolve(p, [...seen, n])), {}),
      own,
    );
  };
  return resolve(name, []) as unknown as Job;
}

export interface JobRun {
  result: RunResult;
  ok: boolean;
  /** Artifact paths (artifacts:paths) that exist after the job, relative to CI_PROJECT_DIR. */
  paths: string[];
  /** The junit report's text, when the file exists. */
  junit?: string;
  /** The dotenv report's text, when the file exists. */
  dotenv?: string;
}

export interface RunJobOptions {
  projectDir: string;
  name: string;
  /** The machine's environment (PATH, HOME, ...). */
  env: NodeJS.ProcessEnv;
  /** Variables of upstream jobs (their dotenv reports) for a job that needs them. */
  inherited?: Record<string, string>;
  timeoutMs?: number;
}

/** Quotes a string for bash as $'...'. */
function ansiC(s: string): string {
  return `$'${s.replace(/\\/g, "\\\\").replace(/'/g, "\\'").replace(/\n/g, "\\n")}'`;
}

export async function runJob(job: Job, opts: RunJobOptions): Promise<JobRun> {
  const lines = [...(job.before_script ?? []), ...job.script];
  const script = ["set -eo pipefail", "set +o noclobber", ...lines.flatMap((l) => [`echo ${ansiC(`$ ${l.split("\n")[0]}`)}`, `eval ${ansiC(l)}`])].join("\n");
  const file = join(opts.projectDir, "..", `${opts.name}.job.sh`);
  writeFileSync(file, `${script}\n`);
  const env: NodeJS.ProcessEnv = {
    ...opts.env,
    ...(opts.inherited ?? {}),
    ...(job.variables ?? {}),
    CI: "true",
    GITLAB_CI: "true",
    CI_PROJECT_DIR: opts.projectDir,
    CI_BUILDS_DIR: join(opts.projectDir, ".."),
    CI_JOB_NAME: opts.name,
    CI_JOB_STAGE: job.stage ?? "test",
  };
  const result = await run("bash", [file], { cwd: opts.projectDir, env, timeoutMs: opts.timeoutMs ?? 120_000 });
  const ok = result.code === 0;
  const out: JobRun = { result, ok, paths: [] };
  const art = job.artifacts;
  if (art && (art.when === "always" || (art.when === "on_failure") === !ok)) {
    out.paths = (art.paths ?? []).filter((p) => existsSync(join(opts.projectDir, p)));
    const read = (p?: string) =>
      p && existsSync(join(opts.projectDir, p)) && statSync(join(opts.projectDir, p)).isFile() ? readFileSync(join(opts.projectDir, p), "utf8") : undefined;
    out.junit = read(art.reports?.junit);
    out.dotenv = read(art.reports?.dotenv);
  }
  return out;
}

/**
 * A dotenv report as GitLab reads it (Ci::ParseDotenvArtifactService): the file under 5 KB, each
 * line `(.*?)=(.*)` (so no empty line and no comment line), key and value stripped of
 * surrounding white space, the key only ASCII letters, digits and '_', quotes kept as they are,
 * no expansion, at most 20 variables. Throws GitLab's message for a file it would refuse.
 */
export function parseGitLabDotenv(text: string): Record<string, string> {
  if (Buffer.byteLength(text) >= 5 * 1024) throw new Error("Dotenv Artifact Too Big. Maximum Allowable Size: 5 KB");
  const vars: [string, string][] = [];
  // Ruby's each_line keeps the "\n"; `$` matches before it, so only a line ending the file lacks it.
  for (const line of text.match(/[^\n]*\n|[^\n]+$/g) ?? []) {
    const m = /^(.*?)=(.*)$/m.exec(line);
    if (!m) throw new Error("Invalid Format");
    const key = m[1]!.trim();
    if (key === "") throw new Error("Validation failed: Key can't be blank");
    if (!/^[a-zA-Z0-9_]+$/.test(key)) throw new Error("Validation failed: Key can contain only letters, digits and '_'.");
    vars.push([key, m[2]!.trim()]);
  }
  if (vars.length > 20) throw new Error("Dotenv files cannot have more than 20 variables");
  return Object.fromEntries(vars);
}
