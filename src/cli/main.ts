// needle-bench command line. Each file in src/cli/commands exports `register(program)`; this file
// only wires them up, so a new command is a new file.
import { Command } from 'commander';
import { discover } from '../util/discover.ts';
import { harnessVersion } from '../util/version.ts';

type Register = (program: Command) => void;

const program = new Command('needle-bench')
  .description('Evaluate and benchmark small function-calling models (Needle and its baselines).')
  .version(harnessVersion())
  .showHelpAfterError();

for (const register of await discover<Register>(new URL('./commands/', import.meta.url), 'register')) {
  register(program);
}

try {
  await program.parseAsync(process.argv);
} catch (err) {
  console.error(`needle-bench: ${err instanceof Error ? err.message : String(err)}`);
  process.exitCode = process.exitCode || 2;
}
