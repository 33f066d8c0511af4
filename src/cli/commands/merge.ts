// `needle-bench merge <run-dir>... --out <dir>`: join shard runs into one run directory (src/run/merge.ts).
import type { Command } from 'commander';
import { collect, usageExitCode2 } from '../option-parsers.ts';

export function register(program: Command): void {
  const merge = program
    .command('merge')
    .description('Merge the run directories of shards (run --shard i/n) into one run directory that report and gate read like any other')
    .argument('<run-dirs...>', 'the shard run directories (at least two)')
    .requiredOption('--out <dir>', 'the merged run directory (new or empty)')
    .option('--suite <path>', 'where a suite of the runs lives now, if it moved (matched by name, checked by hash; repeatable)', collect, [])
    .addHelpText('after', '\nRefused (exit 2) unless the runs share harness version, suites, seed, provider options and model configurations, and together hold every case exactly once. See docs/scale-out.md.')
    .action(async (dirs: string[], opts: { out: string; suite: string[] }) => {
      const { mergeRunDirs } = await import('../../run/merge.ts');
      const result = await mergeRunDirs(dirs, opts.out, { suitePaths: opts.suite });
      const shards = result.sources.map((s) => (s.shard ? `${s.shard.index}/${s.shard.count}` : s.dir)).join(', ');
      process.stdout.write(`merged ${result.records} records of ${result.models.length} model(s) from ${result.sources.length} runs (${shards}) into ${result.outDir}\n`);
    });
  usageExitCode2(merge);
}
