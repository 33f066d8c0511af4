// The `.cact` engine file (needle/model/export.py, write_export / read_export), read as read_export
// does: a 120-byte little-endian header with the architecture geometry, the shared CQ codebooks
// (cb2[4] | cb3[8] | cb4[16], f32, already / sqrt(group)), a nameless directory of 44-byte records
// {u8 dtype, u8 ndim, u16 pad, u32 shape[4], u64 offset, u64 nbytes, u32 group, u32 bits}, then the
// 64-byte aligned blobs. dtype 1 FP16, 2 FP32, 3 CQ (Cactus Quants: per-group L2 norm + codebook
// index of the Walsh-Hadamard-rotated unit vector, packed LSB-first), 4 RAW (the tokenizer).
// Every offset and length is checked before it is read: a corrupt or truncated file is refused with
// the byte offset and the reason.
import { f16BitsToF32 } from '../../checkpoint/half.ts';

export class CactError extends Error {
  override name = 'CactError';
}

export const CACT_TAG = 0x05e12a83;
export const HEADER_BYTES = 120;
export const RECORD_BYTES = 44;
export const DT_FP16 = 1;
export const DT_FP32 = 2;
export const DT_CQ = 3;
export const DT_RAW = 4;
/** Record bits value of the ternary (1.58-bit) CQ variant: 2-bit crumbs, analytic codebook. */
export const TERNARY_RECORD_BITS = 5;
const TERNARY_CENTROID = 1.2240064;
const CODEBOOK_BITS = [2, 3, 4];
const CODEBOOK_LEN = 4 + 8 + 16;

export interface CactHeader {
  numTensors: number;
  codebookLen: number;
  kvWindow: number;
  kvBits: number;
  vocab_size: number;
  d_model: number;
  num_heads: number;
  num_kv_heads: number;
  num_layers: number;
  head_dim: number;
  max_seq_len: number;
  hada_n: number;
  mhc_lanes: number;
  engram_slots: number;
  engram_sub_dim: number;
  num_engram_tables: number;
  engram_conv_taps: number;
  engram_conv_dilation: number;
  engram_orders: number[];
  engram_layers: number[];
  rope_theta: number;
}

export interface CactRecord {
  dtype: number;
  shape: number[];
  offset: number;
  nbytes: number;
  group: number;
  bits: number;
  /** Where the record itself sits in the file. */
  at: number;
}

/** A tensor as read_export returns it: float32 values (CQ dequantized, [out, in] as stored) or the RAW bytes. */
export type CactTensor = { kind: 'float'; shape: number[]; data: Float32Array; record: CactRecord } | { kind: 'raw'; bytes: Uint8Array; record: CactRecord };

export interface CactFile {
  header: CactHeader;
  codebook: Float32Array;
  tensors: CactTensor[];
}

class Reader {
  readonly view: DataView;
  constructor(
    readonly bytes: Uint8Array,
    readonly where: string,
  ) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }
  fail(at: number, reason: string): never {
    throw new CactError(`${this.where}: at byte ${at}: ${reason}`);
  }
  need(at: number, n: number, what: string): void {
    if (at + n > this.bytes.length) this.fail(at, `truncated: ${what} needs ${n} bytes, the file has ${Math.max(0, this.bytes.length - at)} left`);
  }
  u32(at: number): number {
    return this.view.getUint32(at, true);
  }
  u64(at: number): number {
    const lo = this.view.getUint32(at, true);
    const hi = this.view.getUint32(at + 4, true);
    if (hi >= 0x200000) this.fail(at, `64-bit value ${hi} * 2^32 + ${lo} is beyond any file`);
    return hi * 0x100000000 + lo;
  }
}

