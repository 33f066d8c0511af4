// A minimal protobuf wire-format reader: just what a SentencePiece ModelProto needs (varints,
// fixed32 floats, length-delimited strings/bytes/sub-messages) with errors that name the byte
// offset and field. Hand-written instead of protobufjs because the schema is tiny and frozen, and a
// direct reader gives precise error messages on truncated or corrupted files.

import { SentencePieceError } from './errors.ts';

export const WIRE_VARINT = 0;
export const WIRE_FIXED64 = 1;
export const WIRE_LEN = 2;
export const WIRE_FIXED32 = 5;

export interface WireField {
  field: number;
  wire: number;
  /** Byte offset of the field's tag in the whole buffer (for error messages). */
  offset: number;
  /** Varint value (wire 0), as a JS number (exact below 2^53). */
  varint?: number;
  /** The varint's low 32 bits read as a signed int32 (how int32 fields store negatives). */
  int32?: number;
  /** Payload bytes (wire 2: the content; wire 1/5: the raw 8/4 bytes). */
  bytes?: Uint8Array;
}

export class ProtobufError extends SentencePieceError {}

/** Iterates over the fields of one message. `base` is the message's offset in the whole file. */
export function* readFields(buf: Uint8Array, base = 0, what = 'message'): Generator<WireField> {
  let pos = 0;
  const fail = (msg: string): never => {
    throw new ProtobufError(`${what}: ${msg} at byte ${base + pos}`);
  };
  let low32 = 0;
  const readVarint = (): number => {
    let result = 0;
    let mul = 1;
    low32 = 0;
    for (let i = 0; i < 10; i++) {
      if (pos >= buf.length) fail('truncated varint');
      const b = buf[pos++];
      result += (b & 0x7f) * mul;
      if (i < 5) low32 |= (b & 0x7f) << (7 * i);
      mul *= 128;
      if (b < 0x80) return result;
    }
    return fail('varint longer than 10 bytes');
  };
  while (pos < buf.length) {
    const offset = base + pos;
    const key = readVarint();
    const field = Math.floor(key / 8);
    const wire = key % 8;
    if (field === 0) fail('field number 0');
    switch (wire) {
      case WIRE_VARINT:
        yield { field, wire, offset, varint: readVarint(), int32: low32 | 0 };
        break;
      case WIRE_FIXED64:
      case WIRE_FIXED32: {
        const n = wire === WIRE_FIXED64 ? 8 : 4;
        if (pos + n > buf.length) fail(`truncated fixed${n * 8} field ${field}`);
        yield { field, wire, offset, bytes: buf.subarray(pos, pos + n) };
        pos += n;
        break;
      }
      case WIRE_LEN: {
        const len = readVarint();
        if (pos + len > buf.length) fail(`field ${field} declares ${len} bytes but only ${buf.length - pos} remain`);
        yield { field, wire, offset, bytes: buf.subarray(pos, pos + len) };
        pos += len;
        break;
      }
      default:
        fail(`unsupported wire type ${wire} for field ${field}`);
    }
  }
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

export function fieldString(f: WireField, what: string): string {
  if (f.wire !== WIRE_LEN || !f.bytes) throw new ProtobufError(`${what}: expected a string at byte ${f.offset}`);
  try {
    return utf8.decode(f.bytes);
  } catch {
    throw new ProtobufError(`${what}: invalid UTF-8 string at byte ${f.offset}`);
  }
}

export function fieldFloat(f: WireField, what: string): number {
  if (f.wire !== WIRE_FIXED32 || !f.bytes) throw new ProtobufError(`${what}: expected a float at byte ${f.offset}`);
  return new DataView(f.bytes.buffer, f.bytes.byteOffset, 4).getFloat32(0, true);
}

export function fieldInt(f: WireField, what: string): number {
  if (f.wire !== WIRE_VARINT || f.int32 === undefined) {
    throw new ProtobufError(`${what}: expected a varint at byte ${f.offset}`);
  }
  // int32 fields encode negatives as 10-byte two's complement varints: the low 32 bits are exact.
  return f.int32;
}

export function fieldBool(f: WireField, what: string): boolean {
  return fieldInt(f, what) !== 0;
}
