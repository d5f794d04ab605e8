// The hand-off as text, in the style of `werf ci-env`: `# SECTION` comments, then one line per
// variable. sh: `export KEY="VALUE"`; PowerShell: `$Env:KEY = 'VALUE'`; env file: `KEY=VALUE`.
import type { Handoff } from "../preflight/handoff.js";

export type EnvShell = "sh" | "powershell";

/** POSIX double-quoted: `\`, `"`, `$` and backquote escaped. */
export function shDoubleQuote(value: string): string {
  return `"${value.replace(/[\\"$`]/g, (c) => `\\${c}`)}"`;
}

export function powershellQuote(value: string): string {
  return `'${value.replace(/'/g, "''")}'`;
}

// werf reads every WERF_CONTAINER_REGISTRY_MIRROR_* it finds, so a sourced hand-off first clears
// the ones the sourcing shell already has: a dropped mirror must really be gone.
const CLEAR_SH =
  "for _wm_var in $(env | sed -n 's/^\\(WERF_CONTAINER_REGISTRY_MIRROR_[A-Za-z0-9_]*\\)=.*/\\1/p'); do unset \"$_wm_var\"; done; unset _wm_var";
const CLEAR_PS =
  "Get-ChildItem Env: | Where-Object { $_.Name -like 'WERF_CONTAINER_REGISTRY_MIRROR_*' } | ForEach-Object { Remove-Item \"Env:$($_.Name)\" }";

function sections(h: Handoff, clear: string, line: (key: string, value: string) => string): string {
  const out: string[] = ["# WERF MIRRORS SET EARLIER (replaced by the list below)", clear];
  let current = "";
  for (const e of h.entries) {
    if (e.section !== current) {
      out.push("", `# ${e.section}`);
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

/** Plain `KEY=VALUE` (docker --env-file, GitLab dotenv reports): no quoting, no unset. */
export function formatEnvFile(h: Handoff): string {
  return h.entries.map((e) => `${e.key}=${e.value}`).join("\n") + (h.entries.length ? "\n" : "");
}

export function formatEnv(h: Handoff, shell: EnvShell): string {
  return shell === "powershell" ? formatEnvPowershell(h) : formatEnvSh(h);
}
