// End to end through transformers.js v4 without real weights: for each baseline family a tiny
// random-weight model folder (src/onnx/architectures/tiny-models.ts: real model_type, the family's graph
// structure and cache tensors, a small byte-level BPE tokenizer with the family's special tokens, the
// real chat template) is written to a temp dir and loaded offline with AutoTokenizer /
// AutoModelForCausalLM; a prompt with tools is rendered by the tokenizer's apply_chat_template, N tokens
// are generated greedily and decoded with special tokens kept, and the dialect parses the text.
// The cache path is checked against a full-sequence pass without cache (same logits, same tokens),
// token by token as generate() runs it and chunk-wise (several new tokens on top of a cache).
// What the random models say is noise: only the mechanics are verified here, on synthetic weights.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getDialect } from '../../src/dialects/registry.ts';
import { modelRegistry } from '../../src/models/registry.ts';
import { TINY_FAMILIES, writeTinyModel, type TinyFamily, type TinyModelFolder } from '../../src/onnx/architectures/tiny-models.ts';
import { renderPrompt } from '../../src/prompts/chat-template.ts';
import { createProvider } from '../../src/providers/registry.ts';
import type { Provider } from '../../src/providers/types.ts';
import type { SuiteCase } from '../../src/suite/types.ts';

type TF = typeof import('@huggingface/transformers');
type Tensor = import('@huggingface/transformers').Tensor;

const N = 16;
const FAMILIES: TinyFamily[] = ['functiongemma', 'qwen3', 'granite', 'granitemoehybrid', 'lfm2'];
const DIALECT: Record<TinyFamily, string> = {
  functiongemma: 'functiongemma',
  qwen3: 'hermes',
  granite: 'hermes',
  granitemoehybrid: 'hermes',
  lfm2: 'lfm2-pythonic',
};
const TOOLS = [
  {
    type: 'function',
    function: {
      name: 'get_weather',
      description: 'Current weather for a city',
      parameters: { type: 'object', properties: { location: { type: 'string', description: 'City name' }, days: { type: 'integer' } }, required: ['location'] },
    },
  },
];
const SUITE_TOOLS = TOOLS.map((t) => t.function);

function messagesFor(family: TinyFamily): { role: string; content: string }[] {
  const user = { role: 'user', content: 'What is the weather in Paris for the next 3 days?' };
  // FunctionGemma expects a developer turn introducing the functions.
  if (family === 'functiongemma') return [{ role: 'developer', content: 'You are a model that can do function calling with the following functions' }, user];
  return [user];
}

/** Cache tensors transformers.js v4 feeds for these configs (configs.js getCacheNames). */
function expectedCacheInputs(config: Record<string, unknown>): string[] {
  const types = (config.layer_types as string[] | undefined) ?? Array.from({ length: config.num_hidden_layers as number }, () => 'attention');
  return types.flatMap((t, i) => (t === 'conv' ? [`past_conv.${i}`] : [`past_key_values.${i}.key`, `past_key_values.${i}.value`]));
}

let tf: TF;
let root: string;
const folders = new Map<TinyFamily, TinyModelFolder>();

beforeAll(async () => {
  tf = await import('@huggingface/transformers');
  root = mkdtempSync(join(tmpdir(), 'needle-bench-tiny-'));
  tf.env.allowRemoteModels = false;
  tf.env.allowLocalModels = true;
  tf.env.localModelPath = root + '/';
  tf.env.useFSCache = false;
  tf.env.cacheDir = join(root, '.cache');
  for (const f of FAMILIES) folders.set(f, writeTinyModel(f, join(root, f)));
});

const providers: Provider[] = [];
afterAll(async () => {
  for (const p of providers) await p.dispose();
  if (root) rmSync(root, { recursive: true, force: true });
});

/** Spies on model.forward: every step's input length, past length and logits. */
function recordSteps(model: { forward: (inputs: Record<string, unknown>) => Promise<Record<string, Tensor>> }) {
  const steps: { seq: number; past: number; logits: Tensor }[] = [];
  const original = model.forward.bind(model);
  model.forward = async (inputs) => {
    const out = await original(inputs);
    const past = inputs.past_key_values as { get_seq_length(): number } | undefined;
    steps.push({ seq: (inputs.input_ids as Tensor).dims[1], past: past ? past.get_seq_length() : 0, logits: out.logits });
    return out;
  };
  return { steps, restore: () => (model.forward = original) };
}

function rowOf(logits: Tensor, pos: number): Float32Array {
  const [, , vocab] = logits.dims;
  return (logits.data as Float32Array).subarray(pos * vocab, (pos + 1) * vocab);
}

function maxAbsDiff(a: Float32Array, b: Float32Array): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

