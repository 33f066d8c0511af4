// `oracle`: a reference model that answers every case with its first acceptable answer, written in
// the json dialect. It must score 100% — a lower score means the scorer, the importer or a dialect
// disagrees with the suite, which is exactly what it exists to catch.
//
// Options (ProviderOptions, e.g. `needle-bench run --provider-option delayMs=200`):
//   delayMs  wait this long before answering (honours the abort signal), to make demos and
//            interruption/resume tests slow enough to watch or kill mid-run.
import { getDialect } from '../dialects/registry.ts';
import type { SuiteCase } from '../suite/types.ts';
import { sleep } from '../util/sleep.ts';
import { ORACLE_REFUSAL, oracleCalls } from './oracle-answer.ts';
import type { Generation, ModelProvenance, Provider, ProviderFactory, ProviderOptions } from './types.ts';

const DIALECT = 'json';

function delayOption(options: ProviderOptions): number {
  const raw = options.delayMs;
  if (raw === undefined) return 0;
  const ms = typeof raw === 'string' ? Number(raw) : raw;
  if (typeof ms !== 'number' || !Number.isFinite(ms) || ms < 0) {
    throw new Error(`oracle: option delayMs: expected a non-negative number of milliseconds, got ${JSON.stringify(raw)}`);
  }
  return ms;
}

class OracleProvider implements Provider {
  readonly dialect = DIALECT;
  private readonly delayMs: number;

  constructor(readonly id: string, options: ProviderOptions) {
    this.delayMs = delayOption(options);
  }

  async load(): Promise<ModelProvenance> {
    await getDialect(DIALECT); // fail at load time, not on every case, if the dialect is missing
    return { id: this.id, displayName: 'Oracle (first acceptable answer)', dialect: DIALECT, generation: { delayMs: this.delayMs } };
  }

  async generate(testCase: SuiteCase, signal?: AbortSignal): Promise<Generation> {
    const start = performance.now();
    if (this.delayMs > 0) await sleep(this.delayMs, signal);
    signal?.throwIfAborted();
    const calls = oracleCalls(testCase);
    const raw = calls.length === 0 ? ORACLE_REFUSAL : (await getDialect(DIALECT)).format(calls);
    return { raw, timings: { totalMs: performance.now() - start } };
  }

  async dispose(): Promise<void> {}
}

export const factory: ProviderFactory = {
  prefix: 'oracle',
  description: 'answers every case with its first acceptable answer (must score 100%); option delayMs',
  create(spec, options) {
    if (spec !== 'oracle') throw new Error(`oracle takes no argument: use "oracle", not "${spec}"`);
    return new OracleProvider(spec, options);
  },
};
