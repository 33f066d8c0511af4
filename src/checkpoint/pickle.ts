// A safe unpickler for Needle checkpoints: a small stack machine over the binary opcodes of pickle
// protocols 2-5 that builds plain data. Globals are refused unless allowlisted (pickle-numpy.ts), and
// even those are only recognised, never imported or executed. Every length is checked against the
// remaining input before anything is allocated, so a hostile file can only produce a PickleError.
import { asKey, buildObject, callGlobal, newObject, resolveGlobal } from './pickle-numpy.ts';
import { PickleError, PyTuple, typeName, type PyDict, type PyValue } from './pickle-values.ts';

export { PickleError, PyTuple, NdArray, NumpyDType, PyGlobal, PyRecord, typeName } from './pickle-values.ts';
export type { PyDict, PyKey, PyValue } from './pickle-values.ts';
export { ALLOWED_GLOBALS } from './pickle-numpy.ts';

export interface UnpickleOptions {
  /** Most MARKs open at once (nesting while building). */
  maxMarks?: number;
  /** Longest LONG1/LONG4 integer in bytes (huge ints are a CPU sink). */
  maxLongBytes?: number;
}

const OP = {
  MARK: 0x28, STOP: 0x2e, POP: 0x30, POP_MARK: 0x31, DUP: 0x32,
  BINFLOAT: 0x47, BININT: 0x4a, BININT1: 0x4b, BININT2: 0x4d, NONE: 0x4e,
  BINUNICODE: 0x58, SHORT_BINBYTES: 0x43, BINBYTES: 0x42, REDUCE: 0x52,
  EMPTY_LIST: 0x5d, APPEND: 0x61, BUILD: 0x62, GLOBAL: 0x63, DICT: 0x64, APPENDS: 0x65,
  GET: 0x67, BINGET: 0x68, LONG_BINGET: 0x6a, LIST: 0x6c, PUT: 0x70, BINPUT: 0x71, LONG_BINPUT: 0x72,
  SETITEM: 0x73, TUPLE: 0x74, SETITEMS: 0x75, EMPTY_DICT: 0x7d, EMPTY_TUPLE: 0x29,
  PROTO: 0x80, NEWOBJ: 0x81, TUPLE1: 0x85, TUPLE2: 0x86, TUPLE3: 0x87, NEWTRUE: 0x88, NEWFALSE: 0x89,
  LONG1: 0x8a, LONG4: 0x8b, SHORT_BINUNICODE: 0x8c, BINUNICODE8: 0x8d, BINBYTES8: 0x8e,
  STRING: 0x53, UNICODE: 0x56, INT: 0x49, LONG: 0x4c, FLOAT: 0x46, SHORT_BINSTRING: 0x55, BINSTRING: 0x54,
  NEWOBJ_EX: 0x92, STACK_GLOBAL: 0x93, MEMOIZE: 0x94, FRAME: 0x95, BYTEARRAY8: 0x96,
} as const;

/** Opcodes deliberately not supported, with the reason given to the user. */
const REFUSED_OPS: Record<number, string> = {
  0x50: 'PERSID (persistent ids: torch-style external storage) is not supported',
  0x51: 'BINPERSID (persistent ids: torch-style external storage) is not supported',
  0x69: 'INST (instantiates a class) is refused',
  0x6f: 'OBJ (instantiates a class) is refused',
  0x82: 'EXT1 (copyreg extension registry names a global) is refused',
  0x83: 'EXT2 (copyreg extension registry names a global) is refused',
  0x84: 'EXT4 (copyreg extension registry names a global) is refused',
  0x97: 'NEXT_BUFFER (out-of-band buffers) is not supported',
  0x98: 'READONLY_BUFFER (out-of-band buffers) is not supported',
};

const utf8 = new TextDecoder('utf-8', { fatal: true });

class Machine {
  private pos = 0;
  private readonly stack: PyValue[] = [];
  private readonly marks: number[] = [];
  private readonly memo = new Map<number, PyValue>();
  private op = 0;
  private opAt = 0;

  constructor(
    private readonly data: Uint8Array,
    private readonly maxMarks: number,
    private readonly maxLongBytes: number,
  ) {}

  fail(message: string): never {
    const name = Object.entries(OP).find(([, v]) => v === this.op)?.[0] ?? `0x${this.op.toString(16)}`;
    throw new PickleError(`at byte ${this.opAt} (${name}): ${message}`);
  }

