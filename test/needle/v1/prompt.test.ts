import { describe, expect, it } from 'vitest';
import { encoderInput, queryText, snakeNameMap, toFlatTool, toSnakeCase, toolsJson, NEEDLE_IDS } from '../../../src/needle/v1/prompt.ts';

describe('toSnakeCase', () => {
  it.each([
    ['getWeather', 'get_weather'],
    ['math.hypot', 'math_hypot'],
    ['HTTPServerStart', 'http_server_start'],
    ['already_snake', 'already_snake'],
    ['lights.setBrightness', 'lights_set_brightness'],
    ['send-email v2', 'send_email_v2'],
  ])('%s → %s', (input, out) => expect(toSnakeCase(input)).toBe(out));
});

describe('flat tool format', () => {
  const tool = {
    name: 'thermostat.setTemperature',
    description: 'Set the target temperature.',
    parameters: {
      type: 'object',
      properties: {
        celsius: { type: 'number', description: 'Target in °C' },
        room: { type: ['string', 'null'] },
        mode: { enum: ['heat', 'cool'] },
      },
      required: ['celsius'],
    },
  };
  it('converts JSON Schema to Needle\'s name/description/parameters{type,description,required}', () => {
    expect(toFlatTool(tool)).toEqual({
      name: 'thermostat_set_temperature',
      description: 'Set the target temperature.',
      parameters: {
        celsius: { type: 'number', description: 'Target in °C', required: true },
        room: { type: 'string', description: '', required: false },
        mode: { type: 'string', description: '', required: false },
      },
    });
  });
  it('serializes compactly, without spaces', () => {
    expect(toolsJson([tool])).not.toMatch(/": |, "/);
    expect(JSON.parse(toolsJson([tool]))[0].name).toBe('thermostat_set_temperature');
  });
  it('maps snake names back to the suite names, first tool winning a collision', () => {
    const m = snakeNameMap([tool, { name: 'thermostat_set_temperature', parameters: { type: 'object' } }]);
    expect(m.get('thermostat_set_temperature')).toBe('thermostat.setTemperature');
  });
});

describe('encoderInput', () => {
  const encode = (s: string) => [...s].map((c) => 10 + (c.codePointAt(0)! % 50));
  it('is query ids, then <tools>, then tool ids', () => {
    const input = encoderInput(encode, { query: 'hi', tools: [] });
    expect(input.ids).toEqual([...encode('hi'), NEEDLE_IDS.tools, ...encode('[]')]);
    expect(input.truncatedQueryTokens).toBe(0);
  });
  it('truncates the query to 1022 and the whole to 1024, and says so', () => {
    const input = encoderInput(encode, { query: 'x'.repeat(1500), tools: [] });
    expect(input.queryTokens).toBe(1022);
    expect(input.truncatedQueryTokens).toBe(478);
    expect(input.ids.length).toBe(1024);
    expect(input.ids[1022]).toBe(NEEDLE_IDS.tools);
    expect(input.truncatedTotalTokens).toBe(1);
  });
  it('takes the last user message of a chat-style query', () => {
    expect(queryText([{ role: 'system', content: 's' }, { role: 'user', content: 'a' }, { role: 'user', content: 'b' }])).toBe('b');
  });
});
