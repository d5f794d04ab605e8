// What to hand on, given the probe results: `unhealthy: drop|warn|fail` decides the fate of
// unreachable mirrors, degraded ones (alive, but slow or without the probe manifest) are kept
// with a warning, `order: latency` puts the fastest first, `minHealthy` is checked per registry.
import type { PreflightSettings } from "../config/types.js";
import type { Finding, MirrorResult, RegistryResult } from "./types.js";

export function applyPolicy(
  registry: string,
  mirrors: MirrorResult[],
  settings: Pick<PreflightSettings, "unhealthy" | "order" | "minHealthy">,
  offline: boolean,
): { result: RegistryResult; findings: Finding[] } {
  const findings: Finding[] = [];
  const rank = (m: MirrorResult) => (m.status === "healthy" ? 0 : m.status === "degraded" ? 1 : 2);
  const results = mirrors.map((m) => ({ ...m, kept: false }));
  for (const m of results) {
    if (m.status === "unchecked" || m.status === "healthy") m.kept = true;
    else if (m.status === "degraded") {
      m.kept = true;
      findings.push({ severity: "warning", registry, mirror: m.url, message: `${m.url} is degraded: ${m.reason ?? "see the checks"}` });
    } else if (settings.unhealthy === "warn") {
      m.kept = true;
      findings.push({ severity: "warning", registry, mirror: m.url, message: `${m.url} is unreachable but kept (unhealthy: warn): ${m.reason}` });
    } else if (settings.unhealthy === "fail") {
      findings.push({
        severity: "error",
        registry,
        mirror: m.url,
        message: `${m.url} is unreachable: ${m.reason}. Fix or remove the mirror, or set preflight.unhealthy to drop or warn`,
      });
    } else {
      findings.push({ severity: "warning", registry, mirror: m.url, message: `${m.url} is unreachable and left out (unhealthy: drop): ${m.reason}` });
    }
  }
  let kept = results.filter((m) => m.kept);
  if (settings.order === "latency" && !offline) {
    kept = kept
      .map((m, i) => ({ m, i }))
      .sort((a, b) => rank(a.m) - rank(b.m) || (a.m.latencyMs ?? Infinity) - (b.m.latencyMs ?? Infinity) || a.i - b.i)
      .map((x) => x.m);
  }
  const usable = results.filter((m) => m.status !== "unreachable").length;
  let ok = !findings.some((f) => f.severity === "error");
  if (!offline && usable < settings.minHealthy) {
    ok = false;
    findings.push({
      severity: "error",
      registry,
      message: `${registry}: ${usable} of ${results.length} mirror(s) answer, preflight.minHealthy is ${settings.minHealthy}. Fix the mirrors above or lower minHealthy`,
    });
  }
  return {
    result: { registry, mirrors: results, kept: kept.map((m) => m.url), usable, minHealthy: settings.minHealthy, ok },
    findings,
  };
}
