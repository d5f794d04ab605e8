// Options shared by the commands that load the configuration. Those the environment
// can set too come from the one options table (src/config/options.ts): name, value, allowed
// values and the env variable are not written again here.
import type { OptionSpec } from "./command.js";
import { option, optionChoices, type Option } from "../config/options.js";

/** The flag of a table option, naming its environment variable. */
function fromTable(o: Option, extra = ""): OptionSpec {
  const choices = optionChoices(o);
  return {
    name: o.flag.slice(2),
    type: "string",
    value: o.valueName,
    ...(choices ? { choices: [...choices] } : {}),
    description: `${o.description} (env ${o.env}${extra})`,
  };
}

export const CONFIG_OPTIONS: OptionSpec[] = [
  fromTable(option("config")),
  { name: "cwd", type: "string", value: "DIR", description: "Work as if started in DIR" },
  {
    name: "dir",
    type: "string",
    value: "DIR",
    description: "werf's project directory (werf's --dir, env WERF_DIR): werf.yaml is read there and the search starts there",
  },
  {
    name: "container-registry-mirror",
    type: "string",
    multiple: true,
    value: "URL",
    description: "A docker.io mirror, with werf's name and meaning (https only; repeatable)",
  },
  { name: "mirror", type: "string", multiple: true, value: "REGISTRY=URL", description: "A mirror for any registry (repeatable)" },
  fromTable(option("outDir")),
  fromTable(option("timeout")),
  fromTable(option("unhealthy")),
];

/** werf's backend (`render` has --target, and --backend only as its deprecated old name). */
export const WERF_BACKEND_OPTION: OptionSpec = fromTable(option("backend"));

export const OUTPUT_OPTIONS: OptionSpec[] = [
  { name: "no-color", type: "boolean", description: "Plain output without colors (also NO_COLOR=1)" },
  { name: "quiet", type: "boolean", description: "Print only errors" },
  { name: "verbose", type: "boolean", description: "Print more detail" },
  { name: "help", type: "boolean", description: "Show this help" },
];
