// The needle provider end to end on a small synthetic checkpoint written as a converted directory
// (model.safetensors + config.json + tokenizer.model): real loader, real tokenizer, real ONNX
// Runtime engine. Unconstrained greedy ids must equal the plain-TS reference forward's.
import { copyFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolveConfig } from '../../../src/needle/v1/config.ts';
import { writeConverted } from '../../../src/needle/v1/checkpoint.ts';
import { referenceGreedy, referenceParams } from '../../../src/needle/v1/reference.ts';
import { syntheticCheckpoint } from '../../../src/needle/v1/synthetic.ts';
import { tensorToFloat32 } from '../../../src/checkpoint/tensor.ts';
import { loadSentencePiece } from '../../../src/sentencepiece/index.ts';
import { encoderInput } from '../../../src/needle/v1/prompt.ts';
import { NeedleProvider } from '../../../src/providers/needle.ts';
import type { SuiteCase } from '../../../src/suite/types.ts';

const SPM = join(import.meta.dirname, '../../fixtures/spm/needle-settings.model');
const config = resolveConfig({ vocab_size: 1500, d_model: 64, num_heads: 4, num_kv_heads: 2, num_encoder_layers: 2, num_decoder_layers: 2 });
const ckpt = syntheticCheckpoint(config, 7);
let dir: string;

const testCase: SuiteCase = {
  id: 'c1',
  category: 'simple',
  query: 'Set a timer for ten minutes',
  tools: [{ name: 'timer.start', description: 'Start a timer', parameters: { type: 'object', properties: { minutes: { type: 'integer' } }, required: ['minutes'] } }],
  expected: { calls: [{ name: 'timer.start', args: { minutes: { values: [10] } } }] },
};

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'nb-needle-'));
  await writeConverted(ckpt, dir);
  copyFileSync(SPM, join(dir, 'tokenizer.model'));
});

describe('needle provider', () => {
  const providers: NeedleProvider[] = [];
  afterAll(async () => Promise.all(providers.map((p) => p.dispose())));

  it('loads a converted dir, records hashes, and generates exactly the reference greedy ids', async () => {
    const p = new NeedleProvider(`needle:${dir}`, { cacheDir: tmpdir(), constrained: false, maxNewTokens: 12, threads: 1, onnxCacheDir: join(dir, 'onnx') });
    providers.push(p);
    const prov = await p.load();
    expect(prov.dialect).toBe('needle');
    expect(Object.keys(prov.weightHashes ?? {})).toEqual(['model.safetensors', 'tokenizer.model']);
    expect(prov.parameterCount).toBeGreaterThan(0);

    const gen = await p.generate(testCase);
    const ids = gen.info!.outputIds as number[];
    const tok = loadSentencePiece(SPM);
    const src = encoderInput((s) => tok.encode(s), testCase).ids;
    const expected = referenceGreedy(referenceParams(ckpt, tensorToFloat32), config, src, 13);
    expect(ids).toEqual(expected);
    expect(gen.raw).toBe(tok.decode(expected));
    expect(gen.promptTokens).toBe(src.length);
    expect(gen.generatedTokens).toBe(ids.length);
    expect(gen.timings.prefillMs).toBeGreaterThan(0);
    expect(gen.timings.decodeStepMs?.length).toBeGreaterThan(0);
  });

  it('with constraints on, still decodes and reports no truncation for a short prompt', async () => {
    const p = new NeedleProvider(`needle:${dir}`, { cacheDir: tmpdir(), maxNewTokens: 8, threads: 1, onnxCacheDir: join(dir, 'onnx') });
    providers.push(p);
    await p.load();
    const gen = await p.generate(testCase);
    expect(gen.info).toMatchObject({ truncatedQueryTokens: 0, truncatedTotalTokens: 0 });
    expect(gen.info!.constraintFallbacks).toBeTypeOf('number');
  });

  it('flags a prompt truncated to 1024 tokens instead of hiding it', async () => {
    const p = new NeedleProvider(`needle:${dir}`, { cacheDir: tmpdir(), maxNewTokens: 2, threads: 1, onnxCacheDir: join(dir, 'onnx') });
    providers.push(p);
    await p.load();
    const gen = await p.generate({ ...testCase, query: 'timer '.repeat(1500) });
    expect(gen.info!.truncatedQueryTokens).toBeGreaterThan(0);
    expect(gen.info!.warnings).toEqual(expect.arrayContaining([expect.stringMatching(/prompt truncated/)]));
    expect(p.truncatedCases).toBe(1);
  });

  it('reports a missing checkpoint as not present', async () => {
    const p = new NeedleProvider('needle:/nonexistent/needle.pkl', { cacheDir: tmpdir() });
    await expect(p.load()).rejects.toMatchObject({ name: 'ModelNotPresentError' });
  });
});
