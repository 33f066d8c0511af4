import { describe, expect, it } from 'vitest';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { NdArray, PickleError, PyTuple, unpickle, type PyDict, type PyValue } from '../../src/checkpoint/pickle.ts';
import { tensorToFloat32 } from '../../src/checkpoint/tensor.ts';

const repoRoot = resolve(import.meta.dirname, '../..');
const golden = resolve(repoRoot, '../shared/fixtures/needle-golden/tiny');
const pickles = resolve(repoRoot, 'test/fixtures/needle-pickles');
const VARIANTS = ['checkpoint.pkl', 'checkpoint.p5.pkl', 'checkpoint.np1.pkl', 'checkpoint.p5.np1.pkl'];

interface Ref { shape: number[]; dtype: string; sha256: string; sum: number; first: number[] }
const refs = JSON.parse(readFileSync(resolve(repoRoot, 'test/fixtures/needle-pickle-refs.json'), 'utf8')) as Record<string, { params: Record<string, Ref>; config: Record<string, unknown> }>;
const edge = JSON.parse(readFileSync(resolve(pickles, 'edge-cases.json'), 'utf8')) as { dtypes: Record<string, Ref>; shared: Ref };

const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

/** Compare an array with numpy's description: exact bytes (sha256 of C-order LE), shape, dtype, sum. */
function expectMatches(a: PyValue, ref: Ref, label: string): void {
  expect(a, label).toBeInstanceOf(NdArray);
  const arr = a as NdArray;
  expect(arr.shape, label).toEqual(ref.shape);
  expect(arr.dtype, label).toBe(ref.dtype);
  expect(sha(arr.bytes), label).toBe(ref.sha256);
  const values = tensorToFloat32(arr);
  let sum = 0;
  let abs = 0;
  for (const v of values) {
    sum += v;
    abs += Math.abs(v);
  }
  // float32 conversion rounds large ints and float64s: tolerance relative to the magnitudes summed.
  expect(Math.abs(sum - ref.sum), label).toBeLessThanOrEqual(1e-6 * abs + 1e-9);
  ref.first.forEach((v, i) => expect(Math.abs(values[i] - v), `${label}[${i}]`).toBeLessThanOrEqual(1e-6 * Math.abs(v)));
}

function walk(tree: PyValue, prefix = ''): Map<string, PyValue> {
  const out = new Map<string, PyValue>();
  for (const [k, v] of tree as PyDict) {
    const p = prefix ? `${prefix}/${String(k)}` : String(k);
    if (v instanceof Map) for (const [kk, vv] of walk(v, p)) out.set(kk, vv);
    else out.set(p, v);
  }
  return out;
}

describe('unpickle: the golden tiny checkpoints', () => {
  const loaded = VARIANTS.map((f) => unpickle(readFileSync(resolve(golden, f))) as PyDict);

  it.each(VARIANTS.map((f, i) => [f, i] as const))('%s matches numpy, parameter by parameter', (file, i) => {
    const params = walk(loaded[i].get('params') as PyValue);
    const ref = refs[file].params;
    expect([...params.keys()].sort()).toEqual(Object.keys(ref).sort());
    for (const [k, v] of params) expectMatches(v, ref[k], `${file} ${k}`);
    const config = loaded[i].get('config') as PyDict;
    expect(Object.fromEntries(config)).toEqual(refs[file].config);
  });

  it('all four variants hold byte-identical tensors', () => {
    const first = walk(loaded[0].get('params') as PyValue);
    for (const other of loaded.slice(1)) {
      const o = walk(other.get('params') as PyValue);
      for (const [k, v] of first) expect(Buffer.compare((v as NdArray).bytes, (o.get(k) as NdArray).bytes), k).toBe(0);
    }
  });
});

