// One model over its unfinished cases: each case generated with its timeout and the interruption
// signal, parsed with the model's dialect, scored, and appended to the results store at once.
import pLimit from 'p-limit';
import { getDialect } from '../dialects/registry.ts';
import type { Dialect, ParseResult } from '../dialects/types.ts';
import type { Generation, Provider } from '../providers/types.ts';
import { scoreCase } from '../score/score.ts';
import type { Suite, SuiteCase } from '../suite/types.ts';
import type { ProgressReporter } from './progress.ts';
import { raceAbort } from './race-abort.ts';
import type { ResultsStore } from './results-store.ts';
import type { ResultRecord } from './types.ts';

export interface ModelRunOptions {
  concurrency?: number;
  timeoutMs?: number;
}

class InterruptedError extends Error {
  override name = 'InterruptedError';
}

export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

export function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

export interface CaseTask {
  suite: Suite;
  testCase: SuiteCase;
}

/** Runs one model over its unfinished cases. Knows nothing of other models. */
export class ModelRun {
  private readonly inFlight = new Set<AbortController>();
  written = 0;
  passed = 0;
  generationErrors = 0;
  /** Measured generate() wall times of this session's cases, ms. */
  readonly latenciesMs: number[] = [];

  constructor(
    private readonly spec: string,
    private readonly provider: Provider,
    private readonly dialect: Dialect,
    private readonly store: ResultsStore,
    private readonly options: ModelRunOptions,
    private readonly progress: ProgressReporter,
    private readonly stopping: () => boolean,
  ) {}

  /** Aborts every case in flight (after the interruption grace period). */
  abortInFlight(): void {
    for (const ac of this.inFlight) ac.abort(new InterruptedError('interrupted'));
  }

  async run(tasks: CaseTask[]): Promise<void> {
    const limit = pLimit(this.options.concurrency ?? 1);
    await Promise.all(tasks.map((t) => limit(() => this.runCase(t))));
  }

  private async generate(testCase: SuiteCase, interrupt: AbortController): Promise<{ gen?: Generation; error?: string }> {
    const timeoutMs = this.options.timeoutMs;
    const timeout = timeoutMs !== undefined ? AbortSignal.timeout(timeoutMs) : undefined;
    const signal = timeout ? AbortSignal.any([interrupt.signal, timeout]) : interrupt.signal;
    try {
      const gen = await raceAbort(this.provider.generate(testCase, signal), signal);
      if (typeof gen?.raw !== 'string') return { error: `provider ${this.spec} returned no raw text` };
      return { gen };
    } catch (err) {
      if (interrupt.signal.aborted) throw new InterruptedError('interrupted');
      if (timeout?.aborted) return { error: `timed out after ${timeoutMs} ms` };
      return { error: errorMessage(err) || 'generation failed' };
    }
  }

  private async runCase({ suite, testCase }: CaseTask): Promise<void> {
    if (this.stopping()) return;
    const interrupt = new AbortController();
    this.inFlight.add(interrupt);
    let result: { gen?: Generation; error?: string };
    try {
      result = await this.generate(testCase, interrupt);
    } catch (err) {
      if (err instanceof InterruptedError) return; // not recorded: a resume runs it again
      throw err;
    } finally {
      this.inFlight.delete(interrupt);
    }
    const record = await this.score(suite, testCase, result);
    this.store.append(record);
    this.written++;
    if (record.timings) this.latenciesMs.push(record.timings.totalMs);
    if (record.verdict.pass) this.passed++;
    if (record.generationError !== undefined) this.generationErrors++;
    this.progress.caseDone(record.verdict.pass);
  }

  /** Parses with the model's dialect or the one this generation names; an unknown one is a parse error. */
  private async parse(dialectId: string, raw: string, testCase: SuiteCase): Promise<ParseResult> {
    if (dialectId === this.dialect.id) return this.dialect.parse(raw, testCase.tools);
    try {
      return (await getDialect(dialectId)).parse(raw, testCase.tools);
    } catch (err) {
      return { ok: false, error: errorMessage(err) };
    }
  }

  private async score(suite: Suite, testCase: SuiteCase, { gen, error }: { gen?: Generation; error?: string }): Promise<ResultRecord> {
    const base = { id: testCase.id, suite: suite.manifest.name, category: testCase.category, model: this.spec };
    if (!gen) {
      const message = error ?? 'generation failed';
      return {
        ...base,
        dialect: this.provider.dialect,
        raw: '',
        calls: null,
        generationError: message,
        verdict: scoreCase(testCase, { kind: 'generation_error', error: message }),
        at: new Date().toISOString(),
      };
    }
    const dialectId = gen.dialect ?? this.provider.dialect;
    const parsed = await this.parse(dialectId, gen.raw, testCase);
    const record: ResultRecord = {
      ...base,
      dialect: dialectId,
      raw: gen.raw,
      calls: parsed.ok ? parsed.calls : null,
      verdict: scoreCase(testCase, parsed.ok ? { kind: 'parsed', calls: parsed.calls } : { kind: 'parse_error', error: parsed.error }),
      at: new Date().toISOString(),
    };
    if (!parsed.ok) record.parseError = parsed.error;
    if (gen.promptTokens !== undefined) record.promptTokens = gen.promptTokens;
    if (gen.generatedTokens !== undefined) record.generatedTokens = gen.generatedTokens;
    if (gen.timingsMeasured !== false) record.timings = gen.timings;
    if (gen.info) record.info = gen.info;
    return record;
  }
}
