// The report as stored in preflight.json: stable keys, for scripts (`jq`).
// C1 controls and bidi characters are written as \uXXXX escapes (JSON.stringify escapes the C0
// ones), so `cat preflight.json` on a terminal shows them instead of obeying them.
import { jsonWithoutControls } from "../preflight/printable.js";
import type { PreflightFormatter } from "./preflight-types.js";

export const preflightJson: PreflightFormatter = (report) => `${jsonWithoutControls(JSON.stringify(report, null, 2))}\n`;
