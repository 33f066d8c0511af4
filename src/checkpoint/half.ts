// float16 / bfloat16 <-> float32 conversion. Checkpoints store float16 (Needle) and sometimes
// bfloat16; the runtime computes in float32. Node 20 has no Float16Array, so this is done by hand:
// a 65,536-entry table for fp16 -> fp32 (every half value, computed once) and bit-exact
// round-to-nearest-even for the way back.

const scratchF32 = new Float32Array(1);
const scratchU32 = new Uint32Array(scratchF32.buffer);

function halfBitsToNumber(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exp = (h >>> 10) & 0x1f;
  const mant = h & 0x3ff;
  if (exp === 0) return sign * mant * 2 ** -24;
  if (exp === 31) return mant ? NaN : sign * Infinity;
  return sign * (1 + mant / 1024) * 2 ** (exp - 15);
}

/** FP16_TO_F32[bits] is the float32 value of that half-precision bit pattern. */
export const FP16_TO_F32: Float32Array = (() => {
  const table = new Float32Array(65536);
  for (let h = 0; h < 65536; h++) table[h] = halfBitsToNumber(h);
  return table;
})();

export function f16BitsToF32(bits: number): number {
  return FP16_TO_F32[bits & 0xffff];
}

/** float32 (the number is first rounded to float32) -> float16 bits, round-to-nearest-even. */
export function f32ToF16Bits(value: number): number {
  scratchF32[0] = value;
  const x = scratchU32[0];
  const sign = (x >>> 16) & 0x8000;
  const exp = (x >>> 23) & 0xff;
  const mant = x & 0x7fffff;
  if (exp === 0xff) return sign | 0x7c00 | (mant ? 0x200 : 0); // Inf / quiet NaN
  const e = exp - 112; // rebias 127 -> 15
  if (e >= 31) return sign | 0x7c00; // overflow -> Inf
  if (e <= 0) {
    // Half subnormal (or zero): value / 2^-24, rounded.
    const shift = 126 - exp;
    if (shift > 24) return sign;
    const m24 = mant | 0x800000;
    let h = m24 >>> shift;
    const rem = m24 & ((1 << shift) - 1);
    const halfway = 1 << (shift - 1);
    if (rem > halfway || (rem === halfway && h & 1)) h++;
    return sign | h;
  }
  let h = (e << 10) | (mant >>> 13);
  const rem = mant & 0x1fff;
  if (rem > 0x1000 || (rem === 0x1000 && h & 1)) h++; // may carry into the exponent: correct
  return sign | h;
}

export function bf16BitsToF32(bits: number): number {
  scratchU32[0] = (bits & 0xffff) << 16;
  return scratchF32[0];
}

/** float32 -> bfloat16 bits, round-to-nearest-even (NaN stays NaN). */
export function f32ToBf16Bits(value: number): number {
  scratchF32[0] = value;
  const x = scratchU32[0];
  if ((x & 0x7f800000) === 0x7f800000 && x & 0x7fffff) return ((x >>> 16) & 0x8000) | 0x7fc0;
  return ((x + 0x7fff + ((x >>> 16) & 1)) >>> 16) & 0xffff;
}

function requireEven(bytes: Uint8Array, what: string): void {
  if (bytes.length % 2 !== 0) throw new RangeError(`${what}: byte length ${bytes.length} is not a multiple of 2`);
}

/** Little-endian float16 bytes (any alignment) -> Float32Array. */
export function f16BytesToF32(bytes: Uint8Array): Float32Array {
  requireEven(bytes, 'float16 data');
  const n = bytes.length >>> 1;
  const out = new Float32Array(n);
  for (let i = 0, j = 0; i < n; i++, j += 2) out[i] = FP16_TO_F32[bytes[j] | (bytes[j + 1] << 8)];
  return out;
}

/** Little-endian bfloat16 bytes (any alignment) -> Float32Array. */
export function bf16BytesToF32(bytes: Uint8Array): Float32Array {
  requireEven(bytes, 'bfloat16 data');
  const n = bytes.length >>> 1;
  const out = new Float32Array(n);
  const bits = new Uint32Array(out.buffer);
  for (let i = 0, j = 0; i < n; i++, j += 2) bits[i] = (bytes[j] | (bytes[j + 1] << 8)) << 16;
  return out;
}

/** Float32 values -> little-endian float16 bytes. */
export function f32ToF16Bytes(values: ArrayLike<number>): Uint8Array {
  const out = new Uint8Array(values.length * 2);
  for (let i = 0, j = 0; i < values.length; i++, j += 2) {
    const h = f32ToF16Bits(values[i]);
    out[j] = h & 0xff;
    out[j + 1] = h >>> 8;
  }
  return out;
}

/** Float32 values -> little-endian bfloat16 bytes. */
export function f32ToBf16Bytes(values: ArrayLike<number>): Uint8Array {
  const out = new Uint8Array(values.length * 2);
  for (let i = 0, j = 0; i < values.length; i++, j += 2) {
    const h = f32ToBf16Bits(values[i]);
    out[j] = h & 0xff;
    out[j + 1] = h >>> 8;
  }
  return out;
}
