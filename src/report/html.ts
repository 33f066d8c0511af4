// leaderboard.html: one self-contained page (inline CSS, inline SVG charts, inline data and script),
// readable offline and attachable to a CI run as a single artifact.
import { ALL, orientPair, type GroupStats } from './aggregate.ts';
import { modelColors, type Chart } from './charts.ts';
import type { DrillData } from './drilldown.ts';
import { num, paramCount, pct, pp, pValue } from './format.ts';
import { escapeHtml as esc, jsonForScript } from './html-escape.ts';
import { DRILLDOWN_SCRIPT } from './html-script.ts';
import { REPORT_CSS } from './html-style.ts';
import { modelLabel, type Summary, type SummaryModel } from './summary.ts';

export interface HtmlInput {
  summary: Summary;
  /** Charts per suite name. */
  charts: Map<string, Chart[]>;
  drill: DrillData;
}

export function renderHtml({ summary, charts, drill }: HtmlInput): string {
  const models = new Map(summary.models.map((m) => [m.id, m]));
  const label = (id: string) => modelLabel(models.get(id) ?? { id });
  const suites = summary.suites.filter((s) => summary.groups.some((g) => g.suite === s.name && g.category === ALL));
  const absent = summary.models.filter((m) => m.results === 0);

  const body = [
    `<header><h1>needle-bench leaderboard</h1>
<p class="meta">Generated ${esc(summary.generatedAt)} by needle-bench ${esc(summary.generator.version)} from ${summary.runs.length} run${summary.runs.length === 1 ? '' : 's'}.
Pass rate follows BFCL's AST checker; brackets and whiskers are 95% Wilson intervals; latency and tokens/s are medians over cases.</p>
${suites.length > 1 ? `<nav>${suites.map((s) => `<a href="#suite-${esc(slug(s.name))}">${esc(s.name)}</a>`).join(' · ')} · <a href="#drilldown">cases</a></nav>` : ''}
</header>`,
    ...suites.map((s) => suiteSection(summary, s.name, s.version, s.hash, charts.get(s.name) ?? [], label, models)),
    absent.length > 0 ? absentSection(absent) : '',
    summary.warnings.length > 0 ? `<section><h2>Warnings</h2><ul>${summary.warnings.map((w) => `<li>${esc(w)}</li>`).join('')}</ul></section>` : '',
    drilldownSection(),
    provenanceSection(summary),
  ].join('\n');

  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>needle-bench leaderboard</title>
<style>${REPORT_CSS}</style>
</head>
<body>
<main>
${body}
</main>
<script type="application/json" id="drill-data">${jsonForScript(drill)}</script>
<script>${DRILLDOWN_SCRIPT}</script>
</body>
</html>
`;
}

const slug = (s: string) => s.toLowerCase().replace(/[^a-z0-9]+/g, '-');

function suiteSection(summary: Summary, suite: string, version: string | undefined, hash: string | undefined, charts: Chart[],
  label: (id: string) => string, models: Map<string, SummaryModel>): string {
  const all = summary.groups.filter((g) => g.suite === suite && g.category === ALL)
    .sort((a, b) => b.passRate - a.passRate || a.model.localeCompare(b.model));
  const pairs = summary.pairwise.filter((p) => p.suite === suite && p.category === ALL);
  const categoryPairs = summary.pairwise.filter((p) => p.suite === suite && p.category !== ALL)
    .sort((x, y) => x.category.localeCompare(y.category));
  const head = ['#', 'Model', 'Params', 'Pass rate', '95% CI', 'n', 'Schema-valid', 'Parsed', 'Exact match', 'Median ms', 'p90 ms', 'Decode tok/s'];
  const colors = modelColors(summary);
  const colorOf = (id: string) => colors.range[colors.domain.indexOf(label(id))] ?? '#999';
  // The swatch is the model's colour in the charts.
  const modelCell = (id: string) => `<th scope="row"><span class="swatch" style="background:${colorOf(id)}"></span>${esc(label(id))}${id !== label(id) ? `<div class="sub mono">${esc(id)}</div>` : ''}</th>`;
  const rows = all.map((g, i) => `<tr>
<td class="num">${i + 1}</td>${modelCell(g.model)}
<td class="num">${esc(paramCount(models.get(g.model)?.parameterCount))}</td>
<td class="num strong">${pct(g.passRate)}</td><td>${ciBar(g)}</td><td class="num">${g.n}</td>
<td class="num">${pct(g.schemaValidRate)}</td><td class="num">${pct(g.parseRate)}</td><td class="num">${pct(g.needle.exactMatch)}</td>
<td class="num">${num(g.latency.totalMs?.p50)}</td><td class="num">${num(g.latency.totalMs?.p90)}</td><td class="num">${num(g.throughput.decodeTokPerS?.p50)}</td>
</tr>`).join('\n');
  const needleHead = ['Model', 'Name F1', 'Call F1', 'Args accuracy', 'Value accuracy', 'Hallucinated params', 'Missed params', 'Prefill tok/s', 'First token ms'];
  const needleRows = all.map((g) => `<tr>${modelCell(g.model)}
<td class="num">${pct(g.needle.nameF1)}</td><td class="num">${pct(g.needle.callF1)}</td><td class="num">${pct(g.needle.argsAccuracy)}</td>
<td class="num">${pct(g.needle.valueAccuracy)}</td><td class="num">${pct(g.needle.hallucinationRate)}</td><td class="num">${pct(g.needle.missRate)}</td>
<td class="num">${num(g.throughput.prefillTokPerS?.p50, 0)}</td><td class="num">${num(g.latency.firstTokenMs?.p50)}</td></tr>`).join('\n');

  const chartHtml = charts.map((c) => `<figure class="chart${c.svg ? '' : ' no-data'}" data-chart="${esc(c.id)}">${c.svg ?? `<figcaption>${esc(c.title)}</figcaption><p class="empty">${esc(c.note ?? 'no data')}</p>`}</figure>`).join('\n');

  const pairRow = (p: (typeof pairs)[number], withCategory: boolean) => {
    const o = orientPair(p);
    const significant = p.pValue < 0.05;
    return `<tr>${withCategory ? `<td>${esc(p.category)}</td>` : ''}<th scope="row">${esc(label(o.first))} <span class="vs">vs</span> ${esc(label(o.second))}</th><td class="num">${p.n}</td>
<td class="num">${o.firstOnly}</td><td class="num">${o.secondOnly}</td><td class="num${significant && o.diff > 0 ? ' up' : ''}">${pp(o.diff)}</td>
<td class="num">[${pp(o.lo)}, ${pp(o.hi)}]</td><td class="num">${pValue(p.pValue)}${significant ? ' *' : ''}</td></tr>`;
  };
  const pairHead = (withCategory: boolean) => `<thead><tr>${withCategory ? '<th scope="col">Category</th>' : ''}<th scope="col">Comparison</th><th scope="col" class="num">n</th><th scope="col" class="num">Only first passes</th><th scope="col" class="num">Only second passes</th><th scope="col" class="num">Difference</th><th scope="col" class="num">95% CI</th><th scope="col" class="num">p</th></tr></thead>`;
  const pairRows = pairs.map((p) => pairRow(p, false)).join('\n');
  // Per-category tests are many and each at alpha 0.05: shown on demand, as exploration, not verdicts.
  const categoryPairHtml = categoryPairs.length === 0 ? '' : `<details class="pairs-by-category"><summary>Per category (${categoryPairs.length} comparisons; uncorrected for multiple testing)</summary>
<div class="table-wrap"><table class="pairs">${pairHead(true)}
<tbody>
${categoryPairs.map((p) => pairRow(p, true)).join('\n')}
</tbody></table></div></details>`;

  return `<section id="suite-${esc(slug(suite))}">
<h2>Suite <code>${esc(suite)}</code>${version ? ` <span class="sub">v${esc(version)}</span>` : ''}${hash ? ` <span class="sub mono" title="sha256 of the suite content">${esc(hash.slice(0, 12))}</span>` : ''}</h2>
<div class="table-wrap"><table class="leaderboard"><thead><tr>${head.map((h, i) => `<th scope="col"${i === 0 || i >= 2 && h !== '95% CI' ? ' class="num"' : ''}>${h}</th>`).join('')}</tr></thead>
<tbody>
${rows}
</tbody></table></div>
<h3>Needle metrics</h3>
<p class="note">Micro-averaged over calls and parameters (definitions in src/report/needle-metrics.ts); – where undefined.</p>
<div class="table-wrap"><table class="needle"><thead><tr>${needleHead.map((h, i) => `<th scope="col"${i > 0 ? ' class="num"' : ''}>${h}</th>`).join('')}</tr></thead>
<tbody>
${needleRows}
</tbody></table></div>
<div class="charts">
${chartHtml}
</div>
${pairs.length > 0 ? `<h3>Paired comparisons</h3>
<p class="note">Better model first, on the cases both models answered: difference of pass rates with Newcombe's 95% paired interval; p is the exact McNemar test on the cases only one of them passes (* p &lt; 0.05).</p>
<div class="table-wrap"><table class="pairs">${pairHead(false)}
<tbody>
${pairRows}
</tbody></table></div>
${categoryPairHtml}` : ''}
</section>`;
}

/** A 0–100% track with the Wilson interval drawn as a band and the point estimate as a tick. */
function ciBar(g: GroupStats): string {
  const at = (x: number) => (x * 100).toFixed(1);
  return `<span class="ci" title="95% Wilson interval ${at(g.passCi.lo)}–${at(g.passCi.hi)}%"><span class="ci-track"><span class="ci-band" style="left:${at(g.passCi.lo)}%;width:${(Number(at(g.passCi.hi)) - Number(at(g.passCi.lo))).toFixed(1)}%"></span><span class="ci-point" style="left:${at(g.passRate)}%"></span></span><span class="ci-text">${at(g.passCi.lo)}–${at(g.passCi.hi)}</span></span>`;
}

function absentSection(absent: SummaryModel[]): string {
  const items = absent.map((m) => {
    const text = m.status === 'not_present'
      ? `not present — <code>needle-bench pull ${esc(m.id)}</code>`
      : m.status === 'load_failed' ? `failed to load${m.error ? `: <span class="mono">${esc(m.error)}</span>` : ''}` : esc(m.hint ?? m.status);
    return `<li class="absent" data-model="${esc(m.id)}"><strong>${esc(modelLabel(m))}</strong>: ${text}</li>`;
  });
  return `<section id="absent"><h2>Models without results</h2><ul>${items.join('')}</ul></section>`;
}

function drilldownSection(): string {
  return `<section id="drilldown"><h2>Cases</h2>
<form class="filters" onsubmit="return false">
<label>Model <select id="f-model"><option value="">all</option></select></label>
<label>Suite <select id="f-suite"><option value="">all</option></select></label>
<label>Category <select id="f-category"><option value="">all</option></select></label>
<label>Verdict / error <select id="f-error"><option value="">all</option></select></label>
<label>Search <input id="f-text" type="search" placeholder="id, output, reason"></label>
<button type="button" id="f-reset">Reset</button>
<span id="case-count" class="count"></span>
</form>
<div class="table-wrap"><table id="cases"><thead><tr><th>Model</th><th>Case</th><th>Category</th><th>Verdict</th><th>Error</th><th>Reason</th><th class="num">ms</th></tr></thead><tbody></tbody></table></div>
<p><button type="button" id="case-more" hidden>Show more</button></p>
</section>`;
}

function provenanceSection(summary: Summary): string {
  const items = summary.runs.map((r) => {
    const facts = provenanceFacts(r.provenance);
    return `<li><code>${esc(r.dir)}</code>${facts.length ? ` — ${esc(facts.join(' · '))}` : ''}</li>`;
  });
  return `<footer><h2>Runs</h2><ul>${items.join('')}</ul><p class="note">Full provenance (hardware, library versions, settings) is in summary.json and each run's run.json.</p></footer>`;
}

/** The few provenance facts worth a line in the footer (run.json as written by src/run/provenance.ts). */
export function provenanceFacts(p: Record<string, unknown> | null): string[] {
  if (!p) return ['no run.json'];
  const at = (path: string): unknown => path.split('.').reduce<unknown>((o, k) => (o && typeof o === 'object' ? (o as Record<string, unknown>)[k] : undefined), p);
  const facts: string[] = [];
  const add = (label: string, path: string) => {
    const v = at(path);
    if (typeof v === 'string' || typeof v === 'number') facts.push(`${label} ${v}`);
  };
  add('needle-bench', 'harness.version');
  add('commit', 'harness.gitCommit');
  add('node', 'runtime.node');
  add('cpu', 'host.cpuModel');
  add('cores', 'host.cores');
  add('started', 'startedAt');
  add('ended', 'endedAt');
  return facts;
}
