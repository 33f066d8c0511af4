// The suite format: one single-shot case = a query, the tools offered, and every acceptable answer.
// Kept lossless with respect to BFCL's possible answers (see docs in suites/README.md).

/** A JSON Schema object (draft 2020-12 subset as produced by the importers). */
export type JsonSchema = { [key: string]: unknown };

/** An OpenAI-style function declaration. `parameters` is a JSON Schema of type "object". */
export interface ToolDef {
  name: string;
  description?: string;
  parameters: JsonSchema;
}

/** A chat message, for BFCL-style multi-message queries. */
export interface ChatMessage {
  role: 'system' | 'user' | 'assistant' | 'developer' | string;
  content: string;
}

/**
 * The acceptable values of one argument of one expected call.
 * - `values`: every acceptable value (BFCL semantics: strings are compared normalized, nested
 *   objects inside `values` hold, for each key, a list of acceptable values just as BFCL's do).
 * - `optional`: the argument may be omitted (BFCL's "" marker).
 */
export interface ExpectedArg {
  values: unknown[];
  optional?: boolean;
  /**
   * JSON pointers into `values` (e.g. "/0" or "/0/2") of numbers the source wrote as floats with an
   * integral value (`5.0`), which JSON.parse turns into 5. BFCL's checker is Python and tells them
   * apart: a float array answer `[[12.0, 15.0]]` rejects the ints `[12, 15]`. Importers fill it with
   * parseJson from src/util/json-lexeme.ts; absent means every integral number is an int.
   */
  floatPaths?: string[];
}

/** One expected call: the exact function name and, per argument, what is acceptable. */
export interface ExpectedCall {
  name: string;
  args: Record<string, ExpectedArg>;
}

/**
 * The acceptable answer of a case. `calls` empty means "no call" (irrelevance). With several
 * calls they are matched without regard to order.
 */
export interface ExpectedAnswer {
  calls: ExpectedCall[];
  /**
   * BFCL live_relevance: the answer is right when the output holds at least one call, whatever it
   * is (BFCL checks nothing else). `calls` is then empty and irrelevant to scoring.
   */
  anyCall?: boolean;
}

export interface SuiteCase {
  id: string;
  /** simple, multiple, parallel, parallel_multiple, irrelevance, or any other label. */
  category: string;
  tags?: string[];
  /** The user query, or a BFCL-style list of chat messages. */
  query: string | ChatMessage[];
  tools: ToolDef[];
  expected: ExpectedAnswer;
  /** Provenance of an imported case and facts a scorer may need (e.g. BFCL language). */
  meta?: Record<string, unknown>;
}

export interface SuiteManifest {
  name: string;
  version: string;
  source: string;
  licence: string;
  description?: string;
}

export interface Suite {
  manifest: SuiteManifest;
  /** Where it was loaded from. */
  path: string;
  cases: SuiteCase[];
  /** sha256 over the manifest and the case lines, in file order. */
  hash: string;
  /**
   * Problems that do not stop a suite from loading (e.g. an expected argument that is not a property
   * of its tool's schema), each as `file:line: field: problem`. Absent or empty when there are none.
   */
  warnings?: string[];
}
