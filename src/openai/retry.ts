// Bounded retries for requests to an OpenAI-compatible server: exponential backoff with jitter on
// what is worth another try (connection errors, a stalled request, 429, 5xx), the server's
// Retry-After honoured, and no retry on anything else (other 4xx, malformed or truncated answers:
// asking again would only hide what the server does). The caller's signal (the case timeout, an
// interrupt) ends the loop at once.
import { sleep } from '../util/sleep.ts';

export interface RetryPolicy {
  /** Retries after the first attempt (0 = try once). */
  maxRetries: number;
  /** First backoff, ms; doubled per retry, capped at maxDelayMs, then jittered into [50%, 100%]. */
  baseDelayMs: number;
  maxDelayMs: number;
  /** A Retry-After longer than this ends the case with an error instead of stalling the run. */
  maxRetryAfterMs: number;
}

export const DEFAULT_RETRY: RetryPolicy = { maxRetries: 4, baseDelayMs: 500, maxDelayMs: 8_000, maxRetryAfterMs: 60_000 };

/** A failure another attempt may cure; `retryAfterMs` is the server's own wish when it gave one. */
export class RetryableError extends Error {
  override name = 'RetryableError';
  constructor(message: string, readonly retryAfterMs?: number) {
    super(message);
  }
}

/** Retry-After as seconds or an HTTP date, in ms from `now`; undefined when absent or unreadable. */
export function parseRetryAfter(value: string | null, now = Date.now()): number | undefined {
  if (value === null || value.trim() === '') return undefined;
  const text = value.trim();
  if (/^\d+(\.\d+)?$/.test(text)) return Math.round(Number(text) * 1000);
  const at = Date.parse(text);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

/** The wait before retry number `retry` (0-based) without a Retry-After. */
export function backoffMs(policy: RetryPolicy, retry: number, random: () => number = Math.random): number {
  const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** retry);
  return Math.round(ceiling * (0.5 + 0.5 * random()));
}

export interface RetryOutcome<T> {
  value: T;
  /** Attempts made, the successful one included. */
  attempts: number;
  /** Time spent waiting between attempts, ms. */
  waitedMs: number;
  /** Why each failed attempt failed, in order. */
  failures: string[];
}

/** Error thrown once the retries are spent or a failure is not retryable; says what was tried. */
export class RequestFailedError extends Error {
  override name = 'RequestFailedError';
  constructor(message: string, readonly attempts: number, readonly failures: string[]) {
    super(message);
  }
}

/**
 * Runs `attempt` until it succeeds, throws a non-retryable error, or the retries are spent. Each
 * attempt gets its own signal (the caller's); the attempt itself owns its per-request timeout.
 */
export async function withRetries<T>(
  attempt: (n: number) => Promise<T>,
  policy: RetryPolicy,
  signal?: AbortSignal,
  random: () => number = Math.random,
): Promise<RetryOutcome<T>> {
  const failures: string[] = [];
  let waitedMs = 0;
  for (let n = 0; ; n++) {
    signal?.throwIfAborted();
    try {
      return { value: await attempt(n), attempts: n + 1, waitedMs, failures };
    } catch (err) {
      if (signal?.aborted) throw signal.reason;
      const message = err instanceof Error ? err.message : String(err);
      failures.push(message);
      const tries = `${n + 1} attempt${n ? 's' : ''}`;
      if (!(err instanceof RetryableError)) throw new RequestFailedError(n ? `${message} (after ${tries})` : message, n + 1, failures);
      if (n >= policy.maxRetries) throw new RequestFailedError(`${message} (gave up after ${tries})`, n + 1, failures);
      if (err.retryAfterMs !== undefined && err.retryAfterMs > policy.maxRetryAfterMs) {
        throw new RequestFailedError(`${message}: the server asked to retry after ${err.retryAfterMs} ms, over the ${policy.maxRetryAfterMs} ms limit (after ${tries})`, n + 1, failures);
      }
      const wait = err.retryAfterMs ?? backoffMs(policy, n, random);
      await sleep(wait, signal);
      waitedMs += wait;
    }
  }
}
