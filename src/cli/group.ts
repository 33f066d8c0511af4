import type { Command } from 'commander';

/**
 * A command group shared by several command files (e.g. `suite import` and `suite synth` live in
 * different modules): returns the existing group or creates it.
 */
export function commandGroup(program: Command, name: string, description: string): Command {
  return program.commands.find((c) => c.name() === name) ?? program.command(name).description(description);
}
