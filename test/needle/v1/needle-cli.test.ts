// The parity commands from the command line, checked against the independent golden data.
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { GOLDEN_DIR, loadGolden, maxAbsDiff } from '../../helpers/needle-golden.ts';

const BIN = join(import.meta.dirname, '../../../bin/needle-bench.js');
const run = (...args: string[]) => execFileSync(process.execPath, [BIN, ...args], { encoding: 'utf8' });
const { golden, array } = loadGolden();
const ckpt = join(GOLDEN_DIR, 'checkpoint.p5.np1.pkl');

describe('needle-bench needle', () => {
  it('generate prints the golden greedy ids (onnx and reference engines)', () => {
    const g = golden.generate[0];
    for (const engine of ['onnx', 'reference']) {
      const out = JSON.parse(run('needle', 'generate', '--checkpoint', ckpt, '--src', JSON.stringify(g.src), '--max-len', String(g.max_len), '--engine', engine, '--no-constrain'));
      expect(out).toEqual({ ids: g.generated, stoppedBy: g.stopped_by });
    }
  });
  it('logits prints the golden logits within 1e-4', () => {
    const out = JSON.parse(run('needle', 'logits', '--checkpoint', ckpt, '--src', golden.single.src.join(','), '--tgt', JSON.stringify(golden.single.tgt))) as number[][];
    expect(out.length).toBe(golden.single.tgt.length);
    expect(maxAbsDiff(out.flat(), array('single.logits').data)).toBeLessThanOrEqual(1e-4);
  });
  it('rejects malformed ids with the flag named', () => {
    expect(() => execFileSync(process.execPath, [BIN, 'needle', 'generate', '--checkpoint', ckpt, '--src', '1,x'], { stdio: 'pipe' })).toThrow(/--src: expected token ids/);
  });
});
