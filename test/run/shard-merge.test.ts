// Sharded runs and merge: a shard is a deterministic, stratified slice by case-id hash; three shards
// merged equal the unsharded run case for case (oracle over core-smoke + bfcl, and needle-tiny on a
// few cases), and the merge reads like any run in report and gate. Overlapping, incomplete or
// mismatched shards are refused with the reason.
import { spawn } from 'node:child_process';
import { cpSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { runGate, saveBaseline } from '../../src/gate/run-gate.ts';
import { loadRunDir } from '../../src/report/run-dir.ts';
import { mergeRunDirs } from '../../src/run/merge.ts';
import { readRunInfo, RunDirError } from '../../src/run/provenance.ts';
import { readResults, writeResultsAtomically } from '../../src/run/results-store.ts';
import { processStartTime } from '../../src/run/run-lock.ts';
import { runBenchmark, type RunOptions } from '../../src/run/runner.ts';
import { parseShard, shardAssignment, shardCases, type Shard } from '../../src/run/shard.ts';
import type { ResultRecord } from '../../src/run/types.ts';
import { loadSuite } from '../../src/suite/load.ts';
import type { Suite } from '../../src/suite/types.ts';
import { makeSuite, REPO_ROOT, sampleCases, tempDir } from './helpers.ts';

const tmp = tempDir('shard');
afterAll(() => tmp.cleanup());

let smoke: Suite;
let bfcl: Suite;
beforeAll(async () => {
  smoke = await loadSuite(join(REPO_ROOT, 'suites/core-smoke'));
  bfcl = await loadSuite(join(REPO_ROOT, 'suites/bfcl'));
});

const run = (outDir: string, extra: Partial<RunOptions>) => runBenchmark({ suites: [smoke, bfcl], models: ['oracle'], outDir, progress: 'none', ...extra });

/** What must be equal between two runs of the same cases: everything but timings and write times. */
function outcome(r: ResultRecord) {
  return { suite: r.suite, model: r.model, id: r.id, category: r.category, dialect: r.dialect, raw: r.raw, calls: r.calls, parseError: r.parseError, generationError: r.generationError, verdict: r.verdict };
}
const outcomes = (dir: string) => new Map(readResults(join(dir, 'results.jsonl')).records.map((r) => [`${r.suite}/${r.model}/${r.id}`, outcome(r)]));

describe('shard selection', () => {
  it('parses i/n and refuses the rest', () => {
    expect(parseShard('2/3')).toEqual({ index: 2, count: 3 });
    for (const bad of ['0/3', '4/3', '1/0', '1-3', 'x']) expect(() => parseShard(bad)).toThrow(/--shard/);
  });

  it('partitions every suite: each case in exactly one shard, every category split within one, independent of case order', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 7 }), fc.integer({ min: 0, max: 1000 }), (n, seed) => {
        const cases = sampleCases(40 + (seed % 23), `c${seed}`);
        const a = shardAssignment(cases, n);
        const reversed = shardAssignment([...cases].reverse(), n);
        expect([...a].sort()).toEqual([...reversed].sort());
        expect(a.size).toBe(cases.length);
        const sizes = Array.from({ length: n }, (_, k) => cases.filter((c) => a.get(c.id) === k + 1).length);
        expect(Math.max(...sizes) - Math.min(...sizes)).toBeLessThanOrEqual(1);
        for (const cat of new Set(cases.map((c) => c.category))) {
          const per = Array.from({ length: n }, (_, k) => cases.filter((c) => c.category === cat && a.get(c.id) === k + 1).length);
          expect(Math.max(...per) - Math.min(...per)).toBeLessThanOrEqual(1);
        }
      }),
      { numRuns: 60 },
    );
  });

  it('is a fixed function of the case ids (a pinned slice of core-smoke), not of models or options', () => {
    const ids = (s: Shard) => shardCases(smoke, s).map((c) => c.id);
    const all = [1, 2, 3].flatMap((i) => ids({ index: i, count: 3 }));
    expect(all.sort()).toEqual(smoke.cases.map((c) => c.id).sort());
    expect(ids({ index: 1, count: 3 })).toEqual(ids({ index: 1, count: 3 }));
    // Pinned (recomputed independently in Python from the rule in src/run/shard.ts): a change to the
    // assignment reshuffles every sharded CI run, so it must be deliberate.
    expect(ids({ index: 2, count: 3 }).slice(0, 4)).toMatchInlineSnapshot(`
      [
        "everyday-eval-2026-000",
        "everyday-eval-2026-001",
        "everyday-eval-2026-006",
        "everyday-eval-2026-007",
      ]
    `);
  });
});

