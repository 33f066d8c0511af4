// Progress of a run. On an interactive terminal (and not under CI) a cli-progress bar per model;
// otherwise one plain summary line per model, which reads well in CI logs and redirected output.
import cliProgress from 'cli-progress';

export interface ModelSummary {
  model: string;
  /** Cases of this model across all suites. */
  total: number;
  /** Finished in an earlier session (skipped now). */
  resumed: number;
  /** Finished in this session. */
  done: number;
  /** Passed, among all finished (resumed + done). */
  passed: number;
  generationErrors: number;
  seconds: number;
  /** Median generate() time of the cases run now (a glance; reports compute proper statistics). */
  medianMs?: number;
}

export interface ProgressReporter {
  modelStart(model: string, total: number, resumed: number, resumedPassed: number): void;
  caseDone(pass: boolean): void;
  modelEnd(summary: ModelSummary): void;
  /** A line worth showing now (a load failure, a warning). */
  message(line: string): void;
  stop(): void;
}

export type ProgressMode = 'auto' | 'bar' | 'plain' | 'none';

export function summaryLine(s: ModelSummary): string {
  const finished = s.resumed + s.done;
  const rate = finished > 0 ? ((100 * s.passed) / finished).toFixed(1) : '0.0';
  const parts = [`${s.model}: ${finished}/${s.total} cases`, `${s.passed} passed (${rate}%)`];
  if (s.generationErrors > 0) parts.push(`${s.generationErrors} generation error${s.generationErrors === 1 ? '' : 's'}`);
  if (s.resumed > 0) parts.push(`${s.resumed} resumed`);
  parts.push(`${s.seconds.toFixed(1)} s`);
  if (s.medianMs !== undefined) parts.push(`median ${s.medianMs < 10 ? s.medianMs.toFixed(2) : s.medianMs.toFixed(0)} ms/case`);
  return parts.join(', ');
}

class PlainProgress implements ProgressReporter {
  constructor(private readonly out: (line: string) => void, private readonly err: (line: string) => void) {}
  modelStart(): void {}
  caseDone(): void {}
  modelEnd(s: ModelSummary): void {
    this.out(summaryLine(s));
  }
  message(line: string): void {
    this.err(line);
  }
  stop(): void {}
}

class BarProgress implements ProgressReporter {
  private bar: cliProgress.SingleBar | undefined;
  private finished = 0;
  private passed = 0;

  constructor(private readonly out: (line: string) => void, private readonly err: (line: string) => void) {}

  private payload() {
    return { pass: this.finished > 0 ? `${((100 * this.passed) / this.finished).toFixed(1)}%` : '-' };
  }

  modelStart(model: string, total: number, resumed: number, resumedPassed: number): void {
    this.finished = resumed;
    this.passed = resumedPassed;
    this.bar = new cliProgress.SingleBar(
      { format: `${model} [{bar}] {value}/{total} | pass {pass} | {eta_formatted} left`, hideCursor: true, clearOnComplete: true, stream: process.stderr },
      cliProgress.Presets.shades_classic,
    );
    this.bar.start(total, resumed, this.payload());
  }

  caseDone(pass: boolean): void {
    this.finished++;
    if (pass) this.passed++;
    this.bar?.increment(1, this.payload());
  }

  modelEnd(s: ModelSummary): void {
    this.stopBar();
    this.out(summaryLine(s));
  }

  message(line: string): void {
    this.stopBar();
    this.err(line);
  }

  private stopBar(): void {
    this.bar?.stop();
    this.bar = undefined;
  }

  stop(): void {
    this.stopBar();
  }
}

const SILENT: ProgressReporter = { modelStart() {}, caseDone() {}, modelEnd() {}, message() {}, stop() {} };

export function createProgress(
  mode: ProgressMode,
  out: (line: string) => void = (l) => process.stdout.write(l + '\n'),
  err: (line: string) => void = (l) => process.stderr.write(l + '\n'),
): ProgressReporter {
  const resolved = mode === 'auto' ? (process.stderr.isTTY && !process.env.CI ? 'bar' : 'plain') : mode;
  if (resolved === 'bar') return new BarProgress(out, err);
  if (resolved === 'plain') return new PlainProgress(out, err);
  return SILENT;
}