function parseHeader(r: Reader): CactHeader {
  r.need(0, HEADER_BYTES, 'the header');
  const tag = r.u32(0);
  if (tag !== CACT_TAG) r.fail(0, `bad tag 0x${tag.toString(16).padStart(8, '0')} (a .cact file starts with 0x${CACT_TAG.toString(16).padStart(8, '0')})`);
  const f = Array.from({ length: 29 }, (_, i) => r.u32(i * 4));
  const numOrders = f[19];
  const numSites = f[24];
  if (numOrders > 4) r.fail(19 * 4, `num_engram_orders ${numOrders} exceeds the 4 slots of the header`);
  if (numSites > 4) r.fail(24 * 4, `num_engram_sites ${numSites} exceeds the 4 slots of the header`);
  return {
    numTensors: f[1], codebookLen: f[2], kvWindow: f[3], kvBits: f[4],
    vocab_size: f[5], d_model: f[6], num_heads: f[7], num_kv_heads: f[8], num_layers: f[9], head_dim: f[10],
    max_seq_len: f[11], hada_n: f[12], mhc_lanes: f[13], engram_slots: f[14], engram_sub_dim: f[15],
    num_engram_tables: f[16], engram_conv_taps: f[17], engram_conv_dilation: f[18],
    engram_orders: f.slice(20, 20 + numOrders), engram_layers: f.slice(25, 25 + numSites),
    rope_theta: r.view.getFloat32(29 * 4, true),
  };
}

function cqRowBytes(inPad: number, bits: number): number {
  return bits === TERNARY_RECORD_BITS ? (inPad * 2) / 8 : (inPad * bits) / 8;
}

/** Dequantize one CQ record: w_group = (codebook[idx] * norm) @ H, H the orthonormal Walsh-Hadamard(group). */
function dequantCq(r: Reader, rec: CactRecord, codebooks: Map<number, Float32Array>): Float32Array {
  const [out, inDim] = rec.shape;
  const { group, bits } = rec;
  const inPad = Math.ceil(inDim / group) * group;
  const groups = inPad / group;
  const rowBytes = cqRowBytes(inPad, bits);
  const packedBytes = out * rowBytes;
  const cb = codebooks.get(bits) as Float32Array;
  const width = bits === TERNARY_RECORD_BITS ? 2 : bits;
  const mask = (1 << width) - 1;
  const h = Math.fround(1 / Math.sqrt(group));
  const w = new Float32Array(out * inDim);
  const rot = new Float64Array(group);
  for (let o = 0; o < out; o++) {
    const rowAt = rec.offset + o * rowBytes;
    for (let g = 0; g < groups; g++) {
      const normAt = rec.offset + packedBytes + (o * groups + g) * 2;
      const norm = f16BitsToF32(r.view.getUint16(normAt, true));
      for (let k = 0; k < group; k++) {
        const bit = (g * group + k) * width; // one continuous LSB-first bitstream per row
        const byte = rowAt + (bit >> 3);
        const word = r.bytes[byte] | ((byte + 1 < rowAt + rowBytes ? r.bytes[byte + 1] : 0) << 8);
        let idx = (word >> (bit & 7)) & mask;
        if (bits === TERNARY_RECORD_BITS) idx = idx === 3 ? 0 : idx + 1; // crumbs 3, 0, 1 are trits 0, 1, 2
        rot[k] = Math.fround(cb[idx] * norm);
      }
      // rot @ H: a fast Walsh-Hadamard transform (Sylvester order), then the 1/sqrt(group) scale.
      for (let s = 1; s < group; s *= 2) {
        for (let i = 0; i < group; i += 2 * s) {
          for (let j = i; j < i + s; j++) {
            const a = rot[j];
            const b = rot[j + s];
            rot[j] = a + b;
            rot[j + s] = a - b;
          }
        }
      }
      const base = g * group;
      for (let k = 0; k < group && base + k < inDim; k++) w[o * inDim + base + k] = rot[k] * h;
    }
  }
  return w;
}

function isPowerOfTwo(n: number): boolean {
  return n > 0 && (n & (n - 1)) === 0;
}