function argmax(a: Float32Array): number {
  let best = 0;
  for (let i = 1; i < a.length; i++) if (a[i] > a[best]) best = i;
  return best;
}

describe.each(FAMILIES)('tiny %s through transformers.js', (family) => {
  it('loads offline, renders with tools, generates greedily, the cache path equals a full pass, decodes and parses', async () => {
    const folder = folders.get(family)!;
    const spec = TINY_FAMILIES[family];
    const config = JSON.parse(readFileSync(join(folder.dir, 'config.json'), 'utf8')) as Record<string, unknown>;
    expect(config.model_type).toBe(spec.modelType);

    const tokenizer = await tf.AutoTokenizer.from_pretrained(family, { local_files_only: true });
    const model = await tf.AutoModelForCausalLM.from_pretrained(family, { local_files_only: true, dtype: 'fp32', device: 'cpu' });
    const session = (model as unknown as { sessions: { model: { inputNames: string[]; outputNames: string[] } } }).sessions.model;
    const caches = expectedCacheInputs(config);
    expect(session.inputNames.sort()).toEqual(['attention_mask', 'input_ids', 'position_ids', ...caches].sort());
    expect(session.outputNames.sort()).toEqual(['logits', ...caches.map((n) => n.replace('past_key_values', 'present').replace('past_conv', 'present_conv'))].sort());

    // Each special token is one id of the vocabulary (the template's markers tokenize atomically).
    for (const t of spec.added) expect(tokenizer.encode(t.content, { add_special_tokens: false })).toEqual([folder.tokenIds[t.content]]);

    const prompt = tokenizer.apply_chat_template(messagesFor(family), {
      tools: TOOLS,
      add_generation_prompt: true,
      tokenize: false,
      enable_thinking: false,
    } as Parameters<typeof tokenizer.apply_chat_template>[1]) as string;
    expect(prompt).toContain('get_weather');
    const ids = tokenizer.encode(prompt, { add_special_tokens: false });
    expect(tokenizer.decode(ids, { skip_special_tokens: false })).toBe(prompt);
    const specialInPrompt = spec.added.filter((t) => t.special && prompt.includes(t.content));
    expect(specialInPrompt.length).toBeGreaterThan(0);
    for (const t of specialInPrompt) expect(ids).toContain(folder.tokenIds[t.content]);

    const enc = tokenizer(prompt, { add_special_tokens: false }) as { input_ids: Tensor; attention_mask: Tensor };
    const promptLen = enc.input_ids.dims[1];
    const m = model as unknown as Parameters<typeof recordSteps>[0] & { generate: (a: Record<string, unknown>) => Promise<unknown> };
    const spy = recordSteps(m);
    const t0 = performance.now();
    const out = (await m.generate({ ...enc, max_new_tokens: N, min_new_tokens: N, do_sample: false })) as Tensor;
    const generateMs = performance.now() - t0;
    const seq = (out.tolist() as bigint[][])[0].map(Number);
    const generated = seq.slice(promptLen);
    expect(generated).toHaveLength(N);
    // generate() ran one prefill and then one token per step on top of a growing cache.
    expect(spy.steps.map((s) => [s.seq, s.past])).toEqual(Array.from({ length: N }, (_, i) => (i === 0 ? [promptLen, 0] : [1, promptLen + i - 1])));
    const stepLogits = spy.steps.map((s) => rowOf(s.logits, s.seq - 1).slice());
    spy.steps.length = 0;

    // Deterministic.
    const again = (await m.generate({ ...enc, max_new_tokens: N, min_new_tokens: N, do_sample: false })) as Tensor;
    expect((again.tolist() as bigint[][])[0].map(Number)).toEqual(seq);
    spy.steps.length = 0;

    // Full-sequence pass without cache: same logits at every generated position, same greedy tokens.
    const full = (await (model as unknown as (a: Record<string, unknown>) => Promise<{ logits: Tensor }>)({
      input_ids: new tf.Tensor('int64', BigInt64Array.from(seq.map(BigInt)), [1, seq.length]),
      attention_mask: new tf.Tensor('int64', new BigInt64Array(seq.length).fill(1n), [1, seq.length]),
    })).logits;
    let worst = 0;
    for (let i = 0; i < N; i++) {
      const ref = rowOf(full, promptLen - 1 + i);
      worst = Math.max(worst, maxAbsDiff(stepLogits[i], ref));
      expect(argmax(ref)).toBe(generated[i]);
    }
    expect(worst).toBeLessThan(1e-3);

    // Chunked: the prompt's first half as a cache, then the rest (many tokens on top of a cache) at once.
    const half = Math.floor(promptLen / 2);
    const sliceIds = (n: number) => ({
      input_ids: new tf.Tensor('int64', BigInt64Array.from(seq.slice(0, n).map(BigInt)), [1, n]),
      attention_mask: new tf.Tensor('int64', new BigInt64Array(n).fill(1n), [1, n]),
    });
    const first = (await m.generate({ ...sliceIds(half), max_new_tokens: 1, do_sample: false, return_dict_in_generate: true })) as {
      past_key_values: unknown;
    };
    spy.steps.length = 0;
    await m.generate({ ...sliceIds(promptLen), past_key_values: first.past_key_values, max_new_tokens: 1, do_sample: false });
    expect(spy.steps[0].seq).toBe(promptLen - half);
    expect(spy.steps[0].past).toBe(half);
    let chunkWorst = 0;
    for (let j = 0; j < promptLen - half; j++) chunkWorst = Math.max(chunkWorst, maxAbsDiff(rowOf(spy.steps[0].logits, j), rowOf(full, half + j)));
    expect(chunkWorst).toBeLessThan(1e-3);
    spy.restore();

    // Decode keeping special tokens; the dialect reads whatever came out without throwing.
    const raw = tokenizer.decode(generated, { skip_special_tokens: false });
    for (const t of spec.added) if (generated.includes(folder.tokenIds[t.content])) expect(raw).toContain(t.content);
    const dialect = await getDialect(DIALECT[family]);
    const parsed = dialect.parse(raw, SUITE_TOOLS);
    expect(typeof parsed.ok).toBe('boolean');

    // A call written in the family's syntax survives encode → ids → decode (special tokens kept) → parse;
    // with skip_special_tokens the markers that are special tokens vanish (the pipeline trap).
    const call = { name: 'get_weather', arguments: { location: 'Paris', days: 3 } };
    const text = dialect.format([call]);
    const callIds = tokenizer.encode(text, { add_special_tokens: false });
    const back = tokenizer.decode(callIds, { skip_special_tokens: false });
    expect(back).toBe(text);
    expect(dialect.parse(back, SUITE_TOOLS)).toEqual({ ok: true, calls: [call] });
    const markers = spec.added.filter((t) => t.special && text.includes(t.content));
    if (markers.length > 0) expect(tokenizer.decode(callIds, { skip_special_tokens: true })).not.toContain(markers[0].content);

    console.log(
      `[tiny ${family}] model_type ${spec.modelType}, vocab ${folder.vocabSize}, onnx ${folder.onnxBytes} B, prompt ${promptLen} tok, ` +
        `generate ${N} tok ${generateMs.toFixed(0)} ms, max |Δlogit| step ${worst.toExponential(1)} chunk ${chunkWorst.toExponential(1)}, ` +
        `raw ${JSON.stringify(raw.slice(0, 40))} → ${parsed.ok ? `${parsed.calls.length} calls` : 'parse error'}`,
    );
  }, 60_000);
});

