import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { tensorToFloat32 } from '../../../src/checkpoint/tensor.ts';
import { rawFromPickle, readRawCheckpoint } from '../../../src/checkpoint/raw.ts';
import { finishNeedle2Checkpoint, isNeedle2, loadNeedle2Checkpoint, needle2ParameterCount, validateNeedle2Params, writeNeedle2Converted } from '../../../src/needle/v2/checkpoint.ts';
import { countParameters, resolveNeedle2Config } from '../../../src/needle/v2/config.ts';

const fixtures = resolve(import.meta.dirname, '../../fixtures/needle2');
const pkl = resolve(fixtures, 'needle2-tiny.pkl');
type Leaf = { dtype: string; shape: number[]; numpy_scalar: boolean; sum: number; first: number[] };
const golden = JSON.parse(readFileSync(resolve(fixtures, 'golden-checkpoint.json'), 'utf8')) as Record<string, { config: Record<string, unknown>; config_state: Record<string, unknown>; params: Record<string, Leaf>; step: number; run: unknown }>;

describe('needle2.pkl through the safe unpickler', () => {
  it('reads every parameter of the real layout: dtype, shape, values (numpy scalars included)', async () => {
    const ck = await loadNeedle2Checkpoint(pkl);
    const ref = golden['needle2-tiny.pkl'];
    expect([...ck.params.keys()].sort()).toEqual(Object.keys(ref.params).sort());
    for (const [key, leaf] of Object.entries(ref.params)) {
      const t = ck.params.get(key)!;
      expect(t.dtype, key).toBe(leaf.dtype);
      expect(t.shape, key).toEqual(leaf.shape);
      const v = tensorToFloat32(t);
      expect(v.reduce((a, b) => a + b, 0), key).toBeCloseTo(leaf.sum, 3);
      expect(Array.from(v.subarray(0, leaf.first.length)), key).toEqual(leaf.first.map((x) => expect.closeTo(x, 6)));
    }
    expect(Object.values(ref.params).some((l) => l.numpy_scalar)).toBe(true);
    expect(ck.meta).toEqual({ format_version: 2, step: ref.step, run: ref.run });
    expect(ck.groups.sort()).toEqual(['confidence_head', 'contrastive_head', 'mtp']);
    expect(ck.warnings).toBeUndefined();
    expect(needle2ParameterCount(ck)).toBe(countParameters(ck.config));
    expect(ck.source.sha256).toBe((golden.sha256 as unknown as Record<string, string>)['needle2-tiny.pkl']);
  });

  it('takes the config from a pickled TransformerConfig instance as from a dict', () => {
    const raw = rawFromPickle(readFileSync(resolve(fixtures, 'config-object.pkl')), 'config-object.pkl');
    expect(raw.rawConfig).toEqual(golden['config-object.pkl'].config_state);
    expect(() => finishNeedle2Checkpoint(raw)).toThrow('config-object.pkl: missing parameter embedding/embedding');
  });

  it('refuses what run.load_checkpoint refuses: a format_version other than 2, a Needle v1 checkpoint', async () => {
    const bytes = new Uint8Array(readFileSync(pkl));
    const at = Buffer.from(bytes).indexOf(Buffer.from('format_version')) + 'format_version'.length;
    const patched = Uint8Array.from(bytes);
    const k = patched.indexOf(0x4b, at); // BININT1 2 after the key (and its MEMOIZE)
    expect(patched[k + 1]).toBe(2);
    patched[k + 1] = 1;
    expect(() => finishNeedle2Checkpoint(rawFromPickle(patched, 'v1.pkl'))).toThrow('v1.pkl: not a format-v2 checkpoint (format_version=1)');
    const v1 = resolve(import.meta.dirname, '../../../../shared/fixtures/needle-golden/tiny/checkpoint.pkl');
    await expect(loadNeedle2Checkpoint(v1)).rejects.toThrow('not a format-v2 checkpoint (format_version=absent)');
  });

  it('core parameters must be complete and the right shape; an optional group whole or absent; extras are reported', async () => {
    const ck = await loadNeedle2Checkpoint(pkl);
    const c = ck.config;
    const without = (k: string) => new Map([...ck.params].filter(([key]) => key !== k));
    expect(() => validateNeedle2Params(without('stack/mhc_phi_res'), c, 'x')).toThrow('x: missing parameter stack/mhc_phi_res (expected shape [5, 160, 16])');
    expect(() => validateNeedle2Params(without('mtp_combine/kernel'), c, 'x')).toThrow('of the mtp group, of which');
    const noHead = new Map([...ck.params].filter(([k]) => !k.startsWith('confidence_head/')));
    expect(validateNeedle2Params(noHead, c, 'x').groups).not.toContain('confidence_head');
    const bad = new Map(ck.params).set('engrams_0/taps', { dtype: 'float16', shape: [3, 40], bytes: new Uint8Array(240) });
    expect(() => validateNeedle2Params(bad, c, 'x')).toThrow('parameter engrams_0/taps has shape [3, 40], the config implies [4, 40]');
    const extra = new Map(ck.params).set('lexicon/table', { dtype: 'float16', shape: [1], bytes: new Uint8Array(2) });
    expect(validateNeedle2Params(extra, c, 'x').warnings[0]).toContain('1 parameter(s) not used by this config (kept, ignored): lexicon/table');
  });

  it('convert: model.safetensors + config.json that load back to the same tensors and config, still recognisably Needle 2', async () => {
    const ck = await loadNeedle2Checkpoint(pkl);
    const dir = await mkdtemp(join(tmpdir(), 'n2conv-'));
    const res = await writeNeedle2Converted(ck, dir, resolve(fixtures, 'tokenizer.model'));
    expect(res.tokenizer).toBe(join(dir, 'tokenizer.model'));
    const raw = await readRawCheckpoint(dir);
    expect(isNeedle2(raw)).toBe(true);
    expect(raw.meta).toMatchObject({ format_version: '2', step: '1234' });
    const back = await loadNeedle2Checkpoint(dir);
    expect(back.config).toEqual(ck.config);
    expect(back.params.size).toBe(ck.params.size);
    for (const [k, t] of ck.params) {
      const b = back.params.get(k)!;
      expect([b.dtype, b.shape], k).toEqual([t.dtype, t.shape]);
      expect(Buffer.compare(Buffer.from(b.bytes), Buffer.from(t.bytes)), k).toBe(0);
    }
    expect(isNeedle2(await readRawCheckpoint(resolve(import.meta.dirname, '../../../../shared/fixtures/needle-golden/tiny/checkpoint.pkl')))).toBe(false);
  });
});
