// The Python values a safe unpickle can produce. Only data: no callable ever leaves the unpickler
// except the allowlisted globals, which are inert markers (PyGlobal) interpreted by pickle-numpy.ts.
import type { DType, Tensor } from './types.ts';

export class PickleError extends Error {
  override name = 'PickleError';
}

export type PyKey = string | number | bigint | boolean | null;
export type PyValue = PyKey | Uint8Array | PyTuple | PyValue[] | PyDict | PyGlobal | NumpyDType | NdArray | PendingArray;
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

/** numpy.dtype(descr) as rebuilt from a pickle; `byteorder` comes from its BUILD state. */
export class NumpyDType {
  byteorder: '<' | '>' | '|' | '=' = '=';
  constructor(
    readonly descr: string,
    readonly dtype: DType,
  ) {}
}

/** A numpy array (or numpy scalar, shape []) as a Tensor: C order, little-endian bytes. */
export class NdArray implements Tensor {
  constructor(
    readonly dtype: DType,
    readonly shape: number[],
    readonly bytes: Uint8Array,
    /** True when it was a numpy scalar (np.float32(1.0)) rather than an ndarray. */
    readonly isScalar = false,
  ) {}
}

/** numpy _reconstruct(ndarray, (0,), b'b') result: an empty array waiting for its BUILD state. */
export class PendingArray {
  readonly pending = true;
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
  if (v instanceof NdArray) return 'numpy.ndarray';
  return 'unbuilt numpy.ndarray';
}
