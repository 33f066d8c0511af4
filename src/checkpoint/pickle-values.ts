// The Python values a safe unpickle can produce. Only data: no callable ever leaves the unpickler
// except the allowlisted globals, which are inert markers (PyGlobal) interpreted by pickle-numpy.ts.
import type { DType, Tensor } from './tensor.ts';

export class PickleError extends Error {
  override name = 'PickleError';
}

export type PyKey = string | number | bigint | boolean | null;
export type PyValue = PyKey | Uint8Array | PyTuple | PyValue[] | PyDict | PyGlobal | NumpyDType | NdArray | PyRecord;
export type PyDict = Map<PyKey, PyValue>;

/** A Python tuple (immutable; distinguished from a list). */
export class PyTuple {
  constructor(readonly items: PyValue[]) {}
}

/** A reference to an allowlisted global (module.name). Never executed: only recognised. */
export class PyGlobal {
  constructor(
    readonly module: string,
    readonly name: string,
  ) {}
  get qualified(): string {
    return `${this.module}.${this.name}`;
  }
}

/**
 * An instance of an allowlisted data-only class (a config dataclass), as NEWOBJ + BUILD leave it:
 * the class name and the attribute dict of its BUILD state. Nothing of the class is ever run; the
 * state is only ever read as data.
 */
export class PyRecord {
  state: PyDict | null = null;
  constructor(readonly cls: string) {}
}

/** numpy.dtype(descr) as rebuilt from a pickle; `byteorder` comes from its BUILD state. */
export class NumpyDType {
  byteorder: '<' | '>' | '|' | '=' = '=';
  constructor(
    readonly descr: string,
    readonly dtype: DType,
  ) {}
}

/**
 * A numpy array (or numpy scalar, shape []) as a Tensor: C order, little-endian bytes.
 * Protocols 2-4 create the array empty (_reconstruct) and fill it with BUILD *in place*: the memo
 * holds the empty object, so an array referenced twice (a shared weight) must be the same object
 * that BUILD completes. Until then `built` is false and the fields are placeholders.
 */
export class NdArray implements Tensor {
  constructor(
    public dtype: DType,
    public shape: number[],
    public bytes: Uint8Array,
    /** True when it was a numpy scalar (np.float32(1.0)) rather than an ndarray. */
    readonly isScalar = false,
    public built = true,
  ) {}

  /** The empty array _reconstruct(ndarray, (0,), b'b') returns, waiting for its BUILD state. */
  static pending(): NdArray {
    return new NdArray('uint8', [0], new Uint8Array(0), false, false);
  }

  /** BUILD: take the state's contents (once). */
  fill(from: NdArray): this {
    this.dtype = from.dtype;
    this.shape = from.shape;
    this.bytes = from.bytes;
    this.built = true;
    return this;
  }
}

export function typeName(v: PyValue | undefined): string {
  if (v === undefined) return 'nothing';
  if (v === null) return 'None';
  if (typeof v === 'boolean') return 'bool';
  if (typeof v === 'number') return Number.isInteger(v) ? 'int' : 'float';
  if (typeof v === 'bigint') return 'int';
  if (typeof v === 'string') return 'str';
  if (v instanceof Uint8Array) return 'bytes';
  if (v instanceof PyTuple) return 'tuple';
  if (Array.isArray(v)) return 'list';
  if (v instanceof Map) return 'dict';
  if (v instanceof PyGlobal) return `global ${v.qualified}`;
  if (v instanceof NumpyDType) return 'numpy.dtype';
  if (v instanceof PyRecord) return `${v.cls} instance`;
  return v.built ? 'numpy.ndarray' : 'unbuilt numpy.ndarray';
}