/** Parse a .cact file held in memory (read_export), validating every record before reading it. */
export function parseCact(bytes: Uint8Array, where = '.cact'): CactFile {
  const r = new Reader(bytes, where);
  const header = parseHeader(r);
  if (header.codebookLen !== CODEBOOK_LEN) r.fail(8, `codebook_len ${header.codebookLen}, expected ${CODEBOOK_LEN} (cb2[4] | cb3[8] | cb4[16])`);
  r.need(HEADER_BYTES, header.codebookLen * 4, 'the codebook');
  const codebook = new Float32Array(header.codebookLen);
  for (let i = 0; i < codebook.length; i++) codebook[i] = r.view.getFloat32(HEADER_BYTES + i * 4, true);
  const dirAt = HEADER_BYTES + header.codebookLen * 4;
  if (header.numTensors === 0) r.fail(4, 'num_tensors is 0');
  r.need(dirAt, header.numTensors * RECORD_BYTES, `the directory of ${header.numTensors} records`);
  const dataStart = dirAt + header.numTensors * RECORD_BYTES;

  const records: CactRecord[] = [];
  for (let i = 0; i < header.numTensors; i++) {
    const at = dirAt + i * RECORD_BYTES;
    const dtype = bytes[at];
    const ndim = bytes[at + 1];
    if (dtype < DT_FP16 || dtype > DT_RAW) r.fail(at, `record ${i}: unknown dtype ${dtype} (1 FP16, 2 FP32, 3 CQ, 4 RAW)`);
    if (ndim > 4) r.fail(at + 1, `record ${i}: ndim ${ndim} exceeds the 4 shape slots`);
    const shape = Array.from({ length: ndim }, (_, k) => r.u32(at + 4 + 4 * k));
    const rec: CactRecord = { dtype, shape, offset: r.u64(at + 20), nbytes: r.u64(at + 28), group: r.u32(at + 36), bits: r.u32(at + 40), at };
    if (rec.offset < dataStart) r.fail(at + 20, `record ${i}: blob offset ${rec.offset} lies inside the header/directory (data starts at ${dataStart})`);
    if (rec.offset + rec.nbytes > bytes.length) r.fail(at + 20, `record ${i}: blob [${rec.offset}, ${rec.offset + rec.nbytes}) runs past the end of the file (${bytes.length} bytes): truncated`);
    const count = shape.reduce((a, b) => a * b, 1);
    if (dtype === DT_FP16 && rec.nbytes !== count * 2) r.fail(at + 28, `record ${i}: FP16 [${shape.join(', ')}] needs ${count * 2} bytes, the record says ${rec.nbytes}`);
    if (dtype === DT_FP32 && rec.nbytes !== count * 4) r.fail(at + 28, `record ${i}: FP32 [${shape.join(', ')}] needs ${count * 4} bytes, the record says ${rec.nbytes}`);
    if (dtype === DT_CQ) {
      if (ndim !== 2) r.fail(at + 1, `record ${i}: a CQ tensor is a [out, in] matrix, got ndim ${ndim}`);
      if (![2, 3, 4, TERNARY_RECORD_BITS].includes(rec.bits)) r.fail(at + 40, `record ${i}: CQ bits ${rec.bits} (2, 3, 4, or 5 = ternary)`);
      if (!isPowerOfTwo(rec.group) || rec.group < 8) r.fail(at + 36, `record ${i}: CQ group ${rec.group} is not a power of two >= 8 (the Walsh-Hadamard rotation needs one)`);
      const inPad = Math.ceil(shape[1] / rec.group) * rec.group;
      const expected = shape[0] * cqRowBytes(inPad, rec.bits) + shape[0] * (inPad / rec.group) * 2;
      if (rec.nbytes !== expected) r.fail(at + 28, `record ${i}: CQ [${shape.join(', ')}] at ${rec.bits} bits, group ${rec.group} needs ${expected} bytes (indices + FP16 norms), the record says ${rec.nbytes}`);
    }
    records.push(rec);
  }

  // The header's codebooks serve one group size; read_export recomputes them for each record's group,
  // which is the same thing as long as every CQ record uses the group they were made for.
  const cqGroups = new Set(records.filter((x) => x.dtype === DT_CQ).map((x) => x.group));
  if (cqGroups.size > 1) r.fail(records.find((x) => x.dtype === DT_CQ)?.at ?? dirAt, `CQ records use group sizes ${[...cqGroups].join(', ')}; the header carries codebooks for one`);
  const codebooks = new Map<number, Float32Array>();
  let o = 0;
  for (const b of CODEBOOK_BITS) {
    codebooks.set(b, codebook.subarray(o, o + (1 << b)));
    o += 1 << b;
  }
  const group = [...cqGroups][0] ?? 128;
  codebooks.set(TERNARY_RECORD_BITS, Float32Array.from([-TERNARY_CENTROID, 0, TERNARY_CENTROID], (c) => Math.fround(c / Math.sqrt(group))));

  const tensors: CactTensor[] = records.map((rec) => {
    const blob = bytes.subarray(rec.offset, rec.offset + rec.nbytes);
    if (rec.dtype === DT_RAW) return { kind: 'raw', bytes: blob, record: rec };
    if (rec.dtype === DT_CQ) return { kind: 'float', shape: rec.shape, data: dequantCq(r, rec, codebooks), record: rec };
    const count = rec.shape.reduce((a, b) => a * b, 1);
    const data = new Float32Array(count);
    const v = new DataView(blob.buffer, blob.byteOffset, blob.byteLength);
    for (let i = 0; i < count; i++) data[i] = rec.dtype === DT_FP16 ? f16BitsToF32(v.getUint16(i * 2, true)) : v.getFloat32(i * 4, true);
    return { kind: 'float', shape: rec.shape, data, record: rec };
  });
  return { header, codebook, tensors };
}

