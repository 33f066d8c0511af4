// Needle 2's byte-level grammar: every oracle answer (the training target of every golden case,
// tokenized as the package tokenizes it) is accepted token by token and its tokens are in the mask
// at each step; the trie-walk mask equals a brute-force check of every token; invalid continuations
// are refused; random walks through the grammar end in calls that parse and validate.
import { beforeAll, describe, expect, it } from 'vitest';
import { getDialect } from '../../../src/dialects/registry.ts';
import { exponentViable, integerPrefixViable } from '../../../src/needle/v2/grammar-number.ts';
import { Needle2Constraint, Needle2Grammar, type GrammarState } from '../../../src/needle/v2/grammar.ts';
import { CHAT_MARKERS, NEEDLE2_SPECIAL_IDS } from '../../../src/needle/v2/markers.ts';
import { tokenUnits, type TokenUnit } from '../../../src/needle/v2/tokenizer.ts';
import { checkSchemas } from '../../../src/score/schema-valid.ts';
import type { SuiteCase, ToolDef } from '../../../src/suite/types.ts';
import { mulberry32 } from '../../../src/util/prng.ts';
import { goldens, standInTokenizer, suiteCases } from './golden.ts';

const EOS = NEEDLE2_SPECIAL_IDS.eos;
const g = goldens();
let units: TokenUnit[];
let cases: Map<string, Map<string, SuiteCase>>;

beforeAll(async () => {
  units = tokenUnits(standInTokenizer());
  cases = await suiteCases([...new Set(g.cases.map((c) => c.suite))]);
});

function caseOf(suite: string, id: string): SuiteCase {
  return cases.get(suite)!.get(id)!;
}

/** Feeds text with chat markers as markers and everything else byte by byte. */
function feedText(grammar: Needle2Grammar, text: string, from: GrammarState = grammar.start()): GrammarState | null {
  const pattern = new RegExp(`(${CHAT_MARKERS.map((m) => m.replace(/[|]/g, '\\|')).join('|')})`);
  let s: GrammarState | null = from;
  for (const part of text.split(pattern)) {
    if (!s) return null;
    if ((CHAT_MARKERS as readonly string[]).includes(part)) s = grammar.feedMarker(s, part);
    else for (const b of new TextEncoder().encode(part)) if (s) s = grammar.feedByte(s, b);
  }
  return s;
}

describe('oracle answers are accepted token by token', () => {
  it('every golden target (core-smoke, BFCL; with and without reasoning) is accepted, then EOS', () => {
    expect(g.cases.filter((c) => c.suite === 'suites/core-smoke').length).toBeGreaterThanOrEqual(50);
    for (const golden of g.cases) {
      const grammar = new Needle2Grammar(caseOf(golden.suite, golden.id).tools, units, EOS);
      let s: GrammarState | null = grammar.start();
      golden.target_ids.forEach((id, i) => {
        s = s && grammar.advance(s, id);
        expect(s, `${golden.id} (${golden.variant}) refused token ${i} ${JSON.stringify(standInTokenizer().idToPiece(id))}`).not.toBeNull();
      });
      expect(grammar.isComplete(s!), golden.id).toBe(true);
      expect(grammar.advance(s!, EOS)).not.toBeNull();
    }
  });

  it('each oracle token is in the mask at its step, and the mask equals a brute-force check of every id', () => {
    const picked = g.cases.filter((_, i) => i % 17 === 0);
    let bruteChecked = 0;
    for (const golden of picked) {
      const grammar = new Needle2Grammar(caseOf(golden.suite, golden.id).tools, units, EOS);
      let s = grammar.start();
      golden.target_ids.forEach((id, step) => {
        const allowed = grammar.allowed(s);
        expect(allowed, `${golden.id} step ${step}`).toContain(id);
        if (step % 5 === 0 || golden === picked[0]) {
          const brute = units.map((_, t) => t).filter((t) => grammar.advance(s, t) !== null);
          expect(allowed, `${golden.id} step ${step}`).toEqual(brute);
          bruteChecked++;
        }
        s = grammar.advance(s, id)!;
      });
      expect(grammar.allowed(s)).toEqual([EOS]);
    }
    expect(bruteChecked).toBeGreaterThan(10);
  });
});

