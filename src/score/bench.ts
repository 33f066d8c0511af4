// Scoring throughput (JSON-dialect parse + scoreCase) in cases per second on one core. Scoring runs on
// every re-score of stored generations, so it must stay far cheaper than generation. Used by
// `needle-bench bench-score` (src/cli/commands/bench-score.ts).
import { cpus, loadavg } from 'node:os';
import path from 'node:path';
import { loadSuite, SUITES_DIR } from '../suite/load.ts';
import { dialect } from '../dialects/json.ts';
import { scoreCase } from './score.ts';
import { precompileSchemas } from './schema-valid.ts';
import { benchOutputs, type BenchOutput } from './bench-mix.ts';
import { quantileSorted } from '../stats/percentiles.ts';

export interface BenchScoreOptions {
  suite?: string;
  repetitions: string;
  json?: boolean;
}

/** One pass over every output: JSON-dialect parse, then scoreCase. Returns the pass count so the work can't be optimized away. */
function scoreAll(outputs: BenchOutput[]): number {
  let passed = 0;
  for (const { testCase, raw } of outputs) {
    const parsed = dialect.parse(raw, testCase.tools);
    const v = parsed.ok
      ? scoreCase(testCase, { kind: 'parsed', calls: parsed.calls })
      : scoreCase(testCase, { kind: 'parse_error', error: parsed.error });
    if (v.pass) passed++;
  }
  return passed;
}

export async function benchScoreCommand(opts: BenchScoreOptions): Promise<void> {
  const repetitions = Number(opts.repetitions);
  if (!Number.isInteger(repetitions) || repetitions < 5) throw new Error(`--repetitions must be an integer >= 5, got "${opts.repetitions}"`);
  const suitePath = opts.suite ?? path.join(SUITES_DIR, 'bfcl');
  const suite = await loadSuite(suitePath);
  const outputs = benchOutputs(suite.cases);

  // Warm-up: JIT, and ajv compiles each tool's validator once (cached afterwards, as in a run).
  const compileStart = performance.now();
  for (const c of suite.cases) precompileSchemas(c.tools);
  const compileMs = performance.now() - compileStart;
  const passed = scoreAll(outputs);

  // Two clocks: wall time, and this process's CPU time. On a shared machine the wall clock
  // also counts time other processes held the core; CPU time measures one core's throughput.
  const wallRates: number[] = [];
  const cpuRates: number[] = [];
  const loadBefore = loadavg()[0];
  for (let r = 0; r < repetitions; r++) {
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    scoreAll(outputs);
    const wallS = (performance.now() - t0) / 1000;
    const cpu = process.cpuUsage(cpu0);
    wallRates.push(outputs.length / wallS);
    cpuRates.push(outputs.length / ((cpu.user + cpu.system) / 1e6));
  }
  const summary = (rates: number[]) => {
    const sorted = [...rates].sort((a, b) => a - b);
    return {
      median: Math.round(quantileSorted(sorted, 0.5)),
      min: Math.round(sorted[0]),
      max: Math.round(sorted[sorted.length - 1]),
      iqr: Math.round(quantileSorted(sorted, 0.75) - quantileSorted(sorted, 0.25)),
    };
  };
  const result = {
    suite: suite.manifest.name,
    cases: suite.cases.length,
    outputsPerRepetition: outputs.length,
    passRate: passed / outputs.length,
    repetitions,
    /** Outputs scored per second of this process's CPU time (one core; Node scores on one thread). */
    casesPerCpuSecond: summary(cpuRates),
    /** Outputs scored per second of wall-clock time (lower when the machine is shared). */
    casesPerWallSecond: summary(wallRates),
    schemaCompileMs: Math.round(compileMs),
    loadAverage1m: { before: loadBefore, after: loadavg()[0] },
    cpu: cpus()[0]?.model ?? 'unknown',
    cores: cpus().length,
    node: process.version,
  };
  if (opts.json) {
    console.log(JSON.stringify(result, null, 2));
    return;
  }
  const fmt = (n: number) => n.toLocaleString('en');
  const line = (label: string, c: ReturnType<typeof summary>) =>
    `  ${label}: median ${fmt(c.median)} cases/s  (min ${fmt(c.min)}, max ${fmt(c.max)}, IQR ${fmt(c.iqr)})`;
  console.log(`scoring throughput on ${result.suite} (${result.cases} cases, ${result.outputsPerRepetition} outputs per repetition, ${(result.passRate * 100).toFixed(1)}% passing; ${repetitions} repetitions after warm-up)`);
  console.log(line('per CPU-second (one core)', result.casesPerCpuSecond));
  console.log(line('per wall-clock second    ', result.casesPerWallSecond));
  console.log(`  one-time schema compilation: ${result.schemaCompileMs} ms; load average ${result.loadAverage1m.before.toFixed(2)} → ${result.loadAverage1m.after.toFixed(2)} on ${result.cores} cores (${result.cpu}), Node ${result.node}`);
}
