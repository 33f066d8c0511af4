import { describe, expect, it } from 'vitest';
import { dialect } from '../../../src/dialects/needle.ts';

const tools = [
  { name: 'lights.setBrightness', parameters: { type: 'object', properties: { level: { type: 'integer' } } } },
  { name: 'getWeather', parameters: { type: 'object', properties: { city: { type: 'string' } } } },
];

describe('needle dialect', () => {
  it('strips the leading <tool_call>, parses the list and maps snake_case names back', () => {
    const r = dialect.parse('<tool_call>[{"name":"lights_set_brightness","arguments":{"level":40}},{"name":"get_weather","arguments":{"city":"Oslo"}}]', tools);
    expect(r).toEqual({ ok: true, calls: [
      { name: 'lights.setBrightness', arguments: { level: 40 } },
      { name: 'getWeather', arguments: { city: 'Oslo' } },
    ] });
  });
  it('keeps a float lexeme such as 40.0 visible to the scorer', () => {
    const r = dialect.parse('<tool_call>[{"name":"lights_set_brightness","arguments":{"level":40.0}}]', tools);
    expect(r.ok && r.calls[0].floatPaths).toEqual(['/level']);
  });
  it('keeps unknown names as written, reads plain text as no call, and reports broken JSON', () => {
    const r = dialect.parse('<tool_call>[{"name":"open_door","arguments":{}}]', tools);
    expect(r.ok && r.calls[0].name).toBe('open_door');
    expect(dialect.parse('I cannot help with that.', tools)).toEqual({ ok: true, calls: [] });
    const bad = dialect.parse('<tool_call>[{"name":"get_weather","arguments":{"city":"Os', tools);
    expect(bad.ok).toBe(false);
  });
  it('round-trips format → parse', () => {
    const calls = [{ name: 'getWeather', arguments: { city: 'Zürich "HB"' } }, { name: 'lights.setBrightness', arguments: { level: 3 }, floatPaths: ['/level'] }];
    const text = dialect.format(calls);
    expect(text.startsWith('<tool_call>[{"name":"get_weather"')).toBe(true);
    expect(dialect.parse(text, tools)).toEqual({ ok: true, calls });
  });
});
