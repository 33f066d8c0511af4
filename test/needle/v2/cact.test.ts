// The .cact reader against the reference's own write_export output (fixtures written by the
// reference export.py; golden-cact.json and cact-dequant.safetensors are read_export's view of them),
// and its refusals of corrupt and truncated files: each names the byte offset and the reason.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { readSafetensors } from '../../../src/checkpoint/safetensors.ts';
import { tensorToFloat32 } from '../../../src/checkpoint/tensor.ts';
import { CactError, HEADER_BYTES, RECORD_BYTES, parseCact } from '../../../src/needle/v2/cact.ts';
import { cactToCheckpoint, loadCactCheckpoint } from '../../../src/needle/v2/cact-checkpoint.ts';
import { loadNeedle2Checkpoint } from '../../../src/needle/v2/checkpoint.ts';

const fixtures = resolve(import.meta.dirname, '../../fixtures/needle2');
interface GoldenFile {
  file: string; header: Record<string, number>; records: Array<{ name: string; dtype: number; shape: number[]; offset: number; nbytes: number; group: number; bits: number }>;
  tensor_stats: Record<string, { shape: number[]; sum: number; sum_sq: number; max_abs: number; first: number[] }>;
  tokenizer_blob: { n_pieces: number; pad_id: number; eos_id: number; bos_id: number; unk_id: number; add_dummy_prefix: boolean; byte_fallback: boolean; types_count: Record<string, number>; first_pieces: Array<[string, number, number]> };
}
const golden = JSON.parse(readFileSync(resolve(fixtures, 'golden-cact.json'), 'utf8')) as { codebooks: Record<string, number[]>; files: GoldenFile[] };
const DIR_AT = HEADER_BYTES + 28 * 4;

describe.each(golden.files.map((f) => [f.file, f] as const))('%s as read_export reads it', (file, g) => {
  const bytes = new Uint8Array(readFileSync(resolve(fixtures, file)));
  const cact = parseCact(bytes, file);

  it('header, codebooks and directory', () => {
    const h = cact.header;
    expect({
      tag: 0x05e12a83, num_tensors: h.numTensors, codebook_len: h.codebookLen, kv_window: h.kvWindow, kv_bits: h.kvBits,
      vocab_size: h.vocab_size, d_model: h.d_model, num_heads: h.num_heads, num_kv_heads: h.num_kv_heads, num_layers: h.num_layers,
      head_dim: h.head_dim, max_seq_len: h.max_seq_len, hada_n: h.hada_n, mhc_lanes: h.mhc_lanes, engram_slots: h.engram_slots,
      engram_sub_dim: h.engram_sub_dim, num_engram_tables: h.num_engram_tables, engram_conv_taps: h.engram_conv_taps,
      engram_conv_dilation: h.engram_conv_dilation, rope_theta: h.rope_theta,
    }).toEqual(Object.fromEntries(Object.entries(g.header).filter(([k]) => !/^(num_)?engram_(orders|sites)\d?$/.test(k))));
    expect(h.engram_orders).toEqual([0, 1, 2, 3].slice(0, g.header.num_engram_orders).map((i) => g.header[`engram_orders${i}`]));
    expect(h.engram_layers).toEqual([0, 1, 2, 3].slice(0, g.header.num_engram_sites).map((i) => g.header[`engram_sites${i}`]));
    expect(Array.from(cact.codebook)).toEqual([...golden.codebooks['2'], ...golden.codebooks['3'], ...golden.codebooks['4']].map((v) => expect.closeTo(v, 7)));
    expect(cact.tensors.map((t) => { const { at: _at, ...rec } = t.record; return rec; })).toEqual(g.records.map(({ name: _n, ...rec }) => ({ dtype: rec.dtype, shape: rec.shape, offset: rec.offset, nbytes: rec.nbytes, group: rec.group, bits: rec.bits })));
  });

  it('dequantized tensors match read_export (per-tensor stats) and the canonical names line up', async () => {
    const ck = await loadCactCheckpoint(resolve(fixtures, file));
    expect(ck.names).toEqual(g.records.map((r) => r.name));
    ck.names.forEach((name, i) => {
      const t = cact.tensors[i];
      if (t.kind === 'raw') return;
      const s = g.tensor_stats[name];
      expect(t.shape, name).toEqual(s.shape);
      let sum = 0, sq = 0, max = 0;
      for (const v of t.data) { sum += v; sq += v * v; max = Math.max(max, Math.abs(v)); }
      const scale = Math.max(1, Math.abs(s.sum_sq));
      expect(Math.abs(sum - s.sum), `${name} sum`).toBeLessThan(1e-4 * scale);
      expect(Math.abs(sq - s.sum_sq), `${name} sum_sq`).toBeLessThan(1e-4 * scale);
      expect(Math.abs(max - s.max_abs), `${name} max_abs`).toBeLessThan(1e-5);
      s.first.forEach((v, j) => expect(Math.abs(t.data[j] - v), `${name}[${j}]`).toBeLessThan(1e-5));
    });
  });

  it('the embedded tokenizer blob', async () => {
    const ck = await loadCactCheckpoint(resolve(fixtures, file));
    const tk = ck.tokenizer!;
    const gt = g.tokenizer_blob;
    expect([tk.pieces.length, tk.padId, tk.eosId, tk.bosId, tk.unkId, tk.addDummyPrefix, tk.byteFallback]).toEqual([gt.n_pieces, gt.pad_id, gt.eos_id, gt.bos_id, gt.unk_id, gt.add_dummy_prefix, gt.byte_fallback]);
    const counts: Record<string, number> = {};
    for (const t of tk.types) counts[t] = (counts[t] ?? 0) + 1;
    expect(counts).toEqual(gt.types_count);
    gt.first_pieces.forEach(([p, score, type], i) => expect([tk.pieces[i], tk.scores[i], tk.types[i]]).toEqual([p, score, type]));
  });
});

