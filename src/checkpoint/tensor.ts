// The Tensor type every checkpoint format produces (raw little-endian C-order bytes + dtype + shape)
// and helpers over it.
import { bf16BytesToF32, f16BytesToF32, f32ToBf16Bytes, f32ToF16Bytes } from './half.ts';

export type DType = 'float16' | 'bfloat16' | 'float32' | 'float64' | 'int8' | 'uint8' | 'int16' | 'int32' | 'int64' | 'bool';

export interface Tensor {
  dtype: DType;
  shape: number[];
  /** Raw little-endian bytes, C order, as stored. */
  bytes: Uint8Array;
}


export const DTYPE_ITEMSIZE: Record<DType, number> = {
  float16: 2,
  bfloat16: 2,
  float32: 4,
  float64: 8,
  int8: 1,
  uint8: 1,
  int16: 2,
  int32: 4,
  int64: 8,
  bool: 1,
};

/** Number of elements of a shape ([] is a scalar: 1). */
export function numel(shape: readonly number[]): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

export function byteLength(dtype: DType, shape: readonly number[]): number {
  return numel(shape) * DTYPE_ITEMSIZE[dtype];
}

/** Copy into a fresh ArrayBuffer so typed-array views are aligned whatever the source offset. */
function aligned(bytes: Uint8Array): ArrayBuffer {
  // Not bytes.slice(): on a Node Buffer, slice() is a view of the shared pool, not a copy.
  const copy = new Uint8Array(bytes.length);
  copy.set(bytes);
  return copy.buffer;
}

/** Any numeric tensor as float32 values (int64 via Number: exact below 2^53). */
export function tensorToFloat32(t: Tensor): Float32Array {
  const b = t.bytes;
  switch (t.dtype) {
    case 'float16':
      return f16BytesToF32(b);
    case 'bfloat16':
      return bf16BytesToF32(b);
    case 'float32':
      return new Float32Array(aligned(b));
    case 'float64':
      return Float32Array.from(new Float64Array(aligned(b)));
    case 'int8':
      return Float32Array.from(new Int8Array(aligned(b)));
    case 'uint8':
    case 'bool':
      return Float32Array.from(b);
    case 'int16':
      return Float32Array.from(new Int16Array(aligned(b)));
    case 'int32':
      return Float32Array.from(new Int32Array(aligned(b)));
    case 'int64':
      return Float32Array.from(new BigInt64Array(aligned(b)), (v) => Number(v));
  }
}

/** Build a float tensor from values, stored as the given float dtype. */
export function floatTensor(values: ArrayLike<number>, shape: number[], dtype: 'float16' | 'bfloat16' | 'float32' = 'float32'): Tensor {
  if (values.length !== numel(shape)) {
    throw new RangeError(`floatTensor: ${values.length} values do not fill shape [${shape.join(',')}]`);
  }
  let bytes: Uint8Array;
  if (dtype === 'float16') bytes = f32ToF16Bytes(values);
  else if (dtype === 'bfloat16') bytes = f32ToBf16Bytes(values);
  else bytes = new Uint8Array(Float32Array.from(values).buffer);
  return { dtype, shape: [...shape], bytes };
}

export function sameTensor(a: Tensor, b: Tensor): boolean {
  return (
    a.dtype === b.dtype &&
    a.shape.length === b.shape.length &&
    a.shape.every((d, i) => d === b.shape[i]) &&
    Buffer.compare(Buffer.from(a.bytes.buffer, a.bytes.byteOffset, a.bytes.byteLength), Buffer.from(b.bytes.buffer, b.bytes.byteOffset, b.bytes.byteLength)) === 0
  );
}
