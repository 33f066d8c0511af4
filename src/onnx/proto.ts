// Minimal protobuf encoder for the subset of onnx.proto the harness writes (ModelProto, GraphProto,
// NodeProto, AttributeProto, TensorProto, ValueInfoProto, OperatorSetIdProto).
//
// Hand-written rather than protobufjs + onnx.proto: we only ever *write* models, the subset is ~60
// lines of field numbers, and a chunked writer lets 100 MB of weights go from their Float32Arrays to
// the file with one final copy (no per-field object trees, no 2x memory). Field numbers follow
// onnx/onnx.proto (IR version 8+).

export enum DataType {
  FLOAT = 1,
  UINT8 = 2,
  INT8 = 3,
  UINT16 = 4,
  INT16 = 5,
  INT32 = 6,
  INT64 = 7,
  STRING = 8,
  BOOL = 9,
  FLOAT16 = 10,
  DOUBLE = 11,
  UINT32 = 12,
  UINT64 = 13,
  BFLOAT16 = 16,
}

enum AttributeType {
  FLOAT = 1,
  INT = 2,
  STRING = 3,
  TENSOR = 4,
  GRAPH = 5,
  FLOATS = 6,
  INTS = 7,
  STRINGS = 8,
}

export interface TensorProto {
  name: string;
  dataType: DataType;
  dims: number[];
  /** Little-endian raw bytes, C order. */
  raw: Uint8Array;
  /**
   * Stored outside the model file instead (ONNX external data: data_location EXTERNAL, `raw` not
   * written): `length` bytes at `offset` of the file `location`, relative to the model file.
   */
  external?: { location: string; offset: number; length: number };
}

export type AttributeValue =
  | { kind: 'float'; value: number }
  | { kind: 'int'; value: number }
  | { kind: 'string'; value: string }
  | { kind: 'floats'; value: number[] }
  | { kind: 'ints'; value: number[] }
  | { kind: 'strings'; value: string[] }
  | { kind: 'tensor'; value: TensorProto }
  | { kind: 'graph'; value: GraphProto };

export interface NodeProto {
  opType: string;
  domain?: string;
  name?: string;
  inputs: string[];
  outputs: string[];
  attributes?: Record<string, AttributeValue>;
}

/** A dimension is a fixed size or a symbolic name (dynamic axis). */
export type Dim = number | string;

export interface ValueInfoProto {
  name: string;
  elemType: DataType;
  shape?: Dim[];
}

export interface GraphProto {
  name: string;
  nodes: NodeProto[];
  initializers: TensorProto[];
  inputs: ValueInfoProto[];
  outputs: ValueInfoProto[];
}

export interface ModelProto {
  irVersion: number;
  opsets: { domain: string; version: number }[];
  producerName?: string;
  producerVersion?: string;
  graph: GraphProto;
  metadata?: Record<string, string>;
}

const textEncoder = new TextEncoder();

/** Append-only protobuf writer over a list of chunks; nested messages are measured, not copied. */
class Writer {
  readonly chunks: Uint8Array[] = [];
  length = 0;
  private scratch = new Uint8Array(64);
  private pos = 0;

  private flushScratch(): void {
    if (this.pos === 0) return;
    this.chunks.push(this.scratch.slice(0, this.pos));
    this.pos = 0;
  }

  private ensure(n: number): void {
    if (this.pos + n > this.scratch.length) this.flushScratch();
  }

  varint(value: number | bigint): void {
    this.ensure(10);
    // int64 fields: negative numbers are encoded as 10-byte two's complement.
    let v = BigInt.asUintN(64, BigInt(value));
    if (typeof value === 'number' && value >= 0 && value < 2 ** 31) {
      let n = value;
      while (n >= 0x80) {
        this.scratch[this.pos++] = (n & 0x7f) | 0x80;
        this.length++;
        n >>>= 7;
      }
      this.scratch[this.pos++] = n;
      this.length++;
      return;
    }
    while (v >= 0x80n) {
      this.scratch[this.pos++] = Number(v & 0x7fn) | 0x80;
      this.length++;
      v >>= 7n;
    }
    this.scratch[this.pos++] = Number(v);
    this.length++;
  }

  tag(field: number, wireType: 0 | 1 | 2 | 5): void {
    this.varint((field << 3) | wireType);
  }

  fixed32Float(value: number): void {
    this.ensure(4);
    new DataView(this.scratch.buffer).setFloat32(this.pos, value, true);
    this.pos += 4;
    this.length += 4;
  }

  bytes(data: Uint8Array): void {
    this.varint(data.length);
    this.flushScratch();
    if (data.length > 0) this.chunks.push(data);
    this.length += data.length;
  }

  message(sub: Writer): void {
    sub.flushScratch();
    this.varint(sub.length);
    this.flushScratch();
    this.chunks.push(...sub.chunks);
    this.length += sub.length;
  }

  finish(): Uint8Array {
    this.flushScratch();
    const out = new Uint8Array(this.length);
    let offset = 0;
    for (const c of this.chunks) {
      out.set(c, offset);
      offset += c.length;
    }
    return out;
  }
}

function stringField(w: Writer, field: number, value: string | undefined): void {
  if (value === undefined || value === '') return;
  w.tag(field, 2);
  w.bytes(textEncoder.encode(value));
}

