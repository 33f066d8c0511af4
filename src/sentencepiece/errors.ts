// Every failure of the tokenizer (unreadable model file, unsupported model, bad charsmap) is a
// SentencePieceError, so callers can catch one type; out-of-range ids are RangeErrors.
export class SentencePieceError extends Error {
  override name = 'SentencePieceError';
}
