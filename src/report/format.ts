// Number formatting shared by the markdown and HTML reports, so both print the same figures.

export const pct = (x: number | null | undefined, digits = 1): string =>
  x === null || x === undefined || !Number.isFinite(x) ? '–' : `${(x * 100).toFixed(digits)}%`;

export const num = (x: number | null | undefined, digits = 1): string =>
  x === null || x === undefined || !Number.isFinite(x) ? '–' : x.toFixed(digits);

/** "62.5% [40.9–80.0]" */
export const rateWithCi = (rate: number, ci: { lo: number; hi: number }): string =>
  `${pct(rate)} [${(ci.lo * 100).toFixed(1)}–${(ci.hi * 100).toFixed(1)}]`;

/** Signed percentage points, e.g. "+4.2 pp". */
export const pp = (x: number | null | undefined): string =>
  x === null || x === undefined || !Number.isFinite(x) ? '–' : `${x >= 0 ? '+' : '−'}${Math.abs(x * 100).toFixed(1)} pp`;

export const pValue = (p: number): string => (p < 0.001 ? '<0.001' : p.toFixed(3));

/** 26M, 270M, 1.2B */
export function paramCount(n: number | undefined): string {
  if (n === undefined) return '–';
  if (n >= 1e9) return `${(n / 1e9).toFixed(n >= 1e10 ? 0 : 1)}B`;
  if (n >= 1e6) return `${(n / 1e6).toFixed(n >= 1e8 ? 0 : 1).replace(/\.0$/, '')}M`;
  if (n >= 1e3) return `${(n / 1e3).toFixed(0)}K`;
  return String(n);
}
