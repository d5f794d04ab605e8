// `lint`: with files, each file on its own (what pre-commit passes); without, the effective
// configuration (file found by search, environment and flags).
import { resolve } from "node:path";
import type { Diagnostic } from "../config/types.js";
import { hasErrors, lintFile, loadConfig, type LoadOptions } from "../config/load.js";

export interface LintOptions extends LoadOptions {
  files?: string[];
}

export interface LintResult {
  files: string[];
  diagnostics: Diagnostic[];
  hasErrors: boolean;
  /** No file given and none found: nothing was linted. */
  noConfig: boolean;
}

export async function lint(opts: LintOptions = {}): Promise<LintResult> {
  const cwd = resolve(opts.cwd ?? process.cwd());
  if (opts.files && opts.files.length > 0) {
    const diagnostics: Diagnostic[] = [];
    const files: string[] = [];
    for (const f of opts.files) {
      const r = await lintFile(f, { cwd, fileExists: opts.fileExists });
      files.push(resolve(cwd, f));
      diagnostics.push(...r.diagnostics);
    }
    return { files, diagnostics, hasErrors: hasErrors(diagnostics), noConfig: false };
  }
  const r = await loadConfig({ ...opts, cwd });
  return {
    files: r.configFile ? [r.configFile] : [],
    diagnostics: r.diagnostics,
    hasErrors: r.hasErrors,
    noConfig: !r.configFile,
  };
}
