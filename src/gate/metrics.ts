// What the gate checks, and how much each check may get worse before it fails.
//
// Accuracy checks are per-case binary outcomes, compared on the case ids both sides have: a check
// fails only when the drop exceeds its tolerance AND the exact McNemar test on the discordant cases
// says p < alpha — a one-case wobble on a small suite is not a regression. Speed checks compare
// medians and fail when the relative change exceeds the tolerance (no test: timing noise is not
// binomial, so the tolerance is the whole guard; run on the same hardware as the baseline).

export const ACCURACY_METRICS = ['passRate', 'schemaValidRate', 'parseRate', 'exactMatch'] as const;
export type AccuracyMetric = (typeof ACCURACY_METRICS)[number];

export const SPEED_METRICS = ['decodeTokPerS', 'prefillTokPerS', 'medianLatencyMs'] as const;
export type SpeedMetric = (typeof SPEED_METRICS)[number];

export type GateMetric = AccuracyMetric | SpeedMetric;
export const GATE_METRICS: readonly GateMetric[] = [...ACCURACY_METRICS, ...SPEED_METRICS];

/**
 * Latency rises smaller than this never fail the gate: below a millisecond, timer resolution and
 * scheduling noise dominate (reference providers answer in microseconds).
 */
export const LATENCY_NOISE_FLOOR_MS = 1;

/** Speed metrics where bigger is worse. */
export const LOWER_IS_BETTER: ReadonlySet<GateMetric> = new Set(['medianLatencyMs']);

export const METRIC_LABELS: Record<GateMetric, string> = {
  passRate: 'pass rate',
  schemaValidRate: 'schema-valid rate',
  parseRate: 'parse rate',
  exactMatch: 'exact match',
  decodeTokPerS: 'decode tok/s (median)',
  prefillTokPerS: 'prefill tok/s (median)',
  medianLatencyMs: 'latency ms (median)',
};

export interface GateConfig {
  /** Significance level of the McNemar test. */
  alpha: number;
  /**
   * Allowed worsening per metric, or null to skip the metric. Accuracy: absolute drop of the rate
   * (0.02 = 2 percentage points). Speed: relative change (0.2 = 20% slower).
   */
  tolerances: Record<GateMetric, number | null>;
}

export const DEFAULT_GATE_CONFIG: GateConfig = {
  alpha: 0.05,
  tolerances: {
    passRate: 0.02,
    schemaValidRate: 0.02,
    parseRate: 0.02,
    exactMatch: 0.02,
    decodeTokPerS: 0.2,
    prefillTokPerS: 0.2,
    medianLatencyMs: 0.2,
  },
};

const isMetric = (m: string): m is GateMetric => (GATE_METRICS as readonly string[]).includes(m);

/**
 * Parse a tolerance: "0.02", "2pp" (percentage points), "20%" (percent), or "off".
 * `where` names the source (flag or file) in errors.
 */
export function parseTolerance(metric: GateMetric, value: unknown, where: string): number | null {
  if (value === null || value === 'off') return null;
  let n: number;
  if (typeof value === 'number') n = value;
  else if (typeof value === 'string' && /^\s*[0-9.]+\s*(pp|%)?\s*$/.test(value)) {
    const m = /^\s*([0-9.]+)\s*(pp|%)?\s*$/.exec(value)!;
    n = Number(m[1]) / (m[2] ? 100 : 1);
  } else n = NaN;
  if (!Number.isFinite(n) || n < 0) {
    throw new Error(`${where}: tolerance for ${metric} must be a non-negative number, "<n>pp", "<n>%" or "off", got ${JSON.stringify(value)}`);
  }
  return n;
}

/** Apply `metric=value` overrides (from --tolerance) to a config. */
export function applyToleranceFlags(config: GateConfig, flags: readonly string[]): GateConfig {
  const tolerances = { ...config.tolerances };
  let alpha = config.alpha;
  for (const flag of flags) {
    const eq = flag.indexOf('=');
    const key = eq < 0 ? flag : flag.slice(0, eq).trim();
    const value = eq < 0 ? '' : flag.slice(eq + 1).trim();
    if (key === 'alpha') {
      alpha = parseAlpha(value, `--tolerance ${flag}`);
      continue;
    }
    if (!isMetric(key)) throw new Error(`--tolerance ${flag}: unknown metric "${key}" (known: ${GATE_METRICS.join(', ')}, alpha)`);
    tolerances[key] = parseTolerance(key, value, `--tolerance ${flag}`);
  }
  return { alpha, tolerances };
}

/** Read a JSON config `{"alpha": 0.05, "tolerances": {"passRate": "2pp", "decodeTokPerS": "off"}}` over the defaults. */
export function parseGateConfig(text: string, file: string, base: GateConfig = DEFAULT_GATE_CONFIG): GateConfig {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    throw new Error(`${file}: invalid JSON: ${(err as Error).message}`);
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw new Error(`${file}: expected a JSON object with "alpha" and/or "tolerances"`);
  const obj = raw as Record<string, unknown>;
  for (const key of Object.keys(obj)) {
    if (key !== 'alpha' && key !== 'tolerances' && key !== '$comment') throw new Error(`${file}: ${key}: unknown field (expected alpha, tolerances)`);
  }
  const alpha = obj.alpha === undefined ? base.alpha : parseAlpha(obj.alpha, `${file}: alpha`);
  const tolerances = { ...base.tolerances };
  if (obj.tolerances !== undefined) {
    if (typeof obj.tolerances !== 'object' || obj.tolerances === null || Array.isArray(obj.tolerances)) throw new Error(`${file}: tolerances: expected an object`);
    for (const [metric, value] of Object.entries(obj.tolerances)) {
      if (!isMetric(metric)) throw new Error(`${file}: tolerances.${metric}: unknown metric (known: ${GATE_METRICS.join(', ')})`);
      tolerances[metric] = parseTolerance(metric, value, `${file}: tolerances.${metric}`);
    }
  }
  return { alpha, tolerances };
}

function parseAlpha(value: unknown, where: string): number {
  const n = typeof value === 'number' ? value : typeof value === 'string' && value.trim() !== '' ? Number(value) : NaN;
  if (!(n > 0 && n < 1)) throw new Error(`${where}: alpha must be a number in (0, 1), got ${JSON.stringify(value)}`);
  return n;
}
