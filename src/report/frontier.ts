// Frontiers from a side-by-side profile (`needle-bench profile --model … --out f.json`) beside run
// dirs: pass rate against per-case latency and against size on disk, with every model that has
// either figure. Accuracy comes only from the runs; a model with speed but no accuracy (synthetic
// weights) is drawn in a separate "speed only" strip on the same x scale, never at a made-up accuracy.
import { readFileSync } from 'node:fs';
import type { CompareResult } from '../profile/side-by-side.ts';
import { ALL } from './aggregate.ts';
import { logDomain, logTicks, paretoFront, renderSvg, type Chart } from './charts.ts';
import { modelLabel, type Summary } from './summary.ts';

export function loadProfile(path: string): CompareResult {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(path, 'utf8'));
  } catch (e) {
    throw new Error(`--profile ${path}: ${(e as Error).message}`);
  }
  const p = parsed as Partial<CompareResult>;
  if (p?.kind !== 'needle-bench-profile-compare' || !Array.isArray(p.models)) {
    throw new Error(`--profile ${path}: kind: expected "needle-bench-profile-compare" (the JSON of \`needle-bench profile --model a --model b … --out\`), got ${JSON.stringify(p?.kind)}`);
  }
  return p as CompareResult;
}

export interface FrontierPoint {
  model: string;
  /** Pass rate on the suite, from the runs; null = no accuracy (never invented). */
  passRate: number | null;
  latencyMs?: number;
  latencySource?: 'profile' | 'run';
  sizeMb?: number;
  weights?: string;
}

/** One point per model that has an accuracy (runs) or a speed/size figure (profile). */
export function frontierPoints(summary: Summary, suite: string, profile: CompareResult): FrontierPoint[] {
  const points = new Map<string, FrontierPoint>();
  const label = new Map(summary.models.map((m) => [m.id, modelLabel(m)]));
  for (const g of summary.groups.filter((x) => x.suite === suite && x.category === ALL)) {
    points.set(g.model, { model: label.get(g.model) ?? g.model, passRate: g.passRate, ...(g.latency.totalMs ? { latencyMs: g.latency.totalMs.p50, latencySource: 'run' as const } : {}) });
  }
  for (const m of profile.models) {
    if (m.status !== 'ok') continue;
    const p = points.get(m.id) ?? { model: label.get(m.id) ?? m.display_name ?? m.id, passRate: null };
    // A model whose speed was measured on synthetic weights keeps only the accuracy its own runs give.
    if (m.cases) Object.assign(p, { latencyMs: m.cases.latency_ms.median, latencySource: 'profile' as const });
    if (m.file_bytes) p.sizeMb = m.file_bytes / 1e6;
    p.weights = m.weights;
    points.set(m.id, p);
  }
  return [...points.values()];
}

async function frontierChart(id: Chart['id'], title: string, points: FrontierPoint[], x: 'latencyMs' | 'sizeMb', xTitle: string, subtitle: string): Promise<Chart> {
  const withX = points.filter((p) => p[x] !== undefined && p[x]! > 0);
  const scored = withX.filter((p) => p.passRate !== null).map((p) => ({ ...p, x: p[x]!, y: p.passRate! }));
  const speedOnly = withX.filter((p) => p.passRate === null).map((p) => ({ ...p, x: p[x]!, note: p.weights === 'synthetic' ? 'synthetic weights: speed only' : 'no accuracy in these runs' }));
  const missing = points.filter((p) => !withX.includes(p)).map((p) => p.model);
  const xs = withX.map((p) => p[x]!);
  const xEncoding = { field: 'x', type: 'quantitative', scale: { type: 'log', nice: false, domain: xs.length ? logDomain(xs) : [1, 10] }, title: xTitle, axis: { format: '.3~g', values: logTicks(xs) } };
  const spec = {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: { text: title, subtitle: [subtitle, ...(missing.length ? [`not shown (no ${x === 'latencyMs' ? 'latency' : 'size'}): ${missing.join(', ')}`] : [])], subtitleColor: '#59636e' },
    config: { font: 'system-ui, sans-serif', background: 'white', view: { stroke: '#ddd' } },
    resolve: { scale: { x: 'shared' } },
    vconcat: [
      {
        width: 460, height: 260,
        layer: [
          {
            data: { values: paretoFront(scored).map(({ x: px, y, model }) => ({ x: px, y, model })) },
            mark: { type: 'line', strokeDash: [5, 4], color: '#888' },
            encoding: { x: { field: 'x', type: 'quantitative' }, y: { field: 'y', type: 'quantitative' }, order: { field: 'x', type: 'quantitative' } },
          },
          {
            data: { values: scored },
            encoding: {
              x: xEncoding,
              y: { field: 'y', type: 'quantitative', scale: { domain: [0, 1] }, title: 'Pass rate', axis: { format: '.0%' } },
            },
            layer: [
              { mark: { type: 'point', filled: true, size: 90, color: '#4c78a8' } },
              { mark: { type: 'text', align: 'left', dx: 8, dy: -8, fontSize: 11 }, encoding: { text: { field: 'model' } } },
            ],
          },
        ],
      },
      {
        width: 460, height: 50,
        title: { text: 'speed only — no accuracy (synthetic weights are never given one)', fontSize: 11, anchor: 'start', color: '#59636e' },
        data: { values: speedOnly.length ? speedOnly : [{ x: withX[0]?.[x] ?? 1, model: '', note: '' }] },
        encoding: { x: xEncoding },
        layer: [
          { mark: { type: 'point', shape: 'diamond', filled: true, size: speedOnly.length ? 90 : 0, color: '#f58518' } },
          { mark: { type: 'text', angle: 0, align: 'left', dx: 6, dy: -8, fontSize: 10 }, encoding: { text: { field: 'model' } } },
        ],
      },
    ],
  };
  return { id, title, spec: spec as unknown as Chart['spec'], svg: withX.length ? await renderSvg(spec as unknown as Chart['spec']) : undefined, ...(withX.length ? {} : { note: 'no model has this figure' }) };
}

export async function frontierCharts(summary: Summary, suite: string, profile: CompareResult): Promise<Chart[]> {
  const points = frontierPoints(summary, suite, profile);
  const s = profile.settings;
  const latencyNote = `latency: the profile's per-case median (${s.cases} cases of ${s.suite ?? '—'}, ${s.threads} threads, output ${s.caseOutput}) where measured, else the run's median`;
  return [
    await frontierChart('frontier-latency', 'Pass rate vs per-case latency (profile beside runs)', points, 'latencyMs', 'Median latency per case, ms (log scale)', latencyNote),
    await frontierChart('frontier-size', 'Pass rate vs size on disk (profile beside runs)', points, 'sizeMb', 'Size on disk, MB (log scale)', 'size: the files the profile loaded (dtype as the registry runs it)'),
  ];
}
