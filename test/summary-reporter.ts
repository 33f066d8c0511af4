// Prints the plain closing line "N passed, N failed[, N skipped]" after vitest's own summary, a
// form CI tooling that does not know vitest can read.
import type { Reporter, TestModule } from 'vitest/node';

export default class SummaryReporter implements Reporter {
  onTestRunEnd(modules: ReadonlyArray<TestModule>): void {
    let passed = 0;
    let failed = 0;
    let skipped = 0;
    for (const m of modules) {
      passed += [...m.children.allTests('passed')].length;
      failed += [...m.children.allTests('failed')].length;
      skipped += [...m.children.allTests('skipped')].length;
      // A file that failed to load has no tests but is a failure all the same.
      if (m.state() === 'failed' && [...m.children.allTests()].length === 0) failed++;
    }
    process.stdout.write(`\n${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}\n`);
  }
}
