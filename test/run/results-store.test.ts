import { appendFileSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { readResults, RESULTS_FILE, ResultsFileError, ResultsStore, writeResultsAtomically } from '../../src/run/results-store.ts';
import type { ResultRecord } from '../../src/run/types.ts';
import { tempDir } from './helpers.ts';

function record(id: string, model = 'oracle', suite = 's'): ResultRecord {
  return {
    id, suite, model, category: 'simple', dialect: 'json', raw: `[{"name":"f","arguments":{"id":"${id}"}}]`, calls: [],
    verdict: { pass: true, schemaValid: true, needle: { nameTp: 1, nameFp: 0, nameFn: 0, callTp: 1, callFp: 0, callFn: 0, argsExact: 1, matchedCalls: 1, hallucinatedParams: 0, missingParams: 0, matchedParams: 1, valuesRight: 1, exactMatch: true, parsed: true } },
    at: new Date(0).toISOString(),
  };
}

let cleanup: (() => void) | undefined;
afterEach(() => cleanup?.());

function dir(): string {
  const t = tempDir('store');
  cleanup = t.cleanup;
  return t.path;
}

describe('ResultsStore', () => {
  it('appends one line per record and knows finished keys after reopening', () => {
    const d = dir();
    const store = ResultsStore.open(d);
    store.append(record('a'));
    store.append(record('b', 'other'));
    store.close();
    const lines = readFileSync(join(d, RESULTS_FILE), 'utf8').split('\n');
    expect(lines).toHaveLength(3);
    expect(lines[2]).toBe('');
    expect(JSON.parse(lines[0]).id).toBe('a');
    const again = ResultsStore.open(d);
    expect(again.existing.map((r) => r.id)).toEqual(['a', 'b']);
    expect(again.has('s', 'oracle', 'a')).toBe(true);
    expect(again.has('s', 'oracle', 'b')).toBe(false);
    expect(again.has('s', 'other', 'b')).toBe(true);
    again.close();
  });

  it('refuses to append a duplicate (suite, model, id)', () => {
    const d = dir();
    const store = ResultsStore.open(d);
    store.append(record('a'));
    expect(() => store.append(record('a'))).toThrow(/duplicate result for case a/);
    store.close();
    expect(readResults(join(d, RESULTS_FILE)).records).toHaveLength(1);
  });

  it('truncates a torn last line away on open, then appends cleanly', () => {
    const d = dir();
    const path = join(d, RESULTS_FILE);
    const store = ResultsStore.open(d);
    store.append(record('a'));
    store.close();
    const clean = readFileSync(path, 'utf8');
    const torn = JSON.stringify(record('b')).slice(0, 40);
    appendFileSync(path, torn);
    expect(readResults(path).tornBytes).toBe(Buffer.byteLength(torn));
    const reopened = ResultsStore.open(d);
    expect(reopened.repairedBytes).toBe(Buffer.byteLength(torn));
    expect(readFileSync(path, 'utf8')).toBe(clean);
    reopened.append(record('b'));
    reopened.close();
    expect(readResults(path).records.map((r) => r.id)).toEqual(['a', 'b']);
  });

  it('keeps a complete last record that lacks its newline', () => {
    const d = dir();
    const path = join(d, RESULTS_FILE);
    writeFileSync(path, JSON.stringify(record('a')));
    const store = ResultsStore.open(d);
    expect(store.repairedBytes).toBe(0);
    store.append(record('b'));
    store.close();
    expect(readResults(path).records.map((r) => r.id)).toEqual(['a', 'b']);
  });

  it('reports a corrupt line that is not the last as file:line', () => {
    const d = dir();
    const path = join(d, RESULTS_FILE);
    writeFileSync(path, `${JSON.stringify(record('a'))}\n{oops\n${JSON.stringify(record('b'))}\n`);
    expect(() => ResultsStore.open(d)).toThrow(ResultsFileError);
    expect(() => readResults(path)).toThrow(`${path}:2: not valid JSON`);
  });

  it('reports a structurally invalid record naming the field', () => {
    const d = dir();
    const path = join(d, RESULTS_FILE);
    const bad = { ...record('a'), verdict: { pass: 'yes' } };
    writeFileSync(path, `${JSON.stringify(bad)}\n`);
    expect(() => readResults(path)).toThrow(`${path}:1: verdict:`);
  });

  it('replaces the file atomically with writeResultsAtomically', () => {
    const d = dir();
    const path = join(d, RESULTS_FILE);
    const store = ResultsStore.open(d);
    store.append(record('a'));
    store.close();
    writeResultsAtomically(path, [record('x'), record('y')]);
    expect(readResults(path).records.map((r) => r.id)).toEqual(['x', 'y']);
  });
});

describe('ResultsStore syncing', () => {
  it('makes each record visible to other readers as soon as append returns, before any fsync', () => {
    const d = dir();
    const store = ResultsStore.open(d, { syncIntervalMs: 60_000 });
    store.append(record('a'));
    store.append(record('b'));
    // What another process (a resume after SIGKILL) would read: the page cache, synced or not.
    expect(readResults(join(d, RESULTS_FILE)).records.map((r) => r.id)).toEqual(['a', 'b']);
    store.close();
    expect(() => store.append(record('c'))).toThrow(/closed/);
  });

  it('keeps working with a sync after every record (syncIntervalMs 0) and an explicit sync', () => {
    const d = dir();
    const store = ResultsStore.open(d, { syncIntervalMs: 0 });
    store.append(record('a'));
    store.sync();
    store.close();
    expect(readResults(join(d, RESULTS_FILE)).records).toHaveLength(1);
  });
});
