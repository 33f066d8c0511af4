// A small typed ONNX graph builder: named values, initializers, nodes, inputs/outputs, then
// `encode()` to protobuf bytes that onnxruntime loads. Generic on purpose (Needle's SAN today, tiny
// baseline decoders later); op-specific helpers live in ops.ts.
import type { InitializerSink } from './external-data.ts';
import { DataType, encodeModel, type AttributeValue, type Dim, type NodeProto, type TensorProto, type ValueInfoProto } from './proto.ts';

export { DataType } from './proto.ts';
export type { Dim } from './proto.ts';

/** A tensor flowing through the graph, referred to by its unique name. */
export type Value = string;

/** The empty name marks a skipped optional input. */
export const NONE: Value = '';

export type AttrInput = AttributeValue;
export const attr = {
  int: (value: number): AttributeValue => ({ kind: 'int', value }),
  float: (value: number): AttributeValue => ({ kind: 'float', value }),
  string: (value: string): AttributeValue => ({ kind: 'string', value }),
  ints: (value: number[]): AttributeValue => ({ kind: 'ints', value }),
  floats: (value: number[]): AttributeValue => ({ kind: 'floats', value }),
};

export type TypedData = Float32Array | Uint8Array | Int8Array | Int32Array | BigInt64Array | Uint16Array;

export const MS_DOMAIN = 'com.microsoft';

export interface BuilderOptions {
  /** ai.onnx opset (default 17: ReduceMean/Split still take attributes, widely supported). */
  opset?: number;
  /** com.microsoft opset (contrib ops), default 1. */
  msOpset?: number;
  irVersion?: number;
  /** Large initializers are written here as they are added (external data) instead of kept in memory. */
  sink?: InitializerSink;
}

/** An initializer's name, type and shape (its bytes may already be on disk). */
export interface InitializerInfo {
  name: string;
  dataType: DataType;
  dims: number[];
  bytes: number;
}

const NO_BYTES = new Uint8Array(0);

export class GraphBuilder {
  private readonly nodes: NodeProto[] = [];
  private readonly initializers: TensorProto[] = [];
  private readonly inputs: ValueInfoProto[] = [];
  private readonly outputs: ValueInfoProto[] = [];
  /** Every name handed out (by `fresh`) or defined; `defined` is the subset already produced. */
  private readonly names = new Set<string>();
  private readonly defined = new Set<string>();
  private readonly constCache = new Map<string, Value>();
  private counter = 0;
  readonly metadata: Record<string, string> = {};

  constructor(
    readonly name: string,
    private readonly options: BuilderOptions = {},
  ) {}

  /** A fresh unique value name with a readable prefix (reserved, defined later by a node/initializer). */
  fresh(prefix: string): Value {
    let name = prefix;
    while (this.names.has(name)) name = `${prefix}_${++this.counter}`;
    this.names.add(name);
    return name;
  }

  /** Defines a value name; a name reserved by `fresh` may be defined once. */
  private claim(name: string): Value {
    if (this.defined.has(name)) throw new Error(`onnx builder: value name "${name}" is already used`);
    this.names.add(name);
    this.defined.add(name);
    return name;
  }

  input(name: string, elemType: DataType, shape: Dim[]): Value {
    this.inputs.push({ name: this.claim(name), elemType, shape });
    return name;
  }

  /** Marks a value as a graph output, renaming it through Identity when the name differs. */
  output(value: Value, name: string, elemType: DataType, shape?: Dim[]): Value {
    let out = value;
    if (value !== name) out = this.node('Identity', [value], {}, { outputs: [name] })[0];
    this.outputs.push({ name: out, elemType, shape });
    return out;
  }

  /** A constant tensor stored as an initializer (weights, tables, shape constants). */
  initializer(name: string, dataType: DataType, dims: number[], data: TypedData): Value {
    const count = dims.reduce((a, b) => a * b, 1);
    const expectedBytes = count * bytesPerElement(dataType);
    const raw = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
    if (raw.byteLength !== expectedBytes) {
      throw new Error(`onnx builder: initializer "${name}" has ${raw.byteLength} bytes, dims [${dims}] need ${expectedBytes}`);
    }
    const sink = this.options.sink;
    if (sink && raw.byteLength >= sink.minBytes) {
      this.initializers.push({ name: this.claim(name), dataType, dims, raw: NO_BYTES, external: sink.place(raw) });
      return name;
    }
    this.initializers.push({ name: this.claim(name), dataType, dims, raw });
    return name;
  }

  weight(name: string, data: Float32Array, dims: number[]): Value {
    return this.initializer(name, DataType.FLOAT, dims, data);
  }

  /** Bytes of every initializer by name (for memory-traffic accounting and tests). */
  initializerBytes(): Map<string, number> {
    return new Map(this.initializers.map((t) => [t.name, t.external?.length ?? t.raw.byteLength]));
  }

