// Where a Needle checkpoint's SentencePiece model sits. A module of its own (fs and path only) so the
// provider can find a model's files at start-up without loading the checkpoint reader.
import { existsSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';

/** The name `needle-bench convert` gives the tokenizer it copies beside model.safetensors. */
export const CONVERTED_TOKENIZER = 'tokenizer.model';

/** Where a checkpoint's tokenizer may sit, relative to its folder, in order of preference. */
export const TOKENIZER_NAMES = ['tokenizer/needle.model', CONVERTED_TOKENIZER, 'needle.model'];

/** The tokenizer beside a checkpoint file or in a checkpoint folder, if any. */
export function findTokenizer(checkpointPath: string): string | undefined {
  const dir = existsSync(checkpointPath) && statSync(checkpointPath).isDirectory() ? checkpointPath : dirname(checkpointPath);
  return TOKENIZER_NAMES.map((n) => join(dir, n)).find((c) => existsSync(c));
}