  private need(n: number): void {
    if (n > this.data.length - this.pos) this.fail(`truncated: needs ${n} bytes, ${this.data.length - this.pos} left`);
  }
  private u8(): number {
    this.need(1);
    return this.data[this.pos++];
  }
  private u16(): number {
    this.need(2);
    const v = this.data[this.pos] | (this.data[this.pos + 1] << 8);
    this.pos += 2;
    return v;
  }
  private u32(): number {
    this.need(4);
    const d = this.data;
    const p = this.pos;
    this.pos += 4;
    return (d[p] | (d[p + 1] << 8) | (d[p + 2] << 16)) + d[p + 3] * 0x1000000;
  }
  private i32(): number {
    return this.u32() | 0;
  }
  /** 8-byte length: rejected if it exceeds the remaining input (before any allocation). */
  private len64(): number {
    const lo = this.u32();
    const hi = this.u32();
    if (hi >= 0x200000) this.fail(`declared size ${hi} * 2^32 + ${lo} bytes exceeds the input`);
    const n = hi * 0x100000000 + lo;
    if (n > this.data.length - this.pos) this.fail(`declared size ${n} bytes exceeds the ${this.data.length - this.pos} bytes left`);
    return n;
  }
  private take(n: number): Uint8Array {
    this.need(n);
    const out = this.data.subarray(this.pos, this.pos + n);
    this.pos += n;
    return out;
  }
  private text(n: number): string {
    try {
      return utf8.decode(this.take(n));
    } catch (e) {
      if (e instanceof PickleError) throw e;
      this.fail('string is not valid UTF-8');
    }
  }
  private line(): string {
    const end = this.data.indexOf(0x0a, this.pos);
    if (end < 0 || end - this.pos > 1024) this.fail('expected a newline-terminated line of at most 1024 bytes');
    const s = Buffer.from(this.data.subarray(this.pos, end)).toString('latin1');
    this.pos = end + 1;
    return s;
  }

  private floor(): number {
    return this.marks.length ? this.marks[this.marks.length - 1] : 0;
  }
  private push(v: PyValue): void {
    this.stack.push(v);
  }
  private pop(): PyValue {
    if (this.stack.length <= this.floor()) this.fail('stack underflow');
    return this.stack.pop() as PyValue;
  }
  private top(): PyValue {
    if (this.stack.length <= this.floor()) this.fail('stack underflow');
    return this.stack[this.stack.length - 1];
  }
  private popMark(): PyValue[] {
    if (!this.marks.length) this.fail('no MARK to pop to');
    const at = this.marks.pop() as number;
    return this.stack.splice(at);
  }
  private memoGet(i: number): PyValue {
    if (!this.memo.has(i)) this.fail(`memo key ${i} was never stored`);
    return this.memo.get(i) as PyValue;
  }
  private memoPut(i: number): void {
    this.memo.set(i, this.top());
  }
  private dictOf(v: PyValue, what: string): PyDict {
    if (!(v instanceof Map)) this.fail(`${what} on ${typeName(v)}, not a dict`);
    return v;
  }
  private listOf(v: PyValue, what: string): PyValue[] {
    if (!Array.isArray(v)) this.fail(`${what} on ${typeName(v)}, not a list`);
    return v;
  }
  private setItems(dict: PyDict, items: PyValue[]): void {
    if (items.length % 2) this.fail('odd number of items for SETITEMS');
    for (let i = 0; i < items.length; i += 2) dict.set(this.key(items[i]), items[i + 1]);
  }
  private key(v: PyValue) {
    try {
      return asKey(v);
    } catch (e) {
      this.fail((e as Error).message);
    }
  }
  private long(n: number): number | bigint {
    if (n > this.maxLongBytes) this.fail(`integer of ${n} bytes exceeds the limit of ${this.maxLongBytes}`);
    const b = this.take(n);
    if (n === 0) return 0;
    let v = 0n;
    for (let i = n - 1; i >= 0; i--) v = (v << 8n) | BigInt(b[i]);
    if (b[n - 1] & 0x80) v -= 1n << BigInt(8 * n);
    return v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v;
  }
  private decimal(s: string): number | bigint {
    if (s.length > this.maxLongBytes * 3 || !/^[-+]?\d+$/.test(s)) this.fail(`bad integer literal '${s.slice(0, 40)}'`);
    const v = BigInt(s);
    return v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v;
  }
  /** A protocol-0 STRING: a quoted Python literal with backslash escapes, as latin-1 text. */
  private quoted(s: string): string {
    const q = s[0];
    if (s.length < 2 || (q !== "'" && q !== '"') || s[s.length - 1] !== q) this.fail('STRING is not quoted');
    const body = s.slice(1, -1);
    const simple: Record<string, string> = { n: '\n', r: '\r', t: '\t', a: '\x07', b: '\b', f: '\f', v: '\v', '\\': '\\', "'": "'", '"': '"' };
    return body.replace(/\\(x[0-9a-fA-F]{2}|[0-7]{1,3}|.)/g, (m, e: string) => {
      if (e[0] === 'x') return String.fromCharCode(parseInt(e.slice(1), 16));
      if (/^[0-7]/.test(e)) return String.fromCharCode(parseInt(e, 8) & 0xff);
      return simple[e] ?? m;
    });
  }
  /** A protocol-0 UNICODE: raw-unicode-escape (only \uXXXX and \UXXXXXXXX are escapes). */
  private rawUnicodeEscape(s: string): string {
    return s.replace(/\\u([0-9a-fA-F]{4})|\\U([0-9a-fA-F]{8})/g, (_m, a?: string, b?: string) => {
      const cp = parseInt((a ?? b) as string, 16);
      if (cp > 0x10ffff) this.fail(`bad code point U+${cp.toString(16)}`);
      return String.fromCodePoint(cp);
    });
  }
  /** Errors from the numpy emulation carry this opcode's position. */
  private guarded<T>(f: () => T): T {
    try {
      return f();
    } catch (e) {
      if (e instanceof PickleError && !e.message.startsWith('at byte')) this.fail(e.message);
      throw e;
    }
  }

