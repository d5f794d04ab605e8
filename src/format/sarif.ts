// SARIF 2.1.0, for GitHub code scanning and other SARIF viewers.
import { displayPath } from "../config/origin.js";
import { RULES, type RuleId } from "../lint/rules-catalog.js";
import type { LintFormatter } from "./types.js";

export const sarif: LintFormatter = (report) => {
  const ruleIds = Object.keys(RULES) as RuleId[];
  const log = {
    $schema: "https://json.schemastore.org/sarif-2.1.0.json",
    version: "2.1.0",
    runs: [
      {
        tool: {
          driver: {
            name: "werf-mirror",
            version: report.version,
            informationUri: "https://github.com/werf-mirror/werf-mirror",
            rules: ruleIds.map((id) => ({ id, shortDescription: { text: RULES[id] } })),
          },
        },
        results: report.diagnostics.map((d) => ({
          ruleId: d.rule,
          ruleIndex: ruleIds.indexOf(d.rule),
          level: d.severity === "error" ? "error" : "warning",
          message: { text: d.message },
          locations:
            d.origin.kind === "file"
              ? [
                  {
                    physicalLocation: {
                      artifactLocation: {
                        uri: displayPath(d.origin.file, report.root ?? report.cwd)
                          .split("\\")
                          .join("/"),
                      },
                      region: { startLine: d.origin.line, startColumn: d.origin.col },
                    },
                  },
                ]
              : [{ logicalLocations: [{ name: "name" in d.origin ? d.origin.name : d.origin.kind, kind: "variable" }] }],
        })),
      },
    ],
  };
  return JSON.stringify(log, null, 2) + "\n";
};
