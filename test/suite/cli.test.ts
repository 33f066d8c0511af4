// The `suite` commands end to end, through the real CLI entry point.
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { suiteDir, tempDir, validCase } from './helpers.ts';

const repoRoot = resolve(import.meta.dirname, '../..');

function cli(...args: string[]) {
  const r = spawnSync(process.execPath, [join(repoRoot, 'bin/needle-bench.js'), ...args], { cwd: repoRoot, encoding: 'utf8' });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('needle-bench suite', () => {
  it('import bfcl writes a suite folder with one file per category, and validate counts it', () => {
    const out = join(tempDir(), 'bfcl');
    const imported = cli('suite', 'import', 'bfcl', 'test/fixtures/bfcl', '--out', out, '--name', 'bfcl-fixtures');
    expect(imported.stderr).toBe('');
    expect(imported.status).toBe(0);
    expect(readdirSync(out).filter((f) => f.endsWith('.jsonl'))).toHaveLength(9);
    // The case BFCL makes unpassable is imported, with exactly one warning naming it.
    const warnings = imported.stdout.split('\n').filter((l) => l.includes('no answer can match'));
    expect(warnings).toEqual([
      `  ${join(out, 'live_simple.jsonl')}:4: expected.calls[0].args.auto_loan_payment_start.values, expected.calls[0].args.bank_hours_start.values: empty and not optional, so no answer can match: case "live_simple_106-63-0" is kept and every output fails it, as in BFCL`,
    ]);
    expect(imported.stdout).toContain('\n1 warning:\n');
    const validated = cli('suite', 'validate', out);
    expect(validated.status).toBe(0);
    expect(validated.stdout).toMatch(/^suite bfcl-fixtures v4 \(Apache-2\.0\): 27 cases, sha256 [0-9a-f]{64}\n/);
    expect(validated.stdout).toMatch(/\n {2}live_simple +8\n/);
  });

  it('list shows the shipped suites', () => {
    const r = cli('suite', 'list');
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/^suites\/bfcl {2}bfcl v4 {2}1040 cases {2}Apache-2\.0$/m);
  });

  it('synth --train-parts records the parts in the manifest, and refuses a train split or an unknown part', () => {
    const out = join(tempDir(), 'tp');
    const r = cli('suite', 'synth', '--seed', '3', '--count', '20', '--train-parts', 'phrasing', '--out', out);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const manifest = JSON.parse(readFileSync(join(out, 'suite.json'), 'utf8')) as { source: string };
    expect(manifest.source).toBe('needle-bench suite synth --seed 3 --count 20 --split eval --train-parts phrasing');
    const train = cli('suite', 'synth', '--seed', '3', '--count', '5', '--split', 'train', '--train-parts', 'framing', '--out', out);
    expect(train.status).not.toBe(0);
    expect(train.stderr).toContain('--train-parts only makes sense with --split eval');
    const bad = cli('suite', 'synth', '--seed', '3', '--count', '5', '--train-parts', 'entities', '--out', out);
    expect(bad.status).not.toBe(0);
    expect(bad.stderr).toContain('--train-parts takes phrasing, framing (comma-separated), got "entities"');
  });

  it('validate prints file:line: field problems and exits 1', () => {
    const dir = suiteDir([JSON.stringify(validCase('a')), JSON.stringify({ ...validCase('b'), category: 5 })]);
    const r = cli('suite', 'validate', dir);
    expect(r.status).toBe(1);
    expect(r.stderr).toContain(`${join(dir, 'cases.jsonl')}:2: category: must be string`);
  });
});
