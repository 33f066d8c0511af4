// needle-tiny: the harness (its prompt builder, SentencePiece tokenizer and plain-TS reference
// forward) reproduces the greedy outputs recorded from the torch model that trained it
// (tools/train/record_greedy.py, float32 from the float16 checkpoint). Tokens must be identical;
// the fixture records each case's smallest top-1/top-2 logit margin so a near-tie is visible.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadCheckpoint } from '../../../src/needle/v1/checkpoint.ts';
import { encoderInput, toolsJson } from '../../../src/needle/v1/prompt.ts';
import { referenceGreedy, referenceParams } from '../../../src/needle/v1/reference.ts';
import { tensorToFloat32 } from '../../../src/checkpoint/tensor.ts';
import { loadSentencePiece } from '../../../src/sentencepiece/index.ts';
import type { SuiteCase } from '../../../src/suite/types.ts';

const repoRoot = resolve(import.meta.dirname, '../../..');

interface GreedyCase {
  id: string;
  category: string;
  query: string;
  tools_json: string;
  src: number[];
  generated: number[];
  stopped_by: string;
  text: string;
  min_margin: number;
}
interface GreedyFixture { model: string; model_sha256: string; max_len: number; cases: GreedyCase[] }

const fixture = JSON.parse(readFileSync(join(repoRoot, 'test/fixtures/needle-tiny-greedy.json'), 'utf8')) as GreedyFixture;
const modelPath = join(repoRoot, fixture.model);
const modelDir = join(modelPath, '..');
const core = new Map(
  readFileSync(join(repoRoot, 'suites/core/cases.jsonl'), 'utf8').split('\n').filter(Boolean)
    .map((l) => JSON.parse(l) as SuiteCase).map((c) => [c.id, c]),
);

describe('needle-tiny greedy parity with the training framework', () => {
  it('the fixture was recorded from the committed checkpoint', () => {
    const sha = createHash('sha256').update(readFileSync(modelPath)).digest('hex');
    expect(sha).toBe(fixture.model_sha256);
    expect(fixture.cases.length).toBeGreaterThanOrEqual(5);
  });

  it('the prompt builder and tokenizer give the recorded encoder ids', () => {
    const tok = loadSentencePiece(join(modelDir, 'tokenizer/needle.model'));
    for (const c of fixture.cases) {
      const suiteCase = core.get(c.id);
      expect(suiteCase, c.id).toBeDefined();
      expect(toolsJson(suiteCase!.tools), c.id).toBe(c.tools_json);
      expect(encoderInput((t) => tok.encode(t), suiteCase!).ids, c.id).toEqual(c.src);
      expect(tok.decode(c.generated.filter((id) => id !== 4)), c.id).toBe(c.text);
    }
  });

  it('the plain-TS reference forward generates the recorded tokens (one case of three categories)', async () => {
    const ckpt = await loadCheckpoint(modelPath);
    const params = referenceParams(ckpt, tensorToFloat32);
    // The reference re-runs the whole decoder every step, so three cases keep this test to seconds;
    // the ONNX engine (KV cache) can check every case of the fixture.
    const picked = ['simple', 'irrelevance', 'parallel_multiple'].map((cat) => fixture.cases.find((c) => c.category === cat)!);
    for (const c of picked) {
      expect(c, 'fixture has the category').toBeDefined();
      expect(referenceGreedy(params, ckpt.config, c.src, fixture.max_len + 1), c.id).toEqual(c.generated);
    }
  }, 120_000);
});
