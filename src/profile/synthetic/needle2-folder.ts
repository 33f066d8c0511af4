// Needle 2 at its released configuration (needle2PresetConfig('base'), 45,211,383 parameters) with
// random weights (speed does not depend on the values), written once as a converted folder
// (model.safetensors + config.json + tokenizer.model, what `needle-bench checkpoint convert` writes)
// into `$NEEDLE_BENCH_CACHE/synthetic/needle-2@<config-hash>` so the `needle2` provider loads it
// exactly as it loads a converted real checkpoint.
//
// Tokenizer: Needle 2's released 8,192-piece tokenizer is not shipped. The project's stand-in
// (test/fixtures/needle2/tokenizer.model: SentencePiece BPE trained here on BFCL text, with the
// special and chat-marker ids the package hard-codes) is padded with UNUSED pieces (never produced by
// encoding) to the model's vocabulary, so prompt lengths are the stand-in's token counts, stated as such.
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT } from '../../models/registry.ts';
import { loadSentencePiece } from '../../sentencepiece/index.ts';
import { loadNeedle2Checkpoint, needle2ParameterCount, writeNeedle2Converted, NEEDLE2_TOKENIZER_NAME } from '../../needle/v2/checkpoint.ts';
import { countParameters, type Needle2Config } from '../../needle/v2/config.ts';
import { needle2PresetConfig, syntheticNeedle2Checkpoint } from '../../needle/v2/synthetic.ts';
import { loadNeedle2Tokenizer } from '../../needle/v2/tokenizer.ts';
import { cachedSyntheticFolder, type SyntheticFolder } from './baseline-folder.ts';
import { padSentencePiece } from './needle-folder.ts';

const FORMAT = 1;
export const NEEDLE2_STANDIN_TOKENIZER = join(REPO_ROOT, 'test/fixtures/needle2/tokenizer.model');
export const NEEDLE2_ID = 'needle-2';

export interface Needle2FolderOptions {
  cacheRoot: string;
  seed?: number;
  /** Default: the released 45M `base` preset with kv_window 256. */
  config?: Needle2Config;
}

export async function ensureSyntheticNeedle2(o: Needle2FolderOptions): Promise<SyntheticFolder> {
  const seed = o.seed ?? 1;
  const config = o.config ?? needle2PresetConfig();
  const tokenizer = readFileSync(NEEDLE2_STANDIN_TOKENIZER);
  const hash = createHash('sha256').update(JSON.stringify({ FORMAT, config, seed })).update(tokenizer).digest('hex').slice(0, 12);
  return cachedSyntheticFolder({ cacheRoot: o.cacheRoot, id: NEEDLE2_ID, hash }, async (tmp) => {
    await writeNeedle2Converted(syntheticNeedle2Checkpoint(config, seed), tmp);
    const pieces = loadSentencePiece(tokenizer).vocabSize;
    if (pieces > config.vocab_size) throw new Error(`${NEEDLE2_STANDIN_TOKENIZER}: ${pieces} pieces, more than the config's vocab_size ${config.vocab_size}`);
    const padded = padSentencePiece(tokenizer, pieces, config.vocab_size);
    loadNeedle2Tokenizer(padded, config.vocab_size); // the provider's own layout check, before anything is cached
    writeFileSync(join(tmp, NEEDLE2_TOKENIZER_NAME), padded);
    // The count the config implies must be what was written (read back as the provider reads it).
    const count = countParameters(config);
    const written = needle2ParameterCount(await loadNeedle2Checkpoint(tmp));
    if (written !== count) throw new Error(`${tmp}: wrote ${written} parameters, the config implies ${count}`);
    return {
      onnxBytes: 0,
      parameterCount: count,
      graphParameterCount: written,
      tokenizer: {
        kind: 'synthetic-bpe' as const,
        merges: 0,
        pieces,
        vocab: config.vocab_size,
        note: `the project's ${pieces}-piece stand-in for Needle 2's tokenizer (test/fixtures/needle2/tokenizer.model: SentencePiece BPE trained on BFCL text, Needle 2's special and chat-marker ids 0..13) padded with unused pieces to ${config.vocab_size}; the released tokenizer is not shipped, so token counts are the stand-in's (its smaller vocabulary makes prompts longer than the released tokenizer's)`,
      },
    };
  });
}
