// Options shared by the commands that load the configuration (SPEC 1.4).
import type { OptionSpec } from "./command.js";

export const CONFIG_OPTIONS: OptionSpec[] = [
  { name: "config", type: "string", value: "PATH", description: "Config file to use instead of searching (env WERF_MIRROR_CONFIG)" },
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
  { name: "out-dir", type: "string", value: "DIR", description: "Directory for generated files (env WERF_MIRROR_OUT_DIR)" },
  { name: "timeout", type: "string", value: "DURATION", description: "Per-probe time limit, e.g. 5s (env WERF_MIRROR_TIMEOUT)" },
  {
    name: "unhealthy",
    type: "string",
    value: "POLICY",
    choices: ["drop", "warn", "fail"],
    description: "What to do with a failing mirror (env WERF_MIRROR_UNHEALTHY)",
  },
];

/** werf's backend; `render` uses --backend for its target instead. */
export const WERF_BACKEND_OPTION: OptionSpec = {
  name: "backend",
  type: "string",
  value: "BACKEND",
  choices: ["auto", "docker", "buildah"],
  description: "werf's container backend (env WERF_MIRROR_BACKEND; auto follows WERF_BUILDAH_MODE)",
};

export const OUTPUT_OPTIONS: OptionSpec[] = [
  { name: "no-color", type: "boolean", description: "Plain output without colors (also NO_COLOR=1)" },
  { name: "quiet", type: "boolean", description: "Print only errors" },
  { name: "verbose", type: "boolean", description: "Print more detail" },
  { name: "help", type: "boolean", description: "Show this help" },
];