describe('invalid continuations are refused', () => {
  const tools: ToolDef[] = [
    {
      name: 'set_timer',
      parameters: {
        type: 'object',
        properties: {
          minutes: { type: 'integer', minimum: 1, maximum: 120 },
          label: { type: 'string', maxLength: 5 },
          mode: { type: 'string', enum: ['heat', 'cool'] },
          ratio: { type: 'number', exclusiveMinimum: 0, maximum: 1 },
          tags: { type: 'array', items: { type: 'string' }, maxItems: 2 },
          where: { type: 'object', properties: { room: { type: 'string' } }, required: ['room'] },
          on: { type: 'boolean' },
        },
        required: ['minutes'],
      },
    },
    { name: 'math.hypot', parameters: { type: 'object', properties: { x: { type: 'number' } } } },
    { name: 'ping', parameters: { type: 'object', properties: {} } },
    { name: 'record', parameters: { type: 'object', properties: { extra: { type: 'object' } } } },
  ];
  let grammar: Needle2Grammar;
  beforeAll(() => {
    grammar = new Needle2Grammar(tools, units, EOS);
  });
  const call = (args: string, name = 'set_timer') => `<think>r</think>\n<tool_call>[{"name":"${name}","arguments":${args}}]</tool_call><|im_end|>`;
  const accepts = (text: string) => {
    const s = feedText(grammar, text);
    return s !== null && grammar.isComplete(s);
  };

  it('accepts the valid forms', () => {
    expect(accepts(call('{"minutes":10}'))).toBe(true);
    expect(accepts(call('{"label":"tea","minutes":120,"mode":"cool","ratio":0.5,"tags":["a","b"],"where":{"room":"k"},"on":false}'))).toBe(true);
    expect(accepts(call('{"x":-1.5e3}', 'math.hypot'))).toBe(true);
    expect(accepts(call('{}', 'math.hypot'))).toBe(true);
    expect(accepts(call('{}', 'ping'))).toBe(true);
    expect(accepts(call('{"extra":{"any":[1,"x",{"y":null}],"k":true}}', 'record'))).toBe(true);
    expect(accepts('<think></think>\n<tool_call>[]</tool_call><|im_end|>')).toBe(true);
    expect(accepts(' <tool_call>[]</tool_call><|im_end|>')).toBe(true);
    expect(accepts(call('{"label":"Z\\u00fc"}'.replace('{', '{"minutes":1,')))).toBe(true);
    expect(accepts(call('{"minutes":1,"label":"Zürch"}'))).toBe(true);
    // Bounded numbers as Python's repr writes them, exponent forms included.
    for (const ratio of ['0.5', '1', '1.0', '5e-05', '1.5e-07', '0.0001', '0.99']) expect(accepts(call(`{"minutes":1,"ratio":${ratio}}`)), ratio).toBe(true);
    for (const x of ['1.5e+16', '-2E3', '0', '-0.0', '12.5e-3']) expect(accepts(call(`{"x":${x}}`, 'math.hypot')), x).toBe(true);
  });

  it.each(['5', '2', '1.5', '1.01', '5e+3', '5e-0', '0', '0.0', '-0.1', '12e-5', '1e-9999'])('refuses the out-of-range or non-repr ratio %s', (ratio) => {
    expect(accepts(call(`{"minutes":1,"ratio":${ratio}}`))).toBe(false);
  });

  it.each([
    ['an undeclared tool', call('{}', 'set_alarm')],
    ['a name prefix only', call('{"minutes":1}', 'set_time')],
    ['an undeclared key', call('{"minutes":1,"seconds":3}')],
    ['any key for a tool that declares none', call('{"x":1}', 'ping')],
    ['a repeated key', call('{"minutes":1,"minutes":2}')],
    ['a missing required key', call('{"label":"x"}')],
    ['a missing required nested key', call('{"minutes":1,"where":{}}')],
    ['a string for an integer', call('{"minutes":"10"}')],
    ['a float for an integer', call('{"minutes":10.0}')],
    ['an integer above maximum', call('{"minutes":121}')],
    ['an integer below minimum', call('{"minutes":0}')],
    ['a number at an exclusive minimum', call('{"minutes":1,"ratio":0}')],
    ['a number above maximum', call('{"minutes":1,"ratio":1.5}')],
    ['a value outside the enum', call('{"minutes":1,"mode":"auto"}')],
    ['a string over maxLength', call('{"minutes":1,"label":"toolong"}')],
    ['too many items', call('{"minutes":1,"tags":["a","b","c"]}')],
    ['whitespace inside the call JSON', call('{"minutes": 1}')],
    ['a leading zero', call('{"minutes":01}')],
    ['an unescaped newline in a string', call('{"minutes":1,"label":"a\nb"}')],
    ['a bad escape', call('{"minutes":1,"label":"\\x"}')],
    ['arguments before name', '<tool_call>[{"arguments":{},"name":"math.hypot"}]</tool_call><|im_end|>'],
    ['a missing <|im_end|>', '<tool_call>[]</tool_call>'],
    ['a second reasoning block', '<think>a</think>\n<think>b</think>\n<tool_call>[]</tool_call><|im_end|>'],
    ['text before the call', '<think>a</think>\nok <tool_call>[]</tool_call><|im_end|>'],
    ['a call list not closed', '<tool_call>[{"name":"math.hypot","arguments":{}}</tool_call><|im_end|>'],
    ['a trailing comma', '<tool_call>[{"name":"math.hypot","arguments":{}},]</tool_call><|im_end|>'],
  ])('refuses %s', (_, text) => {
    expect(accepts(text)).toBe(false);
  });

  it('refuses marker text spelled in ordinary bytes where the marker token is expected', () => {
    const s = feedText(grammar, '<think>r</think>\n')!;
    expect(s).not.toBeNull();
    expect(feedText(grammar, '<tool_call>', s)).not.toBeNull(); // the marker token
    let bytes: GrammarState | null = s;
    for (const b of new TextEncoder().encode('<tool_call>')) bytes = bytes && grammar.feedByte(bytes, b);
    expect(bytes).toBeNull();
  });

  it('refuses EOS before the end and any control token; allows only EOS at the end', () => {
    const s = feedText(grammar, '<tool_call>[]')!;
    expect(grammar.advance(s, EOS)).toBeNull();
    expect(grammar.advance(s, NEEDLE2_SPECIAL_IDS.bos)).toBeNull();
    expect(grammar.advance(s, NEEDLE2_SPECIAL_IDS.pad)).toBeNull();
    const end = feedText(grammar, '<tool_call>[]</tool_call><|im_end|>')!;
    expect(grammar.allowed(end)).toEqual([EOS]);
  });

  it('in the reasoning every text token and </think> are allowed, no other marker', () => {
    const s = feedText(grammar, '<think>')!;
    const allowed = new Set(grammar.allowed(s));
    const textIds = units.flatMap((u, id) => (u.kind === 'bytes' ? [id] : []));
    expect(textIds.every((id) => allowed.has(id))).toBe(true);
    const markers = units.flatMap((u, id) => (u.kind === 'marker' && allowed.has(id) ? [u.marker] : []));
    expect(markers).toEqual(['</think>']);
  });

  it('integer prefixes: refused as soon as no value in range can complete them', () => {
    expect(integerPrefixViable('1', 1, 120, false)).toBe(true);
    expect(integerPrefixViable('12', 1, 120, false)).toBe(true);
    expect(integerPrefixViable('13', 1, 120, false)).toBe(true); // 13
    expect(integerPrefixViable('121', 1, 120, false)).toBe(false);
    expect(integerPrefixViable('0', 1, 120, false)).toBe(false);
    expect(integerPrefixViable('-', 1, 120, false)).toBe(false);
    expect(integerPrefixViable('-', -5, 5, false)).toBe(true);
    expect(integerPrefixViable('-6', -5, 5, false)).toBe(false);
    expect(integerPrefixViable('0', 0.5, 1, true)).toBe(true); // 0.7
  });

  it('exponent prefixes: refused once no exponent they can still become puts the value in range', () => {
    expect(exponentViable('5e', 0, 1)).toBe(true);
    expect(exponentViable('5e+', 0, 1)).toBe(false);
    expect(exponentViable('5e-', 0, 1)).toBe(true);
    expect(exponentViable('5e-1', 0, 1)).toBe(true); // 5e-1, 5e-10..
    expect(exponentViable('5e-0', 0, 1)).toBe(true); // 5e-05
    expect(exponentViable('5e1', 0, 100)).toBe(true);
    expect(exponentViable('5e3', 0, 100)).toBe(false);
    expect(exponentViable('-5e-', -1, 0)).toBe(true);
  });
});

