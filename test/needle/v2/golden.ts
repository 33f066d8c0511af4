// Shared access to the Needle 2 prompt goldens (tools/fixtures/make_needle2_prompt_goldens.py).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT } from '../../../src/models/registry.ts';
import { loadNeedle2Tokenizer } from '../../../src/needle/v2/tokenizer.ts';
import type { SentencePieceTokenizer } from '../../../src/sentencepiece/index.ts';
import { loadSuite } from '../../../src/suite/load.ts';
import type { SuiteCase } from '../../../src/suite/types.ts';

export const PROMPT_FIXTURES = join(REPO_ROOT, 'test/fixtures/needle2/prompts');
export const STAND_IN_MODEL = join(PROMPT_FIXTURES, 'stand-in-8k.model');
export const STAND_IN_BLOB = join(PROMPT_FIXTURES, 'stand-in-8k.blob');

export interface GoldenCase {
  suite: string;
  id: string;
  variant: string;
  system: string;
  reasoning: string;
  prompt: string;
  target: string;
  prompt_ids: number[];
  target_ids: number[];
  ref_prompt_ids: number[];
  ref_target_ids: number[];
  decoded_target: string;
}

export interface Goldens {
  json: {
    floats: { value: number; dumps: string }[];
    strings: { value: string; dumps: string }[];
    mixed: { value: string; dumps: string };
  };
  blob_tokenizer: {
    encode: { text: string; ids: number[]; sp_ids: number[] }[];
    decode: { ids: number[]; text: string }[];
  };
  tokenizer_sha256: string;
  blob_sha256: string;
  vocab_size: number;
  cases: GoldenCase[];
}

export function goldens(): Goldens {
  return JSON.parse(readFileSync(join(PROMPT_FIXTURES, 'goldens.json'), 'utf8')) as Goldens;
}

let tok: SentencePieceTokenizer | undefined;
export function standInTokenizer(): SentencePieceTokenizer {
  tok ??= loadNeedle2Tokenizer(STAND_IN_MODEL);
  return tok;
}

/** suite path → id → case. */
export async function suiteCases(suites: string[]): Promise<Map<string, Map<string, SuiteCase>>> {
  const out = new Map<string, Map<string, SuiteCase>>();
  for (const s of suites) out.set(s, new Map((await loadSuite(join(REPO_ROOT, s))).cases.map((c) => [c.id, c])));
  return out;
}
