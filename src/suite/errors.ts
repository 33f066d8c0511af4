// A suite that cannot be loaded or written: carries every problem found, not just the first, so a
// user fixes a broken file in one pass.

/** How many problems the message lists before summarising the rest as a count. */
const MAX_LISTED = 20;

export class SuiteError extends Error {
  /** Every problem, each as `file:line: field: problem` (or `path: problem` for whole-suite ones). */
  readonly problems: string[];

  constructor(problems: string[], header = 'invalid suite') {
    const listed = problems.slice(0, MAX_LISTED);
    const rest = problems.length - listed.length;
    const lines = [`${header} (${problems.length} problem${problems.length === 1 ? '' : 's'}):`, ...listed.map((p) => `  ${p}`)];
    if (rest > 0) lines.push(`  ... and ${rest} more problem${rest === 1 ? '' : 's'}`);
    super(problems.length === 1 ? problems[0] : lines.join('\n'));
    this.name = 'SuiteError';
    this.problems = problems;
  }
}
