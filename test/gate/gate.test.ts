import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { ResultRecord } from '../../src/run/types.ts';
import { runGate, saveBaseline } from '../../src/gate/run-gate.ts';
import { applyToleranceFlags, DEFAULT_GATE_CONFIG, parseGateConfig } from '../../src/gate/metrics.ts';
import { readBaseline } from '../../src/gate/baseline.ts';
import { Ajv } from 'ajv';
import addFormats from 'ajv-formats';
import { record, writeRun } from '../report/records.ts';
import { parseXml, type XmlNode } from './xml-check.ts';

const REPO = resolve(import.meta.dirname, '../..');
const HASH = 'a'.repeat(64);
let root: string;
beforeAll(() => { root = mkdtempSync(join(tmpdir(), 'nb-gate-')); });
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** n cases; `failing` ids fail (wrong_value); every case decodes 10 tokens at `stepMs` per token. */
function records(n: number, failing: Set<number>, opts: { model?: string; suite?: string; stepMs?: number; idPrefix?: string } = {}): ResultRecord[] {
  return Array.from({ length: n }, (_, i) => record({
    id: `${opts.idPrefix ?? 'case'}-${i}`, model: opts.model ?? 'needle', suite: opts.suite ?? 'core', pass: !failing.has(i),
    timings: { totalMs: 20 + 10 * (opts.stepMs ?? 5), firstTokenMs: 20, decodeStepMs: Array(10).fill(opts.stepMs ?? 5) }, generatedTokens: 11,
  }));
}
const range = (from: number, to: number) => new Set(Array.from({ length: to - from }, (_, i) => from + i));

let counter = 0;
async function run(recs: ResultRecord[], hash = HASH): Promise<string> {
  const dir = join(root, `run-${counter++}`);
  const models = [...new Set(recs.map((r) => r.model))].map((spec) => ({ spec, status: 'ok' }));
  await writeRun(dir, recs, { suites: [{ name: 'core', version: '1', hash }], models: [...models, { spec: 'lfm2.5-350m', status: 'not_present' }], harness: { gitCommit: 'deadbeef' } });
  return dir;
}

// Baseline: 100 cases, 80 pass (cases 80..99 fail), decode at 200 tok/s.
let baselineFile: string;
beforeAll(async () => {
  baselineFile = join(root, 'baselines', 'main.json');
  saveBaseline({ run: await run(records(100, range(80, 100))), out: baselineFile });
});

describe('baseline save', () => {
  it('stores metrics, per-case verdicts and throughput medians', () => {
    const b = readBaseline(baselineFile);
    expect(b.entries).toHaveLength(1);
    const e = b.entries[0];
    expect(e).toMatchObject({ model: 'needle', suite: 'core', n: 100, suiteHash: HASH });
    expect(e.metrics.passRate).toBe(0.8);
    expect(e.cases['case-0']).toEqual({ pass: true, schemaValid: true, parsed: true, exactMatch: true });
    expect(e.cases['case-90']).toEqual({ pass: false, error: 'wrong_value', schemaValid: false, parsed: true, exactMatch: false });
    expect(e.throughput.decodeTokPerS).toBeCloseTo(200, 9); // 10 steps of 5 ms
    expect(e.throughput.medianLatencyMs).toBe(70);
    expect(b.source.gitCommit).toBe('deadbeef');
  });

  it('writes a file valid against baseline.schema.json, one line per case', () => {
    const ajv = new Ajv({ allErrors: true, strict: false });
    (addFormats as unknown as (a: Ajv) => void)(ajv);
    const validate = ajv.compile(JSON.parse(readFileSync(join(REPO, 'src/gate/baseline.schema.json'), 'utf8')));
    const text = readFileSync(baselineFile, 'utf8');
    expect(validate(JSON.parse(text)), JSON.stringify(validate.errors)).toBe(true);
    expect(text).toContain('\n    "case-90": {"pass":false,"error":"wrong_value","schemaValid":false,"parsed":true,"exactMatch":false},\n');
  });

  it('refuses a model the run does not have', async () => {
    expect(() => saveBaseline({ run: join(root, 'run-0'), out: join(root, 'x.json'), models: ['qwen'] })).toThrow(/model qwen is not in run .*\(the run has: needle\)/);
  });
});

