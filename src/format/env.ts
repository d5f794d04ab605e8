// The hand-off as text, in the style of `werf ci-env`: `# SECTION` comments, then one line per
// variable. sh: `export KEY="VALUE"`; PowerShell: `$Env:KEY = 'VALUE'`; cmd.exe (a .bat file):
// `set "KEY=VALUE"` under `::` comments; env file: `KEY=VALUE`.
import { relative } from "node:path";
import type { Handoff } from "../preflight/handoff.js";
import { ENV_PREFIXES } from "../config/options.js";

export type EnvShell = "sh" | "powershell" | "cmdexe";

/** werf ci-env's --shell values (and WERF_SHELL's): `default` is any POSIX shell. */
export const SHELL_CHOICES = ["default", "sh", "cmdexe", "powershell"] as const;

export function shellOf(value: string | undefined): EnvShell {
  return value === "powershell" || value === "cmdexe" ? value : "sh";
}

/**
 * cmd.exe, in a batch file: `set "KEY=VALUE"` keeps `&`, `|`, `<`, `>` and `^` literal inside the
 * quotes; `%` is doubled (a batch file expands `%...%`). A `"` or a line break cannot be carried.
 */
export function cmdSet(key: string, value: string): string {
  if (/["\r\n\0]/.test(value)) throw new EnvFileError(`cannot write ${key} for cmd.exe: its value holds a quote or a line break; use another --shell`);
  return `set "${key}=${value.replace(/%/g, "%%")}"`;
}

/** POSIX double-quoted: `\`, `"`, `$` and backquote escaped. */
export function shDoubleQuote(value: string): string {
  return `"${value.replace(/[\\"$`]/g, (c) => `\\${c}`)}"`;
}

/**
 * PowerShell single-quoted. PowerShell ends such a string at any single-quote character: `'` and
 * the typographic U+2018-U+201B (‘ ’ ‚ ‛) alike. Each is doubled, as PowerShell's own
 * CodeGeneration.EscapeSingleQuotedStringContent does; doubled, it stands for itself.
 */
export function powershellQuote(value: string): string {
  return `'${value.replace(/['\u2018-\u201b]/g, "$&$&")}'`;
}

// werf reads every WERF_CONTAINER_REGISTRY_MIRROR_* it finds, so a sourced hand-off first clears
// the ones the sourcing shell already has: a dropped mirror must really be gone.
const CLEAR_SH = `for _wm_var in $(env | sed -n 's/^\\(${ENV_PREFIXES.werfMirror}[A-Za-z0-9_]*\\)=.*/\\1/p'); do unset "$_wm_var"; done; unset _wm_var`;
const CLEAR_PS = `Get-ChildItem Env: | Where-Object { $_.Name -like '${ENV_PREFIXES.werfMirror}*' } | ForEach-Object { Remove-Item "Env:$($_.Name)" }`;

const CLEAR_CMD = `for /f "delims==" %%v in ('set ${ENV_PREFIXES.werfMirror} 2^>nul') do set "%%v="`;

function sections(h: Handoff, clear: string, line: (key: string, value: string) => string, comment = "#"): string {
  const out: string[] = [`${comment} WERF MIRRORS SET EARLIER (replaced by the list below)`, clear];
  let current = "";
  for (const e of h.entries) {
    if (e.section !== current) {
      out.push("", `${comment} ${e.section}`);
      current = e.section;
    }
    out.push(line(e.key, e.value));
  }
  return `${out.join("\n")}\n`;
}

export function formatEnvSh(h: Handoff): string {
  return sections(h, CLEAR_SH, (k, v) => `export ${k}=${shDoubleQuote(v)}`);
}

export function formatEnvPowershell(h: Handoff): string {
  return sections(h, CLEAR_PS, (k, v) => `$Env:${k} = ${powershellQuote(v)}`);
}

export function formatEnvCmd(h: Handoff): string {
  return `@echo off\r\n${sections(h, CLEAR_CMD, cmdSet, "::").replace(/\n/g, "\r\n")}`;
}

