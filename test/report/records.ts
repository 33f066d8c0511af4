// Hand-made result records for report and gate tests (verdicts written by hand, not by the scorer).
import type { ResultRecord } from '../../src/run/types.ts';
import type { ErrorType, NeedleCounts } from '../../src/score/types.ts';
import type { GenerationTimings } from '../../src/providers/types.ts';

export const zeroCounts = (): NeedleCounts => ({
  nameTp: 0, nameFp: 0, nameFn: 0, callTp: 0, callFp: 0, callFn: 0, argsExact: 0, matchedCalls: 0,
  hallucinatedParams: 0, missingParams: 0, matchedParams: 0, valuesRight: 0, exactMatch: false, parsed: true,
});

export interface RecordSpec {
  id: string;
  model: string;
  pass: boolean;
  suite?: string;
  category?: string;
  error?: ErrorType;
  schemaValid?: boolean;
  needle?: Partial<NeedleCounts>;
  timings?: GenerationTimings;
  promptTokens?: number;
  generatedTokens?: number;
  raw?: string;
  generationError?: string;
}

export function record(s: RecordSpec): ResultRecord {
  const r: ResultRecord = {
    id: s.id,
    suite: s.suite ?? 'toy',
    category: s.category ?? 'simple',
    model: s.model,
    dialect: 'json',
    raw: s.raw ?? (s.pass ? '[{"name":"f","arguments":{}}]' : 'nope'),
    calls: s.error === 'parse_error' ? null : [{ name: 'f', arguments: {} }],
    verdict: {
      pass: s.pass,
      ...(s.pass ? {} : { error: s.error ?? 'wrong_value', reason: `hand-made ${s.error ?? 'wrong_value'}` }),
      schemaValid: s.schemaValid ?? s.pass,
      needle: { ...zeroCounts(), exactMatch: s.pass, ...s.needle },
    },
    at: '2026-01-01T00:00:00.000Z',
  };
  if (s.timings) r.timings = s.timings;
  if (s.promptTokens !== undefined) r.promptTokens = s.promptTokens;
  if (s.generatedTokens !== undefined) r.generatedTokens = s.generatedTokens;
  if (s.generationError) r.generationError = s.generationError;
  return r;
}

/** Write a run directory (results.jsonl + run.json). */
export async function writeRun(dir: string, records: ResultRecord[], runJson: Record<string, unknown>): Promise<void> {
  const { mkdirSync, writeFileSync } = await import('node:fs');
  const { join } = await import('node:path');
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'results.jsonl'), records.map((r) => JSON.stringify(r)).join('\n') + '\n');
  writeFileSync(join(dir, 'run.json'), JSON.stringify(runJson, null, 2));
}
