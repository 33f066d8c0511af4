// A `needle finetune` LoRA adapter (.pkl: {"lora": {"stack/layers/block/self_attn/<proj>/kernel":
// {"A": f32 [L, in, r], "B": f32 [L, r, out]}}, "scale": alpha / rank, "base", "rank"}) read through
// the safe unpickler and merged into the base exactly as `needle build --lora` does (finetune.
// merge_lora): w + (scale * (A @ B)).astype(w.dtype). A @ B and the scaling run in float32 as jnp
// does; the delta is rounded to the base dtype before the add, whose sum is rounded again.
import { readFile } from 'node:fs/promises';
import { f16BitsToF32, f32ToBf16Bits, bf16BitsToF32, f32ToF16Bits } from '../../checkpoint/half.ts';
import { NdArray, typeName, type PyValue } from '../../checkpoint/pickle.ts';
import { unpickleFile } from '../../checkpoint/raw.ts';
import type { Tensor } from '../../checkpoint/tensor.ts';
import { numel, tensorToFloat32 } from '../../checkpoint/tensor.ts';
import { CheckpointError, sha256, toPlain } from '../../checkpoint/tree.ts';
import type { Needle2Checkpoint } from './checkpoint.ts';

export interface LoraPair {
  A: Tensor;
  B: Tensor;
}

export interface LoraAdapter {
  /** Keyed by the "/"-joined path of the kernel it tunes. */
  lora: Map<string, LoraPair>;
  scale: number;
  rank?: number;
  base?: string;
  source: { path: string; sha256: string };
}

function arrayAt(v: PyValue | undefined, where: string): Tensor {
  if (!(v instanceof NdArray) || !v.built) throw new CheckpointError(`${where} is a ${typeName(v)}, expected a numpy array`);
  if (v.dtype !== 'float32' && v.dtype !== 'float16' && v.dtype !== 'float64' && v.dtype !== 'bfloat16') throw new CheckpointError(`${where} has dtype ${v.dtype}, expected a float type`);
  return { dtype: v.dtype, shape: v.shape, bytes: v.bytes };
}

/** Parse an adapter pickle held in memory. */
export function parseLoraAdapter(bytes: Uint8Array, path: string): LoraAdapter {
  const root = unpickleFile(bytes, path);
  if (!(root instanceof Map)) throw new CheckpointError(`${path}: expected a dict {"lora", "scale", ...}, got ${typeName(root)}`);
  const lora = root.get('lora');
  if (lora === undefined) throw new CheckpointError(`${path}: no "lora" entry (keys: ${[...root.keys()].map(String).join(', ')}); a needle finetune adapter has lora, scale, base, rank`);
  if (!(lora instanceof Map)) throw new CheckpointError(`${path}: "lora" is a ${typeName(lora)}, expected a dict of {path: {"A", "B"}} (is this a LoRA adapter from needle finetune?)`);
  const scaleRaw = root.get('scale');
  const scale = typeof scaleRaw === 'number' ? scaleRaw : scaleRaw instanceof NdArray ? (toPlain(scaleRaw, path, 'scale') as number) : NaN;
  if (typeof scale !== 'number' || !Number.isFinite(scale)) throw new CheckpointError(`${path}: "scale" is a ${typeName(scaleRaw)}, expected a finite float (alpha / rank)`);
  const pairs = new Map<string, LoraPair>();
  for (const [key, pair] of lora) {
    if (typeof key !== 'string' || !key) throw new CheckpointError(`${path}: lora key ${String(key)} is not a "/"-joined parameter path`);
    if (!(pair instanceof Map)) throw new CheckpointError(`${path}: lora/${key} is a ${typeName(pair)}, expected {"A", "B"}`);
    pairs.set(key, { A: arrayAt(pair.get('A'), `${path}: lora/${key}/A`), B: arrayAt(pair.get('B'), `${path}: lora/${key}/B`) });
  }
  const rank = root.get('rank');
  const base = root.get('base');
  return {
    lora: pairs,
    scale,
    ...(typeof rank === 'number' ? { rank } : {}),
    ...(typeof base === 'string' ? { base } : {}),
    source: { path, sha256: sha256(bytes) },
  };
}

export async function loadLoraAdapter(path: string): Promise<LoraAdapter> {
  return parseLoraAdapter(await readFile(path), path);
}

/** Round a float64 value to a dtype and back (what `.astype(dtype)` keeps). */
function roundTo(dtype: Tensor['dtype'], v: number): number {
  if (dtype === 'float16') return f16BitsToF32(f32ToF16Bits(v));
  if (dtype === 'bfloat16') return bf16BitsToF32(f32ToBf16Bits(v));
  if (dtype === 'float32') return Math.fround(v);
  return v;
}

function store(dtype: Tensor['dtype'], values: Float64Array, shape: number[]): Tensor {
  if (dtype === 'float64') return { dtype, shape, bytes: new Uint8Array(values.buffer.slice(0)) };
  if (dtype === 'float32') return { dtype, shape, bytes: new Uint8Array(Float32Array.from(values).buffer) };
  const bits = new Uint16Array(values.length);
  for (let i = 0; i < values.length; i++) bits[i] = dtype === 'float16' ? f32ToF16Bits(values[i]) : f32ToBf16Bits(values[i]);
  return { dtype, shape, bytes: new Uint8Array(bits.buffer) };
}

/** merge_lora(params, lora, scale): the base with every adapted kernel replaced by its merged value. */
export function mergeLora(base: Needle2Checkpoint, adapter: LoraAdapter): Needle2Checkpoint {
  const where = adapter.source.path;
  const params = new Map(base.params);
  const scale = Math.fround(adapter.scale); // a Python float meets float32 arrays as float32
  for (const [key, { A, B }] of adapter.lora) {
    const w = base.params.get(key);
    if (!w) throw new CheckpointError(`${where}: adapter tunes ${key}, which the base checkpoint ${base.source.path} does not have`);
    const rank = A.shape[A.shape.length - 1];
    const lead = w.shape.slice(0, -2);
    const [inDim, outDim] = w.shape.slice(-2);
    const expectA = [...lead, inDim, rank];
    const expectB = [...lead, rank, outDim];
    if (w.shape.length < 2 || A.shape.join() !== expectA.join() || B.shape.join() !== expectB.join()) {
      throw new CheckpointError(`${where}: adapter for ${key} has A [${A.shape.join(', ')}] and B [${B.shape.join(', ')}]; the base kernel [${w.shape.join(', ')}] needs A [${expectA.join(', ')}] and B [${expectB.join(', ')}]`);
    }
    const a = tensorToFloat32(A);
    const b = tensorToFloat32(B);
    const wv = tensorToFloat32(w);
    const out = new Float64Array(numel(w.shape));
    const batches = numel(lead);
    for (let l = 0; l < batches; l++) {
      for (let i = 0; i < inDim; i++) {
        for (let j = 0; j < outDim; j++) {
          let s = 0;
          for (let r = 0; r < rank; r++) s += a[(l * inDim + i) * rank + r] * b[(l * rank + r) * outDim + j];
          const at = (l * inDim + i) * outDim + j;
          const delta = roundTo(w.dtype, Math.fround(scale * Math.fround(s)));
          out[at] = roundTo(w.dtype, wv[at] + delta);
        }
      }
    }
    params.set(key, store(w.dtype, out, [...w.shape]));
  }
  return { ...base, params, meta: { ...base.meta, lora: adapter.source.path, lora_sha256: adapter.source.sha256 } };
}
