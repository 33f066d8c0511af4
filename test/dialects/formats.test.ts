// Each baseline family's documented output form, parsed.
import { describe, expect, it } from 'vitest';
import { parseFunctionGemma } from '../../src/dialects/functiongemma.ts';
import { parseHermes } from '../../src/dialects/hermes.ts';
import { parsePythonicCalls } from '../../src/dialects/lfm2-pythonic.ts';

describe('hermes (Qwen3, Granite 4.0)', () => {
  it('reads one block per call and ignores an empty think block', () => {
    const raw = '<think>\n\n</think>\n\n<tool_call>\n{"name": "get_weather", "arguments": {"city": "Paris", "days": 3.0}}\n</tool_call>\n<tool_call>\n{"name": "get_time", "arguments": {}}\n</tool_call>';
    expect(parseHermes(raw)).toEqual({ ok: true, calls: [
      { name: 'get_weather', arguments: { city: 'Paris', days: 3 }, floatPaths: ['/days'] },
      { name: 'get_time', arguments: {} },
    ] });
  });
  it('plain text is no call; a broken block is a parse error naming the block', () => {
    expect(parseHermes('The weather is nice.')).toEqual({ ok: true, calls: [] });
    const r = parseHermes('<tool_call>\n{"name": "f", "arguments": {"a": }\n</tool_call>');
    expect(r.ok).toBe(false);
    expect(!r.ok && r.error).toMatch(/tool_call block 1/);
  });
  it('like the reference parser, takes any whitespace around and between blocks, several blocks, and an unclosed last one', () => {
    const calls = [{ name: 'f', arguments: { a: 1 } }, { name: 'g', arguments: {} }];
    for (const raw of [
      '<tool_call>\n\n  {"name": "f", "arguments": {"a": 1}}  \n\n</tool_call>\n\n\n<tool_call>\t{"name": "g", "arguments": {}}\r\n</tool_call><|im_end|>',
      '<tool_call>{"name":"f","arguments":{"a":1}}</tool_call><tool_call>{"name":"g","arguments":{}}</tool_call>',
      '<tool_call>\r\n{"name": "f", "arguments": {"a": 1}}\r\n</tool_call>\r\n<tool_call>\n{"name": "g", "arguments": {}}\n<|im_end|>',
    ]) expect(parseHermes(raw), JSON.stringify(raw)).toEqual({ ok: true, calls });
    const r = parseHermes('<tool_call>\n{"name": "f", "arguments": {"a": 1}}\n</tool_call>\n<tool_call>\n   \n</tool_call>');
    expect(r).toEqual({ ok: false, error: 'tool_call block 2 is empty' });
  });
});

describe('functiongemma', () => {
  it('reads escaped strings, numbers, booleans, nested objects and arrays', () => {
    const raw = '<start_function_call>call:set_alarm{label:<escape>Wake, up: "now"<escape>,n:15,ratio:2.0,flag:true,where:{city:<escape>Oslo<escape>},days:[1,2]}<end_function_call>';
    expect(parseFunctionGemma(raw)).toEqual({ ok: true, calls: [
      { name: 'set_alarm', arguments: { label: 'Wake, up: "now"', n: 15, ratio: 2, flag: true, where: { city: 'Oslo' }, days: [1, 2] }, floatPaths: ['/ratio'] },
    ] });
  });
  it('reads several calls, bare words as text, None as null; plain text is no call', () => {
    const raw = 'Sure.<start_function_call>call:a{x:hello,y:None}<end_function_call><start_function_call>call:b{}<end_function_call>';
    expect(parseFunctionGemma(raw)).toEqual({ ok: true, calls: [{ name: 'a', arguments: { x: 'hello', y: null } }, { name: 'b', arguments: {} }] });
    expect(parseFunctionGemma('I cannot do that.')).toEqual({ ok: true, calls: [] });
    expect(parseFunctionGemma('<start_function_call>call:a{x:<escape>open').ok).toBe(false);
  });
  it('reads its call markers with and without the end-of-turn token, and a block ended by it', () => {
    const calls = [{ name: 'f', arguments: { a: 1 } }];
    for (const raw of [
      '<start_function_call>call:f{a:1}<end_function_call>',
      '<start_function_call>call:f{a:1}<end_function_call><end_of_turn>',
      '<start_function_call>call:f{a:1}<end_of_turn>',
      '<start_function_call>call:f{a:1}<start_function_response>',
      '<start_function_call>call:f{a:1}',
    ]) expect(parseFunctionGemma(raw), raw).toEqual({ ok: true, calls });
    expect(parseFunctionGemma('<start_function_call>call:f{a:1}<end_function_call>\n<start_function_call>call:g{b:<escape>x<escape>}<end_of_turn>')).toEqual({
      ok: true, calls: [...calls, { name: 'g', arguments: { b: 'x' } }],
    });
    // Text after the call inside its block is still an error, not silently dropped.
    expect(parseFunctionGemma('<start_function_call>call:f{a:1} and more<end_of_turn>').ok).toBe(false);
  });
});

describe('lfm2-pythonic', () => {
  it('reads a Python list of keyword calls with Python and JSON literals and dotted names', () => {
    const raw = '<|tool_call_start|>[get_weather(location="Paris", unit=\'c\'), lights.set(on=True, level=0.5, tags=["a", \'b\'], extra=None, n=3.0, j=true)]<|tool_call_end|>';
    expect(parsePythonicCalls(raw)).toEqual({ ok: true, calls: [
      { name: 'get_weather', arguments: { location: 'Paris', unit: 'c' } },
      { name: 'lights.set', arguments: { on: true, level: 0.5, tags: ['a', 'b'], extra: null, n: 3, j: true }, floatPaths: ['/n'] },
    ] });
  });
  it('refuses positional arguments with a reason; plain text is no call', () => {
    const r = parsePythonicCalls('<|tool_call_start|>[f(1)]<|tool_call_end|>');
    expect(!r.ok && r.error).toMatch(/positional|keyword/);
    expect(parsePythonicCalls('Hello there')).toEqual({ ok: true, calls: [] });
  });
  it('reads a bare call list without markers when it is the whole output, before <|im_end|> or not', () => {
    const calls = [{ name: 'f', arguments: { a: 1 } }, { name: 'g', arguments: { b: 'x' } }];
    for (const raw of ['[f(a=1), g(b="x")]<|im_end|>', '[f(a=1), g(b="x")]', '\n[f(a=1), g(b="x")]\n<|im_end|>\n', '<|tool_call_start|>[f(a=1), g(b="x")]<|im_end|>']) {
      expect(parsePythonicCalls(raw), raw).toEqual({ ok: true, calls });
    }
  });
  it('keeps a list inside prose, or a list of values, as plain text', () => {
    for (const raw of ['I would call [f(a=1)] here.<|im_end|>', 'Sure:\n[f(a=1)]<|im_end|>', '[1, 2, 3]<|im_end|>', '[f(a=1)] is what I would do<|im_end|>']) {
      const r = parsePythonicCalls(raw);
      // The last one starts like a call list, so it is an attempted call that does not parse.
      if (raw.startsWith('[f')) expect(r.ok, raw).toBe(false);
      else expect(r, raw).toEqual({ ok: true, calls: [] });
    }
  });
});
