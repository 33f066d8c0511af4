// Wilson score interval for a binomial proportion. Chosen over the normal (Wald) interval because it
// stays inside [0, 1] and keeps near-nominal coverage at small n and at rates near 0 or 1 — exactly
// where small function-calling models on small suites live.

/** Two-sided 95% normal quantile. */
export const Z95 = 1.959963984540054;

export interface Interval {
  lo: number;
  hi: number;
}

/** Wilson score interval for `successes` out of `n` trials. n = 0 gives the uninformative [0, 1]. */
export function wilsonInterval(successes: number, n: number, z: number = Z95): Interval {
  if (!Number.isInteger(n) || n < 0) throw new Error(`wilsonInterval: n must be a non-negative integer, got ${n}`);
  if (!(successes >= 0 && successes <= n)) throw new Error(`wilsonInterval: successes ${successes} outside [0, ${n}]`);
  if (n === 0) return { lo: 0, hi: 1 };
  const p = successes / n;
  const z2 = z * z;
  const denom = 1 + z2 / n;
  const centre = (p + z2 / (2 * n)) / denom;
  const half = (z / denom) * Math.sqrt((p * (1 - p)) / n + z2 / (4 * n * n));
  // Clamp away floating-point dust so p = 0 gives exactly 0 and p = 1 exactly 1.
  return { lo: successes === 0 ? 0 : Math.max(0, centre - half), hi: successes === n ? 1 : Math.min(1, centre + half) };
}
