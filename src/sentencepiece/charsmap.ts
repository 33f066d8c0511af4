// SentencePiece's precompiled character map (normalizer_spec.precompiled_charsmap, used by the
// nmt_nfkc* rules): <uint32 LE trie size><darts-clone double-array trie><NUL-terminated
// replacement strings>. The trie maps a UTF-8 byte prefix to the offset of its replacement.
import { SentencePieceError } from './errors.ts';
import { utf8Bytes } from './utf8.ts';

export class CharsMapError extends SentencePieceError {}

export class PrecompiledCharsMap {
  private readonly units: Uint32Array;
  private readonly normalized: Uint8Array;
  private readonly decoded = new Map<number, string>();
  private readonly textDecoder = new TextDecoder('utf-8', { fatal: false });

  constructor(blob: Uint8Array) {
    if (blob.length <= 4) throw new CharsMapError('precompiled_charsmap: blob too short');
    const view = new DataView(blob.buffer, blob.byteOffset, blob.byteLength);
    const trieSize = view.getUint32(0, true);
    if (trieSize >= blob.length || trieSize % 4 !== 0) {
      throw new CharsMapError(`precompiled_charsmap: trie size ${trieSize} does not fit the ${blob.length}-byte blob`);
    }
    // Copy so the Uint32Array is aligned whatever the blob's offset in the file.
    const trie = blob.slice(4, 4 + trieSize);
    this.units = new Uint32Array(trie.buffer, 0, trieSize / 4);
    this.normalized = blob.subarray(4 + trieSize);
  }

  /**
   * Longest rule matching `text` at `pos`: returns [replacement, consumed UTF-16 units], or
   * undefined if no rule matches. Walks the trie byte by byte over the following code points.
   */
  longestMatch(text: string, pos: number): [string, number] | undefined {
    const units = this.units;
    let node = offsetOf(units[0]);
    let bestValue = -1;
    let bestEnd = 0;
    let i = pos;
    while (i < text.length) {
      const cp = text.codePointAt(i)!;
      const cpLen = cp > 0xffff ? 2 : 1;
      const bytes = cp < 0x80 ? [cp] : utf8Bytes(String.fromCodePoint(cp));
      for (let k = 0; k < bytes.length; k++) {
        const b = bytes[k];
        node ^= b;
        if (node >= units.length) return this.result(bestValue, bestEnd, pos);
        const unit = units[node];
        if (labelOf(unit) !== b) return this.result(bestValue, bestEnd, pos);
        node ^= offsetOf(unit);
        if (hasLeaf(unit) && k === bytes.length - 1) {
          if (node >= units.length) throw new CharsMapError('precompiled_charsmap: trie leaf out of range');
          bestValue = valueOf(units[node]);
          bestEnd = i + cpLen;
        }
      }
      i += cpLen;
    }
    return this.result(bestValue, bestEnd, pos);
  }

  private result(value: number, end: number, pos: number): [string, number] | undefined {
    if (value < 0) return undefined;
    return [this.replacement(value), end - pos];
  }

  private replacement(offset: number): string {
    let s = this.decoded.get(offset);
    if (s === undefined) {
      if (offset >= this.normalized.length) {
        throw new CharsMapError(`precompiled_charsmap: replacement offset ${offset} out of range`);
      }
      let end = offset;
      while (end < this.normalized.length && this.normalized[end] !== 0) end++;
      s = this.textDecoder.decode(this.normalized.subarray(offset, end));
      this.decoded.set(offset, s);
    }
    return s;
  }
}

// darts-clone unit layout.
const hasLeaf = (u: number): boolean => ((u >>> 8) & 1) === 1;
const valueOf = (u: number): number => u & 0x7fffffff;
const labelOf = (u: number): number => u & 0x800000ff; // a leaf's high bit makes it never equal a byte
const offsetOf = (u: number): number => (u >>> 10) << ((u & (1 << 9)) >>> 6);
