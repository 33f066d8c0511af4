// Order statistics for latency and throughput. Percentiles use linear interpolation between closest
// ranks (Hyndman & Fan type 7 — numpy's and R's default), so figures match what users compute.

/** q-th quantile (0 ≤ q ≤ 1) of already-sorted ascending values. */
export function quantileSorted(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return NaN;
  if (!(q >= 0 && q <= 1)) throw new Error(`quantile: q must be in [0, 1], got ${q}`);
  const pos = (sorted.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo);
}

export interface Spread {
  n: number;
  min: number;
  p25: number;
  p50: number;
  p75: number;
  p90: number;
  p99: number;
  max: number;
  /** p75 − p25. */
  iqr: number;
  mean: number;
}

/** Percentiles, median with IQR and min–max of the finite values; null when there are none. */
export function spread(values: Iterable<number>): Spread | null {
  const sorted = [...values].filter((v) => Number.isFinite(v)).sort((a, b) => a - b);
  if (sorted.length === 0) return null;
  const q = (p: number) => quantileSorted(sorted, p);
  const p25 = q(0.25), p75 = q(0.75);
  return {
    n: sorted.length,
    min: sorted[0],
    p25,
    p50: q(0.5),
    p75,
    p90: q(0.9),
    p99: q(0.99),
    max: sorted[sorted.length - 1],
    iqr: p75 - p25,
    mean: sorted.reduce((s, v) => s + v, 0) / sorted.length,
  };
}

export function median(values: Iterable<number>): number {
  return spread(values)?.p50 ?? NaN;
}
