// BFCL's ground truth ↔ our ExpectedCall list. BFCL: [{func_name: {param: [acceptable values]}}],
// where "" among a parameter's acceptable values means "may be omitted". Nested dict values are
// kept exactly as BFCL has them (their inner lists are acceptable values too; the scorer reads them).
import type { ExpectedArg, ExpectedCall } from '../types.ts';

export type BfclGroundTruth = Record<string, Record<string, unknown[]>>[];

/** The omission marker of BFCL's possible answers. */
const OMIT = '';

/** Convert BFCL ground truth to expected calls; problems are reported as `field: problem` strings. */
export function groundTruthToCalls(groundTruth: unknown): { calls: ExpectedCall[]; problems: string[] } {
  const problems: string[] = [];
  const calls: ExpectedCall[] = [];
  if (!Array.isArray(groundTruth)) return { calls, problems: ['ground_truth: must be a list'] };
  groundTruth.forEach((entry, i) => {
    const at = `ground_truth[${i}]`;
    if (!isRecord(entry) || Object.keys(entry).length !== 1) {
      problems.push(`${at}: must be an object with exactly one function name`);
      return;
    }
    const [name, params] = Object.entries(entry)[0];
    if (!isRecord(params)) {
      problems.push(`${at}.${name}: must be an object of parameters`);
      return;
    }
    const args: Record<string, ExpectedArg> = {};
    for (const [param, acceptable] of Object.entries(params)) {
      if (!Array.isArray(acceptable)) {
        problems.push(`${at}.${name}.${param}: must be a list of acceptable values`);
        continue;
      }
      const values = acceptable.filter((v) => v !== OMIT);
      args[param] = values.length === acceptable.length ? { values } : { values, optional: true };
    }
    calls.push({ name, args });
  });
  return { calls, problems };
}

/** The inverse: BFCL's ground-truth form (the omission marker, when present, goes last). */
export function callsToGroundTruth(calls: ExpectedCall[]): BfclGroundTruth {
  return calls.map((call) => {
    const params: Record<string, unknown[]> = {};
    for (const [param, arg] of Object.entries(call.args)) {
      params[param] = arg.optional ? [...arg.values, OMIT] : [...arg.values];
    }
    return { [call.name]: params };
  });
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}
