// The needle2 provider on the tiny random fixture: its grammar-constrained greedy output equals the
// float64 reference's greedy under the same grammar mask (window and tools-as-sinks included), the
// output always parses into schema-valid calls, and the second load hits the export cache.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { getDialect } from '../../src/dialects/registry.ts';
import { loadNeedle2Checkpoint } from '../../src/needle/v2/checkpoint.ts';
import { Needle2Constraint, Needle2Grammar } from '../../src/needle/v2/grammar.ts';
import { NEEDLE2_SPECIAL_IDS } from '../../src/needle/v2/markers.ts';
import { greedyGenerate } from '../../src/needle/v2/reference.ts';
import { loadNeedle2Tokenizer, tokenUnits } from '../../src/needle/v2/tokenizer.ts';
import { unpackWeights } from '../../src/needle/v2/weights.ts';
import { Needle2Provider, toolsSinkLen } from '../../src/providers/needle2.ts';
import type { SuiteCase } from '../../src/suite/types.ts';

const FIX = 'test/fixtures/needle2';
const onnxCacheDir = mkdtempSync(join(tmpdir(), 'needle2-provider-'));
afterAll(() => rmSync(onnxCacheDir, { recursive: true, force: true }));

// Short prompts (the fixture's max_seq_len is 256), so </tools> is inside the prompt and the sinks apply.
const cases: Pick<SuiteCase, 'query' | 'tools'>[] = [
  { query: 'weather in Paris', tools: [{ name: 'get_weather', description: 'w', parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] } }] },
  { query: 'add 2 and 3 then more words so the prompt passes the sixteen token window', tools: [{ name: 'add', description: 'sum', parameters: { type: 'object', properties: { a: { type: 'integer' }, b: { type: 'integer' } }, required: ['a', 'b'] } }] },
  { query: 'set the mode', tools: [{ name: 'mode', description: 'm', parameters: { type: 'object', properties: { m: { type: 'string', enum: ['on', 'off'] } }, required: ['m'] } }] },
];

describe('needle2 provider', () => {
  it('greedy under the grammar equals the float64 reference under the same mask; a finished output parses', async () => {
    const provider = new Needle2Provider(`needle2:${FIX}/needle2-tiny.pkl`, { cacheDir: onnxCacheDir, onnxCacheDir, threads: 1, maxNewTokens: 24 });
    const prov = await provider.load();
    expect(prov.parameterCount).toBe(98735);
    const ck = await loadNeedle2Checkpoint(`${FIX}/needle2-tiny.pkl`);
    const weights = unpackWeights(ck.params, ck.config);
    const tok = loadNeedle2Tokenizer(`${FIX}/tokenizer.model`, ck.config.vocab_size);
    const units = tokenUnits(tok);
    const dialect = await getDialect('needle2');
    for (const c of cases) {
      const gen = await provider.generateCase(c);
      const { ids } = await provider.promptIds(c);
      const sinkLen = toolsSinkLen(ids);
      expect(sinkLen).toBeGreaterThan(1);
      const constraint = new Needle2Constraint(new Needle2Grammar(c.tools, units, NEEDLE2_SPECIAL_IDS.eos));
      const ref = greedyGenerate(weights, ids, {
        maxNewTokens: 24, eosId: NEEDLE2_SPECIAL_IDS.eos, window: provider.engine!.window, sinkLen,
        logitsProcessor: (logits, tokens) => {
          if (tokens.length) constraint.accept(tokens[tokens.length - 1]);
          constraint.mask(logits as unknown as Float32Array);
        },
      });
      expect(gen.info?.outputIds).toEqual(ref.tokens);
      expect(gen.timings.prefillMs).toBeGreaterThan(0);
      if (gen.info?.stoppedBy === 'eos') {
        const parsed = dialect.parse(gen.raw, c.tools);
        expect(parsed.ok, gen.raw).toBe(true);
      }
    }
    await provider.dispose();
    const again = new Needle2Provider(`needle2:${FIX}/needle2-tiny.pkl`, { cacheDir: onnxCacheDir, onnxCacheDir, threads: 1 });
    const p2 = await again.load();
    expect((p2.generation as { exportCache: { hit: boolean } }).exportCache.hit).toBe(true);
    await again.dispose();
  }, 120_000);

  it('forced decoding: forcedRun times exactly the steps asked for; forcedCase emits the answer\'s tokens + 1 whatever the cap, in the needle2 dialect', async () => {
    const provider = new Needle2Provider(`needle2:${FIX}/needle2-tiny.pkl`, { cacheDir: onnxCacheDir, onnxCacheDir, threads: 1, maxNewTokens: 4 });
    await provider.load();
    const run = await provider.forcedRun(20, 6);
    expect(run.stepMs).toHaveLength(5);
    expect(run.prefillMs).toBeGreaterThan(0);
    expect(run.firstTokenMs).toBeGreaterThanOrEqual(run.prefillMs);
    expect(run.totalMs).toBeGreaterThanOrEqual(run.firstTokenMs + run.stepMs.reduce((a, b) => a + b, 0) - 1e-6);
    await expect(provider.forcedRun(0, 4)).rejects.toThrow(/positive integers/);
    const tok = loadNeedle2Tokenizer(`${FIX}/tokenizer.model`);
    const dialect = await getDialect('needle2');
    const c = cases[1];
    const answer = dialect.format([{ name: 'add', arguments: { a: 2, b: 3 } }]);
    expect(answer).toMatch(/^<think><\/think>\n<tool_call>\[\{"name":"add"/);
    const gen = await provider.forcedCase({ id: 'x', ...c } as SuiteCase, answer);
    // Past the model's own cap (4): exactly the answer's length in this tokenizer + 1, however the weights would stop.
    expect(gen.generatedTokens).toBe(tok.encode(answer).length + 1);
    expect(gen.info?.outputIds).toHaveLength(tok.encode(answer).length + 1);
    expect(gen.info?.stoppedBy).toBe('max_new_tokens');
    expect(gen.info?.warnings).toBeUndefined();
    // What forcedCase relies on: with ignoreEos the engine decodes through EOS (here forced at every step).
    const eosOnly = (_: number, logits: Float32Array) => logits.forEach((_, i) => (logits[i] = i === NEEDLE2_SPECIAL_IDS.eos ? 0 : -Infinity));
    const { ids } = await provider.promptIds(c);
    const through = await provider.engine!.generate(ids, { maxNewTokens: 5, ignoreEos: true, logitsProcessor: eosOnly });
    expect(through.ids).toEqual(Array(5).fill(NEEDLE2_SPECIAL_IDS.eos));
    expect(through.stoppedBy).toBe('max_new_tokens');
    const stops = await provider.engine!.generate(ids, { maxNewTokens: 5, logitsProcessor: eosOnly });
    expect([stops.ids, stops.stoppedBy]).toEqual([[], 'eos']);
    // The normal path still stops at the model's cap.
    const normal = await provider.generateCase(c);
    expect(normal.generatedTokens).toBeLessThanOrEqual(4);
    await provider.dispose();
  }, 120_000);
});
