// Difference of two pass rates measured on the SAME cases, with a 95% interval.
//
// Method: Newcombe's hybrid score interval for paired proportions ("method 10", Newcombe 1998, Stat
// Med 17:2635; the "square-and-add" interval recommended by Fagerland, Lydersen & Laake 2014). Chosen
// over a paired bootstrap because it is closed-form and deterministic (no seed, identical in every
// report), it is built from the same Wilson intervals we print for each rate, and it keeps good
// coverage when there are only a few discordant cases — where a bootstrap collapses to a point.
import { wilsonInterval, Z95 } from './wilson.ts';
import { mcnemarExact } from './mcnemar.ts';

/** The 2×2 table of paired outcomes. A and B are the two models (or baseline and run). */
export interface PairedCounts {
  /** Both pass. */
  both: number;
  /** A passes, B fails. */
  aOnly: number;
  /** A fails, B passes. */
  bOnly: number;
  /** Both fail. */
  neither: number;
}

export interface PairedComparison extends PairedCounts {
  n: number;
  rateA: number;
  rateB: number;
  /** rateB − rateA (positive: B is better). */
  diff: number;
  /** 95% interval of `diff`. */
  lo: number;
  hi: number;
  /** Two-sided exact McNemar p-value on the discordant pairs. */
  pValue: number;
  method: 'newcombe-paired-score+exact-mcnemar';
}

/** Tally paired binary outcomes (same index = same case). */
export function pairedCounts(a: readonly boolean[], b: readonly boolean[]): PairedCounts {
  if (a.length !== b.length) throw new Error(`pairedCounts: ${a.length} vs ${b.length} outcomes; pairs must align`);
  const t: PairedCounts = { both: 0, aOnly: 0, bOnly: 0, neither: 0 };
  for (let i = 0; i < a.length; i++) {
    if (a[i] && b[i]) t.both++;
    else if (a[i]) t.aOnly++;
    else if (b[i]) t.bOnly++;
    else t.neither++;
  }
  return t;
}

/** Newcombe interval for rateB − rateA plus the exact McNemar p-value. */
export function comparePaired(t: PairedCounts, z: number = Z95): PairedComparison {
  const { both, aOnly, bOnly, neither } = t;
  const n = both + aOnly + bOnly + neither;
  const base = { ...t, n, method: 'newcombe-paired-score+exact-mcnemar' as const, pValue: mcnemarExact(aOnly, bOnly) };
  if (n === 0) return { ...base, rateA: NaN, rateB: NaN, diff: NaN, lo: -1, hi: 1 };
  const passA = both + aOnly;
  const passB = both + bOnly;
  const pA = passA / n;
  const pB = passB / n;
  const wA = wilsonInterval(passA, n, z);
  const wB = wilsonInterval(passB, n, z);
  const phi = correctedPhi(t);
  // Interval for pB − pA: the lower end combines how far pB may fall and pA may rise, and vice versa.
  const dB1 = pB - wB.lo, dA1 = wA.hi - pA;
  const dB2 = wB.hi - pB, dA2 = pA - wA.lo;
  const diff = pB - pA;
  const lo = diff - Math.sqrt(Math.max(0, dB1 * dB1 - 2 * phi * dB1 * dA1 + dA1 * dA1));
  const hi = diff + Math.sqrt(Math.max(0, dB2 * dB2 - 2 * phi * dB2 * dA2 + dA2 * dA2));
  return { ...base, rateA: pA, rateB: pB, diff, lo: Math.max(-1, lo), hi: Math.min(1, hi) };
}

/**
 * Correlation of the two outcomes (phi coefficient) with Newcombe's continuity correction of a
 * positive association; 0 when a margin is empty (the product under the root is 0).
 */
function correctedPhi({ both, aOnly, bOnly, neither }: PairedCounts): number {
  const n = both + aOnly + bOnly + neither;
  const margins = (both + aOnly) * (bOnly + neither) * (both + bOnly) * (aOnly + neither);
  if (margins === 0) return 0;
  const cross = both * neither - aOnly * bOnly;
  const numerator = cross > 0 ? Math.max(cross - n / 2, 0) : cross;
  return numerator / Math.sqrt(margins);
}