// ---- the RAW tokenizer blob (export._tokenizer_blob / parse_tokenizer_blob)

export const TK_NORMAL = 0;
export const TK_UNKNOWN = 1;
export const TK_CONTROL = 2;
export const TK_USER_DEFINED = 3;
export const TK_BYTE = 4;

export interface CactTokenizer {
  pieces: string[];
  scores: number[];
  types: number[];
  padId: number;
  eosId: number;
  bosId: number;
  unkId: number;
  addDummyPrefix: boolean;
  byteFallback: boolean;
}

const TK_HEADER_BYTES = 24;
const TK_RECORD_BYTES = 7;
const utf8 = new TextDecoder('utf-8', { fatal: true });

/** Parse the tokenizer blob; `base` is its offset in the file, so errors point into the file. */
export function parseTokenizerBlob(blob: Uint8Array, where = '.cact tokenizer', base = 0): CactTokenizer {
  const v = new DataView(blob.buffer, blob.byteOffset, blob.byteLength);
  const fail = (at: number, reason: string): never => {
    throw new CactError(`${where}: at byte ${base + at}: tokenizer blob: ${reason}`);
  };
  if (blob.length < TK_HEADER_BYTES) fail(0, `truncated: the header needs ${TK_HEADER_BYTES} bytes, the blob has ${blob.length}`);
  const n = v.getUint32(0, true);
  const ids = [1, 2, 3, 4].map((i) => v.getUint32(i * 4, true));
  if (n > blob.length / TK_RECORD_BYTES) fail(0, `${n} pieces cannot fit in ${blob.length} bytes`);
  const tk: CactTokenizer = {
    pieces: [], scores: [], types: [], padId: ids[0], eosId: ids[1], bosId: ids[2], unkId: ids[3],
    addDummyPrefix: blob[20] !== 0, byteFallback: blob[21] !== 0,
  };
  for (const [name, id] of [['pad', ids[0]], ['eos', ids[1]], ['bos', ids[2]], ['unk', ids[3]]] as const) {
    if (id >= n) fail(4, `${name} id ${id} is outside the ${n} pieces`);
  }
  let off = TK_HEADER_BYTES;
  for (let i = 0; i < n; i++) {
    if (off + TK_RECORD_BYTES > blob.length) fail(off, `truncated at piece ${i} of ${n}`);
    const score = v.getFloat32(off, true);
    const type = blob[off + 4];
    const len = v.getUint16(off + 5, true);
    if (type > TK_BYTE) fail(off + 4, `piece ${i}: unknown type ${type}`);
    off += TK_RECORD_BYTES;
    if (off + len > blob.length) fail(off, `piece ${i}: ${len} bytes of text run past the end of the blob: truncated`);
    let piece: string;
    try {
      piece = utf8.decode(blob.subarray(off, off + len));
    } catch {
      fail(off, `piece ${i} is not valid UTF-8`);
    }
    tk.pieces.push(piece!);
    tk.scores.push(score);
    tk.types.push(type);
    off += len;
  }
  if (off !== blob.length) fail(off, `${blob.length - off} bytes after the last piece`);
  return tk;
}
