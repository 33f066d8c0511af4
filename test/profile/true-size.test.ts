// The true-size synthetic builders: the parameter count each config implies (counted from the config
// alone) equals what the built graph holds, summed over its initializers (q4 codes counted as the
// weights they encode), for small configs of every family in both the dense and the streamed q4
// synthetic form; and the true configs give the published counts. Needle 2's folder is built at its
// true (45M release) config: its count, its cache reuse, its padded stand-in tokenizer.
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ExternalDataFile } from '../../src/onnx/external-data.ts';
import { ensureSyntheticBaseline, graphParameterCount, PLAIN_FORM, SYNTHETIC_FORM } from '../../src/profile/synthetic/baseline-folder.ts';
import { padSentencePiece, NEEDLE_TINY_TOKENIZER } from '../../src/profile/synthetic/needle-folder.ts';
import { buildFamily, parameterCount, TRUE_SIZE, type FamilyDims } from '../../src/profile/synthetic/true-size.ts';
import { SMALL, smallTrueSize } from '../helpers/small-true-size.ts';
import { loadSentencePiece } from '../../src/sentencepiece/index.ts';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { loadNeedle2Tokenizer } from '../../src/needle/v2/tokenizer.ts';
import { ensureSyntheticNeedle2, NEEDLE2_STANDIN_TOKENIZER } from '../../src/profile/synthetic/needle2-folder.ts';

const dir = mkdtempSync(join(tmpdir(), 'nb-true-size-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('true-size parameter counts', () => {
  it('the true configs give the published counts (LFM2-350M: the registry entry, Qwen3-0.6B: 596,049,920)', () => {
    expect(parameterCount(TRUE_SIZE['lfm2.5-350m'].arch)).toBe(354_483_968);
    expect(parameterCount(TRUE_SIZE['qwen3-0.6b'].arch)).toBe(596_049_920);
    expect(parameterCount(TRUE_SIZE['functiongemma-270m'].arch)).toBe(268_098_176);
    expect(parameterCount(TRUE_SIZE['granite-4.0-350m'].arch)).toBe(352_379_904);
    // FunctionGemma keeps its 262,144-token vocabulary: the embedding alone is 167.8M of the 268M.
    expect((TRUE_SIZE['functiongemma-270m'].arch.dims as { vocab: number }).vocab).toBe(262_144);
  });

  for (const [id, arch] of Object.entries(SMALL)) {
    it(`${id}: the config's count equals the graph's initializers, dense and streamed q4`, () => {
      const dense = buildFamily(arch, {});
      expect(graphParameterCount(dense.builder.initializerInfo())).toBe(parameterCount(arch));
      const file = join(dir, `${id}.onnx_data`);
      const sink = new ExternalDataFile(file);
      const q4 = buildFamily(arch, { q4: true, synthetic: { sink } });
      sink.close();
      const info = q4.builder.initializerInfo();
      expect(graphParameterCount(info)).toBe(parameterCount(arch));
      // Every linear is MatMulNBits codes, the embedding stays fp32, and the bytes went to the file.
      expect(info.some((t) => t.name.endsWith('.q4'))).toBe(true);
      expect(info.find((t) => t.name === 'model.embed_tokens.weight')!.bytes).toBe(2048 * 64 * 4);
      expect(statSync(file).size).toBeGreaterThanOrEqual(info.filter((t) => t.bytes >= 1024).reduce((n, t) => n + t.bytes, 0));
      expect(q4.weights.size).toBe(0); // nothing kept in memory
      // The form the synthetic folders are written in (fused ops, accuracy_level 4) holds the same parameters.
      const fusedSink = new ExternalDataFile(join(dir, `${id}-fused.onnx_data`));
      const fused = buildFamily(arch, { q4: true, synthetic: { sink: fusedSink }, ...SYNTHETIC_FORM });
      fusedSink.close();
      expect(graphParameterCount(fused.builder.initializerInfo())).toBe(parameterCount(arch));
      const ops = fused.builder.nodeSummary();
      expect(ops.some((n) => n.opType === 'GroupQueryAttention')).toBe(true);
      expect(ops.filter((n) => n.opType === 'MatMulNBits').every((n) => n.attributes.accuracy_level?.value === 4)).toBe(true);
      // And with the int4 token table (LFM2's form): counted as the weights its codes encode.
      const tableSink = new ExternalDataFile(join(dir, `${id}-table.onnx_data`));
      const table = buildFamily(arch, { q4: true, synthetic: { sink: tableSink }, ...SYNTHETIC_FORM, q4Table: true });
      tableSink.close();
      expect(graphParameterCount(table.builder.initializerInfo())).toBe(parameterCount(arch));
      expect(table.builder.initializerInfo().some((t) => t.name === 'model.embed_tokens.weight')).toBe(false);
    });
  }

  it('a count mismatch would be caught: dropping one layer changes the count', () => {
    const arch = SMALL['qwen3-0.6b'] as Extract<FamilyDims, { family: 'qwen3' }>;
    const fewer: FamilyDims = { family: 'qwen3', dims: { ...arch.dims, layers: 1 } };
    expect(graphParameterCount(buildFamily(fewer, {}).builder.initializerInfo())).not.toBe(parameterCount(arch));
  });
});

