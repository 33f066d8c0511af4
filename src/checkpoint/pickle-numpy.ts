// The only globals a checkpoint pickle may name, and a pure-data emulation of each: numpy arrays
// (protocol 2-4: _reconstruct + BUILD state; protocol 5: _frombuffer), dtypes, numpy scalars,
// OrderedDict, and _codecs.encode (protocol 2 pickles bytes through it). Nothing is imported or run.
import type { DType } from './tensor.ts';
import { DTYPE_ITEMSIZE } from './tensor.ts';
import { NdArray, NumpyDType, PickleError, PyGlobal, PyRecord, PyTuple, typeName, type PyDict, type PyValue } from './pickle-values.ts';

const RECONSTRUCT = ['numpy._core.multiarray._reconstruct', 'numpy.core.multiarray._reconstruct'];
const FROMBUFFER = ['numpy._core.numeric._frombuffer', 'numpy.core.numeric._frombuffer'];
const SCALAR = ['numpy._core.multiarray.scalar', 'numpy.core.multiarray.scalar'];
const NDARRAY = 'numpy.ndarray';
const DTYPE = 'numpy.dtype';
const ORDERED_DICT = 'collections.OrderedDict';
const CODECS_ENCODE = '_codecs.encode';
/** Protocol 2 writes b'' as bytes() (Python 2 spelling __builtin__). Only the zero-argument call is emulated. */
const EMPTY_BYTES = ['builtins.bytes', '__builtin__.bytes'];

/**
 * Data-only classes: Needle 2's run.load_checkpoint accepts the config as a pickled TransformerConfig
 * instance as well as a dict. Pickle writes one as `cls () NEWOBJ {attrs} BUILD`; the only thing the
 * emulation allows is exactly that, producing an inert PyRecord (the class is never imported or called).
 */
const DATA_CLASSES = ['needle.model.architecture.TransformerConfig'];

export const ALLOWED_GLOBALS: ReadonlySet<string> = new Set([
  ...RECONSTRUCT, ...FROMBUFFER, ...SCALAR, NDARRAY, DTYPE, ORDERED_DICT, CODECS_ENCODE, ...EMPTY_BYTES, ...DATA_CLASSES,
]);

