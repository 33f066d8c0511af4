// Tiny random-weight baseline model folders in the exact layout transformers.js v4 loads
// (AutoModelForCausalLM / AutoTokenizer from a local folder):
//   config.json            real model_type, tiny dims, token ids
//   generation_config.json bos / eos / pad ids
//   tokenizer.json         small BPE (tiny-tokenizer.ts; byte-level, SentencePiece-style for Gemma) + the
//                          family's special tokens
//   tokenizer_config.json  the real chat template (../shared/fixtures/chat-templates), special tokens
//   onnx/model.onnx        the family graph (gemma3.ts, qwen3.ts, granite.ts, lfm2.ts), float32
// For end-to-end tests of the provider path without real weights: what the model says is noise.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { BuildOptions, TinyModel } from './common.ts';
import { buildGemma3, GEMMA3_TINY } from './gemma3.ts';
import { buildGranite, GRANITE_TINY } from './granite.ts';
import { buildLfm2, LFM2_TINY } from './lfm2.ts';
import { buildQwen3, QWEN3_TINY } from './qwen3.ts';
import { buildTinyTokenizer, type AddedTokenSpec, type TinyTokenizer, type TokenizerStyle } from './tiny-tokenizer.ts';

export type TinyFamily = 'functiongemma' | 'qwen3' | 'granite' | 'granitemoehybrid' | 'lfm2';

export interface TinyFamilySpec {
  family: TinyFamily;
  /** The registry id (models/<id>.json) whose architecture and template this mimics. */
  registryId: string;
  modelType: string;
  /** File name under ../shared/fixtures/chat-templates/. */
  template: string;
  tokenizerClass: string;
  /** Gemma's tokenizer is SentencePiece-style; the others are byte-level BPE. */
  tokenizerStyle: TokenizerStyle;
  added: AddedTokenSpec[];
  /** tokenizer_config.json special tokens (bos_token, eos_token, pad_token, unk_token). */
  specialTokens: Record<string, string>;
  /** Tokens that end generation (generation_config.json eos_token_id). */
  stopTokens: string[];
  build: (vocab: number, options?: BuildOptions) => TinyModel;
}

const sp = (content: string, special = true): AddedTokenSpec => ({ content, special });

const GRANITE: TinyFamilySpec = {
    family: 'granite',
    registryId: 'granite-4.0-350m',
    modelType: 'granite',
    template: 'granite-4.0.jinja',
    tokenizerClass: 'GPT2Tokenizer',
    tokenizerStyle: 'byte-level',
    added: [
      sp('<|end_of_text|>'), sp('<|start_of_role|>'), sp('<|end_of_role|>'), sp('<|pad|>'), sp('<tool_call>', false), sp('</tool_call>', false),
      sp('<tool_response>', false), sp('</tool_response>', false),
    ],
    specialTokens: { bos_token: '<|end_of_text|>', eos_token: '<|end_of_text|>', pad_token: '<|pad|>', unk_token: '<|end_of_text|>' },
    stopTokens: ['<|end_of_text|>'],
    build: (vocab, o) => buildGranite({ vocab, modelType: 'granite', ...GRANITE_TINY }, undefined, o),
  };