describe('unpickle: dtypes, byte orders, layouts, protocols 2/4/5 (written by numpy)', () => {
  it.each(['dtypes.p2.pkl', 'dtypes.p4.pkl', 'dtypes.p5.pkl'])('%s', (file) => {
    const d = unpickle(readFileSync(resolve(pickles, file))) as PyDict;
    for (const [name, ref] of Object.entries(edge.dtypes)) expectMatches(d.get(name) as PyValue, ref, `${file} ${name}`);
    const s = d.get('scalar_f4') as NdArray;
    expect(s.isScalar).toBe(true);
    expect(s.shape).toEqual([]);
    expect(tensorToFloat32(s)[0]).toBe(1.5);
    expect(tensorToFloat32(d.get('scalar_i8') as NdArray)[0]).toBe(-7);
    expect([...(d.get('ordered') as PyDict).entries()]).toEqual([['b', 1], ['a', 2]]);
    const nested = d.get('nested') as PyDict;
    const list = nested.get('list') as PyValue[];
    expect(list.slice(0, 5)).toEqual([1, 2.5, null, true, 'x']);
    expect(Buffer.from(list[5] as Uint8Array).toString()).toBe('raw');
    const tuple = nested.get('tuple') as PyTuple;
    expect(tuple).toBeInstanceOf(PyTuple);
    expect((tuple.items[1] as PyTuple).items).toEqual([2, 3]);
    // One array referenced three times: the memo hands back the object BUILD filled in place.
    const shared = d.get('shared') as PyValue[];
    expectMatches(shared[0], edge.shared, `${file} shared[0]`);
    expect(shared[1]).toBe(shared[0]);
    expect(((shared[2] as PyDict).get('again') as NdArray).built).toBe(true);
    expectMatches((shared[2] as PyDict).get('again') as PyValue, edge.shared, `${file} shared[2].again`);
    expect(nested.get('big')).toBe(2n ** 70n);
    expect(nested.get('neg')).toBe(-(2n ** 70n));
  });
});

/** Hand-assembled opcodes for the robustness tests. */
const op = (...parts: Array<number | number[] | string>): Uint8Array =>
  Uint8Array.from(parts.flatMap((p) => (typeof p === 'number' ? [p] : typeof p === 'string' ? [...Buffer.from(p, 'latin1')] : p)));
const u64 = (n: bigint) => [...Array(8)].map((_, i) => Number((n >> BigInt(8 * i)) & 0xffn));

function expectPickleError(data: Uint8Array, pattern: RegExp): void {
  let err: unknown;
  try {
    unpickle(data);
  } catch (e) {
    err = e;
  }
  expect(err).toBeInstanceOf(PickleError);
  expect((err as Error).message).toMatch(pattern);
}

