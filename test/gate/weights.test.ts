// The weights identity a baseline keeps and the gate reports: extraction from load() provenance,
// the comparison notes, and old baselines (saved before weights were kept) still loading.
import { describe, expect, it } from 'vitest';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { readBaseline } from '../../src/gate/baseline.ts';
import { evaluateGate } from '../../src/gate/gate.ts';
import { gateMarkdown } from '../../src/gate/gate-markdown.ts';
import { DEFAULT_GATE_CONFIG } from '../../src/gate/metrics.ts';
import { compareWeights, describeWeights, weightsByModel, weightsFromProvenance, type WeightsIdentity } from '../../src/gate/weights.ts';
import { record } from '../report/records.ts';

const REPO = resolve(import.meta.dirname, '../..');
const A = 'a'.repeat(64), B = 'b'.repeat(64), T = 'c'.repeat(64), L = 'd'.repeat(64);

/** The provenance shape the needle2 provider's load() reports (src/providers/needle2.ts). */
const needle2Provenance = (opts: { lora?: boolean; precision?: string; window?: number } = {}) => ({
  id: 'needle2:x/needle2.pkl',
  weightHashes: { 'tokenizer.model': T, ...(opts.lora ? { 'adapter.pkl': L } : {}), 'needle2.pkl': A },
  dialect: 'needle2',
  generation: { precision: opts.precision ?? 'fp32', constrained: true, maxNewTokens: 256, ...(opts.lora ? { lora: 'runs/tune/adapter.pkl' } : {}), greedy: true, runtime: 'onnxruntime-node', window: opts.window ?? 16, tokenizer: 'x/tokenizer.model', exportCache: { key: 'k', hit: true, exportMs: 3 } },
  checkpoint: { path: 'x/needle2.pkl', format: 'pickle' },
});

describe('weightsFromProvenance', () => {
  it('keeps the hashes, the adapter, precision, format and only the settings that change outputs', () => {
    expect(weightsFromProvenance(needle2Provenance({ lora: true }))).toEqual({
      files: { 'tokenizer.model': T, 'adapter.pkl': L, 'needle2.pkl': A },
      adapter: { file: 'adapter.pkl', sha256: L },
      precision: 'fp32',
      format: 'pickle',
      settings: { constrained: true, maxNewTokens: 256, window: 16 },
    });
  });

  it('reads transformers-style dtype as the precision and a hub revision', () => {
    expect(weightsFromProvenance({ id: 'lfm', revision: 'abc123', dialect: 'x', generation: { dtype: 'q4', maxNewTokens: 128 } })).toEqual({ files: {}, precision: 'q4', revision: 'abc123', settings: { maxNewTokens: 128 } });
  });

  it('gives nothing for a provider that reports no weights (oracle) and maps run.json models by spec', () => {
    expect(weightsFromProvenance({ id: 'oracle', dialect: 'json', generation: { delayMs: 0 } })).toBeUndefined();
    const map = weightsByModel({ models: [{ spec: 'oracle', status: 'ok', provenance: { id: 'oracle', generation: {} } }, { spec: 'needle2:x/needle2.pkl', status: 'ok', provenance: needle2Provenance() }, { spec: 'gone', status: 'not_present' }] });
    expect([...map.keys()]).toEqual(['needle2:x/needle2.pkl']);
    expect(weightsByModel(null).size).toBe(0);
  });
});

