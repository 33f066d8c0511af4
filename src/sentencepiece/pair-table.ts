// (left id, right id) → merged id, as a growable open-addressing hash table in typed arrays: the
// BPE inner loop probes it for every candidate pair, and this is ~2x faster than a Map.

/** Returned by get() for a pair never stored. */
export const ABSENT = -2;

export class PairTable {
  private keysA: Int32Array;
  private keysB: Int32Array;
  private values: Int32Array;
  private mask: number;
  private count = 0;

  constructor(initialCapacity = 1 << 14) {
    let cap = 16;
    while (cap < initialCapacity) cap *= 2;
    this.keysA = new Int32Array(cap).fill(-1);
    this.keysB = new Int32Array(cap);
    this.values = new Int32Array(cap);
    this.mask = cap - 1;
  }

  get size(): number {
    return this.count;
  }

  private static slot(a: number, b: number): number {
    return (Math.imul(a, 0x9e3779b1) ^ Math.imul(b + 0x7f4a7c15, 0x85ebca77)) >>> 0;
  }

  /** Insert or overwrite; ids must be >= 0. Grows at half load. */
  set(a: number, b: number, value: number): void {
    if ((this.count + 1) * 2 > this.keysA.length) this.grow();
    let i = PairTable.slot(a, b) & this.mask;
    while (this.keysA[i] !== -1) {
      if (this.keysA[i] === a && this.keysB[i] === b) {
        this.values[i] = value;
        return;
      }
      i = (i + 1) & this.mask;
    }
    this.keysA[i] = a;
    this.keysB[i] = b;
    this.values[i] = value;
    this.count++;
  }

  /** The stored value, or ABSENT. */
  get(a: number, b: number): number {
    const keysA = this.keysA;
    let i = PairTable.slot(a, b) & this.mask;
    for (;;) {
      const k = keysA[i];
      if (k === -1) return ABSENT;
      if (k === a && this.keysB[i] === b) return this.values[i];
      i = (i + 1) & this.mask;
    }
  }

  clear(): void {
    this.keysA.fill(-1);
    this.count = 0;
  }

  private grow(): void {
    const { keysA, keysB, values } = this;
    const cap = keysA.length * 2;
    this.keysA = new Int32Array(cap).fill(-1);
    this.keysB = new Int32Array(cap);
    this.values = new Int32Array(cap);
    this.mask = cap - 1;
    this.count = 0;
    for (let i = 0; i < keysA.length; i++) if (keysA[i] !== -1) this.set(keysA[i], keysB[i], values[i]);
  }
}
