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

/** Needle's own counting, so its published metrics can be reproduced. */
export interface NeedleCounts {
  nameTp: number; nameFp: number; nameFn: number;
  callTp: number; callFp: number; callFn: number;
  /** Calls whose arguments are exactly right (among name-matched calls). */
  argsExact: number;
  /** Name-matched calls considered for argument metrics. */
  matchedCalls: number;
  /** Parameters the model produced that the expected call does not have. */
  hallucinatedParams: number;
  /** Expected parameters the model omitted. */
  missingParams: number;
  /** Parameters present on both sides (of matched calls), and how many of those have the right value. */
  matchedParams: number;
  valuesRight: number;
  /** Whole output exactly right (every call, every argument). */
  exactMatch: boolean;
  /** Output parsed as JSON / in the dialect. */
  parsed: boolean;
}

export interface Verdict {
  pass: boolean;
  error?: ErrorType;
  reason?: string;
  /** Every call names a provided tool and its arguments validate against that tool's JSON Schema. */
  schemaValid: boolean;
  needle: NeedleCounts;
}
