// `needle-bench prompt --model needle-2 …`: Needle 2's exact prompt (render_example's prompt half,
// src/needle/v2/prompt.ts) and, with --json, the model input [BOS] + encode(prompt) as the needle2
// provider builds it (cut to max_seq_len − 1, tools sink length). Only a tokenizer is needed, never
// the weights. Which tokenizer is always said, because the ids depend on it:
//   1. --tokenizer <tokenizer.model | .cact> (a .cact's embedded blob), else
//   2. the registered model's own tokenizer/tokenizer.model when it is pulled, else
//   3. the project's stand-in test/fixtures/needle2/tokenizer.model (512 pieces, Needle 2's special
//      ids, NOT the released tokenizer: the ids are not the released model's), else no ids.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { modelCacheDir, modelDir, REPO_ROOT, type ModelEntry } from '../../models/registry.ts';
import type { SuiteCase } from '../../suite/types.ts';

export const NEEDLE2_STAND_IN_TOKENIZER = join(REPO_ROOT, 'test/fixtures/needle2/tokenizer.model');

export interface Needle2PromptOptions {
  json?: boolean;
  cacheDir?: string;
  tokenizer?: string;
}

interface TokenizerChoice {
  kind: 'given' | 'registered' | 'stand-in';
  path: string;
  note: string;
  encode: (text: string) => number[];
  vocabSize: number;
}

async function chooseTokenizer(entry: ModelEntry, opts: Needle2PromptOptions): Promise<TokenizerChoice | { kind: 'none'; note: string }> {
  const { loadNeedle2Tokenizer } = await import('../../needle/v2/tokenizer.ts');
  const spm = (kind: TokenizerChoice['kind'], path: string, note: string): TokenizerChoice => {
    const tok = loadNeedle2Tokenizer(path);
    return { kind, path, note, encode: (s) => tok.encode(s), vocabSize: tok.vocabSize };
  };
  if (opts.tokenizer) {
    if (!existsSync(opts.tokenizer)) throw new Error(`--tokenizer ${opts.tokenizer}: no such file`);
    if (!opts.tokenizer.endsWith('.cact')) return spm('given', opts.tokenizer, 'the tokenizer given with --tokenizer');
    const [{ parseCact }, { BlobTokenizer, parseTokenizerBlob }] = await Promise.all([import('../../needle/v2/cact.ts'), import('../../needle/v2/tokenizer-blob.ts')]);
    const blob = parseCact(new Uint8Array(readFileSync(opts.tokenizer)), opts.tokenizer).tensors.at(-1);
    if (!blob || blob.kind !== 'raw') throw new Error(`--tokenizer ${opts.tokenizer}: this .cact carries no tokenizer blob`);
    const tok = new BlobTokenizer(parseTokenizerBlob(blob.bytes, `${opts.tokenizer} tokenizer`));
    return { kind: 'given', path: opts.tokenizer, note: 'the tokenizer blob embedded in the .cact given with --tokenizer (RefTokenizer semantics)', encode: (s) => tok.encode(s), vocabSize: tok.vocabSize };
  }
  if (entry.hub) {
    const own = join(modelDir(entry, opts.cacheDir ?? modelCacheDir()), 'tokenizer/tokenizer.model');
    if (existsSync(own)) return spm('registered', own, `${entry.id}'s own tokenizer (hub ${entry.hub.repo}@${entry.hub.revision ?? 'unpinned'})`);
  }
  if (existsSync(NEEDLE2_STAND_IN_TOKENIZER)) {
    return spm('stand-in', NEEDLE2_STAND_IN_TOKENIZER, `${entry.id}'s tokenizer is not present (needle-bench pull ${entry.id}); these ids come from the project's STAND-IN test tokenizer (SentencePiece BPE, Needle 2's special ids, trained on BFCL), not the released one, so they are not the released model's ids`);
  }
  return { kind: 'none', note: `no Needle 2 tokenizer available: ${entry.id}'s is not present (needle-bench pull ${entry.id}) and the stand-in ${NEEDLE2_STAND_IN_TOKENIZER} is missing; pass --tokenizer <tokenizer.model | .cact>` };
}

export async function needle2PromptText(entry: ModelEntry, testCase: SuiteCase, opts: Needle2PromptOptions): Promise<{ text: string; note?: string }> {
  const { renderPrompt, turnOf, promptInput, toolsJson, DEFAULT_MAX_SEQ_LEN } = await import('../../needle/v2/prompt.ts');
  const turn = turnOf(testCase);
  const prompt = renderPrompt(turn);
  if (!opts.json) return { text: prompt, note: `[Needle 2 prompt (render_example); model input = [BOS] + encode(prompt); --json for the token ids]` };
  const tok = await chooseTokenizer(entry, opts);
  const base = { model: entry.id, system: turn.system ?? '', query: turn.query, tools_json: toolsJson(turn.tools), prompt };
  if (tok.kind === 'none') return { text: `${JSON.stringify({ ...base, tokenizer: { kind: 'none', note: tok.note }, ids: null, token_count: null })}\n` };
  const { toolsSinkLen } = await import('../../providers/needle2.ts');
  // the checkpoint's max_seq_len is not read (no weights here): TransformerConfig's default
  const input = promptInput(tok.encode, turn, DEFAULT_MAX_SEQ_LEN);
  const tokenizer = { kind: tok.kind, path: tok.path, pieces: tok.vocabSize, note: tok.note };
  return {
    text: `${JSON.stringify({ ...base, tokenizer, max_seq_len: DEFAULT_MAX_SEQ_LEN, ids: input.ids, token_count: input.ids.length, truncated_tokens: input.truncatedTokens, tools_sink_len: toolsSinkLen(input.ids) })}\n`,
  };
}
