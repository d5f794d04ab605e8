// The commands, in the order `--help` lists them. A new command is one file and one line here.
import type { Command } from "./command.js";
import { lintCommand } from "./commands/lint.js";
import { configCommand } from "./commands/config.js";
import { initCommand } from "./commands/init.js";
import { renderCommand } from "./commands/render.js";
import { applyCommand } from "./commands/apply.js";
import { preflightCommand } from "./commands/preflight.js";
import { envCommand } from "./commands/env.js";
import { execCommand } from "./commands/exec.js";

export const COMMANDS: Command[] = [lintCommand, configCommand, renderCommand, applyCommand, initCommand, preflightCommand, envCommand, execCommand];
