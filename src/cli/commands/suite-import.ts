// `needle-bench suite import <format> <input> --out <dir>` and `needle-bench suite validate <path>`.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Command } from 'commander';
import { commandGroup } from '../group.ts';
import { SUITES_DIR, SuiteError, availableSuites, loadSuite } from '../../suite/load.ts';
import { importerFor } from '../../suite/importers/registry.ts';
import type { Suite } from '../../suite/types.ts';
import { writeSuite } from '../../suite/write.ts';

const MAX_WARNINGS_SHOWN = 10;

/** availableSuites() names suites relative to the repository root. */
const repoRoot = join(SUITES_DIR, '..');

export function register(program: Command): void {
  const suite = commandGroup(program, 'suite', 'Suites: import, validate, synthesize');

  suite
    .command('import')
    .description('Convert a foreign data set into a suite folder (formats: bfcl, needle)')
    .argument('<format>', 'input format, e.g. bfcl or needle')
    .argument('<input>', 'input file or folder')
    .requiredOption('--out <dir>', 'suite folder to write')
    .option('--name <name>', 'suite name for the manifest')
    .action(async (format: string, input: string, opts: { out: string; name?: string }) => {
      await runCommand(async () => {
        const importer = await importerFor(format);
        const result = await importer.import(input, { name: opts.name });
        writeSuite(opts.out, result.manifest, result.cases, { splitByCategory: true });
        // Copied by content, not copyFileSync: a read-only source mode would block the next re-import.
        for (const [from, to] of Object.entries(result.extraFiles ?? {})) writeFileSync(join(opts.out, to), readFileSync(from));
        for (const note of result.notes) console.log(`note: ${note}`);
        const written = await loadSuite(opts.out);
        console.log(`wrote ${opts.out}:`);
        // Every warning, once: at import each one names a case the user should know about.
        printSummary(written, Number.POSITIVE_INFINITY);
      });
    });

  suite
    .command('list')
    .description('List the suites shipped under suites/ with their case counts and licences')
    .action(async () => {
      for (const path of availableSuites()) {
        try {
          const loaded = await loadSuite(join(repoRoot, path));
          console.log(`${path}  ${loaded.manifest.name} v${loaded.manifest.version}  ${loaded.cases.length} cases  ${loaded.manifest.licence}`);
        } catch (err) {
          if (!(err instanceof SuiteError)) throw err;
          console.log(`${path}  invalid (${err.problems.length} problem${err.problems.length === 1 ? '' : 's'}; run suite validate)`);
        }
      }
    });

  suite
    .command('validate')
    .description('Check a suite (folder or .jsonl file): prints case counts per category, or every problem')
    .argument('<path>', 'suite folder or .jsonl file')
    .action(async (path: string) => {
      await runCommand(async () => printSummary(await loadSuite(path)));
    });
}

function printSummary(suite: Suite, maxWarnings = MAX_WARNINGS_SHOWN): void {
  const { manifest } = suite;
  console.log(`suite ${manifest.name} v${manifest.version} (${manifest.licence}): ${suite.cases.length} cases, sha256 ${suite.hash}`);
  const counts = new Map<string, number>();
  for (const c of suite.cases) counts.set(c.category, (counts.get(c.category) ?? 0) + 1);
  const width = Math.max(...[...counts.keys()].map((k) => k.length));
  for (const [category, n] of [...counts].sort(([a], [b]) => (a < b ? -1 : 1))) console.log(`  ${category.padEnd(width)}  ${n}`);
  const warnings = suite.warnings ?? [];
  if (warnings.length > 0) {
    console.log(`${warnings.length} warning${warnings.length === 1 ? '' : 's'}:`);
    for (const w of warnings.slice(0, maxWarnings)) console.log(`  ${w}`);
    if (warnings.length > maxWarnings) console.log(`  ... and ${warnings.length - maxWarnings} more`);
  }
}

/** Suite problems are the user's to fix: print them all and exit 1 rather than a stack trace. */
async function runCommand(body: () => Promise<void>): Promise<void> {
  try {
    await body();
  } catch (err) {
    if (!(err instanceof SuiteError)) throw err;
    console.error(err.message);
    process.exitCode = 1;
  }
}
