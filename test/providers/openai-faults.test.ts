// The fault matrix of the openai provider, over real HTTP on loopback: client → fault proxy → test
// server. For each fault every case gets exactly one record (an answer or that fault as its error),
// retries are bounded and counted at the proxy, and a CLI run killed with SIGKILL mid-flight then
// resumed loses and duplicates nothing.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readResults, RESULTS_FILE } from '../../src/run/results-store.ts';
import type { ResultRecord } from '../../src/run/types.ts';
import type { Suite } from '../../src/suite/types.ts';
import { startFaultProxy, type Fault, type FaultProxy, type RequestContext } from '../helpers/fault-proxy.ts';
import { startTestServer, type TestServer } from '../helpers/openai-test-server.ts';
import { startCli, tempDir } from '../run/helpers.ts';
import { FAST, oneRecordPerCase, runOne, smokeSuite, STALL_TIMEOUT_MS } from './openai-helpers.ts';

const CASES = 5;
const tmp = tempDir('openai-faults');
let suite: Suite;
let suiteDir: string;
let server: TestServer;
let proxy: FaultProxy;
let spec: string;

beforeAll(async () => {
  ({ suite, dir: suiteDir } = await smokeSuite(tmp.path, CASES));
  server = await startTestServer({ cases: suite.cases, models: ['qwen3-0.6b'], rawDialect: 'hermes' });
  proxy = await startFaultProxy(server.baseUrl, { retryAfterSeconds: 1 });
  spec = `openai:${proxy.baseUrl}#qwen3-0.6b`;
});
afterAll(async () => {
  await proxy?.close();
  await server?.close();
  tmp.cleanup();
});

/** A plan that applies `fault` to case requests (POSTs) on the given attempts, and passes the rest. */
function onAttempts(fault: Fault, attempts: number[] | 'all'): (ctx: RequestContext) => Fault {
  return (ctx) => (ctx.method === 'POST' && (attempts === 'all' || attempts.includes(ctx.attempt)) ? fault : 'pass');
}

let runNo = 0;
async function faultRun(plan: (ctx: RequestContext) => Fault, options: Record<string, unknown> = {}): Promise<ResultRecord[]> {
  proxy.setPlan(plan);
  const { result, records } = await runOne(suite, spec, join(tmp.path, `run-${++runNo}`), { ...FAST, ...options }, CASES);
  expect(result.models[0].status).toBe('ok');
  expect(oneRecordPerCase(records, suite), records.map((r) => r.id).join(',')).toBe(true);
  return records;
}

const withCalls = () => suite.cases.filter((c) => c.expected.calls.length > 0).map((c) => c.id);

// Totals measured here, printed at the end: the retries each fault cost.
const measured: Record<string, { requests: number; retries: number }> = {};
function count(label: string): number[] {
  const attempts = proxy.attempts();
  measured[label] = { requests: attempts.reduce((a, b) => a + b, 0), retries: attempts.reduce((a, b) => a + b - 1, 0) };
  return attempts;
}
afterAll(() => console.log(`fault matrix (${CASES} cases each, maxRetries ${FAST.maxRetries}): ${JSON.stringify(measured)}`));

