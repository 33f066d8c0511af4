// safetensors read/write (https://huggingface.co/docs/safetensors): 8-byte little-endian header
// length, a JSON header {name: {dtype, shape, data_offsets: [begin, end]}, __metadata__: {str: str}},
// then the raw little-endian C-order data. The reader validates everything the format promises
// (as the reference Rust implementation does: tensors tile the data section exactly) and names the
// problem, so a corrupt or hostile file is refused rather than misread.
import { readFile, writeFile } from 'node:fs/promises';
import type { DType, Tensor } from './tensor.ts';
import { DTYPE_ITEMSIZE, numel } from './tensor.ts';

export class SafetensorsError extends Error {
  override name = 'SafetensorsError';
}

export interface SafetensorsFile {
  tensors: Map<string, Tensor>;
  metadata: Record<string, string>;
}

const TO_DTYPE: Record<string, DType> = {
  F16: 'float16', BF16: 'bfloat16', F32: 'float32', F64: 'float64',
  I8: 'int8', U8: 'uint8', I16: 'int16', I32: 'int32', I64: 'int64', BOOL: 'bool',
};
const FROM_DTYPE = Object.fromEntries(Object.entries(TO_DTYPE).map(([k, v]) => [v, k])) as Record<DType, string>;

/** Same limit as the reference implementation: headers beyond 100 MB are refused. */
export const MAX_HEADER_BYTES = 100_000_000;

const utf8 = new TextDecoder('utf-8', { fatal: true });

interface Entry {
  name: string;
  dtype: DType;
  shape: number[];
  begin: number;
  end: number;
}

function parseEntry(where: string, name: string, raw: unknown, dataLength: number): Entry {
  const at = `${where}: tensor '${name}'`;
  if (name === '') throw new SafetensorsError(`${where}: empty tensor name`);
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) throw new SafetensorsError(`${at}: entry is not an object`);
  const e = raw as Record<string, unknown>;
  const dtype = typeof e.dtype === 'string' ? TO_DTYPE[e.dtype] : undefined;
  if (!dtype) throw new SafetensorsError(`${at}: unsupported dtype ${JSON.stringify(e.dtype)} (supported: ${Object.keys(TO_DTYPE).join(', ')})`);
  if (!Array.isArray(e.shape) || !e.shape.every((d) => Number.isSafeInteger(d) && (d as number) >= 0)) {
    throw new SafetensorsError(`${at}: shape must be a list of non-negative integers, got ${JSON.stringify(e.shape)}`);
  }
  const shape = e.shape as number[];
  const offsets = e.data_offsets;
  if (!Array.isArray(offsets) || offsets.length !== 2 || !offsets.every((o) => Number.isSafeInteger(o) && (o as number) >= 0)) {
    throw new SafetensorsError(`${at}: data_offsets must be [begin, end] non-negative integers, got ${JSON.stringify(offsets)}`);
  }
  const [begin, end] = offsets as [number, number];
  if (begin > end) throw new SafetensorsError(`${at}: data_offsets [${begin}, ${end}] end before they begin`);
  if (end > dataLength) throw new SafetensorsError(`${at}: data_offsets [${begin}, ${end}] run past the end of the data (${dataLength} bytes)`);
  const expected = numel(shape) * DTYPE_ITEMSIZE[dtype];
  if (end - begin !== expected) {
    throw new SafetensorsError(`${at}: ${end - begin} bytes for shape [${shape.join(', ')}] of ${e.dtype} (expected ${expected})`);
  }
  for (const key of Object.keys(e)) {
    if (key !== 'dtype' && key !== 'shape' && key !== 'data_offsets') throw new SafetensorsError(`${at}: unknown field '${key}'`);
  }
  return { name, dtype, shape, begin, end };
}

