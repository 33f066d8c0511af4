import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Ajv } from 'ajv';
import addFormatsModule from 'ajv-formats';
import { describe, expect, it } from 'vitest';
import { CASE_CATEGORIES, CATALOG, INTENTS, synthesize, synthManifest } from '../../src/suite/generator/index.ts';
import { CLOSERS, CONNECTORS, OPENERS } from '../../src/suite/generator/compose.ts';
import { parseTemplate } from '../../src/suite/generator/intent.ts';
import { ALL_POOLS, EVAL_WORDS } from '../../src/suite/generator/pools.ts';
import { FUNCTION_WORDS, openVocab, wordsOf } from '../../src/suite/generator/open-vocab.ts';
import { Rng } from '../../src/suite/generator/prng.ts';
import { stratifiedSubset } from '../../src/suite/generator/stratify.ts';
import { loadSuite } from '../../src/suite/load.ts';
import { writeSuite } from '../../src/suite/write.ts';
import type { SuiteCase } from '../../src/suite/types.ts';

// ajv-formats is CommonJS: its default export arrives wrapped under ESM.
const addFormats = ((addFormatsModule as unknown as { default?: unknown }).default ?? addFormatsModule) as (ajv: Ajv) => Ajv;

const evalCases = synthesize({ seed: 11, count: 400, split: 'eval' });
const trainCases = synthesize({ seed: 11, count: 400, split: 'train' });

function intersect(a: readonly string[], b: readonly string[]): string[] {
  const sb = new Set(b.map((x) => x.toLowerCase()));
  return a.filter((x) => sb.has(x.toLowerCase()));
}