describe('needle2-tiny.cact: every dequantized weight equals the reference read_export', () => {
  it('every CQ tensor within 1e-5 absolute (read_export computes in float32, this reader in float64)', async () => {
    const ck = await loadCactCheckpoint(resolve(fixtures, 'needle2-tiny.cact'));
    const ref = await readSafetensors(resolve(fixtures, 'cact-dequant.safetensors'));
    expect(ref.tensors.size).toBe(ck.cact.tensors.filter((t) => t.record.dtype === 3).length);
    let worst = 0;
    for (const [name, t] of ref.tensors) {
      const mine = ck.cact.tensors[ck.names.indexOf(name)];
      expect(mine.kind, name).toBe('float');
      if (mine.kind !== 'float') continue;
      expect(mine.shape, name).toEqual(t.shape);
      const a = tensorToFloat32(t);
      let m = 0;
      a.forEach((v, i) => (m = Math.max(m, Math.abs(v - mine.data[i]))));
      worst = Math.max(worst, m);
    }
    expect(worst).toBeLessThan(1e-5);
  });

  it('maps back onto the parameter tree: config from the header, kernels transposed back (close to the checkpoint they came from)', async () => {
    const ck = await loadCactCheckpoint(resolve(fixtures, 'needle2-tiny.cact'));
    const base = await loadNeedle2Checkpoint(resolve(fixtures, 'needle2-tiny.pkl'));
    const { engram_heads: _a, extra: _x, ...fromHeader } = ck.config;
    const { engram_heads: _b, extra: _y, ...fromPickle } = base.config;
    expect(fromHeader).toEqual(fromPickle);
    expect(ck.groups).toEqual(['confidence_head']);
    expect(ck.warnings?.join()).toContain('contrastive head is exported without log_temp');
    for (const key of ['stack/layers/block/self_attn/out_proj/kernel', 'stack/mhc_phi_res', 'engrams_1/embedding', 'engrams_0/key_proj/kernel', 'embedding/embedding']) {
      const a = tensorToFloat32(ck.params.get(key)!);
      const b = tensorToFloat32(base.params.get(key)!);
      expect(ck.params.get(key)!.shape, key).toEqual(base.params.get(key)!.shape);
      let dot = 0, na = 0, nb = 0;
      a.forEach((v, i) => { dot += v * b[i]; na += v * v; nb += b[i] * b[i]; });
      expect(dot / Math.sqrt(na * nb), key).toBeGreaterThan(0.9); // 4-bit CQ keeps the direction
    }
    for (const key of ['stack/layers/block/hadamard_mlp/d2', 'stack/mhc_b_res', 'stack/layers/block/attn_gate', 'confidence_head/proj/kernel']) {
      expect(Buffer.from(Float32Array.from(tensorToFloat32(base.params.get(key)!)).buffer).equals(Buffer.from(tensorToFloat32(ck.params.get(key)!).buffer)), key).toBe(true);
    }
  });
});