export const TINY_FAMILIES: Record<TinyFamily, TinyFamilySpec> = {
  functiongemma: {
    family: 'functiongemma',
    registryId: 'functiongemma-270m',
    modelType: 'gemma3_text',
    template: 'functiongemma-270m-it.jinja',
    tokenizerClass: 'GemmaTokenizer',
    tokenizerStyle: 'sentencepiece',
    added: [
      sp('<pad>'), sp('<eos>'), sp('<bos>'), sp('<unk>'), sp('<mask>'), sp('<start_of_turn>'), sp('<end_of_turn>'),
      sp('<start_of_image>'), sp('<start_function_declaration>'), sp('<end_function_declaration>'), sp('<start_function_call>'),
      sp('<end_function_call>'), sp('<start_function_response>'), sp('<end_function_response>'), sp('<escape>'),
    ],
    specialTokens: { bos_token: '<bos>', eos_token: '<eos>', pad_token: '<pad>', unk_token: '<unk>' },
    stopTokens: ['<eos>', '<end_of_turn>'],
    build: (vocab, o) => buildGemma3({ vocab, ...GEMMA3_TINY }, undefined, o),
  },
  qwen3: {
    family: 'qwen3',
    registryId: 'qwen3-0.6b',
    modelType: 'qwen3',
    template: 'qwen3-0.6b.jinja',
    tokenizerClass: 'Qwen2Tokenizer',
    tokenizerStyle: 'byte-level',
    // Qwen marks only the control tokens special; <tool_call>, <think> ... are plain added tokens.
    added: [
      sp('<|endoftext|>'), sp('<|im_start|>'), sp('<|im_end|>'), sp('<tool_call>', false), sp('</tool_call>', false),
      sp('<tool_response>', false), sp('</tool_response>', false), sp('<think>', false), sp('</think>', false),
    ],
    specialTokens: { eos_token: '<|im_end|>', pad_token: '<|endoftext|>' },
    stopTokens: ['<|im_end|>', '<|endoftext|>'],
    build: (vocab, o) => buildQwen3({ vocab, ...QWEN3_TINY }, undefined, o),
  },
  granite: GRANITE,
  // Granite 4.0's dense checkpoints are published as granitemoehybrid (all layers "attention"); same
  // tokenizer and template, same maths.
  granitemoehybrid: {
    ...GRANITE,
    family: 'granitemoehybrid',
    modelType: 'granitemoehybrid',
    build: (vocab, o) => buildGranite({ vocab, modelType: 'granitemoehybrid', ...GRANITE_TINY }, undefined, o),
  },
  lfm2: {
    family: 'lfm2',
    registryId: 'lfm2.5-350m',
    modelType: 'lfm2',
    template: 'lfm2.5-instruct.jinja',
    tokenizerClass: 'PreTrainedTokenizerFast',
    tokenizerStyle: 'byte-level',
    added: [
      sp('<|pad|>'), sp('<|startoftext|>'), sp('<|endoftext|>'), sp('<|im_start|>'), sp('<|im_end|>'), sp('<|tool_list_start|>'),
      sp('<|tool_list_end|>'), sp('<|tool_call_start|>'), sp('<|tool_call_end|>'), sp('<|tool_response_start|>'), sp('<|tool_response_end|>'),
      sp('<think>', false), sp('</think>', false),
    ],
    specialTokens: { bos_token: '<|startoftext|>', eos_token: '<|im_end|>', pad_token: '<|pad|>' },
    stopTokens: ['<|im_end|>'],
    build: (vocab, o) => buildLfm2({ vocab, ...LFM2_TINY }, undefined, o),
  },
};

export const CHAT_TEMPLATE_DIR = join(import.meta.dirname, '../../../../shared/fixtures/chat-templates');

/** Words for the BPE corpus besides the template itself: tool-calling vocabulary. */
const CORPUS_EXTRA = `
The weather in Paris is sunny today. What is the weather like in London? Please book a table for two at eight.
{"name": "get_weather", "arguments": {"location": "Paris", "unit": "celsius"}} get_weather(location="Paris")
call:get_weather{location:<escape>Paris<escape>} search the web for news about the stock market and convert currency
user assistant system tool function parameters properties required type string number integer boolean object array
description name arguments location city date time temperature unit celsius fahrenheit query results limit true false null
send an email to Alice with the subject hello and set a timer for ten minutes then play some music by the band
translate this sentence into French and calculate the sum of 12 and 30 and find restaurants near me open now
`;

export interface TinyModelFolder {
  dir: string;
  spec: TinyFamilySpec;
  tokenIds: Record<string, number>;
  vocabSize: number;
  chatTemplate: string;
  /** Bytes of every ONNX file written (graphs and external data). */
  onnxBytes: number;
}

export interface TinyModelOptions {
  /**
   * Which ONNX files to write, by transformers.js dtype: fp32 → onnx/model.onnx, q4 → onnx/model_q4.onnx
   * (MatMulNBits 4-bit linears, what the registry entries load). Default ['fp32'].
   */
  dtypes?: ('fp32' | 'q4')[];
  /** Store the weights in `<file>_data` next to each .onnx file, as HF ONNX exports do. Default false. */
  externalData?: boolean;
  templateDir?: string;
}

