// JUnit XML of a gate result: one <testsuite> per model × suite, one <testcase> per check, so CI
// systems show each regression as a failed test.
import type { EntryResult, GateResult } from './gate.ts';
import { METRIC_LABELS } from './metrics.ts';
import { describeWeights, type WeightsIdentity } from './weights.ts';

/** Escape text and attribute values; drop characters XML 1.0 forbids. */
export function xmlEscape(s: string): string {
  return s
    .replace(/[^\x09\x0A\x0D\x20-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/gu, '')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&apos;');
}

export function gateJunit(result: GateResult): string {
  const all = result.entries.flatMap((e) => e.checks);
  const count = (s: string) => all.filter((c) => c.status === s).length;
  const lines = [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites name="needle-bench gate" tests="${all.length}" failures="${count('fail')}" skipped="${count('skipped')}" errors="0">`,
  ];
  for (const e of result.entries) {
    const n = (s: string) => e.checks.filter((c) => c.status === s).length;
    const suiteName = `${e.runModel !== undefined ? `${e.runModel} (baseline ${e.model})` : e.model} on ${e.suite}${e.category !== undefined ? ` / ${e.category}` : ''}`;
    lines.push(`  <testsuite name="${xmlEscape(suiteName)}" tests="${e.checks.length}" failures="${n('fail')}" skipped="${n('skipped')}" errors="0">`);
    lines.push('    <properties>', ...weightProperties(e).map(([k, v]) => `      <property name="${xmlEscape(k)}" value="${xmlEscape(v)}"/>`), '    </properties>');
    for (const c of e.checks) {
      const open = `    <testcase classname="${xmlEscape(`needle-bench.gate.${e.model}.${e.suite}${e.category !== undefined ? `.${e.category}` : ''}`)}" name="${xmlEscape(METRIC_LABELS[c.metric])}"`;
      if (c.status === 'pass') {
        lines.push(`${open}/>`);
      } else if (c.status === 'skipped') {
        lines.push(`${open}>`, `      <skipped message="${xmlEscape(c.message)}"/>`, '    </testcase>');
      } else {
        const detail = [c.message, ...(c.metric === 'passRate' && e.newlyFailing.length > 0 ? [`newly failing: ${e.newlyFailing.map((f) => f.id + (f.error ? ` (${f.error})` : '')).join(', ')}`] : [])].join('\n');
        lines.push(`${open}>`, `      <failure type="regression" message="${xmlEscape(`${METRIC_LABELS[c.metric]} regressed`)}">${xmlEscape(detail)}</failure>`, '    </testcase>');
      }
    }
    // Notes are not failures (the exit code is the checks'), so they go where CI shows a suite's log.
    const out = [`weights: baseline ${describeWeights(e.weights.baseline)} → run ${describeWeights(e.weights.run)}`, ...e.weights.notes.map((n) => `note: ${n}`)];
    lines.push(`    <system-out>${xmlEscape(out.join('\n'))}</system-out>`);
    lines.push('  </testsuite>');
  }
  lines.push('</testsuites>', '');
  return lines.join('\n');
}

/** What was compared, as JUnit properties: each side's model, weights line, adapter and precision. */
function weightProperties(e: EntryResult): [string, string][] {
  const side = (name: string, model: string, w: WeightsIdentity | undefined): [string, string][] => [
    [`${name}.model`, model],
    [`${name}.weights`, describeWeights(w)],
    ...(w?.adapter ? [[`${name}.adapter`, `${w.adapter.file} ${w.adapter.sha256}`] as [string, string]] : []),
    ...(w?.precision ? [[`${name}.precision`, w.precision] as [string, string]] : []),
  ];
  return [...side('baseline', e.model, e.weights.baseline), ...side('run', e.runModel ?? e.model, e.weights.run), ['weights.identical', String(e.weights.identical)]];
}
