// (left id, right id) → merged id, as an open-addressing hash table in typed arrays: the BPE
// inner loop probes it for every candidate pair, and this is ~2x faster than a Map.

export class PairTable {
  private readonly keysA: Int32Array;
  private readonly keysB: Int32Array;
  private readonly values: Int32Array;
  private readonly mask: number;
  private count = 0;

  constructor(expectedEntries: number) {
    let cap = 16;
    while (cap < expectedEntries * 2) cap *= 2;
    this.keysA = new Int32Array(cap).fill(-1);
    this.keysB = new Int32Array(cap);
    this.values = new Int32Array(cap);
    this.mask = cap - 1;
  }

  get size(): number {
    return this.count;
  }

  private slot(a: number, b: number): number {
    return (Math.imul(a, 0x9e3779b1) ^ Math.imul(b + 0x7f4a7c15, 0x85ebca77)) >>> 0;
  }

  /** Insert or overwrite; ids must be >= 0. */
  set(a: number, b: number, value: number): void {
    if (this.count * 2 >= this.keysA.length) throw new RangeError('PairTable is full');
    let i = this.slot(a, b) & this.mask;
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

  /** The merged id, or -1. */
  get(a: number, b: number): number {
    const keysA = this.keysA;
    let i = this.slot(a, b) & this.mask;
    for (;;) {
      const k = keysA[i];
      if (k === -1) return -1;
      if (k === a && this.keysB[i] === b) return this.values[i];
      i = (i + 1) & this.mask;
    }
  }
}
