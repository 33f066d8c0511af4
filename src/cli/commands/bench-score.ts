// `needle-bench bench-score`: scoring throughput (parse + scoreCase) in cases per second on one core.
// The work lives in src/score/bench.ts, imported only when the command runs (start-up stays fast).
import type { Command } from 'commander';
import type { BenchScoreOptions } from '../../score/bench.ts';

export function register(program: Command): void {
  program
    .command('bench-score')
    .description('Measure scoring throughput (JSON-dialect parse + scoreCase) in cases/s on one core')
    .option('--suite <path>', 'suite to score (default: suites/bfcl)')
    .option('--repetitions <n>', 'timed repetitions after one warm-up (at least 5)', '7')
    .option('--json', 'print the result as JSON')
    .action(async (opts: BenchScoreOptions) => {
      const { benchScoreCommand } = await import('../../score/bench.ts');
      await benchScoreCommand(opts);
    });
}
