// `needle-bench prompt --model needle-2` through the real CLI, against the reference's own
// render_example prompts and token ids (golden-prompt.json, written by the reference finetune code
// with the stand-in tokenizer): the text, the ids with each tokenizer choice, and that the output
// always names the tokenizer. The needle-2 weights are never needed.
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const BIN = resolve(import.meta.dirname, '../../../bin/needle-bench.js');
const fixtures = resolve(import.meta.dirname, '../../fixtures/needle2');
interface GoldenPrompt { name: string; example: { system?: string; query: string; tools: unknown }; prompt: string; generate_prompt_ids: number[]; ref_tokenizer_prompt_ids: number[] }
const golden = (JSON.parse(readFileSync(join(fixtures, 'golden-prompt.json'), 'utf8')) as { cases: GoldenPrompt[] }).cases.filter((c) => Array.isArray(c.example.tools));

const work = mkdtempSync(join(tmpdir(), 'nb-n2prompt-'));
const suite = join(work, 'cases.jsonl');
writeFileSync(
  suite,
  golden
    .map((c) => {
      const query = c.example.system ? [{ role: 'system', content: c.example.system }, { role: 'user', content: c.example.query }] : c.example.query;
      return JSON.stringify({ id: c.name, category: 'simple', query, tools: c.example.tools, expected: { calls: [] } });
    })
    .join('\n'),
);
const emptyCache = join(work, 'cache');
mkdirSync(emptyCache);
const run = (args: string[], cacheDir = emptyCache) => execFileSync(process.execPath, [BIN, 'prompt', '--model', 'needle-2', '--suite', suite, ...args], { encoding: 'utf8', stdio: 'pipe', env: { ...process.env, NEEDLE_BENCH_CACHE: cacheDir } });

interface PromptJson { model: string; prompt: string; system: string; query: string; tools_json: string; tokenizer: { kind: string; path: string; pieces: number; note: string }; ids: number[]; token_count: number; truncated_tokens: number; tools_sink_len: number }

describe('needle-bench prompt --model needle-2', () => {
  it('covers the golden cases, one with a system turn', () => {
    expect(golden.length).toBeGreaterThanOrEqual(3);
    expect(golden.some((c) => c.example.system)).toBe(true);
  });

  for (const c of golden) {
    it(`${c.name}: the text is render_example's prompt; --json ids are [BOS] + encode with the named stand-in tokenizer`, () => {
      expect(run(['--case', c.name])).toBe(c.prompt);
      const out = JSON.parse(run(['--case', c.name, '--json'])) as PromptJson;
      expect(out.prompt).toBe(c.prompt);
      expect(out.tokenizer.kind).toBe('stand-in');
      expect(out.tokenizer.path).toBe(join(fixtures, 'tokenizer.model'));
      expect(out.tokenizer.note).toMatch(/not present \(needle-bench pull needle-2\).*STAND-IN.*not the released/);
      expect(out.ids).toEqual(c.generate_prompt_ids);
      expect(out.token_count).toBe(c.generate_prompt_ids.length);
      expect(out.truncated_tokens).toBe(0);
      // the tools prefix through </tools> (id 9) is what the provider pins as KV sinks
      expect(out.ids[out.tools_sink_len - 1]).toBe(9);
      expect(out.system).toBe(c.example.system ?? '');
    });
  }

  it("--tokenizer x.cact uses the .cact's embedded tokenizer blob (RefTokenizer ids) and says so", () => {
    // the double-space case is where the blob's encoder and SentencePiece part ways
    for (const c of golden.filter((g, i) => i === 0 || g.name === 'non-ascii-and-spacing')) {
      const out = JSON.parse(run(['--case', c.name, '--json', '--tokenizer', join(fixtures, 'needle2-tiny.cact')])) as PromptJson;
      expect(out.tokenizer.kind).toBe('given');
      expect(out.tokenizer.note).toContain('embedded in the .cact');
      expect(out.ids).toEqual([2, ...c.ref_tokenizer_prompt_ids]);
    }
  });

  it("a pulled needle-2's own tokenizer/tokenizer.model wins over the stand-in", () => {
    const cache = join(work, 'pulled');
    mkdirSync(join(cache, 'Cactus-Compute/needle2/tokenizer'), { recursive: true });
    copyFileSync(join(fixtures, 'tokenizer.model'), join(cache, 'Cactus-Compute/needle2/tokenizer/tokenizer.model'));
    const out = JSON.parse(run(['--case', golden[0].name, '--json'], cache)) as PromptJson;
    expect(out.tokenizer.kind).toBe('registered');
    expect(out.tokenizer.note).toContain('Cactus-Compute/needle2@');
  });

  it('refuses a missing tokenizer file and --tokenizer for a non-Needle-2 model, naming them', () => {
    expect(() => run(['--case', golden[0].name, '--json', '--tokenizer', join(work, 'nope.model')])).toThrow(/--tokenizer .*nope\.model: no such file/);
    expect(() => execFileSync(process.execPath, [BIN, 'prompt', '--model', 'qwen3-0.6b', '--suite', suite, '--case', golden[0].name, '--tokenizer', 'x'], { stdio: 'pipe' })).toThrow(/--tokenizer is for Needle 2 models only/);
  });
});
