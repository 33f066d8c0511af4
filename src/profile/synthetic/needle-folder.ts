// Needle at its released configuration with random weights (speed does not depend on the values),
// written once as a converted folder (model.safetensors + config.json + tokenizer.model) into
// `$NEEDLE_BENCH_CACHE/synthetic/needle@<config-hash>` so the `needle` provider loads it exactly as it
// loads a real checkpoint.
//
// Tokenizer: the released 8,192-piece tokenizer is not shipped. needle-tiny's tokenizer (trained here
// with Needle's SentencePiece settings, <tool_call> = 4 and <tools> = 5 as in the release) is padded with
// UNUSED pieces (never produced by encoding) to the release vocabulary, so the encoder sees real token
// ids and prompt lengths are needle-tiny's tokenizer's counts, stated as such.
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeConverted } from '../../needle/v1/checkpoint.ts';
import { NEEDLE_RELEASE_CONFIG } from '../../needle/v1/config.ts';
import { syntheticCheckpoint } from '../../needle/v1/synthetic.ts';
import type { NeedleConfig } from '../../needle/v1/types.ts';
import { loadSentencePiece } from '../../sentencepiece/index.ts';
import { REPO_ROOT } from '../../models/registry.ts';
import { cachedSyntheticFolder, type SyntheticFolder } from './baseline-folder.ts';

const FORMAT = 1;
export const NEEDLE_TINY_TOKENIZER = join(REPO_ROOT, 'models/needle-tiny/tokenizer/needle.model');

function varint(n: number): number[] {
  const out: number[] = [];
  while (n > 0x7f) {
    out.push((n & 0x7f) | 0x80);
    n >>>= 7;
  }
  out.push(n);
  return out;
}

/**
 * A SentencePiece model with UNUSED pieces `<unused_N>` appended up to `vocab` pieces (repeated field 1
 * of ModelProto may continue after the other fields; parsers concatenate).
 */
export function padSentencePiece(model: Uint8Array, pieces: number, vocab: number): Uint8Array {
  const extra: number[] = [];
  for (let id = pieces; id < vocab; id++) {
    const text = new TextEncoder().encode(`<unused_${id}>`);
    // SentencePiece { piece = 1 (string), score = 2 (float 0), type = 3 (UNUSED = 5) }
    const msg = [0x0a, ...varint(text.length), ...text, 0x15, 0, 0, 0, 0, 0x18, 5];
    extra.push(0x0a, ...varint(msg.length), ...msg);
  }
  const out = new Uint8Array(model.length + extra.length);
  out.set(model);
  out.set(extra, model.length);
  return out;
}

export async function ensureSyntheticNeedle(o: { cacheRoot: string; seed?: number; config?: NeedleConfig }): Promise<SyntheticFolder> {
  const seed = o.seed ?? 1;
  const config = o.config ?? NEEDLE_RELEASE_CONFIG;
  const tokenizer = readFileSync(NEEDLE_TINY_TOKENIZER);
  const hash = createHash('sha256').update(JSON.stringify({ FORMAT, config, seed })).update(tokenizer).digest('hex').slice(0, 12);
  return cachedSyntheticFolder({ cacheRoot: o.cacheRoot, id: 'needle', hash }, async (tmp) => {
    const ckpt = syntheticCheckpoint(config, seed);
    await writeConverted(ckpt, tmp);
    const pieces = loadSentencePiece(tokenizer).vocabSize;
    writeFileSync(join(tmp, 'tokenizer.model'), padSentencePiece(tokenizer, pieces, config.vocab_size));
    const { countParameters } = await import('../../needle/v1/config.ts');
    const count = countParameters(config);
    return {
      onnxBytes: 0,
      parameterCount: count,
      graphParameterCount: count,
      tokenizer: {
        kind: 'synthetic-bpe' as const,
        merges: 0,
        pieces,
        vocab: config.vocab_size,
        note: `needle-tiny's ${pieces}-piece SentencePiece tokenizer (Needle's settings and special ids) padded with unused pieces to ${config.vocab_size}; the released tokenizer is not shipped, so token counts are needle-tiny's tokenizer's`,
      },
    };
  });
}