const SUITE_CASE: SuiteCase = {
  id: 'tiny-e2e',
  category: 'simple',
  query: 'What is the weather in Paris for the next 3 days?',
  tools: SUITE_TOOLS,
  expected: { calls: [] },
};

// The harness's own path (src/providers/transformers.ts) on the same tiny models, cross-checked against
// transformers.js used directly: the prompt the harness renders equals the tokenizer's
// apply_chat_template with the same messages, tools and variables; the provider's greedy tokens (KV
// cache, stop tokens) are the argmax chain of one full pass without cache; its raw text is the decode
// of those ids with special tokens kept.
describe.each(FAMILIES)('tiny %s through the transformers provider', (family) => {
  it('provider prompt == apply_chat_template, provider tokens == no-cache greedy chain, raw == decode keeping special tokens', async () => {
    const folder = folders.get(family)!;
    const registryId = TINY_FAMILIES[family].registryId;
    const entry = modelRegistry().get(registryId)!;
    const provider = await createProvider(`transformers:${folder.dir}#${registryId}`, { cacheDir: root, dtype: 'fp32', maxNewTokens: N, threads: 1 });
    providers.push(provider);
    await provider.load();
    const g = await provider.generate(SUITE_CASE);
    const info = g.info as { promptSha256: string; outputIds: number[]; stoppedBy: string };

    const rendered = renderPrompt(entry, SUITE_CASE, folder.dir);
    expect(rendered.promptSha256).toBe(info.promptSha256);
    const tokenizer = await tf.AutoTokenizer.from_pretrained(family, { local_files_only: true });
    const viaTokenizer = tokenizer.apply_chat_template(rendered.messages as never, {
      ...rendered.variables,
      tools: rendered.tools,
      tokenize: false,
    } as Parameters<typeof tokenizer.apply_chat_template>[1]);
    expect(viaTokenizer).toBe(rendered.prompt);

    const promptIds = tokenizer.encode(rendered.prompt, { add_special_tokens: false });
    expect(g.promptTokens).toBe(promptIds.length);
    const seq = [...promptIds, ...info.outputIds];
    const model = await tf.AutoModelForCausalLM.from_pretrained(family, { local_files_only: true, dtype: 'fp32', device: 'cpu' });
    const full = (await (model as unknown as (a: Record<string, unknown>) => Promise<{ logits: Tensor }>)({
      input_ids: new tf.Tensor('int64', BigInt64Array.from(seq.map(BigInt)), [1, seq.length]),
      attention_mask: new tf.Tensor('int64', new BigInt64Array(seq.length).fill(1n), [1, seq.length]),
    })).logits;
    const chain = info.outputIds.map((_, i) => argmax(rowOf(full, promptIds.length - 1 + i)));
    expect(info.outputIds).toEqual(chain);
    await (model as unknown as { dispose(): Promise<unknown> }).dispose();

    const textIds = info.stoppedBy === 'eos' ? info.outputIds.slice(0, -1) : info.outputIds;
    expect(g.raw).toBe(tokenizer.decode(textIds, { skip_special_tokens: false }));
    const parsed = (await getDialect(provider.dialect)).parse(g.raw, SUITE_CASE.tools);
    expect(typeof parsed.ok).toBe('boolean');
    console.log(
      `[tiny ${family} provider] prompt ${g.promptTokens} tok, ${g.generatedTokens} generated (${info.stoppedBy}), ` +
        `prefill ${g.timings.prefillMs?.toFixed(1)} ms, median step ${median(g.timings.decodeStepMs ?? []).toFixed(1)} ms, total ${g.timings.totalMs.toFixed(0)} ms`,
    );
  }, 60_000);
});