describe('gate', () => {
  const gate = async (recs: ResultRecord[], extra: Partial<Parameters<typeof runGate>[0]> = {}) =>
    runGate({ baseline: baselineFile, run: await run(recs), stepSummary: join(root, 'ignored-summary.md'), ...extra });

  it('passes an identical run', async () => {
    const { exitCode, result } = await gate(records(100, range(80, 100)));
    expect(exitCode).toBe(0);
    expect(result.entries[0].checks.filter((c) => c.status !== 'pass').map((c) => [c.metric, c.status])).toEqual([['prefillTokPerS', 'skipped']]); // no prompt tokens recorded
  });

  it('fails a significant drop beyond tolerance (exit 1) and names the newly failing cases', async () => {
    const { exitCode, result, markdown } = await gate(records(100, range(70, 100))); // 10 more fail: 80% → 70%
    expect(exitCode).toBe(1);
    const pass = result.entries[0].checks.find((c) => c.metric === 'passRate')!;
    expect(pass.status).toBe('fail');
    expect(pass.change).toBeCloseTo(-0.1, 12);
    expect(pass.pValue).toBeCloseTo(2 / 1024, 12); // exact McNemar, 10 vs 0 discordant: 2 · ½¹⁰
    expect(result.entries[0].newlyFailing.map((c) => c.id)).toEqual(Array.from({ length: 10 }, (_, i) => `case-${70 + i}`));
    expect(markdown).toContain('## needle-bench gate: ❌ regression');
    expect(markdown).toMatch(/\| pass rate \| ❌ FAIL \| 80\.0% → 70\.0% \(−10\.0 pp; 10 worse, 0 better of 100; McNemar p=0\.002\)/);
  });

  it('lists run models the baseline does not cover', async () => {
    const { exitCode, result, markdown } = await gate([...records(100, range(80, 100)), ...records(5, new Set(), { model: 'qwen' })]);
    expect(exitCode).toBe(0);
    expect(result.notInBaseline).toEqual([{ model: 'qwen', suite: 'core' }]);
    expect(markdown).toContain('Not gated (no baseline): `qwen` on `core`.');
  });

  it('merges several run directories (models run in separate jobs)', async () => {
    const a = await run(records(100, range(70, 100)));
    const b = await run(records(5, new Set(), { model: 'qwen' }));
    const r = runGate({ baseline: baselineFile, run: [a, b], stepSummary: join(root, 'x.md') });
    expect(r.exitCode).toBe(1);
    expect(r.result.notInBaseline).toEqual([{ model: 'qwen', suite: 'core' }]);
    expect(r.markdown).toContain(`vs run \`${a}, ${b}\``);
  });

  it('passes a drop within tolerance', async () => {
    const { exitCode, result } = await gate(records(100, range(79, 100))); // 1 case: −1 pp < 2 pp
    expect(exitCode).toBe(0);
    expect(result.entries[0].checks.find((c) => c.metric === 'passRate')!.message).toMatch(/within the tolerance of 2\.0 pp/);
  });

  it('passes a drop beyond tolerance that is not significant', async () => {
    // 6 newly failing, 3 newly passing: −3 pp (beyond 2 pp) but McNemar p = 0.508.
    const failing = new Set([...range(83, 100), ...range(74, 80)]); // 80,81,82 now pass; 74..79 now fail
    const { exitCode, result } = await gate(records(100, failing));
    const pass = result.entries[0].checks.find((c) => c.metric === 'passRate')!;
    expect(pass).toMatchObject({ status: 'pass', worse: 6, better: 3 });
    expect(pass.change).toBeCloseTo(-0.03, 12);
    expect(pass.pValue).toBeCloseTo(0.5078125, 9); // 2 · P(X ≤ 3 | Bin(9, ½)) = 2 · 130/512
    expect(pass.message).toMatch(/not significant/);
    expect(exitCode).toBe(0);
  });

  it('fails a throughput drop beyond tolerance, unless that check is off', async () => {
    const slow = records(100, range(80, 100), { stepMs: 6.5 }); // 200 → 153.8 tok/s: −23%
    const { exitCode, result } = await gate(slow);
    expect(exitCode).toBe(1);
    const decode = result.entries[0].checks.find((c) => c.metric === 'decodeTokPerS')!;
    expect(decode.status).toBe('fail');
    expect(decode.change).toBeCloseTo(5 / 6.5 - 1, 9);
    expect(result.entries[0].checks.find((c) => c.metric === 'medianLatencyMs')!.status).toBe('fail'); // 70 → 85 ms: +21%
    expect((await gate(slow, { tolerance: ['decodeTokPerS=off', 'medianLatencyMs=25%'] })).exitCode).toBe(0);
  });

  it('ignores latency rises below a millisecond', async () => {
    // 20.1 ms → 20.6 ms per case is +2.5%, beyond a 1% tolerance, but only 0.5 ms: timing noise.
    const tiny = await run(records(20, new Set(), { stepMs: 0.01 })); // 20.1 ms per case
    const bl = join(root, 'tiny.json');
    saveBaseline({ run: tiny, out: bl });
    const slower = await run(records(20, new Set(), { stepMs: 0.06 })); // 20.6 ms: +2.5%, decode 6× slower
    const r = runGate({ baseline: bl, run: slower, stepSummary: join(root, 'x.md'), tolerance: ['medianLatencyMs=1%', 'decodeTokPerS=off'] });
    expect(r.result.entries[0].checks.find((c) => c.metric === 'medianLatencyMs')).toMatchObject({ status: 'pass' });
    expect(r.exitCode).toBe(0);
  });

  it('writes well-formed JUnit XML with the failures', async () => {
    const junit = join(root, 'out', 'junit.xml');
    await gate(records(100, range(70, 100), { stepMs: 6.5 }), { junit });
    const doc = parseXml(readFileSync(junit, 'utf8'));
    expect(doc.name).toBe('testsuites');
    // The hand-made verdicts tie schema validity and exact match to pass, so those drop too; prefill is not reported.
    expect(doc.attrs).toMatchObject({ tests: '7', failures: '5', skipped: '1' });
    // <properties> (the weights compared) come first and <system-out> last: pick the test cases.
    const cases = doc.children[0].children.filter((c: XmlNode) => c.name === 'testcase');
    const failed = cases.filter((c: XmlNode) => c.children.some((x) => x.name === 'failure')).map((c) => c.attrs.name);
    expect(failed).toEqual(['pass rate', 'schema-valid rate', 'exact match', 'decode tok/s (median)', 'latency ms (median)']);
    const failure = cases[0].children[0];
    expect(failure.text).toContain('newly failing: case-70 (wrong_value)');
  });

  it('appends the markdown summary to the step summary file', async () => {
    const file = join(root, 'step-summary.md');
    writeFileSync(file, '# earlier step\n');
    const { markdown } = await gate(records(100, range(80, 100)), { stepSummary: file });
    expect(readFileSync(file, 'utf8')).toBe(`# earlier step\n${markdown}\n`);
    // Bad input is reported there too.
    expect(() => runGate({ baseline: baselineFile, run: join(root, 'no-such-run'), stepSummary: file })).toThrow(/not a run directory/);
    expect(readFileSync(file, 'utf8')).toMatch(/## needle-bench gate: ⚠️ error\n\n.*no-such-run: not a run directory/);
  });

  it('explains bad input: other suite, changed suite, missing model', async () => {
    await expect(gate(records(100, new Set(), { idPrefix: 'other' }))).rejects.toThrow(/no case id of the baseline is in the run .* different suite/);
    await expect(gate(records(10, new Set(), { suite: 'bfcl' }))).rejects.toThrow(/suite core is not in run .* for model needle; the run has suite\(s\): bfcl/);
    const changed = join(root, 'changed');
    await writeRun(changed, records(100, range(80, 100)), { suites: [{ name: 'core', hash: 'b'.repeat(64) }] });
    expect(() => runGate({ baseline: baselineFile, run: changed, stepSummary: join(root, 'x.md') })).toThrow(/suite core differs from the baseline's .*--allow-suite-change/);
    expect(runGate({ baseline: baselineFile, run: changed, stepSummary: join(root, 'x.md'), allowSuiteChange: true }).exitCode).toBe(0);
    await expect(gate(records(100, new Set(), { model: 'qwen' }))).rejects.toThrow(/model needle is not in run .*; the run has: qwen/);
    await expect(gate(records(100, new Set()), { model: 'granite' })).rejects.toThrow(/model granite is not in the baseline \(baseline has: needle\)/);
    expect(() => runGate({ baseline: join(root, 'step-summary.md'), run: changed })).toThrow(/invalid JSON/);
  });

  it('gates one suite of a multi-suite baseline with --suite (a smoke subset in CI)', async () => {
    const suites = [{ name: 'core', hash: HASH }, { name: 'smoke', hash: 'c'.repeat(64) }];
    const both = join(root, 'both-suites');
    await writeRun(both, [...records(100, range(80, 100)), ...records(10, new Set([9]), { suite: 'smoke' })], { suites, models: [{ spec: 'needle', status: 'ok' }] });
    const multi = join(root, 'baselines', 'multi.json');
    saveBaseline({ run: both, out: multi });
    const smokeOnly = join(root, 'smoke-only');
    await writeRun(smokeOnly, records(10, range(5, 10), { suite: 'smoke' }), { suites, models: [{ spec: 'needle', status: 'ok' }] });
    expect(() => runGate({ baseline: multi, run: smokeOnly, stepSummary: join(root, 'x.md') })).toThrow(/suite core is not in run/);
    const r = runGate({ baseline: multi, run: smokeOnly, suite: 'smoke', stepSummary: join(root, 'x.md') });
    expect(r.result.entries.map((e) => e.suite)).toEqual(['smoke']);
    expect(r.exitCode).toBe(0); // 9/10 → 5/10 is 4 newly failing cases: beyond tolerance, not significant (p = 0.125)
    expect(() => runGate({ baseline: multi, run: smokeOnly, suite: 'bfcl', stepSummary: join(root, 'x.md') })).toThrow(/suite bfcl is not in the baseline \(baseline has: core, smoke\)/);
  });

  it('exits 1 from the command line on a regression and prints the summary', async () => {
    const bad = await run(records(100, range(60, 100)));
    const r = spawnSync(process.execPath, [join(REPO, 'bin/needle-bench.js'), 'gate', '--baseline', baselineFile, '--run', bad, '--tolerance', 'passRate=2pp'],
      { encoding: 'utf8', env: { ...process.env, GITHUB_STEP_SUMMARY: '' } });
    expect(r.stdout).toContain('❌ regression');
    expect(r.status, r.stderr).toBe(1);
  });
});

describe('gate config', () => {
  it('parses tolerances from flags and files, and rejects unknown metrics', () => {
    const c = applyToleranceFlags(parseGateConfig('{"alpha": 0.01, "tolerances": {"passRate": "5pp", "prefillTokPerS": "off"}}', 'g.json'), ['decodeTokPerS=10%', 'alpha=0.1']);
    expect(c.alpha).toBe(0.1);
    expect(c.tolerances).toEqual({ ...DEFAULT_GATE_CONFIG.tolerances, passRate: 0.05, prefillTokPerS: null, decodeTokPerS: 0.1 });
    expect(() => applyToleranceFlags(DEFAULT_GATE_CONFIG, ['passrate=1'])).toThrow(/unknown metric "passrate" \(known: passRate/);
    expect(() => applyToleranceFlags(DEFAULT_GATE_CONFIG, ['passRate=-1'])).toThrow(/non-negative/);
    expect(() => parseGateConfig('{"tolerance": {}}', 'g.json')).toThrow(/g\.json: tolerance: unknown field/);
    expect(() => parseGateConfig('{"alpha": 2}', 'g.json')).toThrow(/alpha must be a number in \(0, 1\)/);
  });
});
