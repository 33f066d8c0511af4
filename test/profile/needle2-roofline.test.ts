import { describe, expect, it } from 'vitest';
import { resolveNeedle2Config, type Needle2Config } from '../../src/needle/v2/config.ts';
import { buildNeedle2Graph, type Needle2Precision } from '../../src/needle/v2/export.ts';
import { syntheticNeedle2Checkpoint } from '../../src/needle/v2/synthetic.ts';
import { unpackWeights } from '../../src/needle/v2/weights.ts';
import { needle2AttendedKeys, needle2DecodeBytesPerStep, needle2DecodeWeightBytes, needle2EngramRowsPerStep, needle2PrefillFlopsPerToken, needle2Roofline } from '../../src/profile/needle2-roofline.ts';
import { readFields } from '../../src/sentencepiece/protobuf-reader.ts';

// Two small configs: d_model 64 (every dense K a multiple of 32, so every matrix is MatMulNBits when
// quantized) and d_model 48 (q|k|v|gate, out_proj and the engram projections have K = 48 and stay
// fp32; hada2 and the mHC phi are quantized) — both branches of export.ts's linear().
const configs: Record<string, Needle2Config> = {
  d64: resolveNeedle2Config({ vocab_size: 300, d_model: 64, num_heads: 4, num_kv_heads: 2, num_layers: 3, engram_slots: 64, engram_layers: [0, 2], max_seq_len: 64 }),
  d48: resolveNeedle2Config({ vocab_size: 260, d_model: 48, num_heads: 4, num_kv_heads: 2, num_layers: 2, engram_slots: 32, engram_layers: [1], max_seq_len: 48 }),
};

interface Init {
  name: string;
  dims: number[];
  bytes: number;
}

/** Initializers of an encoded ONNX model, read from the protobuf itself (ModelProto.graph = 7,
 * GraphProto.initializer = 5, TensorProto dims = 1 / name = 8 / raw_data = 9). */
function initializers(model: Uint8Array): Init[] {
  const out: Init[] = [];
  for (const f of readFields(model, 0, 'ModelProto')) {
    if (f.field !== 7 || !f.bytes) continue;
    for (const g of readFields(f.bytes, 0, 'GraphProto')) {
      if (g.field !== 5 || !g.bytes) continue;
      const t: Init = { name: '', dims: [], bytes: 0 };
      for (const x of readFields(g.bytes, 0, 'TensorProto')) {
        if (x.field === 1) {
          if (x.varint === undefined) throw new Error('packed dims: not written by src/onnx/proto.ts');
          t.dims.push(x.varint);
        } else if (x.field === 8) t.name = new TextDecoder().decode(x.bytes);
        else if (x.field === 9) t.bytes = x.bytes!.length;
      }
      out.push(t);
    }
  }
  return out;
}

const graphs = new Map<string, Init[]>();
function graphOf(key: string, precision: Needle2Precision): Init[] {
  const id = `${key}/${precision}`;
  if (!graphs.has(id)) {
    const c = configs[key];
    const w = unpackWeights(syntheticNeedle2Checkpoint(c, 5).params, c);
    graphs.set(id, initializers(buildNeedle2Graph(w, { precision }).encode()));
  }
  return graphs.get(id)!;
}

/** What a step reads according to the graph: every initializer, except the shape constants; the RoPE
 * tables by one row each; the engram tables by the rows gathered (13 per table: 4 taps × max order 3,
 * plus the new position, for the default orders (2, 3)). */
function graphStepBytes(inits: Init[], c: Needle2Config): number {
  let total = 0;
  for (const t of inits) {
    if (t.name.startsWith('const_')) continue;
    if (t.name === 'rope_cos' || t.name === 'rope_sin') total += t.dims[1] * 4;
    else if (/^engram\d+\.tables$/.test(t.name)) total += 13 * (t.dims[0] / c.engram_slots) * t.dims[1] * 4;
    else total += t.bytes;
  }
  return total;
}