describe('random walks through the grammar', () => {
  it('end in outputs the needle2 dialect parses into calls that validate against the tools', async () => {
    const dialect = await getDialect('needle2');
    const tok = standInTokenizer();
    const unenforced = /"(pattern|format|multipleOf|uniqueItems|\$ref)"/;
    const pool = [...new Map(g.cases.map((c) => [c.id, caseOf(c.suite, c.id)])).values()].filter((c) => !unenforced.test(JSON.stringify(c.tools)));
    expect(pool.length).toBeGreaterThan(30);
    const rand = mulberry32(20261203);
    let completed = 0;
    let calls = 0;
    for (let walk = 0; walk < 20; walk++) {
      const c = pool[walk % pool.length];
      const grammar = new Needle2Grammar(c.tools, units, EOS);
      const constraint = new Needle2Constraint(grammar);
      const ids: number[] = [];
      for (let step = 0; step < 400 && !constraint.complete; step++) {
        const logits = new Float32Array(units.length);
        // Prefer structure so walks finish: markers, closing bytes and short tokens weigh more.
        units.forEach((u, id) => {
          const first = u.kind === 'bytes' ? u.bytes[0] : -1;
          logits[id] = Math.log(u.kind === 'marker' ? 40 : [0x22, 0x5d, 0x7d, 0x2c].includes(first) ? 20 : u.kind === 'bytes' && u.bytes.length <= 2 ? 2 : 1) + rand() * 3;
        });
        if (step < 6) logits[tok.pieceToId('<think>')!] = -Infinity; // sometimes skip the reasoning
        constraint.mask(logits);
        let best = 0;
        for (let i = 1; i < logits.length; i++) if (logits[i] > logits[best]) best = i;
        expect(logits[best]).toBeGreaterThan(-Infinity);
        constraint.accept(best);
        ids.push(best);
      }
      expect(constraint.active).toBe(true);
      expect(constraint.stats.deadEnds).toBe(0);
      if (!constraint.complete) continue;
      completed++;
      const parsed = dialect.parse(tok.decode(ids), c.tools);
      expect(parsed.ok, tok.decode(ids)).toBe(true);
      if (!parsed.ok) continue;
      calls += parsed.calls.length;
      expect(checkSchemas(c.tools, parsed.calls), tok.decode(ids)).toEqual({ valid: true });
    }
    expect(completed).toBeGreaterThanOrEqual(10);
    expect(calls).toBeGreaterThan(0);
  });
});

describe('every suite oracle answer', () => {
  it('is accepted token by token for every case of suites/core and suites/bfcl (1,540 cases)', async () => {
    const { loadSuite } = await import('../../../src/suite/load.ts');
    const { oracleCalls } = await import('../../../src/providers/oracle-answer.ts');
    const { renderTarget } = await import('../../../src/needle/v2/prompt.ts');
    const { REPO_ROOT } = await import('../../../src/models/registry.ts');
    const tok = standInTokenizer();
    let accepted = 0;
    for (const suite of ['suites/core', 'suites/bfcl']) {
      for (const c of (await loadSuite(`${REPO_ROOT}/${suite}`)).cases) {
        const ids = tok.encode(renderTarget(oracleCalls(c)));
        const grammar = new Needle2Grammar(c.tools, units, EOS);
        let s: GrammarState | null = grammar.start();
        for (const id of ids) s = s && grammar.advance(s, id);
        expect(s !== null && grammar.isComplete(s), `${suite} ${c.id}`).toBe(true);
        accepted++;
      }
    }
    expect(accepted).toBe(1540);
  });
});
