// Reads ../shared/fixtures/needle-golden/tiny: golden.json (metadata) + golden.bin (float32 arrays).
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

export const GOLDEN_DIR = resolve(import.meta.dirname, '../../../shared/fixtures/needle-golden/tiny');
export const GOLDEN_CHECKPOINTS = ['checkpoint.pkl', 'checkpoint.p5.pkl', 'checkpoint.np1.pkl', 'checkpoint.p5.np1.pkl'];

interface ArrayMeta { shape: number[]; offset: number; nbytes: number }
export interface GoldenGenerate { kind: string; src: number[]; max_len: number; generated: number[]; stopped_by: string; arrays: { step_logits: string; encoder_out: string } }
export interface Golden {
  single: { src: number[]; tgt: number[]; arrays: Record<string, string> };
  batch: { src: number[][]; tgt: number[][]; arrays: Record<string, string> };
  generate: GoldenGenerate[];
  arrays: Record<string, ArrayMeta>;
}

export function loadGolden(): { golden: Golden; array: (name: string) => { shape: number[]; data: Float32Array } } {
  const golden = JSON.parse(readFileSync(join(GOLDEN_DIR, 'golden.json'), 'utf8')) as Golden;
  const bin = readFileSync(join(GOLDEN_DIR, 'golden.bin'));
  const array = (name: string) => {
    const meta = golden.arrays[name];
    if (!meta) throw new Error(`golden.json has no array ${name}`);
    const copy = new Uint8Array(bin.subarray(meta.offset, meta.offset + meta.nbytes));
    return { shape: meta.shape, data: new Float32Array(copy.buffer) };
  };
  return { golden, array };
}

export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new Error(`length ${a.length} vs ${b.length}`);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}