function messageField(w: Writer, field: number, sub: Writer): void {
  w.tag(field, 2);
  w.message(sub);
}

function encodeTensor(t: TensorProto): Writer {
  const w = new Writer();
  for (const d of t.dims) {
    w.tag(1, 0);
    w.varint(d);
  }
  w.tag(2, 0);
  w.varint(t.dataType);
  stringField(w, 8, t.name);
  if (t.external) {
    // external_data (13): StringStringEntryProto {key = 1, value = 2}; data_location (14) = EXTERNAL.
    for (const [key, value] of [['location', t.external.location], ['offset', String(t.external.offset)], ['length', String(t.external.length)]]) {
      const entry = new Writer();
      stringField(entry, 1, key);
      stringField(entry, 2, value);
      messageField(w, 13, entry);
    }
    w.tag(14, 0);
    w.varint(1);
    return w;
  }
  w.tag(9, 2);
  w.bytes(t.raw);
  return w;
}

function encodeAttribute(name: string, a: AttributeValue): Writer {
  const w = new Writer();
  stringField(w, 1, name);
  switch (a.kind) {
    case 'float':
      w.tag(2, 5);
      w.fixed32Float(a.value);
      w.tag(20, 0);
      w.varint(AttributeType.FLOAT);
      break;
    case 'int':
      w.tag(3, 0);
      w.varint(a.value);
      w.tag(20, 0);
      w.varint(AttributeType.INT);
      break;
    case 'string':
      w.tag(4, 2);
      w.bytes(textEncoder.encode(a.value));
      w.tag(20, 0);
      w.varint(AttributeType.STRING);
      break;
    case 'floats':
      for (const f of a.value) {
        w.tag(7, 5);
        w.fixed32Float(f);
      }
      w.tag(20, 0);
      w.varint(AttributeType.FLOATS);
      break;
    case 'ints':
      for (const i of a.value) {
        w.tag(8, 0);
        w.varint(i);
      }
      w.tag(20, 0);
      w.varint(AttributeType.INTS);
      break;
    case 'strings':
      for (const s of a.value) {
        w.tag(9, 2);
        w.bytes(textEncoder.encode(s));
      }
      w.tag(20, 0);
      w.varint(AttributeType.STRINGS);
      break;
    case 'tensor':
      messageField(w, 5, encodeTensor(a.value));
      w.tag(20, 0);
      w.varint(AttributeType.TENSOR);
      break;
    case 'graph':
      messageField(w, 6, encodeGraph(a.value));
      w.tag(20, 0);
      w.varint(AttributeType.GRAPH);
      break;
  }
  return w;
}

function encodeNode(n: NodeProto): Writer {
  const w = new Writer();
  // Optional inputs that are skipped are written as "" to keep later inputs in position.
  for (const i of n.inputs) {
    w.tag(1, 2);
    w.bytes(textEncoder.encode(i));
  }
  for (const o of n.outputs) {
    w.tag(2, 2);
    w.bytes(textEncoder.encode(o));
  }
  stringField(w, 3, n.name);
  stringField(w, 4, n.opType);
  for (const [name, a] of Object.entries(n.attributes ?? {})) messageField(w, 5, encodeAttribute(name, a));
  stringField(w, 7, n.domain);
  return w;
}

function encodeValueInfo(v: ValueInfoProto): Writer {
  const tensorType = new Writer();
  tensorType.tag(1, 0);
  tensorType.varint(v.elemType);
  if (v.shape) {
    const shape = new Writer();
    for (const d of v.shape) {
      const dim = new Writer();
      if (typeof d === 'number') {
        dim.tag(1, 0);
        dim.varint(d);
      } else {
        stringField(dim, 2, d);
      }
      messageField(shape, 1, dim);
    }
    messageField(tensorType, 2, shape);
  }
  const type = new Writer();
  messageField(type, 1, tensorType);
  const w = new Writer();
  stringField(w, 1, v.name);
  messageField(w, 2, type);
  return w;
}

function encodeGraph(g: GraphProto): Writer {
  const w = new Writer();
  for (const n of g.nodes) messageField(w, 1, encodeNode(n));
  stringField(w, 2, g.name);
  for (const t of g.initializers) messageField(w, 5, encodeTensor(t));
  for (const i of g.inputs) messageField(w, 11, encodeValueInfo(i));
  for (const o of g.outputs) messageField(w, 12, encodeValueInfo(o));
  return w;
}

/** Serialises a model to the ONNX protobuf wire format. */
export function encodeModel(m: ModelProto): Uint8Array {
  const w = new Writer();
  w.tag(1, 0);
  w.varint(m.irVersion);
  stringField(w, 2, m.producerName);
  stringField(w, 3, m.producerVersion);
  messageField(w, 7, encodeGraph(m.graph));
  for (const o of m.opsets) {
    const op = new Writer();
    stringField(op, 1, o.domain);
    op.tag(2, 0);
    op.varint(o.version);
    messageField(w, 8, op);
  }
  for (const [key, value] of Object.entries(m.metadata ?? {})) {
    const p = new Writer();
    stringField(p, 1, key);
    stringField(p, 2, value);
    messageField(w, 14, p);
  }
  return w.finish();
}
