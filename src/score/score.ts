// The scorer's entry point: one case + what came out of one generation → a Verdict. Pure, no I/O;
// the runner and `needle-bench score` call exactly this.
import type { SuiteCase } from '../suite/types.ts';
import type { ToolCall } from '../dialects/types.ts';
import type { Verdict } from './types.ts';
import { checkBfcl } from './bfcl.ts';
import { needleCounts } from './needle-metrics.ts';
import { checkSchemas } from './schema-valid.ts';

export type Outcome =
  | { kind: 'parsed'; calls: ToolCall[] }
  | { kind: 'parse_error'; error: string }
  | { kind: 'generation_error'; error: string };

export function scoreCase(testCase: SuiteCase, outcome: Outcome): Verdict {
  if (outcome.kind === 'generation_error') {
    // Not a model answer: BFCL would count an inference error on an irrelevance case as "no call",
    // but a provider crash says nothing about the model, so it always fails here.
    return { pass: false, error: 'generation_error', reason: outcome.error, schemaValid: false, needle: needleCounts(testCase, undefined) };
  }
  if (outcome.kind === 'parse_error') {
    const bfcl = checkBfcl(testCase, { decoded: false, error: outcome.error });
    return { ...bfcl, schemaValid: false, needle: needleCounts(testCase, undefined) };
  }
  const bfcl = checkBfcl(testCase, { decoded: true, calls: outcome.calls });
  const schema = checkSchemas(testCase.tools, outcome.calls);
  const verdict: Verdict = { ...bfcl, schemaValid: schema.valid, needle: needleCounts(testCase, outcome.calls) };
  if (schema.reason) verdict.schemaReason = schema.reason;
  return verdict;
}