  run(): PyValue {
    const d = this.data;
    while (this.pos < d.length) {
      this.opAt = this.pos;
      this.op = d[this.pos++];
      switch (this.op) {
        case OP.PROTO: {
          const v = this.u8();
          if (v > 5) this.fail(`unsupported protocol ${v}`);
          break;
        }
        case OP.FRAME:
          this.len64(); // framing is only a read-ahead hint; the frame must fit in the input
          break;
        case OP.STOP: {
          if (this.marks.length) this.fail('STOP with an unclosed MARK');
          if (this.stack.length !== 1) this.fail(`STOP with ${this.stack.length} values on the stack (expected 1)`);
          return this.stack[0];
        }
        case OP.MARK:
          if (this.marks.length >= this.maxMarks) this.fail(`more than ${this.maxMarks} nested MARKs`);
          this.marks.push(this.stack.length);
          break;
        case OP.POP:
          this.pop();
          break;
        case OP.POP_MARK:
          this.popMark();
          break;
        case OP.DUP:
          this.push(this.top());
          break;
        case OP.NONE:
          this.push(null);
          break;
        case OP.NEWTRUE:
          this.push(true);
          break;
        case OP.NEWFALSE:
          this.push(false);
          break;
        case OP.BININT:
          this.push(this.i32());
          break;
        case OP.BININT1:
          this.push(this.u8());
          break;
        case OP.BININT2:
          this.push(this.u16());
          break;
        case OP.LONG1:
          this.push(this.long(this.u8()));
          break;
        case OP.LONG4: {
          const n = this.i32();
          if (n < 0) this.fail('negative LONG4 size');
          this.push(this.long(n));
          break;
        }
        case OP.BINFLOAT: {
          const b = this.take(8);
          this.push(new DataView(b.buffer, b.byteOffset, 8).getFloat64(0, false));
          break;
        }
        case OP.SHORT_BINUNICODE:
          this.push(this.text(this.u8()));
          break;
        case OP.BINUNICODE:
          this.push(this.text(this.u32()));
          break;
        case OP.BINUNICODE8:
          this.push(this.text(this.len64()));
          break;
        case OP.SHORT_BINBYTES:
          this.push(this.take(this.u8()));
          break;
        case OP.BINBYTES:
          this.push(this.take(this.u32()));
          break;
        case OP.BINBYTES8:
        case OP.BYTEARRAY8:
          this.push(this.take(this.len64()));
          break;
        // Protocol 0/1 text scalars (old or hand-made pickles; INST/GLOBAL payloads use them).
        case OP.STRING:
          this.push(this.quoted(this.line()));
          break;
        case OP.UNICODE:
          this.push(this.rawUnicodeEscape(this.line()));
          break;
        case OP.SHORT_BINSTRING:
          this.push(Buffer.from(this.take(this.u8())).toString('latin1'));
          break;
        case OP.BINSTRING: {
          const n = this.i32();
          if (n < 0) this.fail('negative BINSTRING size');
          this.push(Buffer.from(this.take(n)).toString('latin1'));
          break;
        }
        case OP.INT: {
          const s = this.line();
          if (s === '01' || s === '00') this.push(s === '01');
          else this.push(this.decimal(s));
          break;
        }
        case OP.LONG:
          this.push(this.decimal(this.line().replace(/L$/, '')));
          break;
        case OP.FLOAT: {
          const s = this.line();
          if (!/^[-+]?(\d+\.?\d*([eE][-+]?\d+)?|\.\d+([eE][-+]?\d+)?|inf|nan)$/i.test(s)) this.fail(`bad FLOAT '${s}'`);
          this.push(/inf/i.test(s) ? (s.startsWith('-') ? -Infinity : Infinity) : /nan/i.test(s) ? NaN : Number(s));
          break;
        }
        case OP.EMPTY_DICT:
          this.push(new Map());
          break;
        case OP.EMPTY_LIST:
          this.push([]);
          break;
        case OP.EMPTY_TUPLE:
          this.push(new PyTuple([]));
          break;
        case OP.TUPLE1:
          this.push(new PyTuple([this.pop()]));
          break;
        case OP.TUPLE2: {
          const b = this.pop();
          const a = this.pop();
          this.push(new PyTuple([a, b]));
          break;
        }
        case OP.TUPLE3: {
          const c = this.pop();
          const b = this.pop();
          const a = this.pop();
          this.push(new PyTuple([a, b, c]));
          break;
        }
        case OP.TUPLE:
          this.push(new PyTuple(this.popMark()));
          break;
        case OP.LIST:
          this.push(this.popMark());
          break;
        case OP.DICT: {
          const items = this.popMark();
          const dict: PyDict = new Map();
          this.setItems(dict, items);
          this.push(dict);
          break;
        }
        case OP.APPEND: {
          const v = this.pop();
          this.listOf(this.top(), 'APPEND').push(v);
          break;
        }
        case OP.APPENDS: {
          const items = this.popMark();
          const list = this.listOf(this.top(), 'APPENDS');
          for (const v of items) list.push(v);
          break;
        }
        case OP.SETITEM: {
          const v = this.pop();
          const k = this.pop();
          this.dictOf(this.top(), 'SETITEM').set(this.key(k), v);
          break;
        }
        case OP.SETITEMS: {
          const items = this.popMark();
          this.setItems(this.dictOf(this.top(), 'SETITEMS'), items);
          break;
        }
        case OP.MEMOIZE:
          this.memoPut(this.memo.size);
          break;
        case OP.BINPUT:
          this.memoPut(this.u8());
          break;
        case OP.LONG_BINPUT:
          this.memoPut(this.u32());
          break;
        case OP.PUT: {
          const s = this.line();
          if (!/^\d{1,10}$/.test(s)) this.fail(`bad PUT index '${s}'`);
          this.memoPut(Number(s));
          break;
        }
        case OP.BINGET:
          this.push(this.memoGet(this.u8()));
          break;
        case OP.LONG_BINGET:
          this.push(this.memoGet(this.u32()));
          break;
        case OP.GET: {
          const s = this.line();
          if (!/^\d{1,10}$/.test(s)) this.fail(`bad GET index '${s}'`);
          this.push(this.memoGet(Number(s)));
          break;
        }
        case OP.GLOBAL: {
          const module = this.line();
          const name = this.line();
          this.push(this.guarded(() => resolveGlobal(module, name)));
          break;
        }
        case OP.STACK_GLOBAL: {
          const name = this.pop();
          const module = this.pop();
          if (typeof module !== 'string' || typeof name !== 'string') this.fail(`STACK_GLOBAL needs two str, got ${typeName(module)} and ${typeName(name)}`);
          this.push(this.guarded(() => resolveGlobal(module, name)));
          break;
        }
        case OP.REDUCE: {
          const args = this.pop();
          const fn = this.pop();
          this.push(this.guarded(() => callGlobal(fn, args)));
          break;
        }
        case OP.NEWOBJ: {
          const args = this.pop();
          const cls = this.pop();
          this.push(this.guarded(() => newObject(cls, args)));
          break;
        }
        case OP.NEWOBJ_EX: {
          const kwargs = this.pop();
          const args = this.pop();
          const cls = this.pop();
          if (!(kwargs instanceof Map) || kwargs.size) this.fail('NEWOBJ_EX with keyword arguments is not allowed');
          this.push(this.guarded(() => newObject(cls, args)));
          break;
        }
        case OP.BUILD: {
          const state = this.pop();
          const obj = this.pop();
          this.push(this.guarded(() => buildObject(obj, state)));
          break;
        }
        default: {
          const reason = REFUSED_OPS[this.op];
          if (reason && (this.op === 0x69)) {
            // INST names its class inline: report the global like GLOBAL would.
            const module = this.line();
            const name = this.line();
            this.guarded(() => resolveGlobal(module, name));
          }
          this.fail(reason ?? `unsupported opcode 0x${this.op.toString(16)}`);
        }
      }
    }
    this.fail('input ended without STOP');
  }
}

/** Unpickle bytes into plain data. Throws PickleError (never anything else) on any bad input. */
export function unpickle(data: Uint8Array, options: UnpickleOptions = {}): PyValue {
  // A plain Uint8Array view (not a Node Buffer), so arrays handed out behave like any Uint8Array.
  const bytes = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  const m = new Machine(bytes, options.maxMarks ?? 10_000, options.maxLongBytes ?? 256);
  try {
    return m.run();
  } catch (e) {
    if (e instanceof PickleError) throw e;
    // A bug or an engine limit (e.g. RangeError) still surfaces as a PickleError for the caller.
    throw new PickleError(`malformed pickle: ${(e as Error).message}`);
  }
}