describe('openai provider fault matrix (client → fault proxy → test server)', () => {
  it('a 500 on the first attempt is retried once, and every case then passes', async () => {
    const records = await faultRun(onAttempts('http500', [1]));
    expect(count('500 once')).toEqual(Array(CASES).fill(2));
    for (const r of records) {
      expect(r.verdict.pass, r.id).toBe(true);
      expect(r.info?.attempts).toBe(2);
      expect(String((r.info?.failedAttempts as string[])[0])).toMatch(/HTTP 500/);
    }
  });

  it('500s that never stop: 1 + maxRetries attempts per case, then that error as the record', async () => {
    const records = await faultRun(onAttempts('http500', 'all'));
    expect(count('500 always')).toEqual(Array(CASES).fill(1 + FAST.maxRetries));
    for (const r of records) {
      expect(r.verdict.pass).toBe(false);
      expect(r.generationError).toMatch(/HTTP 500 .*injected internal error.*gave up after 3 attempts/);
    }
  });

  it('429 with Retry-After: 1 is retried after at least that long', async () => {
    const records = await faultRun(onAttempts('http429', [1]));
    expect(count('429 once')).toEqual(Array(CASES).fill(2));
    for (const [first, second] of proxy.arrivals()) expect(second - first).toBeGreaterThanOrEqual(990);
    for (const r of records) {
      expect(r.verdict.pass, r.id).toBe(true);
      expect(r.info?.retryWaitMs).toBe(1000);
    }
  });

  it('a 404 (any 4xx but 429) is not retried', async () => {
    const records = await faultRun(onAttempts('http404', 'all'));
    expect(count('404')).toEqual(Array(CASES).fill(1));
    for (const r of records) expect(r.generationError).toMatch(/^HTTP 404 .*model not found/);
  });

  it('a connection dropped before any response is a connection error: retried, then the case passes', async () => {
    const records = await faultRun(onAttempts('drop', [1]));
    expect(count('drop once'), JSON.stringify(records.map((r) => r.info?.failedAttempts))).toEqual(Array(CASES).fill(2));
    for (const r of records) {
      expect(r.verdict.pass, r.id).toBe(true);
      expect(String((r.info?.failedAttempts as string[])[0])).toMatch(/^connection error before the response/);
    }
  });

  it('a server that is not there: the model fails to load with the reason, nothing is recorded', async () => {
    const gone = await startTestServer({ cases: suite.cases });
    await gone.close(); // its port is now closed
    const { result, records } = await runOne(suite, `openai:${gone.baseUrl}#qwen3-0.6b`, join(tmp.path, 'gone'), FAST);
    expect(result.models[0].status).toBe('load_failed');
    expect(result.models[0].error).toMatch(/connection error before the response: .*ECONNREFUSED.*gave up after 3 attempts/);
    expect(records).toHaveLength(0);
  });

  it('a response stalled past the request timeout is abandoned and retried', async () => {
    const records = await faultRun(onAttempts('stall', [1]), { requestTimeoutMs: STALL_TIMEOUT_MS });
    expect(count('stall once')).toEqual(Array(CASES).fill(2));
    for (const r of records) {
      expect(r.verdict.pass, r.id).toBe(true);
      expect(String((r.info?.failedAttempts as string[])[0])).toMatch(new RegExp(`timed out after ${STALL_TIMEOUT_MS} ms`));
    }
  });

  it('a server that always stalls: bounded attempts, then a timeout record per case', async () => {
    const records = await faultRun(onAttempts('stall', 'all'), { requestTimeoutMs: STALL_TIMEOUT_MS });
    expect(count('stall always')).toEqual(Array(CASES).fill(1 + FAST.maxRetries));
    for (const r of records) expect(r.generationError).toMatch(new RegExp(`request timed out after ${STALL_TIMEOUT_MS} ms .*gave up after 3 attempts`));
  });

  it('a connection reset mid-stream is a connection error: retried, then the case passes', async () => {
    const records = await faultRun(onAttempts('reset', [1]));
    expect(count('reset once')).toEqual(Array(CASES).fill(2));
    for (const r of records) {
      expect(r.verdict.pass, r.id).toBe(true);
      expect(String((r.info?.failedAttempts as string[])[0])).toMatch(/connection error while reading the response/);
    }
  });

  it('a truncated SSE stream (clean end, no finish_reason, no [DONE]) is recorded as truncated, not retried', async () => {
    const records = await faultRun(onAttempts('truncate', 'all'));
    expect(count('truncated SSE')).toEqual(Array(CASES).fill(1));
    for (const r of records) expect(r.generationError).toMatch(/^truncated stream: it ended after \d+ event\(s\)/);
  });

  it('a body that is not JSON is recorded as malformed, not retried', async () => {
    const records = await faultRun(onAttempts('invalid-json', 'all'), { stream: false });
    expect(count('invalid JSON body')).toEqual(Array(CASES).fill(1));
    for (const r of records) expect(r.generationError).toMatch(/^malformed response: not JSON/);
  });

  it('an SSE event that is not JSON is recorded as a malformed stream', async () => {
    const records = await faultRun(onAttempts('invalid-json', 'all'));
    expect(count('invalid JSON event')).toEqual(Array(CASES).fill(1));
    for (const r of records) expect(r.generationError).toMatch(/^malformed stream: event 2 is not JSON/);
  });

  it.each([true, false])('tool-call arguments that are not JSON are that case\'s parse error (stream %s)', async (stream) => {
    const records = await faultRun(onAttempts('bad-arguments', 'all'), { stream });
    expect(count(`bad arguments stream=${stream}`)).toEqual(Array(CASES).fill(1));
    const broken = new Set(withCalls());
    expect(broken.size).toBeGreaterThan(0);
    for (const r of records) {
      if (!broken.has(r.id)) continue;
      expect(r.generationError).toBeUndefined();
      expect(r.verdict.pass).toBe(false);
      expect(r.parseError).toMatch(/^tool_calls\[0\]\.function\.arguments is not valid JSON .*: not json: \{/);
      expect(r.raw).toContain('not json: {'); // the server's bytes are kept for the record
    }
  });
});

describe('openai provider: a CLI run killed with SIGKILL mid-flight, then resumed', () => {
  it('loses nothing and duplicates nothing', async () => {
    const KILL_CASES = 12;
    const { dir, suite: big } = await smokeSuite(tmp.path, KILL_CASES, 'kill-subset');
    const slow = await startTestServer({ cases: big.cases, models: ['qwen3-0.6b'], delayMs: 120, chunkDelayMs: 5 });
    const front = await startFaultProxy(slow.baseUrl);
    front.setPlan(onAttempts('http500', [1])); // retries in flight too when the kill lands
    const out = join(tmp.path, 'killed');
    const results = join(out, RESULTS_FILE);
    const args = ['run', '--suite', dir, '--model', `openai:${front.baseUrl}#qwen3-0.6b`, '--out', out, '--concurrency', '3',
      '--provider-option', 'requestTimeoutMs=5000', '--provider-option', 'retryBaseMs=10', '--provider-option', 'retryMaxMs=40', '--progress', 'none'];
    const run = () => startCli(args);
    const lines = () => (existsSync(results) ? readFileSync(results, 'utf8').split('\n').filter((l) => l.trim()).length : 0);
    try {
      const first = run();
      const deadline = Date.now() + 30_000;
      // Kill once some cases are written and others are being answered right now.
      while (!(lines() >= 3 && slow.inFlight() > 0)) {
        if (Date.now() > deadline) throw new Error(`no mid-flight moment seen (${lines()} lines)`);
        await new Promise((r) => setTimeout(r, 5));
      }
      first.child.kill('SIGKILL');
      const killed = await first.done;
      expect(killed.signal).toBe('SIGKILL');
      const survived = readResults(results);
      expect(survived.records.length).toBeGreaterThanOrEqual(3);
      expect(survived.records.length).toBeLessThan(KILL_CASES);
      const before = readFileSync(results, 'utf8').slice(0, survived.validBytes);

      front.setPlan(() => 'pass');
      const second = await run().done;
      expect(second.code, second.stderr).toBe(0);
      const after = readResults(results);
      expect(after.tornBytes).toBe(0);
      expect(readFileSync(results, 'utf8').startsWith(before)).toBe(true);
      expect(oneRecordPerCase(after.records, big)).toBe(true);
      for (const r of after.records) expect(r.verdict.pass, r.id).toBe(true);
      // The resumed session asked only for what was missing.
      expect(front.attempts().length).toBe(KILL_CASES - survived.records.length);
      console.log(`SIGKILL test: ${survived.records.length} of ${KILL_CASES} records survived the kill; the resume made ${front.attempts().length} requests`);
    } finally {
      await front.close();
      await slow.close();
    }
  }, 60_000);
});