describe('compareWeights', () => {
  const base = weightsFromProvenance(needle2Provenance())!;
  it('notes identical weights, whatever the files are called', () => {
    const renamed: WeightsIdentity = { ...base, files: { 'tok.model': T, 'copy.pkl': A } };
    const c = compareWeights(base, renamed);
    expect(c.identical).toBe(true);
    expect(c.notes).toEqual(["the run's weights equal the baseline's: this gate compares a model with itself (a tuned run missing its adapter?)"]);
  });

  it('says nothing special for base vs base + adapter, or another checkpoint', () => {
    expect(compareWeights(base, weightsFromProvenance(needle2Provenance({ lora: true })))).toMatchObject({ identical: false, notes: [] });
    expect(compareWeights(base, { ...base, files: { 'needle2.cact': B } })).toMatchObject({ identical: false, notes: [] });
  });

  it('notes a precision or settings change, and a side without weights', () => {
    const c = compareWeights(base, weightsFromProvenance(needle2Provenance({ precision: 'int8', window: 32 })));
    expect(c.identical).toBe(true);
    expect(c.notes.slice(1)).toEqual(['precision differs: fp32 in the baseline, int8 in the run', 'settings differ: window 16 → 32']);
    expect(compareWeights(undefined, base).notes[0]).toMatch(/^the baseline records no weights/);
    expect(compareWeights(base, undefined).notes[0]).toMatch(/^the run's provenance records no weights/);
  });

  it('describes a side with short sha256s and the adapter', () => {
    expect(describeWeights(weightsFromProvenance(needle2Provenance({ lora: true })))).toBe(`tokenizer.model ${T.slice(0, 12)}, needle2.pkl ${A.slice(0, 12)} + adapter adapter.pkl ${L.slice(0, 12)} (fp32, pickle)`);
    expect(describeWeights(undefined)).toBe('unrecorded');
  });
});

describe('baselines saved before weights were kept', () => {
  it('still load, and gate with a note that the baseline weights are unknown', () => {
    // The committed baseline with its weights records taken out: the shape of one saved before them.
    const saved = JSON.parse(readFileSync(join(REPO, 'baselines/needle-tiny-core.json'), 'utf8')) as { entries: Array<Record<string, unknown>> };
    const file = join(mkdtempSync(join(tmpdir(), 'nb-w-old-')), 'old.json');
    writeFileSync(file, JSON.stringify({ ...saved, entries: saved.entries.map(({ weights: _w, ...rest }) => rest) }));
    const b = readBaseline(file);
    expect(b.entries[0].weights).toBeUndefined();
    const e = b.entries[0];
    const recs = Object.entries(e.cases).map(([id, o]) => record({ id, model: e.model, suite: e.suite, pass: o.pass }));
    const r = evaluateGate(b, { dir: 'r', records: recs, models: [{ id: e.model, status: 'ok' }], suites: [{ name: e.suite }] }, { config: DEFAULT_GATE_CONFIG, suite: e.suite });
    expect(r.entries[0].weights).toMatchObject({ identical: false });
    expect(gateMarkdown(r, file, b, 'r')).toContain('Weights: baseline unrecorded → run unrecorded.');
    expect(r.entries[0].weights.notes[0]).toMatch(/^the baseline records no weights/);
  });

  it('the committed CI baseline records the weights needle-tiny ships', () => {
    const b = readBaseline(join(REPO, 'baselines/needle-tiny-core.json'));
    for (const e of b.entries) {
      for (const [name, path] of [['model.safetensors', 'model.safetensors'], ['needle.model', 'tokenizer/needle.model']]) {
        const sha = createHash('sha256').update(readFileSync(join(REPO, 'models/needle-tiny', path))).digest('hex');
        expect(e.weights?.files[name]).toBe(sha);
      }
    }
  });

  it('refuses a malformed weights record naming the field', () => {
    const file = join(mkdtempSync(join(tmpdir(), 'nb-w-')), 'b.json');
    const b = readBaseline(join(REPO, 'baselines/needle-tiny-core.json'));
    writeFileSync(file, JSON.stringify({ ...b, entries: [{ ...b.entries[0], weights: { files: { 'x.pkl': 7 } } }] }));
    expect(() => readBaseline(file)).toThrow(/entries\[0\]\.weights\.files\["x\.pkl"\]: expected a sha256 string/);
  });
});

describe('--run-model', () => {
  const b = readBaseline(join(REPO, 'baselines/needle-tiny-core.json'));
  const e = b.entries[0];
  const recs = (model: string) => Object.entries(e.cases).map(([id, o]) => record({ id, model, suite: e.suite, pass: o.pass, schemaValid: o.schemaValid, needle: { parsed: o.parsed, exactMatch: o.exactMatch }, category: id.endsWith('1') ? 'one' : 'other' }));
  const run = (model: string) => ({ dir: 'r', records: recs(model), models: [{ id: model, status: 'ok' }], suites: [{ name: e.suite }] });

  it('gates a differently named run model against the baseline model, per category too', () => {
    const r = evaluateGate(b, run('needle2:tuned.cact'), { config: DEFAULT_GATE_CONFIG, suite: e.suite, runModel: 'needle2:tuned.cact', by: 'category' });
    expect(r.entries.map((x) => [x.model, x.runModel, x.category])).toEqual([[e.model, 'needle2:tuned.cact', undefined], [e.model, 'needle2:tuned.cact', 'one'], [e.model, 'needle2:tuned.cact', 'other']]);
    expect(r.notInBaseline).toEqual([]);
    expect(r.passed).toBe(true);
    expect(() => evaluateGate(b, run('needle2:tuned.cact'), { config: DEFAULT_GATE_CONFIG, suite: e.suite })).toThrow(/model needle-tiny is not in run r.*pass --run-model/);
  });

  it('needs one baseline model to compare with', () => {
    const two = { ...b, entries: [e, { ...e, model: 'needle' }] };
    expect(() => evaluateGate(two, run('x'), { config: DEFAULT_GATE_CONFIG, runModel: 'x' })).toThrow(/--run-model x is gated against one baseline model: pick it with --model \(the baseline has: needle-tiny, needle\)/);
  });
});
