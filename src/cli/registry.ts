// The commands, in the order `--help` lists them. A new command is one file and one line here.
import type { Command } from "./command.js";
import { lintCommand } from "./commands/lint.js";
import { configCommand } from "./commands/config.js";
import { initCommand } from "./commands/init.js";
import { renderCommand } from "./commands/render.js";
import { applyCommand } from "./commands/apply.js";

export const COMMANDS: Command[] = [lintCommand, configCommand, renderCommand, applyCommand, initCommand];