describe('everyday suite generator', () => {
  it('is deterministic for a seed, and the seed and split change the cases', () => {
    expect(synthesize({ seed: 11, count: 400, split: 'eval' })).toEqual(evalCases);
    const other = synthesize({ seed: 12, count: 400, split: 'eval' });
    expect(other.map((c) => c.query)).not.toEqual(evalCases.map((c) => c.query));
    expect(trainCases.map((c) => c.query)).not.toEqual(evalCases.map((c) => c.query));
  });

  it('uses disjoint entity pools, templates, openers, closers and connectors for train and eval', () => {
    for (const [name, pool] of Object.entries(ALL_POOLS)) {
      expect(intersect(pool.train, pool.eval), name).toEqual([]);
    }
    for (const intent of INTENTS) {
      const train = intent.templates.train.map((t) => parseTemplate(t).text);
      const evalT = intent.templates.eval.map((t) => parseTemplate(t).text);
      expect(intersect(train, evalT), intent.id).toEqual([]);
      expect(evalT.length, `${intent.id} has eval templates`).toBeGreaterThan(0);
    }
    const nonEmpty = (xs: readonly string[]) => xs.filter((x) => x.trim() !== '');
    expect(intersect(nonEmpty(OPENERS.train), nonEmpty(OPENERS.eval))).toEqual([]);
    expect(intersect(nonEmpty(CLOSERS.train), nonEmpty(CLOSERS.eval))).toEqual([]);
    expect(intersect(CONNECTORS.train, CONNECTORS.eval)).toEqual([]);
  });

  it('swaps only the named parts to the train side (--train-parts): same draws, other words', () => {
    const evalFrames = [...OPENERS.eval, ...CLOSERS.eval, ...CONNECTORS.eval].filter((x) => x.trim() !== '');
    const phrasing = synthesize({ seed: 11, count: 400, split: 'eval', trainParts: ['phrasing'] });
    const both = synthesize({ seed: 11, count: 400, split: 'eval', trainParts: ['phrasing', 'framing'] });
    for (const swapped of [phrasing, both]) {
      // Same categories, tools and acceptable answers, case by case: the entity draws are unchanged.
      expect(swapped.map((c) => [c.category, c.tools, c.expected])).toEqual(evalCases.map((c) => [c.category, c.tools, c.expected]));
      const changed = swapped.filter((c, i) => c.query !== evalCases[i].query).length;
      expect(changed).toBeGreaterThan(300);
    }
    // With the framing swapped too, no eval opener, closer or connector is left.
    const framed = both.filter((c) => evalFrames.some((f) => String(c.query).toLowerCase().includes(f.trim().toLowerCase())));
    expect(framed.map((c) => c.query)).toEqual([]);
    // And the eval stream itself is untouched by the option's existence.
    expect(synthesize({ seed: 11, count: 400, split: 'eval', trainParts: [] })).toEqual(evalCases);
  });

  it('never puts an eval-only name or city into a train case', () => {
    const evalOnly = [...ALL_POOLS.FIRST_NAMES.eval, ...ALL_POOLS.CITIES.eval];
    const big = synthesize({ seed: 3, count: 1500, split: 'train' });
    const leaks = big.filter((c) => evalOnly.some((w) => new RegExp(`\\b${w}\\b`).test(String(c.query))));
    expect(leaks.map((c) => c.query)).toEqual([]);
  });

  it('draws train values from an open vocabulary that holds no eval-pool word (function words aside)', () => {
    const v = openVocab(new Rng('open-vocab-test'), EVAL_WORDS);
    const glue = new Set(FUNCTION_WORDS);
    const drawn: string[] = [];
    for (let i = 0; i < 3000; i++) drawn.push(v.phrase(1, 6), v.title(), v.pseudoName(), v.syllableName(), v.noun(), v.verb(), v.adjective());
    const leaked = [...wordsOf(drawn)].filter((w) => EVAL_WORDS.has(w) && !glue.has(w));
    expect(leaked).toEqual([]);
    expect(EVAL_WORDS.has('lantern') && EVAL_WORDS.has('reykjavik')).toBe(true); // the ban list is real
    // Wide enough that memorising values cannot work: thousands of distinct words in 18,000 draws.
    expect(wordsOf(drawn).size).toBeGreaterThan(3000);
  });

  it('covers at least 15 tool categories and all five case categories', () => {
    const toolCats = new Set(evalCases.flatMap((c) => c.expected.calls.map((k) => CATALOG.find((t) => t.def.name === k.name)!.category)));
    expect(toolCats.size).toBeGreaterThanOrEqual(15);
    expect(new Set(evalCases.map((c) => c.category))).toEqual(new Set(CASE_CATEGORIES));
  });

  it('respects each category’s shape: tool counts 1–10, calls per category', () => {
    for (const c of evalCases) {
      expect(c.tools.length).toBeGreaterThanOrEqual(1);
      expect(c.tools.length).toBeLessThanOrEqual(10);
      const names = new Set(c.tools.map((t) => t.name));
      expect(names.size, `${c.id}: duplicate tools`).toBe(c.tools.length);
      for (const call of c.expected.calls) expect(names.has(call.name), `${c.id}: ${call.name} offered`).toBe(true);
      if (c.category === 'simple') expect([c.tools.length, c.expected.calls.length]).toEqual([1, 1]);
      if (c.category === 'multiple') expect([c.tools.length > 1, c.expected.calls.length]).toEqual([true, 1]);
      if (c.category === 'parallel') expect(new Set(c.expected.calls.map((k) => k.name)).size).toBe(1);
      if (c.category === 'parallel' || c.category === 'parallel_multiple') expect(c.expected.calls.length).toBeGreaterThan(1);
      if (c.category === 'irrelevance') expect(c.expected.calls).toEqual([]);
    }
  });

  it('gives answers whose first acceptable values validate against the tool schema (ajv)', () => {
    const ajv = new Ajv({ strict: false, allErrors: true });
    addFormats(ajv);
    const checked = new Set<string>();
    for (const c of [...evalCases, ...trainCases]) {
      for (const call of c.expected.calls) {
        const tool = c.tools.find((t) => t.name === call.name)!;
        const args: Record<string, unknown> = {};
        for (const [k, a] of Object.entries(call.args)) if (!a.optional) args[k] = a.values[0];
        const validate = ajv.compile(tool.parameters);
        expect(validate(args), `${c.id} ${call.name} ${JSON.stringify(args)}: ${ajv.errorsText(validate.errors)}`).toBe(true);
        // Every optional value given is also valid when stated.
        const withDefaults: Record<string, unknown> = { ...args };
        for (const [k, a] of Object.entries(call.args)) if (a.optional) withDefaults[k] = a.values[0];
        expect(validate(withDefaults), `${c.id} ${call.name} with defaults`).toBe(true);
        checked.add(call.name);
      }
    }
    expect(checked.size).toBeGreaterThanOrEqual(20);
  });

  it('keeps every case category in a stratified subset, as a strict subset in order', () => {
    const sub = stratifiedSubset(evalCases, 50);
    expect(sub).toHaveLength(50);
    expect(new Set(sub.map((c) => c.category))).toEqual(new Set(CASE_CATEGORIES));
    const ids = evalCases.map((c) => c.id);
    const positions = sub.map((c) => ids.indexOf(c.id));
    expect(positions.every((p, i) => p >= 0 && (i === 0 || p > positions[i - 1]))).toBe(true);
  });

  it('writes a suite that loads through the suite loader', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'synth-'));
    try {
      const opts = { seed: 5, count: 60, split: 'eval' as const };
      const cases: SuiteCase[] = synthesize(opts);
      writeSuite(dir, synthManifest('synth-test', opts), cases);
      const suite = await loadSuite(dir);
      expect(suite.cases).toHaveLength(60);
      expect(suite.manifest.licence).toBe('CC0-1.0');
      expect(suite.cases[0]).toEqual(cases[0]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('the committed suites/core equals a regeneration from its manifest seed', async () => {
    const core = await loadSuite(join(import.meta.dirname, '../../suites/core'));
    expect(core.cases).toEqual(synthesize({ seed: 2026, count: 500, split: 'eval' }));
    const smoke = await loadSuite(join(import.meta.dirname, '../../suites/core-smoke'));
    expect(smoke.cases.map((c) => c.id)).toEqual(stratifiedSubset(core.cases, 50).map((c) => c.id));
  });
});
