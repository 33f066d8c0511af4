// Needle 2's prompt and target rendering against goldens made by the package's own render_example
// and SANTokenizer (python3-sentencepiece) on the stand-in tokenizer with Needle 2's id layout.
import { beforeAll, describe, expect, it } from 'vitest';
import { IM_END, MARKER_IDS, NEEDLE2_SPECIAL_IDS, TOOL_CALL_START } from '../../../src/needle/v2/markers.ts';
import { pythonCompactJson, pythonFloatRepr, pythonJsonString } from '../../../src/needle/v2/prompt-json.ts';
import { callsJson, promptInput, renderPrompt, renderTarget, toolsJson, turnOf } from '../../../src/needle/v2/prompt.ts';
import { oracleCalls } from '../../../src/providers/oracle-answer.ts';
import type { SuiteCase } from '../../../src/suite/types.ts';
import { goldens, standInTokenizer, suiteCases } from './golden.ts';

const g = goldens();

describe('Python json.dumps compatibility', () => {
  it.each(g.json.floats.map((f) => [f.dumps, f.value]))('float %s', (dumps, value) => {
    expect(pythonFloatRepr(value as number)).toBe(dumps);
  });
  it.each(g.json.strings.map((s) => [s.dumps, s.value]))('string %s', (dumps, value) => {
    expect(pythonJsonString(value as string)).toBe(dumps);
  });
  it('writes a mixed value compactly, ints as ints and floats as floats', () => {
    expect(pythonCompactJson(JSON.parse(g.json.mixed.value))).toBe(g.json.mixed.dumps);
  });
  it('writes an integral number listed in floatPaths as a float', () => {
    expect(pythonCompactJson({ a: [5, 5], b: 7 }, ['/a/1', '/b'])).toBe('{"a":[5,5.0],"b":7.0}');
  });
});

describe('prompt and target rendering (render_example goldens)', () => {
  let cases: Map<string, Map<string, SuiteCase>>;
  beforeAll(async () => {
    cases = await suiteCases([...new Set(g.cases.map((c) => c.suite))]);
  });

  it('covers core-smoke whole and BFCL cases with nested, array, enum, non-ASCII and float schemas', () => {
    expect(g.cases.filter((c) => c.suite === 'suites/core-smoke' && c.variant === 'plain')).toHaveLength(50);
    expect(g.cases.filter((c) => c.suite === 'suites/bfcl').length).toBeGreaterThanOrEqual(20);
    expect(g.cases.some((c) => c.prompt.includes('\\u00'))).toBe(true);
    expect(g.cases.filter((c) => c.system).length).toBeGreaterThan(4);
  });

  it('renders every golden prompt byte for byte and encodes it id for id', () => {
    const tok = standInTokenizer();
    for (const golden of g.cases) {
      const c = cases.get(golden.suite)!.get(golden.id)!;
      const turn = { ...turnOf(c), ...(golden.system ? { system: golden.system } : {}) };
      const label = `${golden.suite} ${golden.id} (${golden.variant})`;
      expect(renderPrompt(turn), label).toBe(golden.prompt);
      expect(promptInput((s) => tok.encode(s), turn).ids, label).toEqual(golden.prompt_ids);
    }
  });

  it('renders every golden target (the oracle answer) byte for byte, id for id, and decodes it back', () => {
    const tok = standInTokenizer();
    for (const golden of g.cases) {
      const c = cases.get(golden.suite)!.get(golden.id)!;
      const label = `${golden.suite} ${golden.id} (${golden.variant})`;
      const target = renderTarget(oracleCalls(c), golden.reasoning);
      expect(target, label).toBe(golden.target);
      expect(tok.encode(target), label).toEqual(golden.target_ids);
      expect(tok.decode(golden.target_ids), label).toBe(golden.decoded_target);
    }
  });

  it('the engine reference encoder (RefTokenizer over the .cact blob) agrees with sentencepiece on all of them', () => {
    for (const golden of g.cases) {
      expect(golden.ref_prompt_ids).toEqual(golden.prompt_ids);
      expect(golden.ref_target_ids).toEqual(golden.target_ids);
    }
  });
});

describe('prompt structure', () => {
  const tools = [{ name: 'get_weather', description: 'Weather for a city', parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] } }];

  it('puts markers, newlines and compact tools exactly where render_example does', () => {
    expect(renderPrompt({ query: 'weather in Zürich?', tools })).toBe(
      '<|im_start|>user\n<tools>[{"name":"get_weather","description":"Weather for a city","parameters":{"type":"object","properties":{"city":{"type":"string"}},"required":["city"]}}]</tools>\nweather in Zürich?<|im_end|>\n<|im_start|>assistant\n',
    );
    expect(renderPrompt({ query: 'q', tools: [], system: 'date: 2026-07-21' })).toBe(
      '<|im_start|>system\ndate: 2026-07-21<|im_end|>\n<|im_start|>user\n<tools>[]</tools>\nq<|im_end|>\n<|im_start|>assistant\n',
    );
    expect(renderPrompt({ query: 'q', tools: [], system: '' })).not.toContain('system');
  });

  it('keeps tool names as declared (no snake_case, unlike v1) and escapes non-ASCII as Python does', () => {
    expect(toolsJson([{ name: 'math.hypot', description: 'Hypoténuse', parameters: {} }])).toBe('[{"name":"math.hypot","description":"Hypot\\u00e9nuse","parameters":{}}]');
  });

  it('writes calls with their float lexemes and the refusal as []', () => {
    expect(callsJson([{ name: 'f', arguments: { x: 5, y: 5, z: 0.5 }, floatPaths: ['/y'] }])).toBe('[{"name":"f","arguments":{"x":5,"y":5.0,"z":0.5}}]');
    expect(renderTarget([])).toBe('<think></think>\n<tool_call>[]</tool_call><|im_end|>');
  });

  it('ids: BOS first, markers as their fixed ids, cut to max_seq_len - 1 and counted', () => {
    const tok = standInTokenizer();
    const input = promptInput((s) => tok.encode(s), { query: 'hi', tools });
    expect(input.ids[0]).toBe(NEEDLE2_SPECIAL_IDS.bos);
    expect(input.ids).toContain(MARKER_IDS['<tools>']);
    expect(input.ids.at(-1)).not.toBe(MARKER_IDS[IM_END]);
    expect(tok.encode(TOOL_CALL_START)).toContain(MARKER_IDS[TOOL_CALL_START]);
    const cut = promptInput((s) => tok.encode(s), { query: 'hi', tools }, 16);
    expect(cut.ids).toHaveLength(15);
    expect(cut.truncatedTokens).toBe(input.ids.length - 15);
  });

  it('takes the last user message of a message list as the query and system messages as facts', () => {
    const turn = turnOf({
      query: [
        { role: 'system', content: 'locale: en-GB' },
        { role: 'user', content: 'first' },
        { role: 'assistant', content: 'ok' },
        { role: 'user', content: 'second' },
      ],
      tools: [],
    });
    expect(turn).toEqual({ query: 'second', tools: [], system: 'locale: en-GB' });
  });
});
