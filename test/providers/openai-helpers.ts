// Shared set-up for the openai provider's tests: a core-smoke subset as a temp suite, the test
// server, and short request policies so faults resolve in milliseconds.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { runBenchmark, type RunResult } from '../../src/run/runner.ts';
import { readResults, RESULTS_FILE } from '../../src/run/results-store.ts';
import type { ResultRecord } from '../../src/run/types.ts';
import type { Suite, SuiteCase } from '../../src/suite/types.ts';
import { makeSuite, REPO_ROOT } from '../run/helpers.ts';

/** The first `n` cases of suites/core-smoke (every category appears in the first dozen). */
export function smokeCases(n: number): SuiteCase[] {
  return readFileSync(join(REPO_ROOT, 'suites/core-smoke/cases.jsonl'), 'utf8')
    .split('\n')
    .filter((l) => l.trim() !== '')
    .slice(0, n)
    .map((l) => JSON.parse(l) as SuiteCase);
}

export async function smokeSuite(root: string, n: number, name = 'smoke-subset'): Promise<{ dir: string; suite: Suite }> {
  return makeSuite(root, name, smokeCases(n));
}

/**
 * Fast retries, so faults resolve in milliseconds. The request timeout stays generous: on a loaded
 * 2-core machine a healthy first request can take most of a second; only the stall tests shorten it.
 */
export const FAST = { requestTimeoutMs: 10_000, maxRetries: 2, retryBaseMs: 10, retryMaxMs: 40 };
/** The request timeout of the stall tests: a stalled attempt is abandoned after this. */
export const STALL_TIMEOUT_MS = 1500;

export async function runOne(suite: Suite, model: string, outDir: string, providerOptions: Record<string, unknown>, concurrency = 2): Promise<{ result: RunResult; records: ResultRecord[] }> {
  const result = await runBenchmark({ suites: [suite], models: [model], outDir, concurrency, providerOptions, timeoutMs: 20_000, cacheDir: join(outDir, 'no-cache') });
  return { result, records: readResults(join(outDir, RESULTS_FILE)).records };
}

/** Every case of the suite has exactly one record. */
export function oneRecordPerCase(records: ResultRecord[], suite: Suite): boolean {
  const ids = records.map((r) => r.id).sort();
  return ids.length === suite.cases.length && JSON.stringify(ids) === JSON.stringify(suite.cases.map((c) => c.id).sort());
}
