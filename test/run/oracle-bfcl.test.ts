// The oracle must score 100% on every BFCL category imported from ../shared/data/bfcl: anything
// less means the importer, the json dialect, the oracle or the scorer disagree about an answer.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { getDialect } from '../../src/dialects/registry.ts';
import { factory } from '../../src/providers/oracle.ts';
import { scoreCase } from '../../src/score/score.ts';
import { importer } from '../../src/suite/importers/bfcl.ts';
import { SHARED } from './helpers.ts';

const BFCL = join(SHARED, 'data', 'bfcl');

describe.runIf(existsSync(BFCL))('oracle on BFCL v4 (../shared/data/bfcl)', () => {
  it('passes every case of every imported category', async () => {
    const { cases } = await importer.import(BFCL, {});
    const oracle = factory.create('oracle', { cacheDir: '' });
    await oracle.load();
    const dialect = await getDialect(oracle.dialect);
    const perCategory = new Map<string, { total: number; failures: string[] }>();
    for (const c of cases) {
      const { raw } = await oracle.generate(c);
      const parsed = dialect.parse(raw, c.tools);
      const verdict = scoreCase(c, parsed.ok ? { kind: 'parsed', calls: parsed.calls } : { kind: 'parse_error', error: parsed.error });
      const entry = perCategory.get(c.category) ?? { total: 0, failures: [] };
      entry.total++;
      if (!verdict.pass) entry.failures.push(`${c.id}: ${verdict.error}: ${verdict.reason} — raw ${raw}`);
      perCategory.set(c.category, entry);
    }
    // Every category of the shared subset is present (an importer skipping one would pass vacuously).
    expect([...perCategory.keys()].sort()).toEqual(['irrelevance', 'multiple', 'parallel', 'simple_python']);
    for (const [category, { total, failures }] of perCategory) {
      expect(total, category).toBeGreaterThan(0);
      expect(failures.slice(0, 5), `${category}: ${failures.length} of ${total} failed`).toEqual([]);
    }
  });
});
