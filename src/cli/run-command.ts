// The body of `needle-bench run`, loaded lazily by src/cli/commands/run.ts. Owns what only a
// command line has: Ctrl-C handling, the resume hint and the exit code.
import { runBenchmark } from '../run/runner.ts';
import type { ProgressMode } from '../run/progress.ts';
import { loadSuites } from '../suite/load.ts';
import type { RunCliOptions } from './commands/run.ts';
import { shellQuote } from './option-parsers.ts';

/** Exit code of a run stopped by Ctrl-C (128 + SIGINT), as shells report it. */
export const EXIT_INTERRUPTED = 130;
/** Exit code of a run stopped by SIGTERM (128 + 15), e.g. a cancelled CI job. */
export const EXIT_TERMINATED = 143;
/** Exit code when the run finished but a model failed to load. */
export const EXIT_LOAD_FAILED = 1;

const PROGRESS_MODES: ProgressMode[] = ['auto', 'bar', 'plain', 'none'];

export interface RunCommandExtras {
  /** The caller has already listed the absent models with their pull commands (`main`): no notes. */
  absentListed?: boolean;
}

export async function runCommand(opts: RunCliOptions, argv: string[], extras: RunCommandExtras = {}): Promise<number> {
  if (!PROGRESS_MODES.includes(opts.progress)) {
    throw new Error(`--progress: expected one of ${PROGRESS_MODES.join(', ')}, got "${opts.progress}"`);
  }
  const suites = await loadSuites(opts.suite);
  for (const s of suites) for (const w of s.warnings ?? []) process.stderr.write(`warning: ${w}\n`);

  // First Ctrl-C (or a CI runner's SIGTERM): stop taking cases and let the one in flight finish;
  // second: leave at once (every finished case is already on disk).
  const interrupt = new AbortController();
  let exitCode = EXIT_INTERRUPTED;
  const onSignal = (signal: NodeJS.Signals) => {
    if (!interrupt.signal.aborted) {
      exitCode = signal === 'SIGTERM' ? EXIT_TERMINATED : EXIT_INTERRUPTED;
      process.stderr.write(`\n${signal}: finishing the case in flight (Ctrl-C again to stop now)\n`);
      interrupt.abort();
    } else {
      process.exit(exitCode);
    }
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  try {
    const result = await runBenchmark({
      suites,
      models: opts.model,
      outDir: opts.out,
      concurrency: opts.concurrency,
      timeoutMs: opts.timeoutMs,
      seed: opts.seed,
      threads: opts.threads,
      providerOptions: opts.providerOption,
      progress: opts.progress,
      signal: interrupt.signal,
      argv,
      retryErrors: opts.retryErrors,
      shard: opts.shard,
    });
    if (result.interrupted) {
      process.stderr.write(
        `interrupted: ${result.finishedCases} of ${result.totalCases} cases done; resume with: needle-bench ${argv.map(shellQuote).join(' ')}\n`,
      );
      // A provider that ignores the abort (a native inference call) would keep the process alive
      // until its case ends; everything worth keeping is on disk, so leave soon regardless.
      setTimeout(() => process.exit(exitCode), 1000).unref();
      return exitCode;
    }
    const failed = result.models.filter((m) => m.status === 'load_failed');
    const absent = result.models.filter((m) => m.status === 'not_present');
    if (!extras.absentListed) for (const m of absent) process.stderr.write(`note: ${m.model} was not run: ${m.error}\n`);
    process.stdout.write(`results in ${opts.out}/results.jsonl, provenance in ${opts.out}/run.json\n`);
    if (failed.length > 0) {
      process.stderr.write(`error: ${failed.length} model(s) failed to load: ${failed.map((m) => `${m.model} (${m.error})`).join('; ')}\n`);
      return EXIT_LOAD_FAILED;
    }
    return 0;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}