/** The tokenizer corpus every tiny model trains on besides its chat template. */
export const TINY_CORPUS_EXTRA = CORPUS_EXTRA;

/**
 * Writes everything of a model folder but the ONNX files: config.json (the graph's config plus token
 * ids and transformers.js_config), generation_config.json, tokenizer.json, tokenizer_config.json.
 * Returns the config written.
 */
export function writeFolderFiles(
  dir: string,
  spec: TinyFamilySpec,
  tok: TinyTokenizer,
  chatTemplate: string,
  modelConfig: Record<string, unknown>,
  o: { dtype: string; externalData: boolean },
): Record<string, unknown> {
  const id = (t: string | undefined): number | null => (t === undefined ? null : (tok.ids[t] ?? null));
  const eos = spec.stopTokens.map((t) => tok.ids[t]);
  const config = {
    ...modelConfig,
    bos_token_id: id(spec.specialTokens.bos_token),
    eos_token_id: eos.length === 1 ? eos[0] : eos,
    pad_token_id: id(spec.specialTokens.pad_token),
    // As onnx-community configs do: the default dtype, and that the weights live in <file>_data.
    'transformers.js_config': { dtype: o.dtype, ...(o.externalData ? { use_external_data_format: true } : {}) },
  };
  const tokenizerConfig: Record<string, unknown> = {
    tokenizer_class: spec.tokenizerClass,
    chat_template: chatTemplate,
    clean_up_tokenization_spaces: false,
    model_max_length: 32768,
    added_tokens_decoder: Object.fromEntries(
      (tok.json.added_tokens as { id: number }[]).map((t) => [String(t.id), { ...t, id: undefined }]),
    ),
    ...spec.specialTokens,
  };
  mkdirSync(join(dir, 'onnx'), { recursive: true });
  writeFileSync(join(dir, 'config.json'), JSON.stringify(config, null, 2));
  writeFileSync(
    join(dir, 'generation_config.json'),
    JSON.stringify({ bos_token_id: config.bos_token_id, eos_token_id: config.eos_token_id, pad_token_id: config.pad_token_id, do_sample: false }, null, 2),
  );
  writeFileSync(join(dir, 'tokenizer.json'), JSON.stringify(tok.json));
  writeFileSync(join(dir, 'tokenizer_config.json'), JSON.stringify(tokenizerConfig, null, 2));
  return config;
}

/** Writes the tiny model folder for `family` into `dir` (created). Deterministic for a given family. */
export function writeTinyModel(family: TinyFamily, dir: string, options: TinyModelOptions = {}): TinyModelFolder {
  const spec = TINY_FAMILIES[family];
  const chatTemplate = readFileSync(join(options.templateDir ?? CHAT_TEMPLATE_DIR, spec.template), 'utf8');
  const tok = buildTinyTokenizer(chatTemplate + CORPUS_EXTRA, spec.added, 300, spec.tokenizerStyle);
  const model = spec.build(tok.vocabSize);
  writeFolderFiles(dir, spec, tok, chatTemplate, model.config, { dtype: (options.dtypes ?? ['fp32'])[0], externalData: options.externalData ?? false });
  let onnxBytes = 0;
  for (const dtype of options.dtypes ?? ['fp32']) {
    const built = dtype === 'fp32' ? model : spec.build(tok.vocabSize, { q4: true });
    const file = dtype === 'fp32' ? 'model.onnx' : 'model_q4.onnx';
    if (options.externalData) {
      const { model: graph, data } = built.builder.encodeWithExternalData(`${file}_data`);
      writeFileSync(join(dir, 'onnx', file), graph);
      writeFileSync(join(dir, 'onnx', `${file}_data`), data);
      onnxBytes += graph.byteLength + data.byteLength;
    } else {
      writeFileSync(join(dir, 'onnx', file), built.onnx);
      onnxBytes += built.onnx.byteLength;
    }
  }
  return { dir, spec, tokenIds: tok.ids, vocabSize: tok.vocabSize, chatTemplate, onnxBytes };
}
