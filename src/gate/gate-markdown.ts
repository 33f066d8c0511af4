// The gate's markdown summary: printed to stdout and appended to $GITHUB_STEP_SUMMARY.
import type { Baseline } from './baseline.ts';
import type { GateResult } from './gate.ts';
import { METRIC_LABELS } from './metrics.ts';
import { describeWeights } from './weights.ts';

const cell = (s: string) => s.replace(/\|/g, '\\|').replace(/\r?\n/g, ' ');
const ICON = { pass: '✅ pass', fail: '❌ FAIL', skipped: '➖ skipped' } as const;
const MAX_LISTED = 20;
const code = (s: string) => `\`${s.replace(/`/g, "'")}\``;

export function gateMarkdown(result: GateResult, baselineFile: string, baseline: Baseline, runDir: string): string {
  const out: string[] = [];
  out.push(`## needle-bench gate: ${result.passed ? '✅ no regression' : '❌ regression'}`, '');
  out.push(`Baseline \`${baselineFile}\` (saved ${baseline.createdAt}${baseline.source.gitCommit ? ` at ${baseline.source.gitCommit.slice(0, 12)}` : ''}) vs run \`${runDir}\`.`);
  out.push(`Accuracy fails when the drop exceeds its tolerance **and** the exact McNemar test on matched cases gives p < ${result.config.alpha}; speed fails when the median changes by more than its tolerance.`);
  if (result.entries.some((e) => e.category !== undefined)) {
    out.push('Each category is also gated on its own, accuracy only, its p-values held to Holm\'s step-down thresholds across the categories of a model × suite.');
  }
  out.push('');
  for (const e of result.entries) {
    const failed = e.checks.filter((c) => c.status === 'fail').length;
    const model = e.runModel !== undefined ? `\`${e.model}\` (baseline) → \`${e.runModel}\` (run)` : `\`${e.model}\``;
    out.push(`### ${failed > 0 ? '❌' : '✅'} ${model} on \`${e.suite}\`${e.category !== undefined ? `, category \`${e.category}\`` : ''}`, '');
    out.push(`${e.matched} matched case(s)${e.onlyInBaseline ? `, ${e.onlyInBaseline} only in the baseline` : ''}${e.onlyInRun ? `, ${e.onlyInRun} only in the run` : ''}.`, '');
    // The weights once per model × suite, not again under each of its categories.
    if (e.category === undefined) {
      out.push(`Weights: baseline ${describeWeights(e.weights.baseline, code)} → run ${describeWeights(e.weights.run, code)}.`, '');
      for (const note of e.weights.notes) out.push(`> ⚠️ **Note:** ${cell(note)}`, '');
    }
    out.push('| Check | Result | Details |', '| --- | --- | --- |');
    for (const c of e.checks) out.push(`| ${METRIC_LABELS[c.metric]} | ${ICON[c.status]} | ${cell(c.message)} |`);
    out.push('');
    if (e.newlyFailing.length > 0) {
      const listed = e.newlyFailing.slice(0, MAX_LISTED).map((c) => `\`${c.id}\`${c.error ? ` (${c.error})` : ''}`);
      out.push(`Newly failing (${e.newlyFailing.length}): ${listed.join(', ')}${e.newlyFailing.length > MAX_LISTED ? ', …' : ''}`, '');
    }
    if (e.newlyPassing.length > 0) {
      out.push(`Newly passing (${e.newlyPassing.length}): ${e.newlyPassing.slice(0, MAX_LISTED).map((id) => `\`${id}\``).join(', ')}${e.newlyPassing.length > MAX_LISTED ? ', …' : ''}`, '');
    }
  }
  if (result.notInBaseline.length > 0) {
    out.push(`Not gated (no baseline): ${result.notInBaseline.map((e) => `\`${e.model}\` on \`${e.suite}\``).join(', ')}.`, '');
  }
  return out.join('\n') + '\n';
}