describe('corrupt or truncated .cact files are refused with the offset and the reason', () => {
  const good = new Uint8Array(readFileSync(resolve(fixtures, 'needle2-tiny.cact')));
  const edit = (f: (b: Uint8Array, v: DataView) => void): Uint8Array => {
    const b = Uint8Array.from(good);
    f(b, new DataView(b.buffer));
    return b;
  };
  const recAt = (i: number) => DIR_AT + i * RECORD_BYTES;
  const last = golden.files[0].records.length - 1;
  const cases: Array<[string, Uint8Array, string]> = [
    ['an empty file', new Uint8Array(0), 'at byte 0: truncated: the header needs 120 bytes, the file has 0 left'],
    ['a cut header', good.subarray(0, 100), 'at byte 0: truncated: the header needs 120 bytes, the file has 100 left'],
    ['a foreign file', edit((b) => b.set([0x80, 4, 0x95, 0])), 'at byte 0: bad tag 0x00950480'],
    ['a wrong codebook length', edit((_b, v) => v.setUint32(8, 16, true)), 'at byte 8: codebook_len 16, expected 28'],
    ['a directory cut short', good.subarray(0, DIR_AT + 50), `at byte ${DIR_AT}: truncated: the directory of 97 records needs 4268 bytes`],
    ['a file cut before its last blob ends', good.subarray(0, good.length - 10), `at byte ${recAt(last) + 20}: record ${last}: blob [`],
    ['an unknown dtype', edit((b) => (b[recAt(0)] = 9)), `at byte ${recAt(0)}: record 0: unknown dtype 9`],
    ['ndim past the shape slots', edit((b) => (b[recAt(1) + 1] = 7)), `at byte ${recAt(1) + 1}: record 1: ndim 7 exceeds the 4 shape slots`],
    ['a blob offset inside the directory', edit((_b, v) => v.setUint32(recAt(2) + 20, 300, true)), `at byte ${recAt(2) + 20}: record 2: blob offset 300 lies inside the header/directory`],
    ['an offset beyond any file', edit((_b, v) => v.setUint32(recAt(2) + 24, 0xffffffff, true)), `at byte ${recAt(2) + 20}: 64-bit value`],
    ['an FP16 size that does not match its shape', edit((_b, v) => v.setUint32(recAt(1) + 28, 82, true)), `at byte ${recAt(1) + 28}: record 1: FP16 [40] needs 80 bytes, the record says 82`],
    ['a CQ size that does not match its shape', edit((_b, v) => v.setUint32(recAt(0) + 4, 511, true)), `at byte ${recAt(0) + 28}: record 0: CQ [511, 40] at 4 bits, group 128 needs`],
    ['unsupported CQ bits', edit((_b, v) => v.setUint32(recAt(0) + 40, 7, true)), `at byte ${recAt(0) + 40}: record 0: CQ bits 7`],
    ['a CQ group that is not a power of two', edit((_b, v) => v.setUint32(recAt(0) + 36, 96, true)), `at byte ${recAt(0) + 36}: record 0: CQ group 96 is not a power of two`],
  ];
  it.each(cases)('%s', (_name, bytes, message) => {
    expect(() => parseCact(bytes, 'x.cact')).toThrow(CactError);
    expect(() => parseCact(bytes, 'x.cact')).toThrow(`x.cact: ${message}`);
  });

  it('a directory that disagrees with the header geometry', () => {
    const fewer = edit((_b, v) => v.setUint32(4, 50, true));
    expect(() => cactToCheckpoint(parseCact(fewer, 'x.cact'), 'x.cact', { path: 'x.cact', format: 'cact', sha256: '' })).toThrow('x.cact: 50 tensors; the header\'s geometry needs 89');
    const hada = edit((_b, v) => v.setUint32(12 * 4, 128, true));
    expect(() => cactToCheckpoint(parseCact(hada, 'x.cact'), 'x.cact', { path: 'x.cact', format: 'cact', sha256: '' })).toThrow('x.cact: header: hada_n 128, d_model 40 implies 64');
  });

  it('a corrupt tokenizer blob, with its offset in the file', () => {
    const tokRec = golden.files[0].records[last];
    const bad = edit((_b, v) => v.setUint16(tokRec.offset + 24 + 5, 60000, true)); // first piece's length
    expect(() => cactToCheckpoint(parseCact(bad, 'x.cact'), 'x.cact', { path: 'x.cact', format: 'cact', sha256: '' })).toThrow(`x.cact: at byte ${tokRec.offset + 24 + 7}: tokenizer blob: piece 0: 60000 bytes of text run past the end of the blob: truncated`);
  });
});

