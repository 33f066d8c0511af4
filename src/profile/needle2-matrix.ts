// The Needle 2 speed matrix: prompt lengths × precisions × thread counts on one checkpoint, each row a
// profileNeedle2 run (exports come from the cache after the first row of a precision). One process, so
// peak RSS is the process peak up to that row; rendered by matrix.ts's table.
import type { Needle2Checkpoint } from '../needle/v2/checkpoint.ts';
import type { Needle2Precision } from '../needle/v2/export.ts';
import { profileNeedle2, type Needle2ProfileResult } from './needle2-profile.ts';
import { measureKernelRates, type KernelRates } from './roofline.ts';

export interface Needle2MatrixOptions {
  prompts: number[];
  precisions: Needle2Precision[];
  threads: number[];
  genTokens: number;
  repetitions: number;
  warmups: number;
  cacheDir?: string;
  /** KV sinks per row (default: the whole prompt, profileNeedle2's default). */
  sinkLen?: number;
  preset?: string;
  /** Measure GEMV bandwidth and SGEMM rate once per thread count and add each row's roofline. */
  roofline?: boolean;
  onRow?: (row: Needle2ProfileResult) => void;
}

export async function runNeedle2Matrix(checkpoint: Needle2Checkpoint, o: Needle2MatrixOptions): Promise<Needle2ProfileResult[]> {
  const rates = new Map<number, KernelRates>();
  if (o.roofline) for (const threads of o.threads) rates.set(threads, await measureKernelRates(threads));
  const rows: Needle2ProfileResult[] = [];
  for (const precision of o.precisions) {
    for (const threads of o.threads) {
      for (const promptTokens of o.prompts) {
        const row = await profileNeedle2(checkpoint, {
          precision, threads, promptTokens, genTokens: o.genTokens, repetitions: o.repetitions, warmups: o.warmups,
          cacheDir: o.cacheDir, preset: o.preset, kernelRates: rates.get(threads), ...(o.sinkLen !== undefined ? { sinkLen: o.sinkLen } : {}),
        });
        rows.push(row);
        o.onRow?.(row);
      }
    }
  }
  return rows;
}