function median(xs: number[]): number {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

// As the registry entries load real models: dtype q4 (onnx/model_q4.onnx with MatMulNBits linears) with
// the weights in model_q4.onnx_data — the provider's defaults, nothing overridden but the token cap.
describe.each(['qwen3', 'lfm2'] as TinyFamily[])('tiny %s as q4 with external data through the provider', (family) => {
  it('loads model_q4.onnx + model_q4.onnx_data with the entry dtype, generates, and matches a no-cache pass', async () => {
    const dirName = `${family}-q4ext`;
    const folder = writeTinyModel(family, join(root, dirName), { dtypes: ['q4'], externalData: true });
    const registryId = TINY_FAMILIES[family].registryId;
    expect(modelRegistry().get(registryId)!.dtype).toBe('q4');
    const provider = await createProvider(`transformers:${folder.dir}#${registryId}`, { cacheDir: root, maxNewTokens: N, threads: 1 });
    providers.push(provider);
    const prov = await provider.load();
    expect(Object.keys(prov.weightHashes!)).toEqual(expect.arrayContaining(['onnx/model_q4.onnx', 'onnx/model_q4.onnx_data']));
    expect((prov.generation as { dtype: string }).dtype).toBe('q4');
    const g = await provider.generate(SUITE_CASE);
    const info = g.info as { outputIds: number[] };
    expect(info.outputIds.length).toBeGreaterThan(0);

    const tokenizer = await tf.AutoTokenizer.from_pretrained(dirName, { local_files_only: true });
    const model = await tf.AutoModelForCausalLM.from_pretrained(dirName, { local_files_only: true, dtype: 'q4', device: 'cpu', use_external_data_format: true });
    const promptIds = tokenizer.encode(renderPrompt(modelRegistry().get(registryId)!, SUITE_CASE, folder.dir).prompt, { add_special_tokens: false });
    const seq = [...promptIds, ...info.outputIds];
    const full = (await (model as unknown as (a: Record<string, unknown>) => Promise<{ logits: Tensor }>)({
      input_ids: new tf.Tensor('int64', BigInt64Array.from(seq.map(BigInt)), [1, seq.length]),
      attention_mask: new tf.Tensor('int64', new BigInt64Array(seq.length).fill(1n), [1, seq.length]),
    })).logits;
    expect(info.outputIds).toEqual(info.outputIds.map((_, i) => argmax(rowOf(full, promptIds.length - 1 + i))));
    await (model as unknown as { dispose(): Promise<unknown> }).dispose();
    console.log(`[tiny ${family} q4+external data provider] ${folder.onnxBytes} B on disk, prompt ${g.promptTokens} tok, ${g.generatedTokens} generated, total ${g.timings.totalMs.toFixed(0)} ms`);
  }, 60_000);
});
