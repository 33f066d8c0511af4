// A realistic mix of model outputs for the scoring benchmark: per case the oracle's right answer
// and the usual ways models get it wrong (argument dropped, value changed, function renamed,
// parameter invented, a call too many, malformed JSON), all as raw JSON-dialect text so the
// benchmark pays for parsing too.
import type { SuiteCase } from '../suite/types.ts';
import type { ToolCall } from '../dialects/types.ts';
import { formatJsonCalls } from '../dialects/json.ts';
import { oracleCalls, ORACLE_REFUSAL } from '../providers/oracle-answer.ts';

export interface BenchOutput {
  testCase: SuiteCase;
  raw: string;
}

function perturbed(calls: ToolCall[]): ToolCall[][] {
  if (calls.length === 0) return [];
  const first = calls[0];
  const keys = Object.keys(first.arguments);
  const out: ToolCall[][] = [];
  if (keys.length > 0) {
    const { [keys[0]]: _dropped, ...rest } = first.arguments;
    out.push([{ name: first.name, arguments: rest }, ...calls.slice(1)]);
    const v = first.arguments[keys[0]];
    const changed = typeof v === 'string' ? `${v}x` : typeof v === 'number' ? v + 1 : v;
    out.push([{ ...first, arguments: { ...first.arguments, [keys[0]]: changed } }, ...calls.slice(1)]);
  }
  out.push([{ ...first, name: `${first.name}_2` }, ...calls.slice(1)]);
  out.push([{ ...first, arguments: { ...first.arguments, invented: true } }, ...calls.slice(1)]);
  out.push([...calls, first]);
  return out;
}

/** Outputs for every case: one right answer and up to six wrong ones (about 1 right in 4). */
export function benchOutputs(cases: SuiteCase[]): BenchOutput[] {
  const outputs: BenchOutput[] = [];
  for (const testCase of cases) {
    const calls = oracleCalls(testCase);
    const right = calls.length ? formatJsonCalls(calls) : ORACLE_REFUSAL;
    outputs.push({ testCase, raw: right });
    for (const wrong of perturbed(calls)) outputs.push({ testCase, raw: formatJsonCalls(wrong) });
    if (calls.length) outputs.push({ testCase, raw: right.slice(0, -2) + ',]' }); // malformed JSON
    else outputs.push({ testCase, raw: formatJsonCalls([{ name: testCase.tools[0]?.name ?? 'f', arguments: {} }]) });
  }
  return outputs;
}
