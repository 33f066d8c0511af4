// `gate --by category`: each case category of a model × suite is gated with the same paired test,
// so a fine-tune that breaks one category while improving another is caught, while noise spread
// over the categories (and one borderline category among several: Holm) is not.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { ResultRecord } from '../../src/run/types.ts';
import { holm } from '../../src/gate/gate.ts';
import { runGate, saveBaseline } from '../../src/gate/run-gate.ts';
import { record, writeRun } from '../report/records.ts';

const REPO = resolve(import.meta.dirname, '../..');
const HASH = 'b'.repeat(64);
const CATEGORIES = ['irrelevance', 'multiple', 'parallel', 'simple_python'];
let root: string;
let baselineFile: string;
let counter = 0;

/** 100 cases per category; `failing[category]` lists the indexes that fail. */
function records(failing: Record<string, number[]>): ResultRecord[] {
  return CATEGORIES.flatMap((category) =>
    Array.from({ length: 100 }, (_, i) => record({ id: `${category}_${i}`, model: 'needle', suite: 'bfcl', category, pass: !(failing[category] ?? []).includes(i) })),
  );
}
const range = (from: number, to: number) => Array.from({ length: to - from }, (_, i) => from + i);

async function run(recs: ResultRecord[]): Promise<string> {
  const dir = join(root, `run-${counter++}`);
  await writeRun(dir, recs, { suites: [{ name: 'bfcl', version: '4', hash: HASH }], models: [{ spec: 'needle', status: 'ok' }] });
  return dir;
}

// Baseline: 80 of 100 pass in every category.
const BASE = Object.fromEntries(CATEGORIES.map((c) => [c, range(80, 100)]));

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'nb-gate-cat-'));
  baselineFile = join(root, 'baseline.json');
  saveBaseline({ run: await run(records(BASE)), out: baselineFile });
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

const gate = async (failing: Record<string, number[]>, by?: string) =>
  runGate({ baseline: baselineFile, run: await run(records(failing)), by, stepSummary: join(root, 'summary.md'), tolerance: ['decodeTokPerS=off', 'prefillTokPerS=off', 'medianLatencyMs=off'] });

describe('gate --by category', () => {
  // The fine-tune: parallel loses 12 cases, simple_python gains 12; the suite total is unchanged.
  const tradeOff = { ...BASE, parallel: range(68, 100), simple_python: range(92, 100) };

  it('catches a regression in one category that the suite total hides', async () => {
    const bySuite = await gate(tradeOff);
    expect(bySuite.exitCode).toBe(0);
    expect(bySuite.result.entries.map((e) => e.category)).toEqual([undefined]);
    expect(bySuite.result.entries[0].checks.find((c) => c.metric === 'passRate')).toMatchObject({ status: 'pass', change: 0, worse: 12, better: 12 });

    const { exitCode, result, markdown } = await gate(tradeOff, 'category');
    expect(exitCode).toBe(1);
    expect(result.entries.map((e) => e.category)).toEqual([undefined, ...CATEGORIES]);
    const passRate = (category: string) => result.entries.find((e) => e.category === category)!.checks.find((c) => c.metric === 'passRate')!;
    expect(passRate('parallel')).toMatchObject({ status: 'fail', worse: 12, better: 0 });
    expect(passRate('parallel').pValue).toBeCloseTo(2 / 4096, 12);
    expect(passRate('parallel').message).toContain('is significant (p < 0.0125, Holm over 4 categories)');
    expect(passRate('simple_python')).toMatchObject({ status: 'pass', worse: 0, better: 12 });
    expect(passRate('multiple')).toMatchObject({ status: 'pass', change: 0 });
    expect(result.entries.find((e) => e.category === 'parallel')!.newlyFailing.map((f) => f.id)).toEqual(range(68, 80).map((i) => `parallel_${i}`));
    // Speed is gated on the whole suite only.
    expect(result.entries.filter((e) => e.category !== undefined).every((e) => e.checks.every((c) => c.metric !== 'decodeTokPerS'))).toBe(true);
    expect(markdown).toContain('### ❌ `needle` on `bfcl`, category `parallel`');
    expect(markdown).toContain('### ✅ `needle` on `bfcl`, category `simple_python`');
  });

  it('does not fail on noise: balanced flips in every category, or one borderline category among four', async () => {
    // 3-5 cases worse and 2-4 better per category: drops up to 3 pp, none significant.
    const noisy = {
      irrelevance: [...range(77, 80), ...range(82, 100)], // 3 worse, 2 better
      multiple: [...range(75, 80), ...range(83, 100)], // 5 worse, 3 better
      parallel: [...range(76, 80), ...range(84, 100)], // 4 worse, 4 better
      simple_python: [...range(76, 80), ...range(82, 100)], // 4 worse, 2 better
    };
    const r = await gate(noisy, 'category');
    expect(r.exitCode).toBe(0);
    // 7 worse, 0 better in one category: p = 0.0156 < 0.05 alone, but not below 0.05 / 4 (Holm).
    const borderline = await gate({ ...BASE, multiple: range(73, 100) }, 'category');
    const check = borderline.result.entries.find((e) => e.category === 'multiple')!.checks.find((c) => c.metric === 'passRate')!;
    expect(check.pValue).toBeCloseTo(2 / 128, 12);
    expect(check).toMatchObject({ status: 'pass' });
    expect(check.message).toContain('not significant (p ≥ 0.0125, Holm over 4 categories)');
    expect(borderline.exitCode).toBe(0);
    // The suite total sees the same 7 cases among 400 (−1.75 pp): within tolerance.
    expect(borderline.result.entries[0].checks.find((c) => c.metric === 'passRate')!.status).toBe('pass');
  });

  it('holm steps down: each rejection is held to alpha / (m − rank), and stops at the first that is not', () => {
    expect(holm([0.01, 0.04, 0.03, 0.2], 0.05).map((s) => s.significant)).toEqual([true, false, false, false]); // 0.01 < 0.0125; 0.03 ≥ 0.0167
    expect(holm([0.001, 0.012, 0.02, 0.04], 0.05).map((s) => s.significant)).toEqual([true, true, true, true]); // < 0.0125, 0.0167, 0.025, 0.05
    expect(holm([0.04], 0.05)).toEqual([{ significant: true, threshold: '0.05' }]);
  });

  it('takes --by from the command line and refuses anything but suite or category', async () => {
    const dir = await run(records(tradeOff));
    const cli = (...args: string[]) => spawnSync(process.execPath, [join(REPO, 'bin/needle-bench.js'), 'gate', '--baseline', baselineFile, '--run', dir, ...args],
      { encoding: 'utf8', env: { ...process.env, GITHUB_STEP_SUMMARY: '' } });
    const r = cli('--by', 'category', '--tolerance', 'decodeTokPerS=off', 'prefillTokPerS=off', 'medianLatencyMs=off');
    expect(r.status, r.stderr).toBe(1);
    expect(r.stdout).toContain('category `parallel`');
    const bad = cli('--by', 'model');
    expect(bad.status).toBe(2);
    expect(bad.stderr).toContain('gate: --by takes suite or category, got "model"');
  });
});
