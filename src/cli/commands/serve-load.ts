// `needle-bench serve-load`: starts `needle-bench serve` as a child process, drives it with N
// concurrent clients for a bounded time, samples the server's RSS, then stops it with SIGTERM and
// prints one JSON report (answers by status, latency percentiles, memory, drain exit code).
import type { Command } from 'commander';
import { positiveInt, usageExitCode2 } from '../option-parsers.ts';

interface ServeLoadOptions {
  model: string;
  suite: string;
  clients: number;
  seconds: number;
  queue: string;
  workers: number;
  threads?: number;
  mode: import('../../serve/load.ts').LoadMode;
  streamEvery: string;
}

export function register(program: Command): void {
  const cmd = program
    .command('serve-load')
    .description('Load-test needle-bench serve: N concurrent clients for a bounded time; answers by status, latency, server RSS')
    .option('--model <spec>', 'needle model to serve', 'needle-tiny')
    .option('--suite <path>', 'cases the requests are built from', 'suites/core-smoke')
    .option('--clients <n>', 'concurrent clients', positiveInt, 32)
    .option('--seconds <n>', 'how long the clients send', positiveInt, 20)
    .option('--queue <n>', "the server's queue bound", '16')
    .option('--workers <n>', "the server's generations at once", positiveInt, 1)
    .option('--threads <n>', 'onnxruntime threads of the server', positiveInt)
    .option('--mode <mode>', 'tools (chat completions with tools), raw (completions on Needle\'s prompt text) or mixed (half the clients each), as run\'s openai modes', 'mixed')
    .option('--stream-every <k>', 'every k-th client streams (0: none)', '3')
    .action(async (opts: ServeLoadOptions) => {
      const [{ loadSuite }, { runLoad, LOAD_MODES }, { spawnServe }] = await Promise.all([import('../../suite/load.ts'), import('../../serve/load.ts'), import('../../serve/process.ts')]);
      if (!LOAD_MODES.includes(opts.mode)) throw new Error(`--mode: expected ${LOAD_MODES.join(', ')}, got "${opts.mode}"`);
      const suite = await loadSuite(opts.suite);
      const args = ['--model', opts.model, '--port', '0', '--queue', opts.queue, '--workers', String(opts.workers), ...(opts.threads ? ['--threads', String(opts.threads)] : [])];
      const { child, url, exited } = await spawnServe(args, { stderr: 'inherit' });
      try {
        const report = await runLoad({
          url,
          model: opts.model,
          cases: suite.cases,
          clients: opts.clients,
          seconds: opts.seconds,
          mode: opts.mode,
          streamEvery: Number(opts.streamEvery),
          pid: child.pid,
        });
        const health = (await (await fetch(`${url}/health`)).json()) as { status: string };
        child.kill('SIGTERM');
        const exitCode = await exited;
        process.stdout.write(JSON.stringify({ model: opts.model, queue: Number(opts.queue), workers: opts.workers, ...report, healthAfter: health.status, exitCodeAfterSigterm: exitCode }, null, 2) + '\n');
      } finally {
        if (child.exitCode === null) child.kill('SIGKILL');
      }
    });
  usageExitCode2(cmd);
}