describe('3 shards merged equal the unsharded run', () => {
  const dirs = { full: join(tmp.path, 'full'), s: [1, 2, 3].map((i) => join(tmp.path, `s${i}`)), all: join(tmp.path, 'all') };

  beforeAll(async () => {
    await run(dirs.full, {});
    for (const [k, dir] of dirs.s.entries()) await run(dir, { shard: { index: k + 1, count: 3 } });
  });

  it('oracle over core-smoke + bfcl: case for case, and report/gate read the merge like any run', async () => {
    const sizes = dirs.s.map((d) => readResults(join(d, 'results.jsonl')).records.length);
    expect(sizes.reduce((a, b) => a + b)).toBe(smoke.cases.length + bfcl.cases.length);
    expect(Math.max(...sizes) - Math.min(...sizes)).toBeLessThanOrEqual(2);
    expect(readRunInfo(dirs.s[1])!.shard).toEqual({ index: 2, count: 3 });

    const result = await mergeRunDirs(dirs.s, dirs.all);
    expect(result.records).toBe(smoke.cases.length + bfcl.cases.length);
    const merged = outcomes(dirs.all);
    const full = outcomes(dirs.full);
    expect([...merged.keys()].sort()).toEqual([...full.keys()].sort());
    for (const [key, o] of full) expect(merged.get(key)).toEqual(o);

    const info = readRunInfo(dirs.all)!;
    expect(info.shard).toBeUndefined();
    expect(info.mergedFrom!.map((m) => m.shard)).toEqual([1, 2, 3].map((i) => ({ index: i, count: 3 })));
    expect(info.sessions).toHaveLength(3);
    expect(info.suites.map((s) => s.cases)).toEqual([smoke.cases.length, bfcl.cases.length]);

    const loaded = loadRunDir(dirs.all);
    expect(loaded.models.map((m) => [m.id, m.status])).toEqual([['oracle', 'ok']]);
    expect(loaded.warnings).toEqual([]);
    saveBaseline({ run: dirs.full, out: join(tmp.path, 'baseline.json') });
    const gate = runGate({ baseline: join(tmp.path, 'baseline.json'), run: dirs.all, stepSummary: join(tmp.path, 'summary.md') });
    expect(gate.exitCode).toBe(0);
  });

  it('a merged directory covers every case: resuming it has nothing to do, a --shard into it is refused', async () => {
    const again = await run(dirs.all, {});
    expect(again.written).toBe(0);
    await expect(run(dirs.all, { shard: { index: 1, count: 3 } })).rejects.toThrow(/made by needle-bench merge/);
  });

  it('resuming a shard with another --shard is refused', async () => {
    await expect(run(dirs.s[0], { shard: { index: 2, count: 3 } })).rejects.toThrow(/started with --shard 1\/3, now 2\/3/);
  });

  it('refuses a missing shard, a shard given twice, and a shard that lost cases — naming them', async () => {
    const out = (name: string) => join(tmp.path, name);
    await expect(mergeRunDirs(dirs.s.slice(0, 2), out('m1'))).rejects.toThrow(/incomplete: shard 3\/3 is missing/);
    await expect(mergeRunDirs([dirs.s[0], dirs.s[1], dirs.s[1]], out('m2'))).rejects.toThrow(/s2 is given twice/);

    // A shard killed before it finished: its results lack cases.
    const partial = join(tmp.path, 'partial');
    await run(partial, { shard: { index: 3, count: 3 } });
    const records = readResults(join(partial, 'results.jsonl')).records;
    const lost = records.filter((r) => r.suite === 'core-smoke').slice(0, 2);
    writeResultsAtomically(join(partial, 'results.jsonl'), records.filter((r) => !lost.includes(r)));
    const err = await mergeRunDirs([dirs.s[0], dirs.s[1], partial], out('m3')).catch((e: Error) => e);
    expect(err).toBeInstanceOf(RunDirError);
    expect((err as Error).message).toMatch(/incomplete: model oracle, suite core-smoke: 2 of 50 cases have no record/);
    expect((err as Error).message).toContain(lost[0].id);
    expect((err as Error).message).toMatch(/partial \(shard 3\/3\) holds \d+ of its \d+/);
  });

  it('refuses overlapping runs (the same case in two) and runs that differ in seed, suites, options or harness', async () => {
    const out = (name: string) => join(tmp.path, name);
    // Two unsharded runs of the same model (a copy of one): every case twice.
    const again = join(tmp.path, 'full-again');
    cpSync(dirs.full, again, { recursive: true });
    await expect(mergeRunDirs([dirs.full, again], out('o1'))).rejects.toThrow(/overlap: 1090 case\(s\) are in more than one run: core-smoke\/everyday-eval-2026-000 of oracle/);

    const seeded = join(tmp.path, 'seeded');
    await run(seeded, { shard: { index: 3, count: 3 }, seed: 7 });
    await expect(mergeRunDirs([dirs.s[0], dirs.s[1], seeded], out('o2'))).rejects.toThrow(/the runs differ in seed/);

    const delayed = join(tmp.path, 'delayed');
    await run(delayed, { shard: { index: 3, count: 3 }, providerOptions: { delayMs: 0 } });
    await expect(mergeRunDirs([dirs.s[0], dirs.s[1], delayed], out('o3'))).rejects.toThrow(/the runs differ in provider options/);

    const small = await makeSuite(tmp.path, 'other', sampleCases(6));
    const otherSuites = join(tmp.path, 'other-suites');
    await runBenchmark({ suites: [small.suite], models: ['oracle'], outDir: otherSuites, progress: 'none', shard: { index: 3, count: 3 } });
    await expect(mergeRunDirs([dirs.s[0], dirs.s[1], otherSuites], out('o4'))).rejects.toThrow(/the runs differ in suites/);

    const copy = join(tmp.path, 'other-commit');
    cpSync(dirs.s[2], copy, { recursive: true });
    const info = JSON.parse(readFileSync(join(copy, 'run.json'), 'utf8'));
    info.harness.gitCommit = '0000000000000000000000000000000000000000';
    writeFileSync(join(copy, 'run.json'), JSON.stringify(info));
    await expect(mergeRunDirs([dirs.s[0], dirs.s[1], copy], out('o5'))).rejects.toThrow(/the runs differ in harness version/);

    await expect(mergeRunDirs([dirs.s[0], dirs.full], out('o6'))).rejects.toThrow(/ran without --shard/);

    // A shard still being written (its lock held by a live process) is not merged.
    const busy = join(tmp.path, 'busy');
    cpSync(dirs.s[2], busy, { recursive: true });
    const holder = spawn('sleep', ['30'], { stdio: 'ignore' });
    try {
      writeFileSync(join(busy, 'run.lock'), `${holder.pid} ${processStartTime(holder.pid!) ?? ''}\n`);
      await expect(mergeRunDirs([dirs.s[0], dirs.s[1], busy], out('o7'))).rejects.toThrow(new RegExp(`busy is still being written by needle-bench \\(pid ${holder.pid}\\)`));
    } finally {
      holder.kill('SIGKILL');
    }
    await expect(mergeRunDirs(dirs.s, dirs.full)).rejects.toThrow(/exists and is not empty/);
  });
});