/** A hand-off value that a plain `KEY=VALUE` file cannot hold. */
export class EnvFileError extends Error {}

const ENV_KEY = /^[A-Za-z_][A-Za-z0-9_]*$/;

/**
 * Plain `KEY=VALUE` (docker --env-file, GitLab dotenv reports): no quoting, no unset. Such a file
 * has no escaping, so a value with a line break would start a line of its own (`LD_PRELOAD=...`):
 * refused, as is anything but a plain key.
 */
export function formatEnvFile(h: Handoff): string {
  for (const e of h.entries) {
    if (!ENV_KEY.test(e.key)) throw new EnvFileError(`cannot write an env file: ${JSON.stringify(e.key)} is not a variable name`);
    if (/[\r\n\0]/.test(e.value)) {
      throw new EnvFileError(
        `cannot write an env file: the value of ${e.key} holds a line break, and KEY=VALUE lines cannot carry one. ` +
          "It comes from the path of output.dir: use a directory without line breaks (--out-dir), or the sourceable --as-file",
      );
    }
  }
  return h.entries.map((e) => `${e.key}=${e.value}`).join("\n") + (h.entries.length ? "\n" : "");
}

/**
 * What `env` prints when anything goes wrong (a failed preflight, a config that cannot be loaded,
 * a usage error, a crash), so that the hand-off idioms stop before werf runs in every shell:
 * - for `. "$(werf-mirror env --as-file)" && werf build` (and the unquoted form), a path no shell
 *   can source: nothing can ever exist below /dev/null, so nobody can plant a file there, and it
 *   needs no writable output.dir. dash and busybox sh exit at once (a non-interactive shell stops
 *   when `.` cannot read its file), bash and zsh return non-zero (`&&` and `set -e` stop). An empty
 *   output would not do: dash and busybox take `. $(...)` with no argument as success.
 * - for `eval "$(werf-mirror env)"`, text whose status is failure (`eval ""` succeeds).
 */
export const FAILED_HANDOFF_PATH = "/dev/null/werf-mirror-env-failed";

export function failedHandoffText(shell: EnvShell): string {
  return shell === "powershell"
    ? "throw 'werf-mirror env failed (see its errors above): nothing is handed to werf'\n"
    : shell === "cmdexe"
      ? ":: werf-mirror env failed (see its errors above): nothing is handed to werf\r\nexit /b 1\r\n"
      : "# werf-mirror env failed (see its errors above): nothing is handed to werf, and this stops an eval\nfalse\n";
}

/** env.sh after a failed preflight: sourcing it fails, as sourcing a stale hand-off must not succeed. */
export function failedEnvSh(): string {
  return "# werf-mirror preflight failed (`werf-mirror preflight` shows why): nothing is handed to werf\necho 'werf-mirror: preflight failed; nothing is handed to werf' >&2\nfalse\n";
}

export function formatEnv(h: Handoff, shell: EnvShell): string {
  return shell === "powershell" ? formatEnvPowershell(h) : shell === "cmdexe" ? formatEnvCmd(h) : formatEnvSh(h);
}

/**
 * What survives an unquoted `$(...)` intact in sh, dash and bash: no IFS character, no glob
 * (`*?[`), no quote, `$`, `~`, `;`, `&`, `|`, `<`, `>` or control character.
 */
const UNQUOTED_SAFE_PATH = /^[A-Za-z0-9_./+,:@%=-]+$/;

/**
 * How to print the hand-off file's `path` for `. $(werf-mirror env --as-file)`: as is when it is
 * safe unquoted; else relative to `cwd` (the shell's working directory; `./` first, so that `.`
 * does not search PATH for it) when that is safe; else undefined.
 */
export function pathForUnquotedUse(path: string, cwd: string): string | undefined {
  if (UNQUOTED_SAFE_PATH.test(path)) return path;
  const rel = relative(cwd, path);
  const shown = rel.startsWith("../") ? rel : `./${rel}`;
  return UNQUOTED_SAFE_PATH.test(shown) ? shown : undefined;
}
