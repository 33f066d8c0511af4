// End to end through the real CLI: gate a fine-tuned Needle 2 against its base (docs/gate.md, "Gate a
// fine-tuned Needle 2"). The tiny random-weight fixtures run the real provider on core-smoke; the
// baseline is the base .pkl; the runs are (a) base + LoRA adapter, (b) the `needle build --lora`
// .cact, (c) the base itself. The exit code is checked against an independent paired decision computed
// here from the two results files, and the report must name the weights of both sides.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFile, spawnSync } from 'node:child_process';
import { promisify } from 'node:util';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Ajv } from 'ajv';
import addFormats from 'ajv-formats';
import { parseXml, type XmlNode } from './xml-check.ts';

const REPO = resolve(import.meta.dirname, '../..');
const F = 'test/fixtures/needle2';
const BASE = `needle2:${F}/needle2-tiny.pkl`;
const CACT = `needle2:${F}/needle2-tiny-lora.cact`;
const sha = (file: string) => createHash('sha256').update(readFileSync(join(REPO, file))).digest('hex');
const SHA = { base: sha(`${F}/needle2-tiny.pkl`), lora: sha(`${F}/needle2-tiny-lora.pkl`), cact: sha(`${F}/needle2-tiny-lora.cact`), tok: sha(`${F}/tokenizer.model`) };
const short = (h: string) => h.slice(0, 12);

function cli(args: string[]) {
  const r = spawnSync(process.execPath, [join(REPO, 'bin/needle-bench.js'), ...args], { cwd: REPO, encoding: 'utf8', env: { ...process.env, GITHUB_STEP_SUMMARY: '' } });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

let root: string;
const dir = (name: string) => join(root, name);
beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'nb-gate-n2-'));
  const runs: [string, string[]][] = [
    ['base', ['--model', BASE]],
    ['lora', ['--model', BASE, '--provider-option', `lora=${F}/needle2-tiny-lora.pkl`]],
    ['cact', ['--model', CACT]],
  ];
  // The three runs are independent: run them side by side (execFile rejects, naming the run, on a non-zero exit).
  await Promise.all(runs.map(([name, model]) => promisify(execFile)(process.execPath, [join(REPO, 'bin/needle-bench.js'), 'run', '--suite', 'suites/core-smoke', ...model, '--threads', '1', '--out', dir(name)], { cwd: REPO })
    .catch((err: Error & { stderr?: string }) => { throw new Error(`run ${name}: ${err.message}\n${err.stderr ?? ''}`); })));
  const r = cli(['baseline', 'save', '--run', dir('base'), '--out', dir('base.json')]);
  expect(r.status, r.stderr).toBe(0);
}, 180_000);
afterAll(() => rmSync(root, { recursive: true, force: true }));

interface Outcome { pass: boolean; schemaValid: boolean; parsed: boolean; exactMatch: boolean }
function outcomes(run: string): Map<string, Outcome> {
  const lines = readFileSync(join(dir(run), 'results.jsonl'), 'utf8').split('\n').filter((l) => l.trim() !== '');
  return new Map(lines.map((l) => {
    const r = JSON.parse(l) as { id: string; verdict: { pass: boolean; schemaValid: boolean; needle: { parsed: boolean; exactMatch: boolean } } };
    return [r.id, { pass: r.verdict.pass, schemaValid: r.verdict.schemaValid, parsed: r.verdict.needle.parsed, exactMatch: r.verdict.needle.exactMatch }];
  }));
}

/** Exact two-sided McNemar p on b worse and c better cases (binomial, p = 1/2), written out here. */
function mcnemar(b: number, c: number): number {
  const n = b + c;
  if (n === 0) return 1;
  let choose = 1, tail = 0;
  for (let k = 0; k <= Math.min(b, c); k++) {
    tail += choose;
    choose = (choose * (n - k)) / (k + 1);
  }
  return Math.min(1, (2 * tail) / 2 ** n);
}

/** The gate's documented rule, accuracy only: fail when a drop exceeds the tolerance and p < alpha. */
function expectedExit(run: string, tolerance: number, alpha: number): 0 | 1 {
  const before = outcomes('base'), after = outcomes(run);
  const ids = [...before.keys()].filter((id) => after.has(id));
  for (const m of ['pass', 'schemaValid', 'parsed', 'exactMatch'] as const) {
    const worse = ids.filter((id) => before.get(id)![m] && !after.get(id)![m]).length;
    const better = ids.filter((id) => !before.get(id)![m] && after.get(id)![m]).length;
    if ((worse - better) / ids.length > tolerance + 1e-12 && mcnemar(worse, better) < alpha) return 1;
  }
  return 0;
}

// Speed is off: timings on a shared test machine are noise, and the point here is accuracy and identity.
const SPEED_OFF = ['decodeTokPerS=off', 'prefillTokPerS=off', 'medianLatencyMs=off'];
const STRICT = ['passRate=0pp', 'schemaValidRate=0pp', 'parseRate=0pp', 'exactMatch=0pp', 'alpha=0.5', ...SPEED_OFF];

