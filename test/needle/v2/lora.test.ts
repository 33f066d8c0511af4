import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { readSafetensors } from '../../../src/checkpoint/safetensors.ts';
import { tensorToFloat32 } from '../../../src/checkpoint/tensor.ts';
import { loadNeedle2Checkpoint } from '../../../src/needle/v2/checkpoint.ts';
import { loadLoraAdapter, mergeLora, parseLoraAdapter, type LoraAdapter } from '../../../src/needle/v2/lora.ts';

const fixtures = resolve(import.meta.dirname, '../../fixtures/needle2');
const golden = JSON.parse(readFileSync(resolve(fixtures, 'golden-checkpoint.json'), 'utf8'))['needle2-tiny-lora.pkl'] as { scale: number; rank: number; base: string; lora: Record<string, { A: { shape: number[] }; B: { shape: number[] } }> };

describe('LoRA adapter (needle finetune) merged as needle build --lora merges it', () => {
  it('reads the adapter layout through the safe unpickler', async () => {
    const a = await loadLoraAdapter(resolve(fixtures, 'needle2-tiny-lora.pkl'));
    expect({ scale: a.scale, rank: a.rank, base: a.base }).toEqual({ scale: golden.scale, rank: golden.rank, base: golden.base });
    expect([...a.lora.keys()].sort()).toEqual(Object.keys(golden.lora).sort());
    for (const [k, { A, B }] of a.lora) expect([A.shape, B.shape, A.dtype], k).toEqual([golden.lora[k].A.shape, golden.lora[k].B.shape, 'float32']);
  });

  it('merged kernels equal the independent merge bit for bit (float16, like the base)', async () => {
    const base = await loadNeedle2Checkpoint(resolve(fixtures, 'needle2-tiny.pkl'));
    const merged = mergeLora(base, await loadLoraAdapter(resolve(fixtures, 'needle2-tiny-lora.pkl')));
    const ref = await readSafetensors(resolve(fixtures, 'lora-merged.safetensors'));
    expect(ref.tensors.size).toBe(5);
    for (const [k, t] of ref.tensors) {
      const m = merged.params.get(k)!;
      expect([m.dtype, m.shape], k).toEqual([t.dtype, t.shape]);
      expect(Buffer.compare(Buffer.from(m.bytes), Buffer.from(t.bytes)), k).toBe(0);
      expect(Buffer.compare(Buffer.from(m.bytes), Buffer.from(base.params.get(k)!.bytes)), `${k} changed`).not.toBe(0);
    }
    // untouched parameters are the base's own tensors
    expect(merged.params.get('stack/mhc_phi_pre')).toBe(base.params.get('stack/mhc_phi_pre'));
    expect(merged.meta.lora).toContain('needle2-tiny-lora.pkl');
  });

  it('a zero B leaves the base unchanged; a scale of 0.5 with ones gives the rank / 2 added', async () => {
    const base = await loadNeedle2Checkpoint(resolve(fixtures, 'needle2-tiny.pkl'));
    const key = 'stack/layers/block/self_attn/v_proj/kernel';
    const w = base.params.get(key)!;
    const [L, inDim, outDim] = w.shape;
    const f32 = (shape: number[], v: number) => ({ dtype: 'float32' as const, shape, bytes: new Uint8Array(new Float32Array(shape.reduce((a, b) => a * b, 1)).fill(v).buffer) });
    const adapter = (b: number, scale: number): LoraAdapter => ({ lora: new Map([[key, { A: f32([L, inDim, 2], 1), B: f32([L, 2, outDim], b) }]]), scale, source: { path: 'a.pkl', sha256: '' } });
    expect(Buffer.compare(Buffer.from(mergeLora(base, adapter(0, 2)).params.get(key)!.bytes), Buffer.from(w.bytes))).toBe(0);
    const before = tensorToFloat32(w);
    const after = tensorToFloat32(mergeLora(base, adapter(1, 0.5)).params.get(key)!);
    after.forEach((v, i) => expect(v).toBeCloseTo(before[i] + 1, 2)); // float16 rounding of the sum
  });

  it('refuses an adapter that does not fit the base, naming the kernel', async () => {
    const base = await loadNeedle2Checkpoint(resolve(fixtures, 'needle2-tiny.pkl'));
    const t = (shape: number[]) => ({ dtype: 'float32' as const, shape, bytes: new Uint8Array(4 * shape.reduce((a, b) => a * b, 1)) });
    const src = { path: 'bad.pkl', sha256: '' };
    expect(() => mergeLora(base, { lora: new Map([['stack/nope/kernel', { A: t([1, 1]), B: t([1, 1]) }]]), scale: 1, source: src })).toThrow('bad.pkl: adapter tunes stack/nope/kernel, which the base checkpoint');
    expect(() => mergeLora(base, { lora: new Map([['stack/layers/block/self_attn/q_proj/kernel', { A: t([5, 40, 4]), B: t([5, 4, 20]) }]]), scale: 1, source: src })).toThrow('needs A [5, 40, 4] and B [5, 4, 40]');
  });

  it('refuses a checkpoint given as an adapter', () => {
    expect(() => parseLoraAdapter(readFileSync(resolve(fixtures, 'needle2-tiny.pkl')), 'needle2-tiny.pkl')).toThrow('needle2-tiny.pkl: no "lora" entry (keys: format_version, params, config, step, run)');
  });
});