describe('needle-tiny: 3 shards merged equal the unsharded run', () => {
  it('on a few core-smoke cases, raw outputs and verdicts identical', async () => {
    const few = await makeSuite(tmp.path, 'tiny-few', smoke.cases.slice(0, 7));
    const tiny = (outDir: string, shard?: Shard) => runBenchmark({ suites: [few.suite], models: ['needle-tiny'], outDir, progress: 'none', threads: 1, ...(shard ? { shard } : {}) });
    const full = join(tmp.path, 'tiny-full');
    await tiny(full);
    const shards = [1, 2, 3].map((i) => join(tmp.path, `tiny-s${i}`));
    for (const [k, d] of shards.entries()) await tiny(d, { index: k + 1, count: 3 });
    const merged = join(tmp.path, 'tiny-all');
    await mergeRunDirs(shards, merged);
    const a = outcomes(full);
    const b = outcomes(merged);
    expect(a.size).toBe(7);
    expect([...b.keys()].sort()).toEqual([...a.keys()].sort());
    for (const [key, o] of a) expect(b.get(key)).toEqual(o);
    const model = readRunInfo(merged)!.models[0];
    expect(model.provenance?.weightHashes).toEqual(readRunInfo(full)!.models[0].provenance?.weightHashes);
  }, 120_000);
});
