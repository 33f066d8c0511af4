// `needle-bench serve`: Needle checkpoints behind an OpenAI-compatible HTTP API (docs/serve.md).
// SIGTERM / Ctrl-C drain: new requests get 503, accepted ones finish, then the process exits 0.
import type { Command } from 'commander';
import { collect, positiveInt, usageExitCode2 } from '../option-parsers.ts';

interface ServeCliOptions {
  model: string[];
  host: string;
  port: number;
  queue: number;
  workers: number;
  maxBodyBytes: number;
  drainTimeoutMs: number;
  threads?: number;
  cacheDir?: string;
}

function nonNegativeInt(value: string): number {
  return value.trim() === '0' ? 0 : positiveInt(value);
}

/** "name=spec" serves `spec` under `name` (a name has no ':' or '/'); a bare spec is served under its own name. */
export function servedName(arg: string): { id: string; spec: string } {
  const m = /^([^:/=]+)=(.+)$/.exec(arg);
  return m ? { id: m[1], spec: m[2] } : { id: arg, spec: arg };
}

async function serve(opts: ServeCliOptions): Promise<void> {
  const [{ ServedNeedle }, { startServer }] = await Promise.all([import('../../serve/served-model.ts'), import('../../serve/server.ts')]);
  const models: import('../../serve/served-model.ts').ServedNeedle[] = [];
  for (const arg of opts.model) {
    const { id, spec } = servedName(arg);
    models.push(await ServedNeedle.load(id, spec, { threads: opts.threads, cacheDir: opts.cacheDir }));
  }
  const log = (line: string) => process.stderr.write(`needle-bench serve: ${line}\n`);
  const server = await startServer({
    models,
    host: opts.host,
    port: opts.port,
    queueLimit: opts.queue,
    workers: opts.workers,
    maxBodyBytes: opts.maxBodyBytes,
    drainTimeoutMs: opts.drainTimeoutMs,
    log,
  });
  process.stdout.write(`needle-bench serve: listening on ${server.url}/v1 (models: ${models.map((m) => m.id).join(', ')}; queue ${opts.queue}, workers ${opts.workers})\n`);
  const stop = async (signal: NodeJS.Signals) => {
    process.off('SIGTERM', stop);
    process.off('SIGINT', stop);
    // A second signal leaves at once.
    process.once('SIGTERM', () => process.exit(143));
    process.once('SIGINT', () => process.exit(130));
    log(`${signal}: draining (finishing accepted requests)`);
    await server.close();
    await Promise.all(models.map((m) => m.dispose().catch(() => {})));
    const s = server.stats();
    log(`stopped; answered ${JSON.stringify(s.answered)}`);
    process.exit(0);
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

export function register(program: Command): void {
  const cmd = program
    .command('serve')
    .description('Serve Needle checkpoints over an OpenAI-compatible HTTP API (chat completions with tools, completions, streaming)')
    .requiredOption('--model <spec>', 'a needle model to serve: registered id (needle-tiny, needle), needle:<checkpoint>, or name=spec (repeatable)', collect)
    .option('--host <host>', 'interface to listen on', '127.0.0.1')
    .option('--port <n>', 'port (0 picks a free one)', nonNegativeInt, 8000)
    .option('--queue <n>', 'requests that may wait beyond the running ones; more get 503 + Retry-After', nonNegativeInt, 16)
    .option('--workers <n>', 'generations at once', positiveInt, 1)
    .option('--max-body-bytes <n>', 'largest request body (413 beyond)', positiveInt, 1 << 20)
    .option('--drain-timeout-ms <n>', 'on SIGTERM, how long accepted requests may take before connections are cut', positiveInt, 60_000)
    .option('--threads <n>', 'onnxruntime intra-op threads per model', positiveInt)
    .option('--cache-dir <dir>', 'model cache (default $NEEDLE_BENCH_CACHE or ~/.cache/needle-bench/models)')
    .addHelpText('after', '\nSee docs/serve.md for BFCL, promptfoo, lm-eval and curl.')
    .action(serve);
  usageExitCode2(cmd);
}
