// The report's charts: vega-lite specs compiled to vega and rendered to SVG strings in Node, so the
// HTML needs no script, network or font to show them. One chart set per suite (pass rates of
// different suites are not comparable).
import * as vega from 'vega';
import { compile, type TopLevelSpec } from 'vega-lite';
import { ALL, type GroupStats } from './aggregate.ts';
import { modelLabel, type Summary } from './summary.ts';

export interface Chart {
  id: 'accuracy-vs-params' | 'category-bars' | 'accuracy-vs-latency' | 'failure-taxonomy' | 'frontier-latency' | 'frontier-size';
  title: string;
  /** The vega-lite spec, kept so readers can re-plot it. */
  spec: TopLevelSpec;
  /** Inline SVG, or undefined when the suite has no data for this chart. */
  svg?: string;
  /** Why there is no chart. */
  note?: string;
}

const FONT = 'system-ui, -apple-system, "Segoe UI", Roboto, "DejaVu Sans", sans-serif';
const PALETTE = ['#4c78a8', '#f58518', '#54a24b', '#e45756', '#72b7b2', '#b279a2', '#ff9da6', '#9d755d', '#bab0ac', '#eeca3b'];
const ERROR_PALETTE = ['#e45756', '#f58518', '#eeca3b', '#b279a2', '#9d755d', '#72b7b2', '#4c78a8', '#ff9da6', '#54a24b', '#bab0ac', '#79706e'];

const baseConfig = {
  font: FONT,
  background: 'white',
  view: { stroke: '#ddd' },
  axis: { labelFontSize: 11, titleFontSize: 12, gridColor: '#eee', labelColor: '#333', titleColor: '#222' },
  legend: { labelFontSize: 11, titleFontSize: 12, labelLimit: 320 },
  title: { fontSize: 14, anchor: 'start' as const, color: '#222' },
};

/** Render a vega-lite spec to an SVG string. */
export async function renderSvg(spec: TopLevelSpec): Promise<string> {
  const view = new vega.View(vega.parse(compile(spec).spec), { renderer: 'none' });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}

/** Model label → colour, identical in every chart of the report. */
export function modelColors(summary: Summary): { domain: string[]; range: string[] } {
  const domain = [...new Set(summary.models.filter((m) => m.results > 0).map(modelLabel))];
  return { domain, range: domain.map((_, i) => PALETTE[i % PALETTE.length]) };
}

/** Models not dominated by another: none is at least as accurate AND at least as fast, and better in one. */
export function paretoFront<T extends { x: number; y: number }>(points: readonly T[]): T[] {
  return points
    .filter((p) => !points.some((q) => q !== p && q.x <= p.x && q.y >= p.y && (q.x < p.x || q.y > p.y)))
    .sort((a, b) => a.x - b.x);
}