const statuses = new Set<number | null>();
function gate(run: string, extra: string[], tolerance: string[]) {
  const junit = join(root, `${run}-${tolerance.length}.xml`);
  const r = cli(['gate', '--baseline', dir('base.json'), '--run', dir(run), ...extra, '--junit', junit, '--tolerance', ...tolerance]);
  expect(r.status === 0 || r.status === 1, r.stderr).toBe(true);
  statuses.add(r.status);
  const suite = parseXml(readFileSync(junit, 'utf8')).children[0];
  const props = Object.fromEntries(suite.children.find((c: XmlNode) => c.name === 'properties')!.children.map((p) => [p.attrs.name, p.attrs.value]));
  const systemOut = suite.children.find((c: XmlNode) => c.name === 'system-out')?.text ?? '';
  return { ...r, props, systemOut };
}

const IDENTICAL = "the run's weights equal the baseline's: this gate compares a model with itself";
const baseWeights = `\`tokenizer.model\` \`${short(SHA.tok)}\`, \`needle2-tiny.pkl\` \`${short(SHA.base)}\` (fp32, pickle)`;

describe('gate a fine-tuned Needle 2 against its base (real CLI, tiny fixtures)', () => {
  it('the baseline keeps the base weights, valid against the schema', () => {
    const b = JSON.parse(readFileSync(dir('base.json'), 'utf8'));
    expect(b.entries[0].weights).toEqual({ files: { 'tokenizer.model': SHA.tok, 'needle2-tiny.pkl': SHA.base }, precision: 'fp32', format: 'pickle', settings: { constrained: true, maxNewTokens: 256, window: 16 } });
    const ajv = new Ajv({ allErrors: true, strict: false });
    (addFormats as unknown as (a: Ajv) => void)(ajv);
    const validate = ajv.compile(JSON.parse(readFileSync(join(REPO, 'src/gate/baseline.schema.json'), 'utf8')));
    expect(validate(b), JSON.stringify(validate.errors)).toBe(true);
  });

  it('(a) base + LoRA: exit as the paired rule decides, the report names both weights and the adapter', () => {
    for (const tol of [SPEED_OFF, STRICT]) {
      const r = gate('lora', [], tol);
      expect(r.status, r.stdout).toBe(tol === STRICT ? expectedExit('lora', 0, 0.5) : expectedExit('lora', 0.02, 0.05));
      expect(r.stdout).toContain(`Weights: baseline ${baseWeights} → run \`tokenizer.model\` \`${short(SHA.tok)}\`, \`needle2-tiny.pkl\` \`${short(SHA.base)}\` + adapter \`needle2-tiny-lora.pkl\` \`${short(SHA.lora)}\` (fp32, pickle).`);
      expect(r.stdout).not.toContain(IDENTICAL);
      expect(r.props).toMatchObject({ 'baseline.model': BASE, 'run.model': BASE, 'run.adapter': `needle2-tiny-lora.pkl ${SHA.lora}`, 'run.precision': 'fp32', 'weights.identical': 'false' });
      expect(r.props['baseline.adapter']).toBeUndefined();
    }
  });

  it('(b) the `needle build --lora` .cact, gated with --run-model against the base .pkl baseline', () => {
    const refused = cli(['gate', '--baseline', dir('base.json'), '--run', dir('cact')]);
    expect(refused.status).toBe(2);
    expect(refused.stderr).toContain(`model ${BASE} is not in run`);
    expect(refused.stderr).toContain('pass --run-model');
    for (const tol of [SPEED_OFF, STRICT]) {
      const r = gate('cact', ['--run-model', CACT], tol);
      expect(r.status, r.stdout).toBe(tol === STRICT ? expectedExit('cact', 0, 0.5) : expectedExit('cact', 0.02, 0.05));
      expect(r.stdout).toContain(`\`${BASE}\` (baseline) → \`${CACT}\` (run) on \`core-smoke\``);
      expect(r.stdout).toContain(`Weights: baseline ${baseWeights} → run \`needle2-tiny-lora.cact\` \`${short(SHA.cact)}\` (fp32, cact).`);
      expect(r.props).toMatchObject({ 'baseline.model': BASE, 'run.model': CACT, 'run.weights': `needle2-tiny-lora.cact ${short(SHA.cact)} (fp32, cact)`, 'weights.identical': 'false' });
    }
  });

  it('(c) the base run against its own baseline: passes, with the identical-weights note', () => {
    for (const tol of [SPEED_OFF, STRICT]) {
      const r = gate('base', [], tol);
      expect(r.status, r.stdout).toBe(expectedExit('base', 0, 0.5));
      expect(r.status).toBe(0); // greedy decoding of the same weights: the same answers
      expect(r.stdout).toContain(`> ⚠️ **Note:** ${IDENTICAL}`);
      expect(r.props['weights.identical']).toBe('true');
      expect(r.systemOut).toContain(`note: ${IDENTICAL}`);
    }
  });

  it('exercised both exit codes (the fixture LoRA flips a few schema-valid cases: the strict gate fails, the default one does not)', () => {
    expect([...statuses].sort()).toEqual([0, 1]);
  });
});
