// The whole transformers provider path offline, per family, on tiny random-weight models in the
// layout transformers.js loads (src/onnx/architectures/tiny-models.ts: real model_type, the family's
// special tokens, the real chat template in tokenizer_config.json): load → render → tokenize →
// generate greedily → decode with special tokens → parse. What a random model says is noise; what is
// checked is the plumbing, the recorded facts and the timings' shape. Synthetic models only.
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { getDialect } from '../../src/dialects/registry.ts';
import { writeTinyModel, type TinyFamily } from '../../src/onnx/architectures/tiny-models.ts';
import { sha256 } from '../../src/prompts/chat-template.ts';
import { createProvider } from '../../src/providers/registry.ts';
import { decodeKeepingSpecial, TransformersProvider } from '../../src/providers/transformers.ts';
import type { SuiteCase } from '../../src/suite/types.ts';

const root = mkdtempSync(join(tmpdir(), 'nb-tiny-'));
const FAMILIES: [TinyFamily, string][] = [
  ['functiongemma', 'functiongemma-270m'],
  ['qwen3', 'qwen3-0.6b'],
  ['granite', 'granite-4.0-350m'],
  ['lfm2', 'lfm2.5-350m'],
];
const N = 12;
const testCase: SuiteCase = {
  id: 'e2e',
  category: 'simple',
  query: 'What is the weather in Zürich, in celsius?',
  tools: [{ name: 'get_weather', description: 'Current weather.', parameters: { type: 'object', properties: { location: { type: 'string', description: 'City.' }, unit: { type: 'string', enum: ['celsius', 'fahrenheit'] } }, required: ['location'] } }],
  expected: { calls: [] },
};
const providers: TransformersProvider[] = [];
afterAll(async () => {
  for (const p of providers) await p.dispose();
});

describe.each(FAMILIES)('%s tiny model through the provider', (family, registryId) => {
  const folder = writeTinyModel(family, join(root, family));

  it(`loads offline, renders with the folder's own template, generates ${N} greedy tokens, decodes and parses`, async () => {
    const p = (await createProvider(`transformers:${folder.dir}#${registryId}`, { cacheDir: root, dtype: 'fp32', maxNewTokens: N, threads: 1 })) as TransformersProvider;
    providers.push(p);
    const prov = await p.load();
    expect(prov.weightHashes!['onnx/model.onnx']).toBe(createHash('sha256').update(readFileSync(join(folder.dir, 'onnx/model.onnx'))).digest('hex'));
    expect(prov.modelType).toBe(folder.spec.modelType);
    // Not the registered model: no borrowed name, size or revision.
    expect(prov.displayName).toBe(`${family} (folder, ${registryId} prompt format)`);
    expect(prov.parameterCount).toBeUndefined();
    expect(prov.revision).toBeUndefined();
    expect((prov.generation as { eosTokenIds: number[] }).eosTokenIds.length).toBeGreaterThan(0);

    const g = await p.generate(testCase);
    const info = g.info as { templateSha256: string; templateSource: string; promptSha256: string; outputIds: number[]; stoppedBy: string };
    // The template came from the model folder (tokenizer_config.json), and it is the family's real one.
    expect(info.templateSource.endsWith('tokenizer_config.json#chat_template')).toBe(true);
    expect(info.templateSha256).toBe(sha256(folder.chatTemplate));
    expect(info.outputIds.length).toBe(g.generatedTokens);
    expect(g.generatedTokens).toBeGreaterThan(0);
    expect(g.generatedTokens).toBeLessThanOrEqual(N);
    if (info.stoppedBy === 'max_new_tokens') expect(g.generatedTokens).toBe(N);
    expect(g.promptTokens).toBeGreaterThan(20);
    // Timings: prefill, first token, one decode step per further token.
    expect(g.timings.prefillMs).toBeGreaterThan(0);
    expect(g.timings.firstTokenMs).toBeGreaterThanOrEqual(g.timings.prefillMs!);
    expect(g.timings.decodeStepMs).toHaveLength(g.generatedTokens! - 1);
    expect(g.timings.decodeStepMs!.every((ms) => ms > 0)).toBe(true);
    // Deterministic: greedy decoding of the same prompt gives the same tokens.
    const again = await p.generate(testCase);
    expect((again.info as { outputIds: number[] }).outputIds).toEqual(info.outputIds);
    expect(again.info!.promptSha256).toBe(info.promptSha256);
    // Whatever noise came out, the dialect reads it without throwing.
    const parsed = (await getDialect(p.dialect)).parse(g.raw, testCase.tools);
    expect(typeof parsed.ok).toBe('boolean');
  });
});

describe('decoding keeps the tool-call special tokens the dialects need', () => {
  it.each([
    ['lfm2', 'lfm2-pythonic', '<|tool_call_start|>[get_weather(location="Zürich", unit="celsius")]<|tool_call_end|>'],
    ['functiongemma', 'functiongemma', '<start_function_call>call:get_weather{location:<escape>Zürich<escape>,unit:<escape>celsius<escape>}<end_function_call>'],
    ['qwen3', 'hermes', '<tool_call>\n{"name": "get_weather", "arguments": {"location": "Zürich", "unit": "celsius"}}\n</tool_call>'],
  ] as const)('%s', async (family, dialectId, text) => {
    const { AutoTokenizer, env } = await import('@huggingface/transformers');
    env.allowRemoteModels = false;
    env.localModelPath = root + '/';
    writeTinyModel(family, join(root, `${family}-tok`));
    const tok = await AutoTokenizer.from_pretrained(`${family}-tok`, { local_files_only: true });
    const ids = tok.encode(text, { add_special_tokens: false });
    const decoded = decodeKeepingSpecial(tok, ids);
    expect(decoded).toBe(text);
    // A pipeline's skip_special_tokens decoding would have lost the markers (LFM2, FunctionGemma).
    if (family !== 'qwen3') expect(tok.decode(ids, { skip_special_tokens: true })).not.toBe(text);
    const parsed = (await getDialect(dialectId)).parse(decoded, testCase.tools);
    expect(parsed).toEqual({ ok: true, calls: [{ name: 'get_weather', arguments: { location: 'Zürich', unit: 'celsius' } }] });
  });
});