/** Parse a whole safetensors file held in memory; tensor bytes are views into `bytes`. */
export function parseSafetensors(input: Uint8Array, where = 'safetensors'): SafetensorsFile {
  const bytes = new Uint8Array(input.buffer, input.byteOffset, input.byteLength); // not a Node Buffer
  if (bytes.length < 8) throw new SafetensorsError(`${where}: ${bytes.length} bytes is too short for the 8-byte header length`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const headerLength = view.getBigUint64(0, true);
  if (headerLength > BigInt(MAX_HEADER_BYTES)) throw new SafetensorsError(`${where}: header length ${headerLength} exceeds the ${MAX_HEADER_BYTES}-byte limit`);
  const n = Number(headerLength);
  if (n > bytes.length - 8) throw new SafetensorsError(`${where}: header length ${n} exceeds the file (${bytes.length - 8} bytes after the length)`);
  if (n < 2) throw new SafetensorsError(`${where}: header length ${n} is too small for a JSON object`);
  let header: unknown;
  try {
    const text = utf8.decode(bytes.subarray(8, 8 + n));
    if (!text.startsWith('{')) throw new SafetensorsError('header does not start with {');
    header = JSON.parse(text);
  } catch (e) {
    throw new SafetensorsError(`${where}: header is not valid UTF-8 JSON (${(e as Error).message})`);
  }
  if (header === null || typeof header !== 'object' || Array.isArray(header)) throw new SafetensorsError(`${where}: header is not a JSON object`);

  const dataStart = 8 + n;
  const dataLength = bytes.length - dataStart;
  const metadata: Record<string, string> = {};
  const entries: Entry[] = [];
  for (const [name, raw] of Object.entries(header as Record<string, unknown>)) {
    if (name === '__metadata__') {
      if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) throw new SafetensorsError(`${where}: __metadata__ is not an object`);
      for (const [k, v] of Object.entries(raw as Record<string, unknown>)) {
        if (typeof v !== 'string') throw new SafetensorsError(`${where}: __metadata__.${k} is not a string`);
        metadata[k] = v;
      }
      continue;
    }
    entries.push(parseEntry(where, name, raw, dataLength));
  }

  // Tensors must tile the data section: no overlaps, no holes, nothing after the last one.
  const sorted = [...entries].sort((a, b) => a.begin - b.begin || a.end - b.end);
  let cursor = 0;
  for (const e of sorted) {
    if (e.begin < cursor) throw new SafetensorsError(`${where}: tensor '${e.name}' [${e.begin}, ${e.end}] overlaps the previous tensor (which ends at ${cursor})`);
    if (e.begin > cursor) throw new SafetensorsError(`${where}: ${e.begin - cursor} unused bytes before tensor '${e.name}' at offset ${cursor}`);
    cursor = e.end;
  }
  if (cursor !== dataLength) throw new SafetensorsError(`${where}: ${dataLength - cursor} bytes after the last tensor are not described by the header`);

  const tensors = new Map<string, Tensor>();
  for (const e of entries) {
    const data = bytes.subarray(dataStart + e.begin, dataStart + e.end);
    if (e.dtype === 'bool' && data.some((b) => b > 1)) throw new SafetensorsError(`${where}: tensor '${e.name}' is BOOL but holds bytes other than 0/1`);
    tensors.set(e.name, { dtype: e.dtype, shape: e.shape, bytes: data });
  }
  return { tensors, metadata };
}

/** Serialize tensors (data laid out in key order) with optional string metadata. */
export function serializeSafetensors(tensors: Map<string, Tensor>, metadata: Record<string, string> = {}): Uint8Array {
  const header: Record<string, unknown> = {};
  if (Object.keys(metadata).length) header.__metadata__ = metadata;
  const names = [...tensors.keys()].sort();
  let offset = 0;
  for (const name of names) {
    if (name === '__metadata__' || name === '') throw new SafetensorsError(`cannot write a tensor named '${name}'`);
    const t = tensors.get(name) as Tensor;
    const expected = numel(t.shape) * DTYPE_ITEMSIZE[t.dtype];
    if (t.bytes.length !== expected) throw new SafetensorsError(`tensor '${name}': ${t.bytes.length} bytes for shape [${t.shape.join(', ')}] of ${t.dtype} (expected ${expected})`);
    header[name] = { dtype: FROM_DTYPE[t.dtype], shape: t.shape, data_offsets: [offset, offset + t.bytes.length] };
    offset += t.bytes.length;
  }
  let json = Buffer.from(JSON.stringify(header), 'utf8');
  const pad = (8 - (json.length % 8)) % 8; // keep the data 8-byte aligned, as the reference writer does
  if (pad) json = Buffer.concat([json, Buffer.alloc(pad, 0x20)]);
  const out = new Uint8Array(8 + json.length + offset);
  new DataView(out.buffer).setBigUint64(0, BigInt(json.length), true);
  out.set(json, 8);
  let at = 8 + json.length;
  for (const name of names) {
    const t = tensors.get(name) as Tensor;
    out.set(t.bytes, at);
    at += t.bytes.length;
  }
  return out;
}

export async function readSafetensors(path: string): Promise<SafetensorsFile> {
  return parseSafetensors(await readFile(path), path);
}

export async function writeSafetensors(path: string, tensors: Map<string, Tensor>, metadata: Record<string, string> = {}): Promise<void> {
  await writeFile(path, serializeSafetensors(tensors, metadata));
}
