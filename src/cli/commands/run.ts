// `needle-bench run`: suites × models into a resumable run directory. Heavy modules (runner,
// providers, onnxruntime behind them) are imported inside the action so `needle-bench --help` and
// every other command start fast.
import { InvalidArgumentError, type Command } from 'commander';

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
}

/** Exit code of a run stopped by Ctrl-C (128 + SIGINT), as shells report it. */
export const EXIT_INTERRUPTED = 130;
/** Exit code of a run stopped by SIGTERM (128 + 15), e.g. a cancelled CI job. */
export const EXIT_TERMINATED = 143;
/** Exit code when the run finished but a model failed to load. */
export const EXIT_LOAD_FAILED = 1;

export function positiveInt(value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value.trim()) || !Number.isSafeInteger(n) || n < 1) throw new InvalidArgumentError('expected a positive integer');
  return n;
}

export function integer(value: string): number {
  const n = Number(value);
  if (!/^-?\d+$/.test(value.trim()) || !Number.isSafeInteger(n)) throw new InvalidArgumentError('expected an integer');
  return n;
}

/** `key=value` into an options object; values are JSON when they parse (numbers, booleans), else strings. */
export function providerOption(value: string, previous: Record<string, unknown> = {}): Record<string, unknown> {
  const eq = value.indexOf('=');
  if (eq <= 0) throw new InvalidArgumentError(`expected key=value, got "${value}"`);
  const key = value.slice(0, eq);
  const text = value.slice(eq + 1);
  let parsed: unknown = text;
  try {
    parsed = JSON.parse(text);
  } catch { /* a plain string */ }
  return { ...previous, [key]: parsed };
}

function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}

/** Quotes an argument for a POSIX shell only when it needs it, for the resume hint. */
export function shellQuote(arg: string): string {
  return /^[\w@%+=:,./-]+$/.test(arg) ? arg : `'${arg.replace(/'/g, `'\\''`)}'`;
}

/** Commander reports usage errors with exit code 1; this CLI's contract is 2 for usage/input errors. */
export function usageExitCode2(command: Command): Command {
  return command.exitOverride((err) => {
    process.exit(err.exitCode === 0 ? 0 : 2);
  });
}

export function register(program: Command): void {
  const run = program
    .command('run')
    .description('Run models over suites into a run directory (results.jsonl + run.json); re-running the same command resumes')
    .requiredOption('--suite <path>', 'suite folder or .jsonl file (repeatable)', collect)
    .requiredOption('--model <spec>', 'model: a registered id or <provider>[:<arg>], e.g. oracle, replay:out.jsonl (repeatable)', collect)
    .requiredOption('--out <run-dir>', 'run directory (created; an existing one is resumed)')
    .option('--concurrency <n>', 'cases in flight at once per model (1 keeps throughput numbers clean)', positiveInt, 1)
    .option('--timeout-ms <n>', 'per-case generation timeout in ms', positiveInt, 300_000)
    .option('--seed <n>', 'generation seed (recorded; a resumed run must use the same)', integer)
    .option('--threads <n>', 'runtime threads per model (recorded in run.json)', positiveInt)
    .option('--provider-option <key=value>', 'extra provider option, e.g. delayMs=200 for the oracle (repeatable)', providerOption, {})
    .option('--progress <mode>', 'auto (bar on a TTY unless CI is set), bar, plain or none', 'auto')
    .action(async (opts: RunCliOptions) => {
      const { runCommand } = await import('../run-command.ts');
      process.exitCode = await runCommand(opts, process.argv.slice(2));
    });
  usageExitCode2(run);
}
