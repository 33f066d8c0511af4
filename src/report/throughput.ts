// Per-case speed figures derived from a result's token counts and timings. Cases whose generation
// failed are excluded by the caller: their timings measure an error path, not the model.
import type { ResultRecord } from '../run/types.ts';

/** Prompt tokens per second of prefill (encoder / prompt processing), when both are reported. */
export function prefillTokensPerSecond(r: ResultRecord): number | undefined {
  const ms = r.timings?.prefillMs;
  if (r.promptTokens === undefined || r.promptTokens <= 0 || ms === undefined || ms <= 0) return undefined;
  return (r.promptTokens * 1000) / ms;
}

/**
 * Generated tokens per second of decoding after the first token: from the per-step times when the
 * provider reports them, else (generatedTokens − 1) over the time after the first token.
 */
export function decodeTokensPerSecond(r: ResultRecord): number | undefined {
  const steps = r.timings?.decodeStepMs;
  if (steps && steps.length > 0) {
    const total = steps.reduce((s, v) => s + v, 0);
    return total > 0 ? (steps.length * 1000) / total : undefined;
  }
  const t = r.timings;
  if (!t || t.firstTokenMs === undefined || r.generatedTokens === undefined || r.generatedTokens < 2) return undefined;
  const ms = t.totalMs - t.firstTokenMs;
  return ms > 0 ? ((r.generatedTokens - 1) * 1000) / ms : undefined;
}

/** Whether a record's timings describe a real generation. */
export const hasUsableTimings = (r: ResultRecord): boolean =>
  !r.generationError && r.verdict.error !== 'generation_error' && r.timings !== undefined && Number.isFinite(r.timings.totalMs);
