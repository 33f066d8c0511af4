// BFCL's ground truth ↔ our ExpectedCall list. BFCL: [{func_name: {param: [acceptable values]}}],
// where "" among a parameter's acceptable values means "may be omitted". Nested dict values are
// kept exactly as BFCL has them (their inner lists are acceptable values too; the scorer reads them).
// Integral numbers BFCL wrote as floats (12.0) are kept as ExpectedArg.floatPaths, since BFCL's
// Python checker tells 12.0 from 12 and JSON.parse does not.
import { escapePointerToken, pointerTokens } from '../../util/json-lexeme.ts';
import type { ExpectedArg, ExpectedCall } from '../types.ts';
import { setOwn } from '../../util/objects.ts';

export type BfclGroundTruth = Record<string, Record<string, unknown[]>>[];

/** The omission marker of BFCL's possible answers. */
const OMIT = '';

/**
 * Convert BFCL ground truth to expected calls; problems are reported as `field: problem` strings.
 * `floatPaths` are JSON pointers into `groundTruth` (as parseJson gives them, relative to it).
 */
export function groundTruthToCalls(groundTruth: unknown, floatPaths: string[] = []): { calls: ExpectedCall[]; problems: string[] } {
  const problems: string[] = [];
  const calls: ExpectedCall[] = [];
  if (!Array.isArray(groundTruth)) return { calls, problems: ['ground_truth: must be a list'] };
  const floats = floatsByArg(floatPaths);
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
      const arg: ExpectedArg = values.length === acceptable.length ? { values } : { values, optional: true };
      const argFloats = floats.get(argKey(i, name, param));
      if (argFloats) arg.floatPaths = argFloats.map(({ index, rest }) => `/${newIndex(acceptable, index)}${rest}`);
      setOwn(args, param, arg);
    }
    calls.push({ name, args });
  });
  return { calls, problems };
}

/**
 * The inverse: BFCL's ground-truth form (the omission marker, when present, goes last) and the
 * float pointers into it.
 */
export function callsToGroundTruth(calls: ExpectedCall[]): { groundTruth: BfclGroundTruth; floatPaths: string[] } {
  const floatPaths: string[] = [];
  const groundTruth = calls.map((call, i) => {
    const params: Record<string, unknown[]> = {};
    for (const [param, arg] of Object.entries(call.args)) {
      setOwn(params, param, arg.optional ? [...arg.values, OMIT] : [...arg.values]);
      const prefix = `/${i}/${escapePointerToken(call.name)}/${escapePointerToken(param)}`;
      for (const p of arg.floatPaths ?? []) floatPaths.push(prefix + p);
    }
    const entry: Record<string, Record<string, unknown[]>> = {};
    setOwn(entry, call.name, params);
    return entry;
  });
  return { groundTruth, floatPaths };
}

function argKey(call: number, name: string, param: string): string {
  return JSON.stringify([call, name, param]);
}

/** Float pointers grouped by argument: index in BFCL's acceptable list, and the pointer below it. */
function floatsByArg(floatPaths: string[]): Map<string, { index: number; rest: string }[]> {
  const out = new Map<string, { index: number; rest: string }[]>();
  for (const pointer of floatPaths) {
    const [call, name, param, index, ...rest] = pointerTokens(pointer);
    if (index === undefined) continue;
    const key = argKey(Number(call), name, param);
    const list = out.get(key) ?? [];
    list.push({ index: Number(index), rest: rest.map((t) => `/${escapePointerToken(t)}`).join('') });
    out.set(key, list);
  }
  return out;
}

/** Index of acceptable[index] once the omission markers are removed. */
function newIndex(acceptable: unknown[], index: number): number {
  return acceptable.slice(0, index).filter((v) => v !== OMIT).length;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}
