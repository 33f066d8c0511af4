import { describe, expect, it } from 'vitest';
import { raceAbort } from '../../src/run/race-abort.ts';

describe('raceAbort', () => {
  it('gives up on a promise that ignores the abort, as soon as the signal fires', async () => {
    let finish: (v: string) => void = () => {};
    const deaf = new Promise<string>((resolve) => (finish = resolve));
    const started = performance.now();
    await expect(raceAbort(deaf, AbortSignal.timeout(20))).rejects.toMatchObject({ name: 'TimeoutError' });
    expect(performance.now() - started).toBeLessThan(2000);
    finish('late'); // settles after we gave up: dropped, no error
  });

  it('passes results and errors through when the signal does not fire', async () => {
    const ac = new AbortController();
    await expect(raceAbort(Promise.resolve(7), ac.signal)).resolves.toBe(7);
    await expect(raceAbort(Promise.reject(new Error('boom')), ac.signal)).rejects.toThrow('boom');
  });

  it('rejects at once when the signal is already aborted', async () => {
    const ac = new AbortController();
    ac.abort(new Error('already'));
    await expect(raceAbort(new Promise(() => {}), ac.signal)).rejects.toThrow('already');
  });
});
