import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { bf16BitsToF32, bf16BytesToF32, f16BytesToF32, f32ToBf16Bits, f32ToF16Bits, f32ToF16Bytes, FP16_TO_F32 } from '../../src/checkpoint/half.ts';

// Independent reference for rounding: the nearest of the two neighbouring representable values,
// ties to the even bit pattern — computed with float64 distances, no bit tricks.
function nearestOf(x: number, lo: number, loBits: number, hi: number, hiBits: number): number {
  const dl = Math.abs(x - lo);
  const dh = Math.abs(hi - x);
  if (dl < dh) return loBits;
  if (dh < dl) return hiBits;
  return loBits % 2 === 0 ? loBits : hiBits;
}

const positiveHalves: Array<{ v: number; bits: number }> = [];
for (let h = 0; h < 0x7c00; h++) positiveHalves.push({ v: FP16_TO_F32[h], bits: h });

function refF16(x: number): number {
  const x32 = Math.fround(x);
  const sign = x32 < 0 || Object.is(x32, -0) ? 0x8000 : 0;
  const a = Math.abs(x32);
  const maxHalf = 65504;
  if (a >= maxHalf + 16) return sign | 0x7c00; // halfway to the next (virtual) step rounds to Inf
  if (a >= maxHalf) return sign | 0x7bff;
  let lo = 0;
  let hi = positiveHalves.length - 1;
  while (hi - lo > 1) {
    const mid = (lo + hi) >> 1;
    if (positiveHalves[mid].v <= a) lo = mid;
    else hi = mid;
  }
  return sign | nearestOf(a, positiveHalves[lo].v, lo, positiveHalves[hi].v, hi);
}

describe('float16', () => {
  it('decodes known bit patterns', () => {
    expect(FP16_TO_F32[0x3c00]).toBe(1);
    expect(FP16_TO_F32[0xc000]).toBe(-2);
    expect(FP16_TO_F32[0x7bff]).toBe(65504);
    expect(FP16_TO_F32[0x0001]).toBe(2 ** -24);
    expect(FP16_TO_F32[0x0400]).toBe(2 ** -14);
    expect(FP16_TO_F32[0x7c00]).toBe(Infinity);
    expect(FP16_TO_F32[0xfc00]).toBe(-Infinity);
    expect(Number.isNaN(FP16_TO_F32[0x7e00])).toBe(true);
    expect(Object.is(FP16_TO_F32[0x8000], -0)).toBe(true);
  });

  it('round-trips every finite half exactly', () => {
    for (let h = 0; h < 65536; h++) {
      if ((h & 0x7c00) === 0x7c00 && h & 0x3ff) continue; // NaN payloads are not preserved
      if (f32ToF16Bits(FP16_TO_F32[h]) !== h) throw new Error(`bits 0x${h.toString(16)} did not round-trip`);
    }
  });

  it('rounds to nearest, ties to even, like an exhaustive search', () => {
    fc.assert(
      fc.property(fc.float({ noNaN: true, min: -70000, max: 70000 }), (x) => f32ToF16Bits(x) === refF16(x)),
      { numRuns: 20000 },
    );
    // Exact ties: halfway between 1 and the next half (1 + 2^-10) rounds to even (1).
    expect(f32ToF16Bits(1 + 2 ** -11)).toBe(0x3c00);
    expect(f32ToF16Bits(1 + 3 * 2 ** -11)).toBe(0x3c02);
    expect(f32ToF16Bits(2 ** -25)).toBe(0); // halfway to the smallest subnormal: even is 0
    expect(f32ToF16Bits(1.5 * 2 ** -25)).toBe(1);
    expect(f32ToF16Bits(65520)).toBe(0x7c00);
    expect(f32ToF16Bits(NaN) & 0x7e00).toBe(0x7e00);
  });

  it('converts byte arrays at any alignment', () => {
    const values = [0, 1, -2.5, 1024, 6e-5];
    const bytes = f32ToF16Bytes(values);
    const shifted = new Uint8Array(bytes.length + 1);
    shifted.set(bytes, 1);
    expect(Array.from(f16BytesToF32(shifted.subarray(1)))).toEqual(values.map((v) => FP16_TO_F32[refF16(v)]));
    expect(() => f16BytesToF32(new Uint8Array(3))).toThrow(/multiple of 2/);
  });
});

describe('bfloat16', () => {
  function refBf16(x: number): number {
    const f = new Float32Array([x]);
    const bits = new Uint32Array(f.buffer)[0];
    const lo = bits >>> 16;
    const hi = lo + 1;
    const toF = (b: number) => new Float32Array(new Uint32Array([b << 16]).buffer)[0];
    const a = Math.fround(x);
    const loV = toF(lo);
    const hiV = hi & 0x7f80 && (hi & 0x7f80) === 0x7f80 && hi & 0x7f ? Infinity : toF(hi);
    return nearestOf(a, loV, lo, hiV, hi & 0xffff);
  }

  it('decodes and rounds like a nearest-neighbour reference', () => {
    expect(bf16BitsToF32(0x3f80)).toBe(1);
    expect(bf16BitsToF32(0xc040)).toBe(-3);
    fc.assert(
      fc.property(fc.float({ noNaN: true, noDefaultInfinity: true, min: Math.fround(-1e30), max: Math.fround(1e30) }), (x) => f32ToBf16Bits(x) === refBf16(x)),
      { numRuns: 20000 },
    );
    expect(Number.isNaN(bf16BitsToF32(f32ToBf16Bits(NaN)))).toBe(true);
    expect(Array.from(bf16BytesToF32(new Uint8Array([0x80, 0x3f, 0x00, 0xc0])))).toEqual([1, -2]);
  });
});
