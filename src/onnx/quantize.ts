// Block-wise symmetric weight quantization into com.microsoft MatMulNBits' layout.
//
// Scheme (mirrors Needle's quantization-aware training, needle/training: `_fake_quantize_int4/int8`):
// a dense kernel W (in=K, out=N) is cut into blocks of `blockSize` consecutive input rows per output
// column; each block has scale = max(absmax / qmax, 1e-8) with qmax = 7 (int4) or 127 (int8), and
// codes q = clip(round_half_even(w / scale), -2^(bits-1), qmax). No zero points: MatMulNBits' default
// zero point 2^(bits-1) turns the stored unsigned code u = q + 2^(bits-1) back into q.

export interface BlockQuantized {
  /** [N, K/blockSize, blockSize·bits/8] uint8, 4-bit codes low nibble first. */
  packed: Uint8Array;
  /** [N · K/blockSize] float32, row-major by output column. */
  scales: Float32Array;
  K: number;
  N: number;
  bits: 4 | 8;
  blockSize: number;
}

function roundHalfEven(x: number): number {
  const r = Math.round(x);
  return Math.abs(x - Math.trunc(x)) === 0.5 ? 2 * Math.round(x / 2) : r;
}

/** Quantizes a row-major (K, N) kernel — Flax's (in, out) layout. */
export function quantizeKernel(kernel: Float32Array, K: number, N: number, bits: 4 | 8, blockSize = 32): BlockQuantized {
  if (kernel.length !== K * N) throw new Error(`quantizeKernel: kernel has ${kernel.length} values, expected ${K}x${N}`);
  if (K % blockSize !== 0) throw new Error(`quantizeKernel: K=${K} is not a multiple of the block size ${blockSize}`);
  const qmax = bits === 4 ? 7 : 127;
  const qmin = -(qmax + 1);
  const zero = qmax + 1;
  const blocks = K / blockSize;
  const blobBytes = (blockSize * bits) / 8;
  const packed = new Uint8Array(N * blocks * blobBytes);
  const scales = new Float32Array(N * blocks);
  const scale32 = new Float32Array(1);
  for (let n = 0; n < N; n++) {
    for (let b = 0; b < blocks; b++) {
      let absmax = 0;
      for (let i = 0; i < blockSize; i++) absmax = Math.max(absmax, Math.abs(kernel[(b * blockSize + i) * N + n]));
      scale32[0] = Math.max(absmax / qmax, 1e-8);
      const scale = scale32[0];
      scales[n * blocks + b] = scale;
      const base = (n * blocks + b) * blobBytes;
      for (let i = 0; i < blockSize; i++) {
        const q = Math.min(qmax, Math.max(qmin, roundHalfEven(kernel[(b * blockSize + i) * N + n] / scale)));
        const u = q + zero;
        if (bits === 8) packed[base + i] = u;
        else packed[base + (i >> 1)] |= i & 1 ? u << 4 : u;
      }
    }
  }
  return { packed, scales, K, N, bits, blockSize };
}

/** The float32 (K, N) kernel the quantized one stands for (for parity checks and plain-MatMul fallbacks). */
export function dequantizeKernel(q: BlockQuantized): Float32Array {
  const { K, N, bits, blockSize } = q;
  const blocks = K / blockSize;
  const blobBytes = (blockSize * bits) / 8;
  const zero = bits === 4 ? 8 : 128;
  const out = new Float32Array(K * N);
  for (let n = 0; n < N; n++) {
    for (let b = 0; b < blocks; b++) {
      const scale = q.scales[n * blocks + b];
      const base = (n * blocks + b) * blobBytes;
      for (let i = 0; i < blockSize; i++) {
        const u = bits === 8 ? q.packed[base + i] : (q.packed[base + (i >> 1)] >> (i & 1 ? 4 : 0)) & 0xf;
        out[(b * blockSize + i) * N + n] = Math.fround((u - zero) * scale);
      }
    }
  }
  return out;
}

/**
 * Quantizes a row-major (N, K) matrix whose rows are the output features (e.g. a tied embedding used as
 * the output layer, logits = x · Eᵀ): same scheme, blocks run along each row.
 */
export function quantizeRows(rows: Float32Array, N: number, K: number, bits: 4 | 8, blockSize = 32): BlockQuantized {
  // Transposing view: kernel[k, n] = rows[n, k].
  const kernel = new Float32Array(K * N);
  for (let n = 0; n < N; n++) for (let k = 0; k < K; k++) kernel[k * N + n] = rows[n * K + k];
  return quantizeKernel(kernel, K, N, bits, blockSize);
}
