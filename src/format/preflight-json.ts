// The report as stored in preflight.json: stable keys, for scripts (`jq`).
import type { PreflightFormatter } from "./preflight-types.js";

export const preflightJson: PreflightFormatter = (report) => `${JSON.stringify(report, null, 2)}\n`;
