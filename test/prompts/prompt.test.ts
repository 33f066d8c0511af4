// Prompt assembly around the golden-tested rendering: the family touches each entry asks for, which
// template wins when a model folder is on disk, and the `prompt` command's output.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { promptOutput } from '../../src/cli/commands/prompt.ts';
import { modelRegistry, REPO_ROOT } from '../../src/models/registry.ts';
import { renderPrompt, sha256 } from '../../src/prompts/chat-template.ts';
import type { SuiteCase } from '../../src/suite/types.ts';

const tool = { name: 'get_weather', description: 'Weather now.', parameters: { type: 'object', properties: { city: { type: 'string', description: 'City.' } }, required: ['city'] } };
const simple: SuiteCase = { id: 'c1', category: 'simple', query: 'Weather in Paris?', tools: [tool], expected: { calls: [] } };
const entry = (id: string) => modelRegistry().get(id)!;

describe('family prompt settings', () => {
  it("FunctionGemma opens with Google's developer turn, right before the declarations", () => {
    const p = renderPrompt(entry('functiongemma-270m'), simple).prompt;
    expect(p.startsWith('<bos><start_of_turn>developer\nYou are a model that can do function calling with the following functions<start_function_declaration>declaration:get_weather{')).toBe(true);
    expect(p.endsWith('<start_of_turn>user\nWeather in Paris?<end_of_turn>\n<start_of_turn>model\n')).toBe(true);
  });

  it('FunctionGemma keeps a case system turn, ahead of the preamble', () => {
    const c = { ...simple, query: [{ role: 'system', content: 'Be brief.' }, { role: 'user', content: 'Weather in Paris?' }] };
    const r = renderPrompt(entry('functiongemma-270m'), c);
    expect(r.messages[0]).toEqual({ role: 'developer', content: 'Be brief.\n\nYou are a model that can do function calling with the following functions' });
    expect(r.messages).toHaveLength(2);
  });

  it('Qwen3 renders with thinking switched off (empty think block after the assistant header)', () => {
    const p = renderPrompt(entry('qwen3-0.6b'), simple).prompt;
    expect(p.endsWith('<|im_start|>assistant\n<think>\n\n</think>\n\n')).toBe(true);
    expect(p).toContain('<tools>\n{"type": "function", "function": {"name": "get_weather"');
  });

  it('LFM2.5 lists the tools in the system turn after its BOS', () => {
    const p = renderPrompt(entry('lfm2.5-350m'), simple).prompt;
    expect(p.startsWith('<|startoftext|><|im_start|>system\nList of tools: [{"type": "function"')).toBe(true);
  });

  it('Granite puts the tools in its system turn', () => {
    expect(renderPrompt(entry('granite-4.0-350m'), simple).prompt.startsWith('<|start_of_role|>system<|end_of_role|>You are a helpful assistant with access to the following tools.')).toBe(true);
  });
});

describe('jinja2 compatibility', () => {
  it('a string filter on an undefined value gives "" as in jinja2; other misuse still fails', async () => {
    const { Template } = await import('@huggingface/jinja');
    expect(new Template('[{{ x.type | upper }}|{{ y | trim }}]').render({ x: {} })).toBe('[|]');
    expect(() => new Template('{{ x | upper }}').render({ x: 5 })).toThrow(/filter/);
  });

  it("the importer's x-bfcl-type annotations never reach the prompt", () => {
    const annotated = { ...simple, tools: [{ ...tool, parameters: { ...tool.parameters, 'x-bfcl-type': 'dict', properties: { city: { type: 'string', 'x-bfcl-type': 'string' } } } }] };
    const r = renderPrompt(entry('qwen3-0.6b'), annotated);
    expect(r.prompt).not.toContain('x-bfcl-type');
    expect(r.tools[0].function.parameters).toEqual({ type: 'object', properties: { city: { type: 'string' } }, required: ['city'] });
  });
});