describe('synthetic baseline folders: the graph form is part of the cache key', () => {
  it('plain and fused folders get different config hashes, both kept when asked, the form recorded', async () => {
    const spec = smallTrueSize()['qwen3-0.6b'];
    const cacheRoot = join(dir, 'cache');
    const corpus = async () => 'get_weather(city="Paris") <tool_call> {"name": "x"}';
    const fused = await ensureSyntheticBaseline(spec, { cacheRoot, corpus });
    const plain = await ensureSyntheticBaseline(spec, { cacheRoot, corpus, form: PLAIN_FORM, keepOtherConfigs: true });
    expect(fused.configHash).not.toBe(plain.configHash);
    expect(fused.graphForm).toEqual({ ...SYNTHETIC_FORM, ...spec.form });
    expect(plain.graphForm).toEqual(PLAIN_FORM);
    const graph = (f: typeof fused) => readFileSync(join(f.dir, 'onnx', 'model_q4.onnx')).toString('latin1');
    expect(graph(fused)).toContain('GroupQueryAttention');
    expect(graph(fused)).toContain('accuracy_level');
    expect(graph(plain)).not.toContain('GroupQueryAttention');
    expect((await ensureSyntheticBaseline(spec, { cacheRoot, corpus })).reused).toBe(true);
    // Without keepOtherConfigs, writing one form prunes the other's folder.
    rmSync(fused.root, { recursive: true, force: true });
    await ensureSyntheticBaseline(spec, { cacheRoot, corpus });
    expect(() => statSync(plain.root)).toThrow();
  });
});

describe("Needle's padded tokenizer", () => {
  it('keeps every encoding of needle-tiny and reaches the release vocabulary with unused pieces', () => {
    const bytes = readFileSync(NEEDLE_TINY_TOKENIZER);
    const tiny = loadSentencePiece(bytes);
    const padded = loadSentencePiece(padSentencePiece(bytes, tiny.vocabSize, 8192));
    expect(padded.vocabSize).toBe(8192);
    const text = 'Set a timer for 10 minutes <tool_call> {"name": "timer.start"} — Zürich';
    expect(padded.encode(text)).toEqual(tiny.encode(text));
    expect(padded.decode(padded.encode(text))).toBe(tiny.decode(tiny.encode(text)));
  });
});

describe("Needle 2's synthetic folder at the true config", () => {
  it('holds the 45,211,383 parameters of the base preset, is written once and reused, with a padded stand-in tokenizer', async () => {
    const cacheRoot = join(dir, 'cache');
    const first = await ensureSyntheticNeedle2({ cacheRoot });
    expect(first.reused).toBe(false);
    expect(first.parameterCount).toBe(45_211_383);
    expect(first.graphParameterCount).toBe(45_211_383); // read back from the written safetensors
    expect(first.dir).toBe(join(first.root, 'model'));
    expect(first.root).toMatch(/synthetic\/needle-2@[0-9a-f]{12}$/);
    // float16 weights: 2 bytes a parameter plus the header, config.json and the tokenizer.
    expect(first.diskBytes).toBeGreaterThan(2 * 45_211_383);
    expect(first.diskBytes).toBeLessThan(2 * 45_211_383 + 2_000_000);
    expect(readdirSync(join(cacheRoot, 'synthetic')).filter((n) => n.includes('partial'))).toEqual([]);
    expect(first.tokenizer.note).toMatch(/not shipped/);
    const again = await ensureSyntheticNeedle2({ cacheRoot });
    expect(again.reused).toBe(true);
    expect({ ...again, reused: false }).toEqual(first);
    // The padded tokenizer passes Needle 2's layout check, reaches the vocabulary, keeps the stand-in's encodings.
    const standIn = loadNeedle2Tokenizer(NEEDLE2_STANDIN_TOKENIZER);
    const padded = loadNeedle2Tokenizer(join(first.dir, 'tokenizer.model'), 8192);
    const text = '<|im_start|>user\n<tools>[{"name":"get_weather"}]</tools>\nweather in Zürich<|im_end|>';
    expect(padded.encode(text)).toEqual(standIn.encode(text));
    expect(first.tokenizer.pieces).toBe(standIn.vocabSize);
    // Another seed is another config hash: the old folder is pruned, not kept beside it.
    const other = await ensureSyntheticNeedle2({ cacheRoot, seed: 2 });
    expect(other.configHash).not.toBe(first.configHash);
    expect(existsSync(first.root)).toBe(false);
  }, 60_000);
});
