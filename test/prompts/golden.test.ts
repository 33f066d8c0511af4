// Prompt fidelity: for each baseline family the harness's rendering of real suite cases equals, byte
// for byte, the same template rendered by an independent reference — python3-jinja2 set up the way HF
// transformers renders chat templates, with the conversation built in Python from the raw suite files
// (tools/fixtures/make_prompt_golden.py wrote the golden files).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { modelRegistry, REPO_ROOT } from '../../src/models/registry.ts';
import { renderPrompt } from '../../src/prompts/chat-template.ts';
import { loadSuite } from '../../src/suite/load.ts';
import type { Suite } from '../../src/suite/types.ts';

interface Golden {
  model: string;
  template: string;
  templateSha256: string;
  cases: { suite: string; case: string; messages: unknown[]; tools: unknown[]; prompt: string; promptSha256: string }[];
}

const MODELS = ['functiongemma-270m', 'qwen3-0.6b', 'granite-4.0-350m', 'lfm2.5-350m'];
const suites = new Map<string, Promise<Suite>>();
const suite = (path: string) => {
  if (!suites.has(path)) suites.set(path, loadSuite(join(REPO_ROOT, path)));
  return suites.get(path)!;
};

describe.each(MODELS)('%s prompt = reference rendering', (model) => {
  const golden = JSON.parse(readFileSync(join(REPO_ROOT, 'test/fixtures/prompts', `${model}.json`), 'utf8')) as Golden;
  const entry = modelRegistry().get(model)!;

  it('uses the template the golden file was made from', () => {
    expect(entry.chatTemplate).toBe(golden.template);
    expect(golden.cases.length).toBeGreaterThanOrEqual(8);
  });

  it.each(golden.cases.map((c) => [c.case, c] as const))('%s', async (_id, g) => {
    const testCase = (await suite(g.suite)).cases.find((c) => c.id === g.case);
    expect(testCase, `${g.suite} ${g.case}`).toBeDefined();
    // No model folder: the registry's template, as before a pull.
    const r = renderPrompt(entry, testCase!, undefined);
    expect(r.template.sha256).toBe(golden.templateSha256);
    expect(r.messages).toEqual(g.messages);
    expect(r.tools).toEqual(g.tools);
    expect(r.prompt).toBe(g.prompt);
    expect(r.promptSha256).toBe(g.promptSha256);
  });
});
