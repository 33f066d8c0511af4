// `needle-bench score <run-dir>`: re-score stored raw outputs with the current rules and dialects
// (scoring evolves; generations are expensive) and print a per-model pass-rate table.
import type { Command } from 'commander';
import { collect, usageExitCode2 } from '../option-parsers.ts';

export function register(program: Command): void {
  const score = program
    .command('score')
    .description('Re-score the stored raw outputs of a run directory with the current scoring rules')
    .argument('<run-dir>', 'run directory written by `needle-bench run`')
    .option('--suite <path>', "where a suite of the run lives now, if it moved (matched by name, checked by hash; repeatable)", collect, [])
    .option('--dry-run', 'print the table without rewriting results.jsonl')
    .action(async (dir: string, opts: { suite: string[]; dryRun?: boolean }) => {
      const { rescoreRun, formatRescoreTable } = await import('../../run/rescore.ts');
      const result = await rescoreRun(dir, { suitePaths: opts.suite, write: !opts.dryRun });
      if (result.droppedTornBytes > 0) process.stderr.write(`note: left out a torn last line (${result.droppedTornBytes} bytes) of a killed run\n`);
      process.stdout.write(formatRescoreTable(result.rows) + '\n');
      const action = opts.dryRun ? 'would change' : 'changed';
      process.stdout.write(`${result.records.length} records re-scored; ${result.changed} verdict(s) ${action}${opts.dryRun ? '' : `; ${dir}/results.jsonl rewritten`}\n`);
    });
  usageExitCode2(score);
}