describe('Needle 2 roofline accounting', () => {
  for (const key of Object.keys(configs)) {
    for (const precision of ['fp32', 'int8', 'int4'] as Needle2Precision[]) {
      it(`${key} ${precision}: decode weight bytes equal the exported graph's initializers (engram rows, one RoPE row)`, () => {
        const c = configs[key];
        const inits = graphOf(key, precision);
        if (precision !== 'fp32') expect(inits.some((t) => t.name.endsWith(precision === 'int8' ? '.q8' : '.q4'))).toBe(true);
        expect(needle2DecodeWeightBytes(c, precision)).toBe(graphStepBytes(inits, c));
        expect(needle2DecodeBytesPerStep(c, precision, 0)).toBe(graphStepBytes(inits, c));
      });
    }
  }

  it('the d48 config really mixes fp32 and MatMulNBits matrices', () => {
    const names = new Set(graphOf('d48', 'int4').map((t) => t.name));
    expect(names.has('layer0.qkvg')).toBe(true); // K = 48: fp32
    expect(names.has('layer0.hada2.q4')).toBe(true); // K = 64
    expect(names.has('layer0.mhc_phi.q4')).toBe(true); // K = 192
  });

  it('counts only the gathered engram rows, not the tables', () => {
    const c = configs.d64;
    expect(needle2EngramRowsPerStep(c)).toBe(13 * 2); // 2 tables (2 orders × 1 head)
    const tables = graphOf('d64', 'fp32').filter((t) => /^engram\d+\.tables$/.test(t.name)).reduce((a, t) => a + t.bytes, 0);
    expect(tables).toBe(2 * 2 * 64 * 32 * 4);
    expect(needle2DecodeWeightBytes(c, 'fp32')).toBeLessThan(graphOf('d64', 'fp32').reduce((a, t) => a + t.bytes, 0) - tables / 2);
  });

  it('adds the KV cache of every layer per attended position', () => {
    const c = configs.d64;
    const perKey = c.num_layers * 2 * c.num_kv_heads * 16 * 4;
    expect(needle2DecodeBytesPerStep(c, 'int4', 100) - needle2DecodeBytesPerStep(c, 'int4', 0)).toBe(100 * perKey);
  });

  it('prefill FLOPs: 2 per multiply-add of every dense matrix of the fp32 graph, attention over the prompt, mHC routing', () => {
    for (const key of Object.keys(configs)) {
      const c = configs[key];
      let macs = 0;
      for (const t of graphOf(key, 'fp32')) {
        if (t.dims.length !== 2 || /rope_|tables$|b_res$/.test(t.name) || t.name.startsWith('const_')) continue;
        macs += t.dims[0] * t.dims[1]; // embedding: the logits Gemm
      }
      const A = c.attn_dim;
      const n = c.mhc_lanes;
      const P = 40;
      const expected = 2 * (macs + c.num_layers * (2 * A * P + n * n * c.d_model + n * c.d_model));
      expect(needle2PrefillFlopsPerToken(c, P)).toBe(expected);
    }
  });

  it('turns kernel rates into bounds at the mean decode position', () => {
    const c = configs.d64;
    const rates = { gemvGBs: 10, sgemmGflops: 50 };
    const r = needle2Roofline(rates, c, { precision: 'int8', promptTokens: 32, genTokens: 8 });
    expect(r.decode_bytes_per_step).toBe(Math.round(needle2DecodeBytesPerStep(c, 'int8', 36)));
    expect(r.decode_tok_s_bound).toBe(Math.round(10e9 / needle2DecodeBytesPerStep(c, 'int8', 36)));
    expect(r.prefill_tok_s_bound).toBe(Math.round(50e9 / needle2PrefillFlopsPerToken(c, 32)));
  });
});

describe('needle2AttendedKeys', () => {
  it('is every position without a window, else at most the sinks plus window − 1 ring slots plus the new key', () => {
    expect(needle2AttendedKeys(600, 0, 0)).toBe(600);
    expect(needle2AttendedKeys(100, 256, 0)).toBe(100);
    expect(needle2AttendedKeys(600, 256, 0)).toBe(256);
    expect(needle2AttendedKeys(600, 256, 300)).toBe(556);
    expect(needle2AttendedKeys(400, 256, 300)).toBe(400);
    expect(needle2AttendedKeys(50, 1, 0)).toBe(2); // a ring of one (masked) slot, as the cache keeps it
  });
});