describe('unpickle: hostile and broken input', () => {
  it('refuses huge declared sizes before allocating', () => {
    expectPickleError(op(0x80, 4, 0x8e, u64(1n << 60n), '.'), /declared size/);
    expectPickleError(op(0x80, 4, 0x96, u64(1000n), 'abc'), /declared size 1000 bytes exceeds/);
    expectPickleError(op(0x80, 4, 0x8d, u64(0xffffffffffffffffn)), /declared size/);
    expectPickleError(op(0x80, 4, 'B', [0xff, 0xff, 0xff, 0x7f], '.'), /truncated/);
    expectPickleError(op(0x80, 4, 0x95, u64(1n << 40n), 'N.'), /declared size/);
    expectPickleError(op(0x80, 4, 0x8b, [0, 0, 0, 0x10], '.'), /exceeds the limit/); // LONG4 of 256 MB
  });

  it('refuses arrays whose shape and data disagree, and implausible shapes', () => {
    // _frombuffer(b'\0\0', dtype('f2'), (2**40 + 1,), 'C')
    const data = op(0x80, 5, 0x8c, 18, 'numpy.core.numeric', 0x8c, 11, '_frombuffer', 0x93, '(', 'C', 2, 0, 0,
      0x8c, 5, 'numpy', 0x8c, 5, 'dtype', 0x93, 0x8c, 2, 'f2', 0x89, 0x88, 0x87, 'R',
      0x8a, 6, [1, 0, 0, 0, 0, 1], 0x85, 0x8c, 1, 'C', 't', 'R', '.');
    expectPickleError(data, /implausibly large/);
    const wrongLength = op(0x80, 5, 0x8c, 18, 'numpy.core.numeric', 0x8c, 11, '_frombuffer', 0x93, '(', 'C', 2, 0, 0,
      0x8c, 5, 'numpy', 0x8c, 5, 'dtype', 0x93, 0x8c, 2, 'f2', 0x89, 0x88, 0x87, 'R', 'K', 3, 0x85, 0x8c, 1, 'C', 't', 'R', '.');
    expectPickleError(wrongLength, /2 data bytes for shape \(3\) of float16 \(expected 6\)/);
    const objectDtype = op(0x80, 4, 0x8c, 5, 'numpy', 0x8c, 5, 'dtype', 0x93, 0x8c, 2, 'O8', 0x89, 0x88, 0x87, 'R', '.');
    expectPickleError(objectDtype, /unsupported numpy dtype 'O8'/);
  });

  it('limits nesting and survives deep tuples, cycles and memo abuse', () => {
    expectPickleError(op(0x80, 4, Array(20_000).fill(0x28)), /nested MARKs/);
    // 200k nested tuples: built iteratively, no recursion, returns.
    const deep = unpickle(op(0x80, 4, 'N', Array(200_000).fill(0x85), '.'));
    expect(deep).toBeInstanceOf(PyTuple);
    // A list containing itself: fine for the unpickler (consumers check for cycles).
    const cyclic = unpickle(op(0x80, 4, ']', 0x94, 'h', 0, 'a', '.')) as PyValue[];
    expect(cyclic[0]).toBe(cyclic);
    // A dict as its own key is unhashable.
    expectPickleError(op(0x80, 4, '}', 0x94, 'h', 0, 'N', 's', '.'), /unsupported dict key of type dict/);
    expectPickleError(op(0x80, 4, 'j', [0xff, 0xff, 0xff, 0xff], '.'), /memo key 4294967295 was never stored/);
    expectPickleError(op(0x80, 4, 'h', 7, '.'), /memo key 7/);
  });

  it('reports stack misuse and missing STOP', () => {
    expectPickleError(op(0x80, 4, 0x85, '.'), /stack underflow/);
    expectPickleError(op(0x80, 4, 'N', '(', 0x85, '.'), /stack underflow/); // cannot reach below a MARK
    expectPickleError(op(0x80, 4, 'N', 'N', '.'), /2 values on the stack/);
    expectPickleError(op(0x80, 4, 'N'), /without STOP/);
    expectPickleError(op(0x80, 4, 't', '.'), /no MARK/);
    expectPickleError(op(0x80, 4, 'N', 'N', 'R', '.'), /REDUCE target is not a callable global/);
    expectPickleError(op(0x80, 4, '}', 'K', 1, 'b', '.'), /BUILD on dict is not allowed/);
    expectPickleError(op(0x80, 4, 'Q', '.'), /persistent ids/);
    expectPickleError(op(0x80, 4, 0x82, 1, '.'), /extension registry/);
    expectPickleError(op(0x80, 4, 0xff), /unsupported opcode 0xff/);
    expectPickleError(op(0x80, 4, 0x8c, 2, [0xc3, 0x28], '.'), /not valid UTF-8/);
  });

  it('reads protocol 0 text scalars as CPython does', () => {
    const text = (s: string) => unpickle(op(s));
    expect(text("S'a\\x41\\n\\'b'\n.")).toBe("aA\n'b"); // pickle.loads gives "aA\n'b"
    expect(text('Vcaf\\u00e9\n.')).toBe('café');
    expect(text('I01\n.')).toBe(true);
    expect(text('I-12345678901234567890\n.')).toBe(-12345678901234567890n);
    expect(text('F1.5e3\n.')).toBe(1500);
    expect(text('(I1\nI2\nl.')).toEqual([1, 2]);
    expectPickleError(op('Sunquoted\n.'), /not quoted/);
    expectPickleError(op('I12x\n.'), /bad integer literal/);
    expectPickleError(op('I' + '9'.repeat(5000) + '\n.'), /newline-terminated line of at most 1024/);
  });

  it('every truncation of a real pickle is a clean PickleError', () => {
    const data = readFileSync(resolve(pickles, 'dtypes.p5.pkl'));
    for (let n = 0; n < data.length; n++) expectPickleError(data.subarray(0, n), /.+/);
  });
});
