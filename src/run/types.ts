// One line of results.jsonl: everything known about one model's answer to one case.
import type { ToolCall } from '../dialects/types.ts';
import type { GenerationTimings } from '../providers/types.ts';
import type { Verdict } from '../score/types.ts';

export interface ResultRecord {
  /** Case id, unique within its suite. */
  id: string;
  suite: string;
  category: string;
  /** Model spec as given on the command line, e.g. "needle-tiny", "replay:x.jsonl". */
  model: string;
  /** Dialect used to parse `raw`. */
  dialect: string;
  raw: string;
  /** Parsed calls, or null when parsing failed (see verdict.error). */
  calls: ToolCall[] | null;
  parseError?: string;
  /** Set when generation threw or timed out. */
  generationError?: string;
  verdict: Verdict;
  promptTokens?: number;
  generatedTokens?: number;
  timings?: GenerationTimings;
  info?: Record<string, unknown>;
  /** ISO time the record was written. */
  at: string;
}