describe('fuzz: mutated .cact files give a checkpoint or a clean CactError', () => {
  const seed = new Uint8Array(readFileSync(resolve(fixtures, 'needle2-tiny-w2.cact')));
  it('never throws anything else, never hangs', () => {
    const started = Date.now();
    fc.assert(
      fc.property(
        fc.array(fc.record({ at: fc.nat(), value: fc.integer({ min: 0, max: 255 }), head: fc.boolean() }), { minLength: 1, maxLength: 4 }),
        fc.option(fc.nat(), { nil: undefined }),
        (edits, cut) => {
          let b = Uint8Array.from(seed);
          for (const e of edits) b[e.head ? e.at % 4500 : e.at % b.length] = e.value; // header + directory end near byte 4500
          if (cut !== undefined) b = b.subarray(0, cut % b.length);
          try {
            cactToCheckpoint(parseCact(b, 'f.cact'), 'f.cact', { path: 'f.cact', format: 'cact', sha256: '' });
          } catch (e) {
            if (!(e instanceof CactError)) throw e;
          }
        },
      ),
      { numRuns: 150, seed: 20261203 },
    );
    expect(Date.now() - started).toBeLessThan(60_000);
  });
});

it('a record whose shape the geometry cannot explain is a CactError naming the parameter', () => {
  const good = new Uint8Array(readFileSync(resolve(fixtures, 'needle2-tiny.cact')));
  const b = Uint8Array.from(good);
  const v = new DataView(b.buffer);
  const rec = HEADER_BYTES + 28 * 4 + 1 * RECORD_BYTES; // layer00.norm_in FP16 [40] -> [20] with 40 bytes
  v.setUint32(rec + 4, 20, true);
  v.setUint32(rec + 28, 40, true);
  expect(() => cactToCheckpoint(parseCact(b, 'x.cact'), 'x.cact', { path: 'x.cact', format: 'cact', sha256: '' })).toThrow(CactError);
  expect(() => cactToCheckpoint(parseCact(b, 'x.cact'), 'x.cact', { path: 'x.cact', format: 'cact', sha256: '' })).toThrow('x.cact: at byte 276: tensor 1 (layer00.norm_in) has shape [20], the header\'s geometry implies [40]');
});
