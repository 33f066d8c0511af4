import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { beginRun, endRun, readRunInfo, RunDirError, setModelStatus, writeRunInfo, type GenerationSettings } from '../../src/run/provenance.ts';
import { acquireRunLock, processStartTime } from '../../src/run/run-lock.ts';
import type { Suite } from '../../src/suite/types.ts';
import { makeSuite, REPO_ROOT, sampleCases, tempDir } from './helpers.ts';

const generation: GenerationSettings = { seed: 7, timeoutMs: 1000, concurrency: 1, threads: 2, providerOptions: {} };
const tmp = tempDir('prov');
let a: Suite;
let b: Suite;
let aChanged: Suite;

beforeAll(async () => {
  a = (await makeSuite(tmp.path, 'alpha', sampleCases(3))).suite;
  b = (await makeSuite(tmp.path, 'beta', sampleCases(2, 'b'))).suite;
  aChanged = (await makeSuite(join(tmp.path, 'v2'), 'alpha', sampleCases(4), '2')).suite;
});
afterAll(() => tmp.cleanup());

function pkgVersion(file: string): string {
  return (JSON.parse(readFileSync(file, 'utf8')) as { version: string }).version;
}

describe('run.json provenance', () => {
  it('records harness, git, runtime, libraries, host, suites and settings', () => {
    const dir = join(tmp.path, 'run1');
    const info = beginRun(dir, { suites: [a, b], models: ['oracle'], generation, argv: ['run', '--model', 'oracle'] });
    expect(info.harness.version).toBe(pkgVersion(join(REPO_ROOT, 'package.json')));
    let head = 'unknown';
    try { head = execFileSync('git', ['rev-parse', 'HEAD'], { cwd: REPO_ROOT, encoding: 'utf8' }).trim(); } catch { /* not a checkout */ }
    expect(info.harness.gitCommit).toBe(head);
    expect(info.runtime.node).toBe(process.version);
    expect(info.runtime.libraries['onnxruntime-node']).toBe(pkgVersion(join(REPO_ROOT, 'node_modules/onnxruntime-node/package.json')));
    expect(info.runtime.libraries['@huggingface/transformers']).toBe(pkgVersion(join(REPO_ROOT, 'node_modules/@huggingface/transformers/package.json')));
    expect(info.runtime.libraries.ajv).toBe(pkgVersion(join(REPO_ROOT, 'node_modules/ajv/package.json')));
    expect(info.host.cpuModel).toBe(os.cpus()[0].model.trim());
    expect(info.host.cores).toBeGreaterThanOrEqual(1);
    expect(info.threads.requested).toBe(2);
    expect(info.suites.map((s) => [s.name, s.hash, s.cases])).toEqual([['alpha', a.hash, 3], ['beta', b.hash, 2]]);
    expect(info.seed).toBe(7);
    expect(info.sessions).toHaveLength(1);
    expect(info.sessions[0].status).toBe('running');
  });

  it('appends a session on resume and records model status', () => {
    const dir = join(tmp.path, 'run2');
    mkdirSync(dir);
    const first = beginRun(dir, { suites: [a], models: ['oracle'], generation, now: new Date('2026-01-01T00:00:00Z') });
    setModelStatus(first, { spec: 'replay:x', status: 'load_failed', error: 'boom' });
    endRun(first, 'interrupted', new Date('2026-01-01T00:01:00Z'));
    // run.json is written where it is read back: this goes through the file.
    writeRunInfo(dir, first);
    const second = beginRun(dir, { suites: [a], models: ['oracle'], generation, now: new Date('2026-01-01T00:02:00Z') });
    expect(second.sessions.map((s) => s.status)).toEqual(['interrupted', 'running']);
    expect(second.startedAt).toBe('2026-01-01T00:00:00.000Z');
    expect(second.endedAt).toBeUndefined();
    expect(second.models).toEqual([{ spec: 'replay:x', status: 'load_failed', error: 'boom', session: 1 }]);
    expect(readRunInfo(dir)!.sessions).toHaveLength(1);
  });

  it('refuses a run directory of a different suite set, saying which suite and how', () => {
    const dir = join(tmp.path, 'run3');
    fsWrite(dir, [a, b]);
    expect(() => beginRun(dir, { suites: [aChanged, b], models: ['oracle'], generation })).toThrow(RunDirError);
    expect(() => beginRun(dir, { suites: [aChanged, b], models: ['oracle'], generation })).toThrow(/suite "alpha" changed: run has version 1 .* now version 2 .*Use a new --out or the same suites/);
    expect(() => beginRun(dir, { suites: [a], models: ['oracle'], generation })).toThrow(/suite "beta" is in the run but not given now/);
    expect(() => beginRun(dir, { suites: [b, a], models: ['other'], generation })).not.toThrow();
  });

  it('refuses a resume with another seed', () => {
    const dir = join(tmp.path, 'run4');
    fsWrite(dir, [a]);
    expect(() => beginRun(dir, { suites: [a], models: ['oracle'], generation: { ...generation, seed: 8 } })).toThrow(/started with seed 7, now 8/);
  });

  it('locks a run directory against a second live writer and takes over a stale or reused-pid lock', () => {
    const dir = join(tmp.path, 'run5');
    fsWrite(dir, [a]);
    const lock = acquireRunLock(dir);
    expect(readFileSync(join(dir, 'run.lock'), 'utf8').trim().split(' ')[0]).toBe(String(process.pid));
    lock.release();
    // Another live process: the parent (the test runner), with its real start time, or none recorded.
    const parentStart = processStartTime(process.ppid);
    writeFileSync(join(dir, 'run.lock'), `${process.ppid} ${parentStart ?? ''}\n`);
    expect(() => acquireRunLock(dir)).toThrow(/in use by another needle-bench process \(pid \d+\)/);
    writeFileSync(join(dir, 'run.lock'), `${process.ppid}\n`);
    expect(() => acquireRunLock(dir)).toThrow(/in use/);
    // A dead pid, and (on Linux) a live pid whose start time differs: the pid was reused, lock is stale.
    writeFileSync(join(dir, 'run.lock'), '999999999\n');
    acquireRunLock(dir).release();
    if (parentStart !== null) {
      writeFileSync(join(dir, 'run.lock'), `${process.ppid} ${Number(parentStart) + 1}\n`);
      const taken = acquireRunLock(dir);
      expect(readFileSync(join(dir, 'run.lock'), 'utf8').trim().split(' ')[0]).toBe(String(process.pid));
      taken.release();
    }
  });
});

function fsWrite(dir: string, suites: Suite[]): void {
  mkdirSync(dir, { recursive: true });
  writeRunInfo(dir, beginRun(dir, { suites, models: ['oracle'], generation }));
}
