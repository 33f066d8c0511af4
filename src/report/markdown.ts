// leaderboard.md: the report as a GitHub-renderable markdown page.
import { ALL, orientPair } from './aggregate.ts';
import { num, paramCount, pct, pp, pValue, rateWithCi } from './format.ts';
import { modelLabel, type Summary, type SummaryModel } from './summary.ts';

/** Markdown table cell: pipes and newlines would break the table. */
const cell = (s: string) => s.replace(/\\/g, '\\\\').replace(/\|/g, '\\|').replace(/\r?\n/g, ' ');

function table(header: string[], rows: string[][]): string {
  const lines = [`| ${header.join(' | ')} |`, `| ${header.map((h, i) => (i === 0 ? '---' : h.match(/^(Model|Category|Comparison|Error)/) ? '---' : '---:')).join(' | ')} |`];
  for (const r of rows) lines.push(`| ${r.map(cell).join(' | ')} |`);
  return lines.join('\n');
}

/** Chart images written next to leaderboard.md: suite name → [{title, relative path}]. */
export type ChartFiles = Map<string, { title: string; path: string }[]>;

export function renderMarkdown(s: Summary, chartFiles: ChartFiles = new Map()): string {
  const models = new Map(s.models.map((m) => [m.id, m]));
  const label = (id: string) => modelLabel(models.get(id) ?? { id });
  const out: string[] = ['# needle-bench leaderboard', ''];
  out.push(`Generated ${s.generatedAt} by needle-bench ${s.generator.version} from ${s.runs.length} run(s): ${s.runs.map((r) => `\`${r.dir}\``).join(', ')}.`, '');
  out.push('Pass rate is the BFCL AST-checker verdict with a 95% Wilson interval in brackets. Latency and tokens/s are medians over cases.', '');

  for (const suite of s.suites) {
    const rows = s.groups.filter((g) => g.suite === suite.name);
    const all = rows.filter((g) => g.category === ALL).sort((a, b) => b.passRate - a.passRate || a.model.localeCompare(b.model));
    if (all.length === 0) continue;
    out.push(`## Suite \`${suite.name}\`${suite.version ? ` v${suite.version}` : ''}${suite.hash ? ` (sha256 ${suite.hash.slice(0, 12)})` : ''}`, '');
    out.push(table(
      ['#', 'Model', 'Params', 'Pass rate [95% CI]', 'n', 'Schema-valid', 'Parsed', 'Name F1', 'Call F1', 'Args acc.', 'Value acc.', 'Halluc.', 'Miss', 'Exact', 'Median ms', 'Decode tok/s'],
      all.map((g, i) => [
        String(i + 1), label(g.model), paramCount(models.get(g.model)?.parameterCount), rateWithCi(g.passRate, g.passCi), String(g.n),
        pct(g.schemaValidRate), pct(g.parseRate), pct(g.needle.nameF1), pct(g.needle.callF1), pct(g.needle.argsAccuracy),
        pct(g.needle.valueAccuracy), pct(g.needle.hallucinationRate), pct(g.needle.missRate), pct(g.needle.exactMatch),
        num(g.latency.totalMs?.p50), num(g.throughput.decodeTokPerS?.p50),
      ]),
    ), '');

    const images = chartFiles.get(suite.name) ?? [];
    if (images.length > 0) {
      out.push(images.map((c) => `![${c.title}](${encodeURI(c.path)})`).join('\n'), '');
    }

    const categories = [...new Set(rows.map((g) => g.category).filter((c) => c !== ALL))].sort();
    if (categories.length > 1) {
      out.push('### Per category', '');
      const byKey = new Map(rows.map((g) => [`${g.model}\u0000${g.category}`, g]));
      out.push(table(['Category', ...all.map((g) => label(g.model))], categories.map((c) => [
        c, ...all.map((m) => { const g = byKey.get(`${m.model}\u0000${c}`); return g ? `${rateWithCi(g.passRate, g.passCi)} (n=${g.n})` : '–'; }),
      ])), '');
    }

    const errorTypes = [...new Set(all.flatMap((g) => Object.keys(g.errors)))].sort();
    if (errorTypes.length > 0) {
      out.push('### Failures by type', '');
      out.push(table(['Model', ...errorTypes], all.map((g) => [label(g.model), ...errorTypes.map((t) => String(g.errors[t] ?? 0))])), '');
    }

    const latencyRows = all.filter((g) => g.latency.totalMs);
    if (latencyRows.length > 0) {
      out.push('### Latency and throughput', '');
      out.push(table(['Model', 'Total ms p50', 'p90', 'p99', 'IQR', 'min–max', 'First token ms p50', 'Prefill tok/s', 'Decode tok/s'],
        latencyRows.map((g) => {
          const t = g.latency.totalMs!;
          return [label(g.model), num(t.p50), num(t.p90), num(t.p99), num(t.iqr), `${num(t.min)}–${num(t.max)}`,
            num(g.latency.firstTokenMs?.p50), num(g.throughput.prefillTokPerS?.p50), num(g.throughput.decodeTokPerS?.p50)];
        })), '');
    }

    const pairs = s.pairwise.filter((p) => p.suite === suite.name && p.category === ALL);
    if (pairs.length > 0) {
      out.push('### Paired comparisons', '');
      out.push('Better model first, on the cases both models answered: difference of pass rates with Newcombe\'s 95% paired interval; p from the exact McNemar test on the cases only one of them passes.', '');
      out.push(table(['Comparison', 'n', 'Only first passes', 'Only second passes', 'Difference [95% CI]', 'p'], pairs.map((p) => {
        const o = orientPair(p);
        return [`${label(o.first)} vs ${label(o.second)}`, String(p.n), String(o.firstOnly), String(o.secondOnly),
          `${pp(o.diff)} [${pp(o.lo)}, ${pp(o.hi)}]`, pValue(p.pValue)];
      })), '');
    }
  }

  const absent = s.models.filter((m) => m.results === 0);
  if (absent.length > 0) {
    out.push('## Models without results', '');
    for (const m of absent) out.push(`- **${cell(modelLabel(m))}**: ${absentText(m)}`);
    out.push('');
  }
  if (s.warnings.length > 0) {
    out.push('## Warnings', '');
    for (const w of s.warnings) out.push(`- ${w}`);
    out.push('');
  }
  return out.join('\n');
}

export function absentText(m: SummaryModel): string {
  return m.hint ?? m.status;
}