  /** Name, type, shape and byte size of every initializer, in the order added. */
  initializerInfo(): InitializerInfo[] {
    return this.initializers.map((t) => ({ name: t.name, dataType: t.dataType, dims: [...t.dims], bytes: t.external?.length ?? t.raw.byteLength }));
  }

  /** int64 constant (shapes, axes, indices); deduplicated by value. */
  constI64(values: number[], dims: number[] = [values.length]): Value {
    const key = `i64:${dims}:${values}`;
    const hit = this.constCache.get(key);
    if (hit) return hit;
    const v = this.initializer(this.fresh('const_i64'), DataType.INT64, dims, BigInt64Array.from(values.map(BigInt)));
    this.constCache.set(key, v);
    return v;
  }

  constF32(values: number[], dims: number[] = [values.length]): Value {
    const key = `f32:${dims}:${values}`;
    const hit = this.constCache.get(key);
    if (hit) return hit;
    const v = this.initializer(this.fresh('const_f32'), DataType.FLOAT, dims, Float32Array.from(values));
    this.constCache.set(key, v);
    return v;
  }

  /**
   * Adds a node. `outputs` is a count (fresh names derived from the op type) or explicit names.
   * Returns the output values in order.
   */
  node(
    opType: string,
    inputs: Value[],
    attributes: Record<string, AttributeValue> = {},
    opts: { domain?: string; outputs?: number | string[]; name?: string } = {},
  ): Value[] {
    const outSpec = opts.outputs ?? 1;
    const outputs =
      typeof outSpec === 'number'
        ? Array.from({ length: outSpec }, () => this.fresh(opType.toLowerCase()))
        : outSpec.map((n) => (n === NONE ? NONE : this.claim(n)));
    // Trailing skipped optional inputs are dropped; inner ones stay as "" placeholders.
    const ins = [...inputs];
    while (ins.length > 0 && ins[ins.length - 1] === NONE) ins.pop();
    this.nodes.push({
      opType,
      domain: opts.domain,
      name: opts.name ?? this.fresh(`n_${opType}`),
      inputs: ins,
      outputs,
      attributes,
    });
    return outputs;
  }

  /** Single-output convenience form of `node`. */
  op(opType: string, inputs: Value[], attributes: Record<string, AttributeValue> = {}, domain?: string): Value {
    return this.node(opType, inputs, attributes, { domain })[0];
  }

  get nodeCount(): number {
    return this.nodes.length;
  }

  /** The nodes' op types with their attributes (graph-form checks in tests). */
  nodeSummary(): { opType: string; attributes: Readonly<Record<string, AttributeValue>> }[] {
    return this.nodes.map((n) => ({ opType: n.opType, attributes: n.attributes ?? {} }));
  }

  encode(): Uint8Array {
    return this.encodeGraph(this.initializers);
  }

  /**
   * The model with every initializer of at least `minBytes` moved to one external data file named
   * `location` (e.g. "model.onnx_data", as HF ONNX exports ship large models), each at a 4096-aligned
   * offset. Returns the model bytes and the data file's bytes.
   */
  encodeWithExternalData(location: string, minBytes = 1024): { model: Uint8Array; data: Uint8Array } {
    const ALIGN = 4096;
    let size = 0;
    if (this.options.sink) throw new Error('onnx builder: this graph already streams its initializers to a sink; encode() it instead');
    const placed = this.initializers.map((t) => {
      if (t.raw.byteLength < minBytes) return t;
      const offset = Math.ceil(size / ALIGN) * ALIGN;
      size = offset + t.raw.byteLength;
      return { ...t, external: { location, offset, length: t.raw.byteLength } };
    });
    const data = new Uint8Array(size);
    for (const t of placed) if (t.external) data.set(t.raw, t.external.offset);
    return { model: this.encodeGraph(placed), data };
  }

  private encodeGraph(initializers: TensorProto[]): Uint8Array {
    const usesMs = this.nodes.some((n) => n.domain === MS_DOMAIN);
    const opsets = [{ domain: '', version: this.options.opset ?? 17 }];
    if (usesMs) opsets.push({ domain: MS_DOMAIN, version: this.options.msOpset ?? 1 });
    return encodeModel({
      irVersion: this.options.irVersion ?? 8,
      opsets,
      producerName: 'needle-bench',
      graph: { name: this.name, nodes: this.nodes, initializers, inputs: this.inputs, outputs: this.outputs },
      metadata: this.metadata,
    });
  }
}

export function bytesPerElement(t: DataType): number {
  switch (t) {
    case DataType.FLOAT:
    case DataType.INT32:
    case DataType.UINT32:
      return 4;
    case DataType.INT64:
    case DataType.UINT64:
    case DataType.DOUBLE:
      return 8;
    case DataType.FLOAT16:
    case DataType.BFLOAT16:
    case DataType.INT16:
    case DataType.UINT16:
      return 2;
    case DataType.UINT8:
    case DataType.INT8:
    case DataType.BOOL:
      return 1;
    default:
      throw new Error(`onnx builder: no fixed element size for data type ${t}`);
  }
}
