import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { parseSafetensors, serializeSafetensors, SafetensorsError } from '../../src/checkpoint/safetensors.ts';
import type { Tensor } from '../../src/checkpoint/tensor.ts';
import { floatTensor, sameTensor } from '../../src/checkpoint/tensor.ts';

/** A file assembled by hand from a header object and a data section (independent of the writer). */
function file(header: unknown, data: Uint8Array, opts: { declaredLength?: bigint; rawHeader?: string } = {}): Uint8Array {
  const json = Buffer.from(opts.rawHeader ?? JSON.stringify(header), 'utf8');
  const out = new Uint8Array(8 + json.length + data.length);
  new DataView(out.buffer).setBigUint64(0, opts.declaredLength ?? BigInt(json.length), true);
  out.set(json, 8);
  out.set(data, 8 + json.length);
  return out;
}

function refused(bytes: Uint8Array, reason: RegExp): void {
  let err: unknown;
  try {
    parseSafetensors(bytes, 'bad.safetensors');
  } catch (e) {
    err = e;
  }
  expect(err).toBeInstanceOf(SafetensorsError);
  expect((err as Error).message).toMatch(/^bad\.safetensors: /);
  expect((err as Error).message).toMatch(reason);
}

describe('safetensors', () => {
  const tensors = new Map<string, Tensor>([
    ['a/f16', floatTensor([1, -2, 0.5, 65504], [2, 2], 'float16')],
    ['a/bf16', floatTensor([1, 3], [2], 'bfloat16')],
    ['b/f32', floatTensor([1.25, 2.5, 3.75], [3, 1], 'float32')],
    ['f64', { dtype: 'float64', shape: [1], bytes: new Uint8Array(new Float64Array([Math.PI]).buffer) }],
    ['i8', { dtype: 'int8', shape: [2], bytes: Uint8Array.from([0xff, 1]) }],
    ['u8', { dtype: 'uint8', shape: [2], bytes: Uint8Array.from([200, 1]) }],
    ['i16', { dtype: 'int16', shape: [1], bytes: Uint8Array.from([1, 2]) }],
    ['i32', { dtype: 'int32', shape: [1], bytes: Uint8Array.from([1, 2, 3, 4]) }],
    ['i64', { dtype: 'int64', shape: [1], bytes: Uint8Array.from([1, 2, 3, 4, 5, 6, 7, 8]) }],
    ['bool', { dtype: 'bool', shape: [3], bytes: Uint8Array.from([1, 0, 1]) }],
    ['scalar', floatTensor([7], [], 'float16')],
    ['empty', { dtype: 'float32', shape: [0, 3], bytes: new Uint8Array(0) }],
  ]);

  it('round-trips every dtype, scalar and empty tensors, and metadata', () => {
    const bytes = serializeSafetensors(tensors, { format: 'pt', note: 'x' });
    const headerLength = Number(new DataView(bytes.buffer).getBigUint64(0, true));
    expect((8 + headerLength) % 8).toBe(0); // data section aligned
    const back = parseSafetensors(bytes);
    expect(back.metadata).toEqual({ format: 'pt', note: 'x' });
    expect([...back.tensors.keys()].sort()).toEqual([...tensors.keys()].sort());
    for (const [k, t] of tensors) expect(sameTensor(back.tensors.get(k)!, t), k).toBe(true);
  });

  it('reads a hand-made file (dtype codes and offsets as the spec defines them)', () => {
    const data = Uint8Array.from([0x00, 0x3c, 0x00, 0xc0, 9]); // F16 [1, -2] then U8 [9]
    const st = parseSafetensors(file({ x: { dtype: 'F16', shape: [2], data_offsets: [0, 4] }, y: { dtype: 'U8', shape: [], data_offsets: [4, 5] } }, data));
    expect(st.tensors.get('x')).toMatchObject({ dtype: 'float16', shape: [2] });
    expect(Array.from(st.tensors.get('x')!.bytes)).toEqual([0x00, 0x3c, 0x00, 0xc0]);
    expect(Array.from(st.tensors.get('y')!.bytes)).toEqual([9]);
  });

  it('refuses corrupt files with the reason', () => {
    const two = new Uint8Array(4);
    const ok = { t: { dtype: 'F16', shape: [2], data_offsets: [0, 4] } };
    refused(new Uint8Array(5), /too short/);
    refused(file(ok, two, { declaredLength: 1n << 40n }), /exceeds the 100000000-byte limit/);
    refused(file(ok, two, { declaredLength: 5000n }), /exceeds the file/);
    refused(file(null, two, { rawHeader: '{"t": ' }), /not valid UTF-8 JSON/);
    refused(file(null, two, { rawHeader: '[1, 2]' }), /not valid UTF-8 JSON|not a JSON object/);
    refused(file({ t: { dtype: 'F8_E4M3', shape: [4], data_offsets: [0, 4] } }, two), /tensor 't': unsupported dtype "F8_E4M3"/);
    refused(file({ t: { dtype: 'F16', shape: [-2], data_offsets: [0, 4] } }, two), /shape must be a list of non-negative integers/);
    refused(file({ t: { dtype: 'F16', shape: [2], data_offsets: [0, 8] } }, two), /run past the end of the data/);
    refused(file({ t: { dtype: 'F16', shape: [2], data_offsets: [4, 0] } }, two), /end before they begin/);
    refused(file({ t: { dtype: 'F16', shape: [3], data_offsets: [0, 4] } }, two), /4 bytes for shape \[3\] of F16 \(expected 6\)/);
    refused(
      file({ a: { dtype: 'F16', shape: [2], data_offsets: [0, 4] }, b: { dtype: 'F16', shape: [1], data_offsets: [2, 4] } }, two),
      /tensor '\w' \[\d, 4\] overlaps/,
    );
    refused(file({ t: { dtype: 'F16', shape: [1], data_offsets: [2, 4] } }, two), /2 unused bytes before tensor 't'/);
    refused(file({ t: { dtype: 'F16', shape: [1], data_offsets: [0, 2] } }, two), /2 bytes after the last tensor/);
    refused(file({ ...ok, __metadata__: { n: 1 } }, two), /__metadata__\.n is not a string/);
    refused(file({ t: { dtype: 'BOOL', shape: [4], data_offsets: [0, 4] } }, Uint8Array.from([0, 1, 2, 0])), /BOOL but holds bytes other than 0\/1/);
    refused(file({ t: { dtype: 'F16', shape: [2], data_offsets: [0, 4], extra: 1 } }, two), /unknown field 'extra'/);
    refused(file({ t: { dtype: 'F16', shape: [2] } }, two), /data_offsets must be/);
  });

  it('refuses to write inconsistent tensors', () => {
    expect(() => serializeSafetensors(new Map([['t', { dtype: 'float32', shape: [2], bytes: new Uint8Array(4) } as Tensor]]))).toThrow(/expected 8/);
  });

  it('fuzz: any corruption of the header is parsed or refused with SafetensorsError, nothing else', () => {
    const good = serializeSafetensors(tensors, { format: 'pt' });
    const headerEnd = 8 + Number(new DataView(good.buffer).getBigUint64(0, true));
    let refusedCount = 0;
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.nat({ max: headerEnd - 1 }), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 3 }), (edits) => {
        const bad = good.slice();
        for (const [at, value] of edits) bad[at] = value;
        try {
          parseSafetensors(bad);
        } catch (e) {
          if (!(e instanceof SafetensorsError)) throw e;
          refusedCount++;
        }
      }),
      { numRuns: 500, seed: 7 },
    );
    expect(refusedCount).toBeGreaterThan(100); // the corruption is real, most edits break the file
  });
});