/** Names from a hostile file may hold control characters: escape them for the message. */
function printable(s: string): string {
  return s.replace(/[^\x20-\x7e]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
}

/** Resolve GLOBAL / STACK_GLOBAL: an inert marker for an allowlisted name, else a refusal. */
export function resolveGlobal(module: string, name: string): PyGlobal {
  const qualified = `${module}.${name}`;
  if (!ALLOWED_GLOBALS.has(qualified)) {
    const shown = qualified.length > 200 ? `${printable(qualified.slice(0, 200))}…` : printable(qualified);
    const hint = module.startsWith('ml_dtypes') ? ' (ml_dtypes arrays such as bfloat16 cannot be unpickled safely: save them as float16/float32 or safetensors)' : '';
    throw new PickleError(`refused global ${shown}: not in the allowlist${hint}`);
  }
  return new PyGlobal(module, name);
}

const KIND_SIZE_TO_DTYPE: Record<string, DType> = {
  f2: 'float16', f4: 'float32', f8: 'float64',
  i1: 'int8', i2: 'int16', i4: 'int32', i8: 'int64',
  u1: 'uint8', b1: 'bool',
};

function parseDescr(descr: string): NumpyDType {
  const m = /^([<>|=]?)([a-zA-Z]\d+)$/.exec(descr);
  const dtype = m ? KIND_SIZE_TO_DTYPE[m[2]] : undefined;
  if (!m || !dtype) {
    const hint = /^[<>|=]?V/.test(descr) ? '; void/custom dtypes (e.g. ml_dtypes bfloat16) cannot be read from a pickle: save as float16/float32 or safetensors' : '';
    throw new PickleError(`unsupported numpy dtype '${printable(descr.slice(0, 40))}' (supported: ${Object.keys(KIND_SIZE_TO_DTYPE).join(', ')})${hint}`);
  }
  const d = new NumpyDType(m[2], dtype);
  if (m[1]) d.byteorder = m[1] as NumpyDType['byteorder'];
  return d;
}

function expectArgs(what: string, args: PyValue[], min: number, max: number): void {
  if (args.length < min || args.length > max) throw new PickleError(`${what}: expected ${min === max ? min : `${min}-${max}`} arguments, got ${args.length}`);
}

function asBytes(what: string, v: PyValue): Uint8Array {
  if (v instanceof Uint8Array) return v;
  throw new PickleError(`${what}: expected bytes, got ${typeName(v)}`);
}

function asDType(what: string, v: PyValue): NumpyDType {
  if (v instanceof NumpyDType) return v;
  throw new PickleError(`${what}: expected a numpy.dtype, got ${typeName(v)}`);
}

/** Largest element count accepted: keeps shape products exact and far below any real allocation. */
const MAX_ELEMENTS = 2 ** 40;

function asShape(what: string, v: PyValue): number[] {
  if (!(v instanceof PyTuple)) throw new PickleError(`${what}: shape must be a tuple, got ${typeName(v)}`);
  if (v.items.length > 32) throw new PickleError(`${what}: ${v.items.length} dimensions (numpy allows at most 32)`);
  let count = 1;
  const shape = v.items.map((d, i) => {
    const n = typeof d === 'bigint' ? Number(d) : d;
    if (typeof n !== 'number' || !Number.isSafeInteger(n) || n < 0) throw new PickleError(`${what}: shape[${i}] is not a non-negative integer (${typeName(d)} ${String(d)})`);
    count *= n;
    if (count > MAX_ELEMENTS) throw new PickleError(`${what}: shape (${v.items.join(', ')}) is implausibly large`);
    return n;
  });
  return shape;
}

function isLittleEndian(d: NumpyDType): boolean {
  // '=' (native) is written by numpy only as a placeholder; every platform these files come from is little-endian.
  return d.byteorder !== '>' || DTYPE_ITEMSIZE[d.dtype] === 1;
}

/** Reverse the byte order of every element (big-endian arrays -> the Tensor's little-endian). */
function byteswap(bytes: Uint8Array, itemsize: number): Uint8Array {
  const out = new Uint8Array(bytes.length);
  for (let i = 0; i < bytes.length; i += itemsize) {
    for (let j = 0; j < itemsize; j++) out[i + j] = bytes[i + itemsize - 1 - j];
  }
  return out;
}

/** Fortran-order element bytes -> C order (general N-d transpose by element). */
function fortranToC(bytes: Uint8Array, shape: number[], itemsize: number): Uint8Array {
  if (shape.length < 2) return bytes;
  const out = new Uint8Array(bytes.length);
  const n = shape.reduce((a, b) => a * b, 1);
  // F-order strides (in elements) for each axis.
  const fStride: number[] = [];
  let s = 1;
  for (let ax = 0; ax < shape.length; ax++) {
    fStride.push(s);
    s *= shape[ax];
  }
  const idx = new Array<number>(shape.length).fill(0);
  let src = 0;
  for (let c = 0; c < n; c++) {
    out.set(bytes.subarray(src * itemsize, (src + 1) * itemsize), c * itemsize);
    // Advance the C-order multi-index (last axis fastest), updating the F offset incrementally.
    for (let ax = shape.length - 1; ax >= 0; ax--) {
      idx[ax]++;
      src += fStride[ax];
      if (idx[ax] < shape[ax]) break;
      src -= fStride[ax] * shape[ax];
      idx[ax] = 0;
    }
  }
  return out;
}

function makeArray(what: string, dtype: NumpyDType, shape: number[], data: Uint8Array, fortran: boolean, isScalar = false): NdArray {
  const itemsize = DTYPE_ITEMSIZE[dtype.dtype];
  const expected = shape.reduce((a, b) => a * b, 1) * itemsize;
  if (data.length !== expected) {
    throw new PickleError(`${what}: ${data.length} data bytes for shape (${shape.join(', ')}) of ${dtype.dtype} (expected ${expected})`);
  }
  let bytes = data;
  if (!isLittleEndian(dtype)) bytes = byteswap(bytes, itemsize);
  if (fortran) bytes = fortranToC(bytes, shape, itemsize);
  if (dtype.dtype === 'bool' && bytes.some((b) => b > 1)) throw new PickleError(`${what}: bool array holds bytes other than 0/1`);
  return new NdArray(dtype.dtype, shape, bytes, isScalar);
}

/** REDUCE: call an allowlisted global with positional args (emulated, data only). */
export function callGlobal(fn: PyValue, argsValue: PyValue): PyValue {
  if (!(fn instanceof PyGlobal)) throw new PickleError(`REDUCE target is not a callable global (got ${typeName(fn)})`);
  if (!(argsValue instanceof PyTuple)) throw new PickleError(`REDUCE of ${fn.qualified}: arguments must be a tuple, got ${typeName(argsValue)}`);
  const args = argsValue.items;
  const q = fn.qualified;
  if (q === DTYPE) {
    expectArgs(q, args, 1, 3);
    if (typeof args[0] !== 'string') throw new PickleError(`${q}: descriptor must be a str, got ${typeName(args[0])}`);
    return parseDescr(args[0]);
  }
  if (RECONSTRUCT.includes(q)) {
    expectArgs(q, args, 3, 3);
    if (!(args[0] instanceof PyGlobal) || args[0].qualified !== NDARRAY) throw new PickleError(`${q}: only numpy.ndarray can be reconstructed, got ${typeName(args[0])}`);
    return NdArray.pending();
  }
  if (FROMBUFFER.includes(q)) {
    expectArgs(q, args, 4, 4);
    const [buf, dtype, shape, order] = args;
    if (order !== 'C' && order !== 'F') throw new PickleError(`${q}: order must be 'C' or 'F', got ${String(order)}`);
    return makeArray(q, asDType(q, dtype), asShape(q, shape), asBytes(q, buf), order === 'F');
  }
  if (SCALAR.includes(q)) {
    expectArgs(q, args, 1, 2);
    const dtype = asDType(q, args[0]);
    return makeArray(q, dtype, [], args.length === 2 ? asBytes(q, args[1]) : new Uint8Array(DTYPE_ITEMSIZE[dtype.dtype]), false, true);
  }
  if (q === ORDERED_DICT) {
    expectArgs(q, args, 0, 1);
    const dict: PyDict = new Map();
    if (args.length === 1) {
      const pairs = args[0];
      if (!Array.isArray(pairs)) throw new PickleError(`${q}: expected a list of pairs, got ${typeName(pairs)}`);
      for (const p of pairs) {
        if (!(p instanceof PyTuple) || p.items.length !== 2) throw new PickleError(`${q}: every item must be a (key, value) pair`);
        dict.set(asKey(p.items[0]), p.items[1]);
      }
    }
    return dict;
  }
  if (q === CODECS_ENCODE) {
    expectArgs(q, args, 1, 2);
    const [text, encoding = 'utf-8'] = args;
    if (typeof text !== 'string') throw new PickleError(`${q}: expected a str, got ${typeName(text)}`);
    if (encoding !== 'latin1' && encoding !== 'latin-1') throw new PickleError(`${q}: only the latin1 encoding is supported, got ${String(encoding)}`);
    const out = new Uint8Array(text.length);
    for (let i = 0; i < text.length; i++) {
      const c = text.charCodeAt(i);
      if (c > 255) throw new PickleError(`${q}: character U+${c.toString(16)} is not latin1`);
      out[i] = c;
    }
    return out;
  }
  if (EMPTY_BYTES.includes(q)) {
    expectArgs(q, args, 0, 0);
    return new Uint8Array(0);
  }
  throw new PickleError(`${q} cannot be called (it is only allowed as an argument)`);
}

/** BUILD: apply a __setstate__ state to an object the allowlist knows how to build. */
export function buildObject(obj: PyValue, state: PyValue): PyValue {
  if (obj instanceof NumpyDType) {
    // (version, byteorder, subarray, names, fields, elsize, alignment, flags[, metadata])
    if (!(state instanceof PyTuple) || state.items.length < 8) throw new PickleError(`numpy.dtype state: expected a tuple of 8-9 items, got ${typeName(state)}`);
    const [, order, subarray, names, fields] = state.items;
    if (subarray !== null || names !== null || fields !== null) throw new PickleError('numpy.dtype state: structured or sub-array dtypes are not supported');
    if (order !== '<' && order !== '>' && order !== '|' && order !== '=') throw new PickleError(`numpy.dtype state: byte order must be one of < > | =, got ${String(order)}`);
    obj.byteorder = order;
    return obj;
  }
  if (obj instanceof NdArray) {
    if (obj.built) throw new PickleError('BUILD on a numpy.ndarray that is already built');
    // (version, shape, dtype, is_fortran, rawdata) or, from old numpy, without the version.
    if (!(state instanceof PyTuple) || (state.items.length !== 5 && state.items.length !== 4)) {
      throw new PickleError(`numpy.ndarray state: expected a tuple of 4-5 items, got ${typeName(state)}`);
    }
    const items = state.items.length === 5 ? state.items.slice(1) : state.items;
    const [shape, dtype, fortran, raw] = items;
    if (typeof fortran !== 'boolean' && fortran !== 0 && fortran !== 1) throw new PickleError('numpy.ndarray state: is_fortran must be a bool');
    if (Array.isArray(raw)) throw new PickleError('numpy.ndarray state: object arrays (dtype=object) are refused');
    return obj.fill(makeArray('numpy.ndarray', asDType('numpy.ndarray state', dtype), asShape('numpy.ndarray state', shape), asBytes('numpy.ndarray state', raw), Boolean(fortran)));
  }
  if (obj instanceof Map && (state === null || (state instanceof Map && state.size === 0))) return obj; // OrderedDict, no attributes
  if (obj instanceof PyRecord) {
    if (obj.state) throw new PickleError(`BUILD on a ${obj.cls} instance that is already built`);
    if (!(state instanceof Map)) throw new PickleError(`${obj.cls} state: expected an attribute dict, got ${typeName(state)} (slots state is not supported)`);
    for (const k of state.keys()) if (typeof k !== 'string') throw new PickleError(`${obj.cls} state: attribute name ${String(k)} is not a str`);
    obj.state = state;
    return obj;
  }
  throw new PickleError(`BUILD on ${typeName(obj)} is not allowed`);
}

/** NEWOBJ cls.__new__(cls, *args): OrderedDict, and the data-only classes with no arguments. */
export function newObject(cls: PyValue, args: PyValue): PyValue {
  if (cls instanceof PyGlobal && cls.qualified === ORDERED_DICT) return callGlobal(cls, args);
  if (cls instanceof PyGlobal && DATA_CLASSES.includes(cls.qualified)) {
    if (!(args instanceof PyTuple) || args.items.length) throw new PickleError(`NEWOBJ of ${cls.qualified}: only the no-argument form pickle writes is allowed, got ${args instanceof PyTuple ? `${args.items.length} arguments` : typeName(args)}`);
    return new PyRecord(cls.qualified);
  }
  throw new PickleError(`NEWOBJ of ${typeName(cls)} is not allowed`);
}

/** Dict keys: hashable scalars only. */
export function asKey(v: PyValue): string | number | bigint | boolean | null {
  if (v === null || typeof v === 'string' || typeof v === 'number' || typeof v === 'bigint' || typeof v === 'boolean') return v;
  throw new PickleError(`unsupported dict key of type ${typeName(v)}`);
}