describe('template precedence with a model folder', () => {
  it("the folder's chat_template.jinja, else tokenizer_config's chat_template, else the registry's", () => {
    const dir = mkdtempSync(join(tmpdir(), 'nb-prompt-'));
    const e = entry('qwen3-0.6b');
    expect(renderPrompt(e, simple, dir).template.source).toBe(join(REPO_ROOT, 'models/chat-templates/qwen3-0.6b.jinja'));
    writeFileSync(join(dir, 'tokenizer_config.json'), JSON.stringify({ chat_template: 'CFG {{ bos_token }}|{{ eos_token }}|{{ messages[0].content }}', bos_token: { __type: 'AddedToken', content: '<s>' }, eos_token: '</s>' }));
    let r = renderPrompt(e, simple, dir);
    expect(r.prompt).toBe('CFG <s>|</s>|Weather in Paris?');
    expect(r.template.source.endsWith('tokenizer_config.json#chat_template')).toBe(true);
    expect(r.template.sha256).toBe(sha256('CFG {{ bos_token }}|{{ eos_token }}|{{ messages[0].content }}'));
    writeFileSync(join(dir, 'chat_template.jinja'), 'JINJA {{ tools[0].function.name }} {{ enable_thinking }}');
    r = renderPrompt(e, simple, dir);
    expect(r.prompt).toBe('JINJA get_weather false');
    expect(r.promptSha256).toBe(sha256('JINJA get_weather false'));
  });

  it('a named template list picks tool_use when there are tools', () => {
    const dir = mkdtempSync(join(tmpdir(), 'nb-prompt-'));
    writeFileSync(join(dir, 'tokenizer_config.json'), JSON.stringify({ chat_template: [{ name: 'default', template: 'D' }, { name: 'tool_use', template: 'T' }] }));
    expect(renderPrompt(entry('granite-4.0-350m'), simple, dir).prompt).toBe('T');
    expect(renderPrompt(entry('granite-4.0-350m'), { ...simple, tools: [] }, dir).prompt).toBe('D');
  });
});

describe('prompt command', () => {
  it('prints the rendered prompt, or {messages, tools, prompt} with --json', async () => {
    const cacheDir = mkdtempSync(join(tmpdir(), 'nb-cache-'));
    const suite = join(REPO_ROOT, 'test/fixtures/prompts/extra-cases.jsonl');
    const plain = await promptOutput({ model: 'qwen3-0.6b', suite, case: 'fixture-system-message', cacheDir });
    expect(plain.text.startsWith('<|im_start|>system\nYou are the assistant of a bakery in Zürich. Answer tersely.\n\n# Tools')).toBe(true);
    const json = JSON.parse((await promptOutput({ model: 'qwen3-0.6b', suite, case: 'fixture-system-message', cacheDir, json: true })).text);
    expect(Object.keys(json)).toEqual(['messages', 'tools', 'prompt']);
    expect(json.prompt).toBe(plain.text);
    expect(json.tools[1]).toEqual({ type: 'function', function: { name: 'weather_now', parameters: { type: 'object', properties: { city: { type: 'string', description: 'City name.' } }, required: ['city'] } } });
  });

  it('names an unknown case and an unknown model', async () => {
    const suite = join(REPO_ROOT, 'test/fixtures/prompts/extra-cases.jsonl');
    await expect(promptOutput({ model: 'qwen3-0.6b', suite, case: 'nope' })).rejects.toThrow(/has no case "nope"/);
    await expect(promptOutput({ model: 'gpt-9', suite, case: 'x' })).rejects.toThrow(/unknown model "gpt-9"/);
    await expect(promptOutput({ model: 'needle', suite, case: 'nope' })).rejects.toThrow(/has no case "nope"/);
  });

  it("prints a Needle model's encoder input as text: the last user message, <tools>, the flat tools JSON", async () => {
    const suite = join(REPO_ROOT, 'test/fixtures/prompts/extra-cases.jsonl');
    const { text } = await promptOutput({ model: 'needle-tiny', suite, case: 'fixture-system-message' });
    const at = text.indexOf('<tools>');
    expect(at).toBeGreaterThan(0);
    expect(text).not.toContain('bakery'); // the system message is not part of Needle's input
    const tools = JSON.parse(text.slice(at + '<tools>'.length)) as { name: string; parameters: Record<string, { required: boolean }> }[];
    expect(tools.find((t) => t.name === 'weather_now')?.parameters.city).toMatchObject({ type: 'string', required: true });
    const json = JSON.parse((await promptOutput({ model: 'needle-tiny', suite, case: 'fixture-system-message', json: true })).text);
    expect(Object.keys(json)).toEqual(['query', 'tools', 'prompt']);
    expect(json.prompt).toBe(text);
    expect(text.startsWith(json.query)).toBe(true);
  });
});
