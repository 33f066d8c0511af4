// `needle-bench main` (what `npm start` runs): the embedded default job. Runs the core suite on
// needle-tiny and on every other registered model present locally, lists the ones that are not
// ("not present — needle-bench pull <id>"; never skipped silently, never faked; named once, in that
// list), writes the run and the leaderboard, and prints where they are. Re-running resumes the same
// run directory.
import type { Command } from 'commander';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { modelRegistry, presence, REPO_ROOT } from '../../models/registry.ts';

function shortCommit(): string {
  try {
    return execFileSync('git', ['rev-parse', '--short=7', 'HEAD'], { cwd: REPO_ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return 'nogit';
  }
}

export function register(program: Command): void {
  program
    .command('main')
    .description('The default job: core suite × needle-tiny and every model present locally → run + leaderboard')
    .option('--suite <path>', 'suite to run', join(REPO_ROOT, 'suites/core'))
    .option('--out <run-dir>', 'run directory (default runs/main-<commit>; re-running resumes it)')
    .option('--report <dir>', 'report directory', join(REPO_ROOT, 'reports/latest'))
    .option('--threads <n>', 'runtime threads per model')
    .action(async (opts: { suite: string; out?: string; report: string; threads?: string }) => {
      const { providerFactories } = await import('../../providers/registry.ts');
      const factories = await providerFactories();
      const runnable: string[] = [];
      console.log('models:');
      for (const entry of modelRegistry().values()) {
        const p = presence(entry);
        let state: string;
        // An endpoint entry whose URL variable is unset is someone else's server, not a local model:
        // listed with what would include it, but not run (the default job stays local).
        if (entry.endpoint && !p.present) {
          console.log(`  ${entry.id.padEnd(24)} endpoint — set ${entry.endpoint.baseUrlEnv} to include it`);
          continue;
        }
        if (!factories.has(entry.provider)) state = `registered, but its provider "${entry.provider}" is not available in this build`;
        else if (!p.present) state = `not present — needle-bench pull ${entry.id}`;
        else state = 'present';
        // Absent models still go to the runner, which records them as not present in run.json and
        // the report lists them; only a missing provider cannot be handed over.
        if (factories.has(entry.provider)) runnable.push(entry.id);
        console.log(`  ${entry.id.padEnd(24)} ${state}`);
      }
      // needle-tiny first: it is the embedded default every fresh machine has.
      runnable.sort((a, b) => Number(b === 'needle-tiny') - Number(a === 'needle-tiny'));
      const out = opts.out ?? join(REPO_ROOT, 'runs', `main-${shortCommit()}`);
      const { runCommand } = await import('../run-command.ts');
      const code = await runCommand(
        {
          suite: [opts.suite],
          model: runnable,
          out,
          concurrency: 1,
          timeoutMs: 300_000,
          threads: opts.threads ? Number(opts.threads) : undefined,
          providerOption: {},
          progress: 'auto',
        },
        ['main', ...process.argv.slice(3)],
        { absentListed: true },
      );
      if (code !== 0 && code !== 1) {
        process.exitCode = code;
        return;
      }
      const { writeReport } = await import('../../report/write-report.ts');
      const { summary, files } = await writeReport({ runDirs: [out], outDir: opts.report });
      console.log('\nleaderboard (BFCL-rule pass rate over the whole suite, 95% Wilson interval):');
      // Absent models were listed once above, with their pull commands; the report files list them too.
      for (const m of summary.models.filter((x) => x.status !== 'not_present')) {
        const g = summary.groups.find((x) => x.model === m.id && x.category === 'all');
        const line = g
          ? `${(100 * g.passRate).toFixed(1)}% [${(100 * g.passCi.lo).toFixed(1)}–${(100 * g.passCi.hi).toFixed(1)}] of ${g.n}, schema-valid ${(100 * g.schemaValidRate).toFixed(1)}%`
          : m.hint ?? m.status;
        console.log(`  ${m.id.padEnd(20)} ${line}`);
      }
      for (const f of Object.values(files)) console.log(`wrote ${f}`);
      process.exitCode = code;
    });
}
