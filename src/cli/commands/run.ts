// `needle-bench run`: suites × models into a resumable run directory. Heavy modules (runner,
// providers, onnxruntime behind them) are imported inside the action so `needle-bench --help` and
// every other command start fast.
import type { Command } from 'commander';
import { collect, integer, keyValue, positiveInt, shardOption, usageExitCode2 } from '../option-parsers.ts';

export interface RunCliOptions {
  suite: string[];
  model: string[];
  out: string;
  concurrency: number;
  timeoutMs: number;
  seed?: number;
  threads?: number;
  providerOption: Record<string, unknown>;
  progress: 'auto' | 'bar' | 'plain' | 'none';
  retryErrors?: boolean;
  shard?: import('../../run/shard.ts').Shard;
}

export function register(program: Command): void {
  const run = program
    .command('run')
    .description('Run models over suites into a run directory (results.jsonl + run.json); re-running the same command resumes')
    .requiredOption('--suite <path>', 'suite folder or .jsonl file (repeatable)', collect)
    .requiredOption('--model <spec>', 'model: a registered id or <provider>[:<arg>], e.g. oracle, replay:out.jsonl, openai:http://host:8000/v1#<served model> (repeatable)', collect)
    .requiredOption('--out <run-dir>', 'run directory (created; an existing one is resumed)')
    .option('--concurrency <n>', 'cases in flight at once per model (1 keeps throughput numbers clean)', positiveInt, 1)
    .option('--timeout-ms <n>', 'per-case generation timeout in ms', positiveInt, 300_000)
    .option('--seed <n>', 'generation seed (recorded; a resumed run must use the same)', integer)
    .option('--threads <n>', 'runtime threads per model (recorded in run.json)', positiveInt)
    .option('--provider-option <key=value>', 'extra provider option, e.g. delayMs=200 for the oracle, mode=raw for openai (repeatable; see docs/openai.md)', keyValue, {})
    .option('--retry-errors', 'when resuming, run again the cases that ended in a generation error (e.g. timeouts)')
    .option('--shard <i/n>', 'run only shard i of n of every suite (stratified by category, by case-id hash); join the shards with needle-bench merge', shardOption)
    .option('--progress <mode>', 'auto (bar on a TTY unless CI is set), bar, plain or none', 'auto')
    .addHelpText('after', '\nExit codes: 0 done, 1 a model failed to load, 2 bad usage or input, 130 interrupted (Ctrl-C), 143 terminated.\nSee docs/runs.md.')
    .action(async (opts: RunCliOptions) => {
      const { runCommand } = await import('../run-command.ts');
      process.exitCode = await runCommand(opts, process.argv.slice(2));
    });
  usageExitCode2(run);
}
