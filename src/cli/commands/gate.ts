// `needle-bench baseline save` and `needle-bench gate` (docs/gate.md).
import type { Command } from 'commander';
import { commandGroup } from '../group.ts';
import { runGate, saveBaseline } from '../../gate/run-gate.ts';
import { DEFAULT_GATE_CONFIG, GATE_METRICS } from '../../gate/metrics.ts';

export function register(program: Command): void {
  commandGroup(program, 'baseline', 'Save and manage regression baselines')
    .command('save')
    .description('Store per model × suite metrics, per-case verdicts and throughput medians of a run as a baseline file')
    .requiredOption('--run <run-dir>', 'run directory to save')
    .requiredOption('--out <file>', 'baseline file, e.g. baselines/main.json')
    .option('--model <ids...>', 'keep only these models')
    .action((opts: { run: string; out: string; model?: string[] }) => {
      const b = saveBaseline({ run: opts.run, out: opts.out, models: opts.model });
      for (const e of b.entries) console.log(`${e.model} on ${e.suite}: ${e.n} cases, pass rate ${(e.metrics.passRate * 100).toFixed(1)}%`);
      console.log(`wrote ${opts.out}`);
    });

  const defaults = GATE_METRICS.map((m) => `${m}=${DEFAULT_GATE_CONFIG.tolerances[m]}`).join(', ');
  program
    .command('gate')
    .description('Exit 1 when a run regressed against a baseline: a significant accuracy drop beyond tolerance (exact McNemar on matched cases), or a throughput drop beyond tolerance')
    .requiredOption('--baseline <file>', 'baseline file (from `needle-bench baseline save`)')
    .requiredOption('--run <run-dirs...>', 'run directory to check (several are merged, e.g. models run in separate jobs)')
    .option('--model <id>', 'gate only this model')
    .option('--run-model <id>', "gate the baseline's model (--model, or its only one) against this model of the run, e.g. a tuned needle2:x.cact against the base needle2:x.pkl's baseline")
    .option('--suite <name>', "gate only the baseline's entries for this suite (e.g. a smoke subset in CI)")
    .option('--tolerance <metric=value...>', `override tolerances: rates as fractions or "2pp", speed as fractions or "20%", "off" to skip, alpha=<p> (defaults: ${defaults}, alpha=${DEFAULT_GATE_CONFIG.alpha})`)
    .option('--config <file>', 'JSON file {"alpha": 0.05, "tolerances": {"passRate": "2pp", ...}} (flags win)')
    .option('--junit <file>', 'write JUnit XML')
    .option('--by <grouping>', 'suite (default), or category: also gate each case category (e.g. BFCL simple, parallel) with the same paired test, Holm-corrected across categories')
    .option('--allow-suite-change', 'compare even if the suite content hash changed (pairs the case ids both still have)')
    .action((opts: { baseline: string; run: string[]; model?: string; runModel?: string; suite?: string; tolerance?: string[]; config?: string; junit?: string; allowSuiteChange?: boolean; by?: string }) => {
      const { markdown, exitCode } = runGate(opts);
      console.log(markdown);
      process.exitCode = exitCode;
    });
}
