// A deterministic demo: a small suite on disk and a run directory of hand-made verdicts for three
// models with results, one that failed to load and one not present. Used by the report tests.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ResultRecord } from '../../src/run/types.ts';
import type { ErrorType } from '../../src/score/types.ts';
import type { SuiteCase } from '../../src/suite/types.ts';
import { loadSuite } from '../../src/suite/load.ts';
import { record, writeRun } from './records.ts';
import { uniform } from '../../src/util/prng.ts';

export const HOSTILE_QUERY = 'Set a timer named <script>alert("x")</script> & "</script><b>bold</b>" for 5 min';

const CATEGORIES = ['simple', 'multiple', 'parallel', 'irrelevance'];
const FAILURES: ErrorType[] = ['wrong_value', 'missing_required', 'no_call', 'parse_error', 'wrong_function'];

export function demoCases(n = 24): SuiteCase[] {
  return Array.from({ length: n }, (_, i) => ({
    id: `demo-${String(i).padStart(3, '0')}`,
    category: CATEGORIES[i % CATEGORIES.length],
    query: i === 0 ? HOSTILE_QUERY : `Demo request number ${i}: set a timer for ${i + 1} minutes`,
    tools: [{ name: 'set_timer', description: 'Start a timer.', parameters: { type: 'object', properties: { minutes: { type: 'integer' }, label: { type: 'string' } }, required: ['minutes'] } }],
    expected: CATEGORIES[i % CATEGORIES.length] === 'irrelevance' ? { calls: [] } : { calls: [{ name: 'set_timer', args: { minutes: { values: [i + 1] } } }] },
  }));
}


export interface DemoModel { id: string; displayName: string; parameterCount: number; accuracy: number; msPerCase: number; seed: number }

export const DEMO_MODELS: DemoModel[] = [
  { id: 'needle', displayName: 'Needle', parameterCount: 26_315_421, accuracy: 0.8, msPerCase: 40, seed: 1 },
  { id: 'functiongemma-270m', displayName: 'FunctionGemma 270M', parameterCount: 268_098_176, accuracy: 0.6, msPerCase: 180, seed: 2 },
  { id: 'qwen3-0.6b', displayName: 'Qwen3 0.6B', parameterCount: 596_049_920, accuracy: 0.7, msPerCase: 420, seed: 3 },
];

export function demoRecords(cases: SuiteCase[], suite: string, models = DEMO_MODELS): ResultRecord[] {
  const out: ResultRecord[] = [];
  for (const m of models) {
    const rand = uniform(m.seed); // deterministic: the demo is the same on every machine
    cases.forEach((c) => {
      const pass = rand() < m.accuracy;
      const error = FAILURES[Math.floor(rand() * FAILURES.length)];
      const total = m.msPerCase * (0.7 + rand() * 0.6);
      const gen = 8 + Math.floor(rand() * 10);
      out.push(record({
        id: c.id, suite, category: c.category, model: m.id, pass, ...(pass ? {} : { error }),
        raw: pass ? `[{"name":"set_timer","arguments":{"minutes":${Number(c.id.slice(5)) + 1}}}]` : error === 'parse_error' ? '<tool>set_timer(</tool>' : '[{"name":"set_timer","arguments":{"minutes":0}}]',
        needle: pass ? { nameTp: 1, callTp: 1, matchedCalls: 1, argsExact: 1, matchedParams: 1, valuesRight: 1 } : { nameTp: 1, callFp: 1, callFn: 1, matchedCalls: 1, matchedParams: 1, parsed: error !== 'parse_error' },
        timings: { totalMs: total, firstTokenMs: total * 0.3, prefillMs: total * 0.2, decodeStepMs: Array(gen - 1).fill((total * 0.7) / (gen - 1)) },
        promptTokens: 120, generatedTokens: gen,
      }));
    });
  }
  return out;
}

/** Write suite + run dir under `root`; returns their paths. */
export async function writeDemo(root: string): Promise<{ suiteDir: string; runDir: string; cases: SuiteCase[]; records: ResultRecord[] }> {
  const suiteDir = join(root, 'suite');
  mkdirSync(suiteDir, { recursive: true });
  const cases = demoCases();
  writeFileSync(join(suiteDir, 'suite.json'), JSON.stringify({ name: 'demo', version: '1', source: 'test/report/demo-run.ts', licence: 'CC0-1.0' }));
  writeFileSync(join(suiteDir, 'cases.jsonl'), cases.map((c) => JSON.stringify(c)).join('\n') + '\n');
  const records = demoRecords(cases, 'demo');
  const { hash } = await loadSuite(suiteDir);
  const runDir = join(root, 'run');
  await writeRun(runDir, records, {
    schema: 'needle-bench/run@1',
    harness: { version: '0.1.0', gitCommit: 'abc123' },
    host: { cpuModel: 'Test CPU', cores: 2 },
    startedAt: '2026-01-01T00:00:00.000Z',
    suites: [{ name: 'demo', version: '1', path: suiteDir, hash }],
    models: [
      ...DEMO_MODELS.map((m) => ({ spec: m.id, status: 'ok', provenance: { id: m.id, displayName: m.displayName, parameterCount: m.parameterCount, dialect: 'json' } })),
      { spec: 'granite-350m', status: 'load_failed', error: 'ONNX model file is truncated' },
      { spec: 'lfm2.5-350m', status: 'not_present', error: 'weights not in cache' },
    ],
  });
  return { suiteDir, runDir, cases, records };
}
