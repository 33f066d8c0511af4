// UTF-8 helpers with SentencePiece's exact rules for malformed input.

const encoder = new TextEncoder();

export function utf8Bytes(text: string): Uint8Array {
  return encoder.encode(text);
}

/** SentencePiece works on UTF-8 bytes; a JS string's lone surrogates have no UTF-8 form, so they
 * become U+FFFD — the same character SentencePiece's normalizer substitutes for malformed input. */
export function toWellFormed(text: string): string {
  return text.replace(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g, '\uFFFD');
}

const isTrail = (b: number): boolean => (b & 0xc0) === 0x80;
const isValidCodepoint = (c: number): boolean => c < 0xd800 || (c >= 0xe000 && c <= 0x10ffff);

/**
 * Decodes bytes as SentencePiece's byte-piece decoder does (string_util::DecodeUTF8): each
 * structurally invalid byte (bad lead, bad trail, overlong, surrogate, > U+10FFFF, truncated)
 * becomes its own U+FFFD and decoding resumes at the next byte. This differs from TextDecoder,
 * which replaces a maximal invalid subpart with a single U+FFFD.
 */
export function decodeUtf8Lossy(bytes: ArrayLike<number>): string {
  const out: number[] = [];
  const n = bytes.length;
  let i = 0;
  while (i < n) {
    const b0 = bytes[i];
    const left = n - i;
    let cp = -1;
    let len = 1;
    if (b0 < 0x80) {
      cp = b0;
    } else if (left >= 2 && (b0 & 0xe0) === 0xc0) {
      const c = ((b0 & 0x1f) << 6) | (bytes[i + 1] & 0x3f);
      if (isTrail(bytes[i + 1]) && c >= 0x80 && isValidCodepoint(c)) [cp, len] = [c, 2];
    } else if (left >= 3 && (b0 & 0xf0) === 0xe0) {
      const c = ((b0 & 0x0f) << 12) | ((bytes[i + 1] & 0x3f) << 6) | (bytes[i + 2] & 0x3f);
      if (isTrail(bytes[i + 1]) && isTrail(bytes[i + 2]) && c >= 0x800 && isValidCodepoint(c)) [cp, len] = [c, 3];
    } else if (left >= 4 && (b0 & 0xf8) === 0xf0) {
      const c =
        ((b0 & 0x07) << 18) | ((bytes[i + 1] & 0x3f) << 12) | ((bytes[i + 2] & 0x3f) << 6) | (bytes[i + 3] & 0x3f);
      if (isTrail(bytes[i + 1]) && isTrail(bytes[i + 2]) && isTrail(bytes[i + 3]) && c >= 0x10000 && isValidCodepoint(c)) {
        [cp, len] = [c, 4];
      }
    }
    out.push(cp < 0 ? 0xfffd : cp);
    i += len;
  }
  let s = '';
  for (let k = 0; k < out.length; k += 8192) s += String.fromCodePoint(...out.slice(k, k + 8192));
  return s;
}
