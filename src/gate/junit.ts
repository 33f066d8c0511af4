// JUnit XML of a gate result: one <testsuite> per model × suite, one <testcase> per check, so CI
// systems show each regression as a failed test.
import type { GateResult } from './gate.ts';
import { METRIC_LABELS } from './metrics.ts';

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
    const suiteName = `${e.model} on ${e.suite}${e.category !== undefined ? ` / ${e.category}` : ''}`;
    lines.push(`  <testsuite name="${xmlEscape(suiteName)}" tests="${e.checks.length}" failures="${n('fail')}" skipped="${n('skipped')}" errors="0">`);
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
    lines.push('  </testsuite>');
  }
  lines.push('</testsuites>', '');
  return lines.join('\n');
}
