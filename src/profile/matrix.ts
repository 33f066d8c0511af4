// The Needle speed matrix (`npm run bench:needle`): prompt lengths × precisions × thread counts on one
// checkpoint (synthetic release-config weights by default: speed does not depend on values), with
// run.py's no-KV-cache scheme timed in the same run for the speed-up ratio. One process, so weights are
// generated once and exports come from the cache; peak RSS is the process peak up to that row.
import type { Precision } from '../needle/v1/engine.ts';
import type { NeedleCheckpoint } from '../needle/v1/types.ts';
import { profileNeedle, type ProfileResult } from './needle-profile.ts';
import { measureKernelRates, type KernelRates } from './roofline.ts';

/** A precision, optionally with the tied output layer quantized too (`int4+ql`). */
export interface MatrixVariant {
  precision: Precision;
  quantizeLogits: boolean;
}

export function parseVariant(text: string): MatrixVariant {
  const m = /^(fp32|int8|int4)(\+ql)?$/.exec(text.trim());
  if (!m || (m[1] === 'fp32' && m[2])) throw new Error(`precision "${text}": expected fp32, int8, int4, int8+ql or int4+ql`);
  return { precision: m[1] as Precision, quantizeLogits: Boolean(m[2]) };
}

export interface MatrixOptions {
  prompts: number[];
  variants: MatrixVariant[];
  threads: number[];
  genTokens: number;
  repetitions: number;
  warmups: number;
  /** Reference scheme rows: timed at this prompt length with the largest thread count. */
  reference?: { promptTokens: number; steps: number; buffer: number; repetitions: number };
  cacheDir?: string;
  onRow?: (row: ProfileResult) => void;
  /** Measure GEMV bandwidth and SGEMM rate once per thread count and add each row's roofline. */
  roofline?: boolean;
}

export async function runMatrix(checkpoint: NeedleCheckpoint, o: MatrixOptions): Promise<ProfileResult[]> {
  const rows: ProfileResult[] = [];
  const maxThreads = Math.max(...o.threads);
  const rates = new Map<number, KernelRates>();
  if (o.roofline) for (const threads of o.threads) rates.set(threads, await measureKernelRates(threads));
  for (const { precision, quantizeLogits } of o.variants) {
    for (const threads of o.threads) {
      for (const promptTokens of o.prompts) {
        const withReference = o.reference && o.reference.promptTokens === promptTokens && threads === maxThreads;
        const row = await profileNeedle(checkpoint, {
          precision,
          threads,
          promptTokens,
          genTokens: o.genTokens,
          repetitions: o.repetitions,
          warmups: o.warmups,
          quantizeLogits,
          cacheDir: o.cacheDir,
          kernelRates: rates.get(threads),
          ...(withReference ? { referenceScheme: { steps: o.reference!.steps, buffer: o.reference!.buffer, repetitions: o.reference!.repetitions } } : {}),
        });
        rows.push(row);
        o.onRow?.(row);
      }
    }
  }
  return rows;
}

const fmt = (x: number, digits = 0) => x.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });

/** What a table row needs: a v1 ProfileResult, or a Needle 2 one (no output-layer variant, no reference scheme). */
export type MatrixRow = Pick<ProfileResult, 'precision' | 'threads' | 'prompt_tokens' | 'gen_tokens' | 'warmups' | 'repetitions' | 'weights' | 'machine' | 'prefill_tok_s' | 'decode_tok_s' | 'ttft_ms' | 'spread' | 'cpu' | 'roofline' | 'load_average'> &
  Partial<Pick<ProfileResult, 'quantize_logits' | 'reference_scheme'>>;

export function matrixMarkdown(rows: MatrixRow[]): string {
  const withRoof = rows.some((r) => r.roofline);
  const lines = [
    `| precision | threads | prompt | prefill tok/s (median) | prefill min–max (IQR) | decode tok/s (median) | decode min–max (IQR) | TTFT ms | prefill / decode tok per CPU-s | no-cache ref. tok/s | speed-up |${withRoof ? ' prefill bound (share) | decode bound (share) |' : ''} load avg (1 min) |`,
    `|---|---:|---:|---:|---|---:|---|---:|---:|---:|---:|${withRoof ? '---:|---:|' : ''}---:|`,
  ];
  const pct = (x: number) => `${Math.round(x * 100)}%`;
  for (const r of rows) {
    const p = r.spread.prefill_tok_s;
    const d = r.spread.decode_tok_s;
    const ref = r.reference_scheme;
    const roof = r.roofline;
    const roofCells = withRoof ? (roof ? ` ${fmt(roof.prefill_tok_s_bound)} (${pct(roof.prefill_fraction)}) | ${fmt(roof.decode_tok_s_bound)} (${pct(roof.decode_fraction)}) |` : ' | |') : '';
    lines.push(
      `| ${r.precision}${r.quantize_logits ? '+q-logits' : ''} | ${r.threads} | ${r.prompt_tokens} | ${fmt(r.prefill_tok_s)} | ${fmt(p.min)}–${fmt(p.max)} (${fmt(p.iqr)}) | ${fmt(r.decode_tok_s)} | ${fmt(d.min)}–${fmt(d.max)} (${fmt(d.iqr)}) | ${fmt(r.ttft_ms, 1)} | ${fmt(r.cpu.prefill_tok_per_cpu_s)} / ${fmt(r.cpu.decode_tok_per_cpu_s)} | ${ref ? fmt(ref.decode_tok_s, 1) : ''} | ${ref ? `${fmt(ref.speedup, 1)}×` : ''} |${roofCells} ${fmt(r.load_average.before[0], 2)}→${fmt(r.load_average.after[0], 2)} |`,
    );
  }
  const first = rows[0];
  if (first) {
    lines.push(
      '',
      `${first.gen_tokens} forced decode steps, ${first.warmups} warm-up + ${first.repetitions} repetitions per row; weights ${first.weights}; ${first.machine.cores}× ${first.machine.cpu}, Node ${first.machine.node}.`,
    );
    const roofs = new Map(rows.filter((r) => r.roofline).map((r) => [r.threads, r.roofline!]));
    for (const [threads, roof] of roofs) {
      lines.push(
        `Roofline, ${threads} thread(s): fp32 GEMV ${fmt(roof.gemv_gb_s, 1)} GB/s (decode bound = bytes read per step ÷ this), fp32 SGEMM ${fmt(roof.sgemm_gflop_s, 1)} GFLOP/s (prefill bound = FLOPs per token ÷ this; fp32 kernels, so int8/int4 prefill bounds are indicative only).`,
      );
    }
  }
  return lines.join('\n');
}
