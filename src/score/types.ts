// A verdict is the scorer's judgement of one model output on one case.

export const ERROR_TYPES = [
  'parse_error',      // output could not be parsed in the model's dialect
  'no_call',          // a call was expected, none was made
  'spurious_call',    // no call was expected (irrelevance), one was made
  'wrong_count',      // parallel: number of calls differs
  'wrong_function',   // function name does not match
  'missing_required', // an expected argument is absent
  'unexpected_param', // an argument not in the expected answer / schema
  'wrong_type',       // an argument has the wrong type
  'wrong_value',      // an argument's value is not acceptable
  'generation_error', // the provider threw or timed out
] as const;
export type ErrorType = (typeof ERROR_TYPES)[number];

/**
 * Needle's own counting (cactus-compute/needle, needle/training/eval.py), per case, so its published
 * rates can be reproduced by summing: name F1 from nameTp/Fp/Fn, call F1 from callTp/Fp/Fn,
 * args_acc = argsExact / matchedCalls, param_haluc = hallucinatedParams / predParams,
 * param_miss = missingParams / refParams, value_acc = valuesRight / matchedParams,
 * exact_match = mean(exactMatch), json_parse_rate = mean(parsed). See src/score/needle-metrics.ts.
 */
export interface NeedleCounts {
  /** Distinct function names: predicted and in the reference / predicted only / reference only. */
  nameTp: number; nameFp: number; nameFn: number;
  /** Distinct whole calls (name + normalized arguments): both / predicted only / reference only. */
  callTp: number; callFp: number; callFn: number;
  /** Predicted calls whose arguments equal those of a reference call of the same name. */
  argsExact: number;
  /** Predicted calls whose name the reference has (argsExact's denominator). */
  matchedCalls: number;
  /** Arguments of predicted calls that the named tool's schema does not declare. */
  hallucinatedParams: number;
  /** Reference arguments absent from a predicted call of the same name. */
  missingParams: number;
  /** Arguments present in both a predicted call and its reference, and how many of those have the right value. */
  matchedParams: number;
  valuesRight: number;
  /** Whole output exactly right (same calls, same normalized arguments; or both empty). */
  exactMatch: boolean;
  /** Output parsed (JSON / the dialect). */
  parsed: boolean;
  /** Arguments of predicted calls naming a provided tool (param_haluc's denominator). Optional for old records. */
  predParams?: number;
  /** Reference arguments of predicted calls with a reference of that name (param_miss's denominator; = matchedParams + missingParams). */
  refParams?: number;
}

export interface Verdict {
  pass: boolean;
  error?: ErrorType;
  reason?: string;
  /** BFCL's own error_type (e.g. "simple_function_checker:missing_optional"), for cross-checking with BFCL. */
  bfclError?: string;
  /** Every call names a provided tool and its arguments validate against that tool's JSON Schema. */
  schemaValid: boolean;
  /** Why `schemaValid` is false, for the first offending call (absent when valid). */
  schemaReason?: string;
  needle: NeedleCounts;
}
