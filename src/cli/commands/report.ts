// `needle-bench report <run-dir>... --out <dir>`
import type { Command } from 'commander';

export function register(program: Command): void {
  program
    .command('report')
    .description('Write summary.json, leaderboard.md (+ charts/*.svg) and a self-contained leaderboard.html from one or more run directories')
    .argument('<run-dirs...>', 'run directories (several are merged: same cases, different models)')
    .requiredOption('-o, --out <dir>', 'output directory')
    .option('--suite <paths...>', 'suite paths for the per-case drill-down (default: the paths recorded in run.json)')
    .option('--profile <file>', 'side-by-side profile JSON (needle-bench profile --model … --out): adds accuracy-vs-latency and accuracy-vs-size frontiers')
    .action(async (runDirs: string[], opts: { out: string; suite?: string[]; profile?: string }) => {
      // SOURCE_DATE_EPOCH (the reproducible-builds convention) pins the "generated at" time, making
      // the report byte-for-byte reproducible from the same run directories.
      const epoch = process.env.SOURCE_DATE_EPOCH;
      const now = epoch && /^\d+$/.test(epoch) ? new Date(Number(epoch) * 1000) : undefined;
      // vega and the report writer load only when a report is written: they cost seconds of start-up.
      const { writeReport } = await import('../../report/write-report.ts');
      const { summary, files } = await writeReport({ runDirs, outDir: opts.out, suitePaths: opts.suite, now, profile: opts.profile });
      for (const w of summary.warnings) console.error(`warning: ${w}`);
      const present = summary.models.filter((m) => m.results > 0).length;
      console.log(`${summary.suites.length} suite(s), ${present} model(s) with results, ${summary.models.length - present} without`);
      for (const f of Object.values(files)) console.log(`wrote ${f}`);
    });
}