export async function suiteCharts(summary: Summary, suite: string): Promise<Chart[]> {
  const labels = new Map(summary.models.map((m) => [m.id, modelLabel(m)]));
  const params = new Map(summary.models.map((m) => [m.id, m.parameterCount]));
  const colors = modelColors(summary);
  const color = { field: 'model', type: 'nominal' as const, title: 'Model', scale: colors };
  const rows = summary.groups.filter((g) => g.suite === suite);
  const all = rows.filter((g) => g.category === ALL);
  const point = (g: GroupStats) => ({ model: labels.get(g.model) ?? g.model, passRate: g.passRate, lo: g.passCi.lo, hi: g.passCi.hi, n: g.n });

  const charts: Chart[] = [];

  // 1. Accuracy vs parameter count (log x).
  const withParams = all.filter((g) => params.get(g.model)).map((g) => ({ ...point(g), params: params.get(g.model)! }));
  const noParams = all.filter((g) => !params.get(g.model)).map((g) => labels.get(g.model) ?? g.model);
  charts.push(await chart('accuracy-vs-params', 'Pass rate vs parameter count', withParams.length === 0 ? undefined : {
    ...(noParams.length > 0 ? { title: { text: 'Pass rate vs parameter count', subtitle: `not shown (no parameter count): ${noParams.join(', ')}`, subtitleColor: '#59636e' } } : {}),
    width: 460, height: 300,
    data: { values: withParams },
    encoding: {
      x: { field: 'params', type: 'quantitative', scale: { type: 'log', nice: false, domain: logDomain(withParams.map((p) => p.params)) }, title: 'Parameters (log scale)', axis: { format: '~s', values: logTicks(withParams.map((p) => p.params)) } },
      y: { field: 'passRate', type: 'quantitative', scale: { domain: [0, 1] }, title: 'Pass rate (95% Wilson CI)', axis: { format: '.0%' } },
      color,
    },
    layer: [
      { mark: { type: 'rule', strokeWidth: 2 }, encoding: { y: { field: 'lo', type: 'quantitative' }, y2: { field: 'hi' } } },
      { mark: { type: 'point', filled: true, size: 90 } },
      { mark: { type: 'text', align: 'left', dx: 8, dy: -8, fontSize: 11 }, encoding: { text: { field: 'model' }, color: { value: '#333' } } },
    ],
  }, 'no model recorded a parameter count'));

  // 2. Per-category pass rate with Wilson whiskers.
  const perCategory = rows.filter((g) => g.category !== ALL).map((g) => ({ ...point(g), category: g.category }));
  charts.push(await chart('category-bars', 'Pass rate by category', perCategory.length === 0 ? undefined : {
    width: 460, height: 300,
    data: { values: perCategory },
    encoding: {
      x: { field: 'category', type: 'nominal', title: null, axis: { labelAngle: -30, labelLimit: 220 } },
      xOffset: { field: 'model', type: 'nominal', scale: { domain: colors.domain } },
      color,
    },
    layer: [
      { mark: { type: 'bar', opacity: 0.9 }, encoding: { y: { field: 'passRate', type: 'quantitative', scale: { domain: [0, 1] }, title: 'Pass rate (95% Wilson CI)', axis: { format: '.0%' } } } },
      { mark: { type: 'rule', color: '#222', strokeWidth: 1.2 }, encoding: { y: { field: 'lo', type: 'quantitative' }, y2: { field: 'hi' }, color: { value: '#222' } } },
    ],
  }, 'no per-category results'));

  // 3. Accuracy vs median latency with the Pareto front.
  const timed = all.filter((g) => g.latency.totalMs).map((g) => ({ ...point(g), latency: g.latency.totalMs!.p50 }));
  const front = paretoFront(timed.map((p) => ({ ...p, x: p.latency, y: p.passRate })));
  charts.push(await chart('accuracy-vs-latency', 'Pass rate vs median latency (Pareto front)', timed.length === 0 ? undefined : {
    width: 460, height: 300,
    layer: [
      {
        data: { values: front.map(({ x, y, model }) => ({ latency: x, passRate: y, model })) },
        encoding: { x: { field: 'latency', type: 'quantitative' }, y: { field: 'passRate', type: 'quantitative' } },
        layer: [
          { mark: { type: 'line', strokeDash: [5, 4], color: '#888' }, encoding: { order: { field: 'latency', type: 'quantitative' } } },
          // Front members get a ring, so a one-model front is still visible.
          { mark: { type: 'point', size: 260, color: '#555', strokeWidth: 1.5, filled: false } },
        ],
      },
      {
        data: { values: timed },
        encoding: {
          x: { field: 'latency', type: 'quantitative', scale: { type: 'log', nice: false, domain: logDomain(timed.map((p) => p.latency)) }, title: 'Median latency per case, ms (log scale)', axis: { format: '.3~g', values: logTicks(timed.map((p) => p.latency)) } },
          y: { field: 'passRate', type: 'quantitative', scale: { domain: [0, 1] }, title: 'Pass rate', axis: { format: '.0%' } },
          color,
        },
        layer: [
          { mark: { type: 'point', filled: true, size: 90 } },
          { mark: { type: 'text', align: 'left', dx: 8, dy: -8, fontSize: 11 }, encoding: { text: { field: 'model' }, color: { value: '#333' } } },
        ],
      },
    ],
  }, 'no latency recorded'));

  // 4. Failure taxonomy, stacked per model.
  const failures = all.flatMap((g) => Object.entries(g.errors).map(([error, count]) => ({ model: labels.get(g.model) ?? g.model, error, count })));
  charts.push(await chart('failure-taxonomy', 'Failures by type', failures.length === 0 ? undefined : {
    width: 460, height: { step: 30 } as unknown as number,
    data: { values: failures },
    mark: { type: 'bar' },
    encoding: {
      y: { field: 'model', type: 'nominal', title: null, axis: { labelLimit: 400 } },
      x: { field: 'count', type: 'quantitative', title: 'Failing cases', stack: 'zero' },
      color: { field: 'error', type: 'nominal', title: 'Error type', scale: { range: ERROR_PALETTE } },
      order: { field: 'error' },
    },
  }, 'no failures'));
  return charts;
}

/** A log-scale domain with room around the points (×1.5 each side) for labels and whiskers. */
export function logDomain(values: number[]): [number, number] {
  const positive = values.filter((v) => v > 0);
  return [Math.min(...positive) / 1.5, Math.max(...positive) * 1.5];
}

/** 1-2-5 ticks spanning the data, so a log axis has a few readable labels instead of a crowd. */
export function logTicks(values: number[]): number[] {
  const positive = values.filter((v) => v > 0);
  if (positive.length === 0) return [];
  const lo = Math.min(...positive), hi = Math.max(...positive);
  const ticks: number[] = [];
  for (let e = Math.floor(Math.log10(lo)) - 1; e <= Math.ceil(Math.log10(hi)) + 1; e++) {
    for (const m of [1, 2, 5]) {
      const t = m * 10 ** e;
      if (t >= lo / 1.5 && t <= hi * 1.5) ticks.push(t);
    }
  }
  return ticks.length >= 1 ? ticks : [lo];
}

async function chart(id: Chart['id'], title: string, body: Record<string, unknown> | undefined, emptyNote: string): Promise<Chart> {
  // `body` may override the plain title (e.g. to add a subtitle).
  const spec = { $schema: 'https://vega.github.io/schema/vega-lite/v6.json', title, config: baseConfig, ...(body ?? { data: { values: [] }, mark: 'point' }) } as TopLevelSpec;
  if (!body) return { id, title, spec, note: emptyNote };
  return { id, title, spec, svg: await renderSvg(spec) };
}
