// The real CLI as a child process: SIGKILL mid-run then resume, Ctrl-C (SIGINT), re-scoring, and
// bad input. These spawn node, so they are the slow tests of this area; each child is short.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCommand } from '../../src/cli/run-command.ts';
import type { RunCliOptions } from '../../src/cli/commands/run.ts';
import { readRunInfo } from '../../src/run/provenance.ts';
import { readResults, RESULTS_FILE } from '../../src/run/results-store.ts';
import { makeSuite, sampleCases, startCli, tempDir } from './helpers.ts';

const CASES = 30;
const tmp = tempDir('cli');
let suiteDir: string;
afterAll(() => tmp.cleanup());
beforeAll(async () => {
  suiteDir = (await makeSuite(tmp.path, 'kill-suite', sampleCases(CASES))).dir;
});

function lineCount(path: string): number {
  if (!existsSync(path)) return 0;
  return readFileSync(path, 'utf8').split('\n').filter((l) => l.trim() !== '').length;
}

/** Resolves once the file has at least `n` lines; fails if the child exits first or after `ms`. */
async function waitForLines(path: string, n: number, exited: () => boolean, ms = 30_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (lineCount(path) < n) {
    if (exited()) throw new Error(`child exited before ${path} had ${n} lines`);
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${n} lines in ${path}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

function runArgs(out: string, delayMs: number): string[] {
  return ['run', '--suite', suiteDir, '--model', 'oracle', '--out', out, '--provider-option', `delayMs=${delayMs}`];
}

describe('needle-bench run (child process)', () => {
  it('SIGKILL mid-run, then a re-run into the same dir: no case lost, none duplicated, every record valid', async () => {
    const out = join(tmp.path, 'killed');
    const results = join(out, RESULTS_FILE);
    const first = startCli(runArgs(out, 250));
    let exited = false;
    void first.done.then(() => (exited = true));
    await waitForLines(results, 4, () => exited);
    first.child.kill('SIGKILL');
    const killed = await first.done;
    expect(killed.signal).toBe('SIGKILL');
    const survived = readResults(results); // must parse: at most a torn last line
    expect(survived.records.length).toBeGreaterThanOrEqual(4);
    expect(survived.records.length).toBeLessThan(CASES);
    const before = readFileSync(results, 'utf8').slice(0, survived.validBytes);
    expect(readRunInfo(out)!.sessions[0].status).toBe('running'); // killed: it never got to say otherwise

    const second = await startCli(runArgs(out, 0)).done;
    expect(second.code, second.stderr).toBe(0);
    const after = readResults(results);
    expect(after.tornBytes).toBe(0);
    expect(readFileSync(results, 'utf8').startsWith(before)).toBe(true);
    const ids = after.records.map((r) => r.id);
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids.sort()).toEqual(sampleCases(CASES).map((c) => c.id).sort());
    for (const r of after.records) {
      expect(r.model).toBe('oracle');
      expect(r.suite).toBe('kill-suite');
      expect(r.verdict.pass, r.id).toBe(true);
    }
    const info = readRunInfo(out)!;
    expect(info.sessions.map((s) => s.status)).toEqual(['running', 'completed']);
    expect(info.sessions[1].casesWritten).toBe(CASES - survived.records.length);
    expect(second.stdout).toContain(`oracle: ${CASES}/${CASES} cases, ${CASES} passed (100.0%), ${survived.records.length} resumed`);
  }, 90_000);

  it('SIGINT finishes the case in flight, flushes, prints the resume hint and exits 130', async () => {
    const out = join(tmp.path, 'interrupted');
    const results = join(out, RESULTS_FILE);
    const args = runArgs(out, 250);
    const run = startCli(args);
    let exited = false;
    void run.done.then(() => (exited = true));
    await waitForLines(results, 3, () => exited);
    run.child.kill('SIGINT');
    const res = await run.done;
    expect(res.code).toBe(130);
    const done = readResults(results);
    expect(done.tornBytes).toBe(0);
    expect(done.records.length).toBeLessThan(CASES);
    expect(res.stderr).toContain(
      `interrupted: ${done.records.length} of ${CASES} cases done; resume with: needle-bench ${args.join(' ')}`,
    );
    expect(readRunInfo(out)!.sessions[0].status).toBe('interrupted');
  }, 60_000);

  it('SIGTERM (a cancelled CI job) stops the same way and exits 143', async () => {
    const out = join(tmp.path, 'terminated');
    const results = join(out, RESULTS_FILE);
    const run = startCli(runArgs(out, 250));
    let exited = false;
    void run.done.then(() => (exited = true));
    await waitForLines(results, 2, () => exited);
    run.child.kill('SIGTERM');
    const res = await run.done;
    expect(res.code, res.stderr).toBe(143);
    const done = readResults(results).records.length;
    expect(res.stderr).toContain(`interrupted: ${done} of ${CASES} cases done; resume with: needle-bench run`);
    expect(readRunInfo(out)!.sessions[0].status).toBe('interrupted');
  }, 60_000);

  it('score re-scores a run dir and prints the per-model table', async () => {
    const out = join(tmp.path, 'interrupted'); // from the test above: a partial run is re-scorable too
    const before = readResults(join(out, RESULTS_FILE)).records;
    const res = await startCli(['score', out]).done;
    expect(res.code, res.stderr).toBe(0);
    const row = res.stdout.split('\n').find((l) => l.startsWith('oracle'))!;
    expect(row.split(/\s+/)).toEqual(['oracle', 'kill-suite', String(before.length), String(before.length), '100.0%', '0']);
    expect(readResults(join(out, RESULTS_FILE)).records.map((r) => r.verdict)).toEqual(before.map((r) => r.verdict));
  }, 60_000);

  it('an unknown model is a usage error (exit 2) listing the available providers', async () => {
    const res = await startCli(['run', '--suite', suiteDir, '--model', 'nope', '--out', join(tmp.path, 'x')]).done;
    expect(res.code).toBe(2);
    expect(res.stderr).toMatch(/unknown model "nope".*oracle \(.*replay \(/s);
    expect(existsSync(join(tmp.path, 'x'))).toBe(false);
  }, 60_000);
});

describe('needle-bench run: bad input (in-process)', () => {
  const opts = (o: Partial<RunCliOptions>): RunCliOptions => ({
    suite: [suiteDir], model: ['oracle'], out: join(tmp.path, 'bad'), concurrency: 1, timeoutMs: 1000, providerOption: {}, progress: 'none', ...o,
  });

  it('a missing suite path lists the suites under suites/', async () => {
    await expect(runCommand(opts({ suite: [join(tmp.path, 'missing-suite')] }), [])).rejects.toThrow(/missing-suite: no such suite file or folder;.*suites\/\w/);
  });

  it('a malformed suite reports file:line: field', async () => {
    const dir = join(tmp.path, 'malformed');
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'suite.json'), JSON.stringify({ name: 'm', version: '1', source: 's', licence: 'l' }));
    const good = JSON.stringify(sampleCases(1)[0]);
    writeFileSync(join(dir, 'cases.jsonl'), `${good}\n{"id": "x", "category": "simple", "query": "q", "tools": []}\n`);
    await expect(runCommand(opts({ suite: [dir] }), [])).rejects.toThrow(`${join(dir, 'cases.jsonl')}:2:`);
  });

  it('a suite with zero cases is refused', async () => {
    const dir = join(tmp.path, 'empty');
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'suite.json'), JSON.stringify({ name: 'e', version: '1', source: 's', licence: 'l' }));
    writeFileSync(join(dir, 'cases.jsonl'), '\n');
    await expect(runCommand(opts({ suite: [dir] }), [])).rejects.toThrow(/zero cases/);
  });

  it('an unwritable --out is a clear error', async () => {
    const file = join(tmp.path, 'a-file');
    writeFileSync(file, 'x');
    await expect(runCommand(opts({ out: join(file, 'run') }), [])).rejects.toThrow(`cannot write run directory --out ${join(file, 'run')}: ENOTDIR`);
  });
});
