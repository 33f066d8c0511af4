// A dialect is one model family's tool-call syntax: how tools are written into its prompt (when its
// chat template does not do it) and how its raw output is read back into calls.
import type { ToolDef } from '../suite/types.ts';

/** One function call as parsed from a model's output. */
export interface ToolCall {
  name: string;
  arguments: Record<string, unknown>;
  /**
   * JSON pointers (relative to `arguments`, e.g. "/x" or "/points/0") of numbers that were written
   * as floats with an integral value, such as `5.0`. JSON.parse loses that distinction and BFCL's
   * checker needs it (a float never matches an integer parameter).
   */
  floatPaths?: string[];
}

export type ParseResult =
  | { ok: true; calls: ToolCall[] }
  | { ok: false; error: string };

export interface Dialect {
  /** Stable id used in registries and results, e.g. "json", "needle", "hermes". */
  id: string;
  /** Parse raw model text into calls. Never throws: garbage yields `{ok:false, error}`. Plain text with no call yields `{ok:true, calls:[]}`. */
  parse(raw: string, tools: ToolDef[]): ParseResult;
  /** Write calls in this dialect's syntax (for oracle outputs and round-trip tests). */
  format(calls: ToolCall[]): string;
}
