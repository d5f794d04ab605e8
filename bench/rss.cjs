// Loaded with --require by the benchmark: on exit, writes the process's peak RSS (KiB) to the
// file named by WERF_MIRROR_BENCH_RSS_FILE.
const { writeFileSync } = require("node:fs");
process.on("exit", () => {
  const file = process.env.WERF_MIRROR_BENCH_RSS_FILE;
  if (file) writeFileSync(file, String(process.resourceUsage().maxRSS));
});
