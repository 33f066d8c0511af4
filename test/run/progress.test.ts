import { afterEach, describe, expect, it, vi } from 'vitest';
import { createProgress, summaryLine } from '../../src/run/progress.ts';

afterEach(() => vi.unstubAllEnvs());

describe('progress', () => {
  it('summarises a model in one line', () => {
    expect(summaryLine({ model: 'oracle', total: 10, resumed: 4, done: 6, passed: 9, generationErrors: 1, seconds: 2.345 }))
      .toBe('oracle: 10/10 cases, 9 passed (90.0%), 1 generation error, 4 resumed, 2.3 s');
    expect(summaryLine({ model: 'm', total: 5, resumed: 0, done: 0, passed: 0, generationErrors: 0, seconds: 0 }))
      .toBe('m: 0/5 cases, 0 passed (0.0%), 0.0 s');
    expect(summaryLine({ model: 'n', total: 2, resumed: 0, done: 2, passed: 2, generationErrors: 0, seconds: 1, medianMs: 123.4 }))
      .toBe('n: 2/2 cases, 2 passed (100.0%), 1.0 s, median 123 ms/case');
  });

  it('prints plain per-model lines (no bar) when CI is set, even on a TTY', () => {
    vi.stubEnv('CI', 'true');
    const tty = process.stderr.isTTY;
    Object.defineProperty(process.stderr, 'isTTY', { value: true, configurable: true });
    try {
      const out: string[] = [];
      const err: string[] = [];
      const p = createProgress('auto', (l) => out.push(l), (l) => err.push(l));
      p.modelStart('oracle', 2, 0, 0);
      p.caseDone(true);
      p.caseDone(false);
      p.message('replay:x: failed to load');
      p.modelEnd({ model: 'oracle', total: 2, resumed: 0, done: 2, passed: 1, generationErrors: 0, seconds: 1 });
      p.stop();
      expect(out).toEqual(['oracle: 2/2 cases, 1 passed (50.0%), 1.0 s']);
      expect(err).toEqual(['replay:x: failed to load']);
    } finally {
      Object.defineProperty(process.stderr, 'isTTY', { value: tty, configurable: true });
    }
  });
});
