// A bounded FIFO of generation jobs in front of the CPU: `workers` jobs run at once, at most `limit`
// wait. A job offered to a full queue is refused at once (the server answers 503 + Retry-After), so
// memory stays bounded under any load and a client learns immediately to back off.

export class QueueFullError extends Error {
  override name = 'QueueFullError';
  constructor(readonly retryAfterSeconds: number) {
    super('the request queue is full');
  }
}

interface Waiting {
  start: () => void;
}

export interface QueueStats {
  running: number;
  waiting: number;
  limit: number;
  workers: number;
  completed: number;
  refused: number;
}

export class RequestQueue {
  private readonly waiting: Waiting[] = [];
  private running = 0;
  private completed = 0;
  private refused = 0;
  /** Moving average of a job's service time, for Retry-After. */
  private serviceMs = 0;
  private idleWaiters: (() => void)[] = [];

  constructor(
    readonly limit: number,
    readonly workers = 1,
  ) {
    if (!Number.isInteger(limit) || limit < 0) throw new Error(`queue limit must be a non-negative integer, got ${limit}`);
    if (!Number.isInteger(workers) || workers < 1) throw new Error(`workers must be a positive integer, got ${workers}`);
  }

  stats(): QueueStats {
    return { running: this.running, waiting: this.waiting.length, limit: this.limit, workers: this.workers, completed: this.completed, refused: this.refused };
  }

  /** Seconds until a slot is likely free: the waiting line's expected service time, at least 1. */
  retryAfterSeconds(): number {
    const ahead = this.waiting.length + this.running;
    return Math.max(1, Math.ceil((ahead * (this.serviceMs || 1000)) / this.workers / 1000));
  }

  /**
   * Runs `job` when a worker is free. Throws QueueFullError synchronously-soon (rejects) when all
   * workers are busy and `limit` jobs wait; rejects with the signal's reason if it aborts while
   * waiting (the job never starts).
   */
  async run<T>(job: () => Promise<T>, signal?: AbortSignal): Promise<T> {
    if (this.running >= this.workers) {
      if (this.waiting.length >= this.limit) {
        this.refused++;
        throw new QueueFullError(this.retryAfterSeconds());
      }
      await new Promise<void>((resolve, reject) => {
        const entry: Waiting = { start: resolve };
        this.waiting.push(entry);
        signal?.addEventListener(
          'abort',
          () => {
            const i = this.waiting.indexOf(entry);
            if (i >= 0) {
              this.waiting.splice(i, 1);
              reject(signal.reason);
              this.notifyIdle();
            }
          },
          { once: true },
        );
      });
    } else {
      this.running++;
    }
    // A slot is ours here (taken above, or handed over by the job that finished).
    const started = performance.now();
    try {
      return await job();
    } finally {
      const ms = performance.now() - started;
      this.serviceMs = this.serviceMs === 0 ? ms : 0.8 * this.serviceMs + 0.2 * ms;
      this.completed++;
      const next = this.waiting.shift();
      if (next) next.start(); // the slot passes on; `running` is unchanged
      else this.running--;
      this.notifyIdle();
    }
  }

  /** Resolves when nothing runs and nothing waits (graceful shutdown). */
  idle(): Promise<void> {
    if (this.running === 0 && this.waiting.length === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  private notifyIdle(): void {
    if (this.running !== 0 || this.waiting.length !== 0) return;
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    for (const w of waiters) w();
  }
}
