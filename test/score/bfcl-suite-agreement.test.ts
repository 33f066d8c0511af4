// The committed suites/bfcl (made by the BFCL importer) must score exactly like the same BFCL files
// read by this folder's independent reader: every output of the benchmark mix (right answers and
// six kinds of wrong ones) gets the same verdict, schema validity and Needle counts. And the
// oracle provider's answers pass every case.
import { describe, expect, it } from 'vitest';
import path from 'node:path';
import { loadSuite } from '../../src/suite/load.ts';
import { benchOutputs } from '../../src/score/bench-mix.ts';
import { dialect } from '../../src/dialects/json.ts';
import { scoreCase } from '../../src/score/score.ts';
import type { SuiteCase } from '../../src/suite/types.ts';
import { BFCL_CATEGORIES, loadBfclCategory, repoRoot } from './bfcl-local.ts';

function score(c: SuiteCase, raw: string) {
  const p = dialect.parse(raw, c.tools);
  return p.ok ? scoreCase(c, { kind: 'parsed', calls: p.calls }) : scoreCase(c, { kind: 'parse_error', error: p.error });
}

describe('suites/bfcl vs an independent reading of ../shared/data/bfcl', () => {
  it('agree verdict for verdict on right and wrong outputs', async () => {
    const suite = await loadSuite(path.join(repoRoot, 'suites/bfcl'));
    const local = new Map(BFCL_CATEGORIES.flatMap(loadBfclCategory).map((c) => [c.id, c]));
    expect(suite.cases.length).toBe(local.size);
    const outputs = benchOutputs(suite.cases);
    let passed = 0;
    const differences: string[] = [];
    const rightAnswerFailures: string[] = [];
    let previous: SuiteCase | undefined;
    for (const { testCase, raw } of outputs) {
      const a = score(testCase, raw);
      const b = score(local.get(testCase.id)!, raw);
      if (a.pass) passed++;
      // benchOutputs lists each case's right answer (the oracle's) first.
      if (testCase !== previous && !a.pass) rightAnswerFailures.push(`${testCase.id}: ${a.reason}`);
      previous = testCase;
      if (a.pass !== b.pass || a.error !== b.error || a.schemaValid !== b.schemaValid || JSON.stringify(a.needle) !== JSON.stringify(b.needle)) {
        differences.push(`${testCase.id}: ${raw.slice(0, 120)}`);
      }
    }
    expect(differences).toEqual([]);
    expect(rightAnswerFailures).toEqual([]);
    // Up to six wrong outputs per case: few of them may still pass (e.g. a changed boolean).
    expect(passed).toBeLessThan(outputs.length / 4);
  });
});
