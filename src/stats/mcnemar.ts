// Exact McNemar test: under H0 (both models equally good on these cases) each discordant pair is
// equally likely to favour either model, so the smaller discordant count is Binomial(b + c, 1/2).
// Exact rather than the chi-square approximation because regressions are often a handful of cases.

/** Two-sided exact McNemar p-value from the discordant counts b (A right, B wrong) and c (A wrong, B right). */
export function mcnemarExact(b: number, c: number): number {
  for (const [name, v] of [['b', b], ['c', c]] as const) {
    if (!Number.isInteger(v) || v < 0) throw new Error(`mcnemarExact: ${name} must be a non-negative integer, got ${v}`);
  }
  const n = b + c;
  if (n === 0) return 1;
  const k = Math.min(b, c);
  // P(X <= k) for X ~ Bin(n, 1/2), doubled (the distribution is symmetric), capped at 1.
  return Math.min(1, 2 * binomialCdfHalf(k, n));
}

/** P(X <= k) for X ~ Binomial(n, 1/2), summed in log space so n in the tens of thousands stays exact enough. */
export function binomialCdfHalf(k: number, n: number): number {
  if (k < 0) return 0;
  if (k >= n) return 1;
  const logHalfN = -n * Math.LN2;
  let logC = 0; // log C(n, 0)
  let total = 0;
  for (let i = 0; i <= k; i++) {
    if (i > 0) logC += Math.log(n - i + 1) - Math.log(i);
    total += Math.exp(logC + logHalfN);
  }
  return Math.min(1, total);
}
