// Case assembly: turns drawn intents into SuiteCases of the five categories, with distractor tools,
// split-specific openers and connectors, and the acceptable answers.
import type { ExpectedCall, SuiteCase, ToolDef } from '../types.ts';
import { fill, matchingTemplates, type Draw, type Intent } from './intent.ts';
import type { Pools, Split } from './pools.ts';
import type { Rng } from './prng.ts';
import { CATALOG, catalogTool } from './tools.ts';

export const CASE_CATEGORIES = ['simple', 'multiple', 'parallel', 'parallel_multiple', 'irrelevance'] as const;
export type CaseCategory = (typeof CASE_CATEGORIES)[number];

export const OPENERS: Record<Split, readonly string[]> = {
  // Many train openers (and closers, connectors), so a model learns that what frames a request is not
  // part of its values, rather than learning a short list by heart; the eval ones stay unseen.
  train: ['', '', '', '', '', '', '', '', 'please ', 'hey, ', 'can you ', 'could you please ', 'I need you to ',
    'quick one: ', 'ok, ', 'hi! ', 'hey there, ', 'hi, ', 'good morning, ', 'morning! ', 'excuse me, ', 'right, ',
    'okay so ', 'so, ', 'um, ', 'listen, ', 'hey assistant, ', 'assistant, ', 'could you ', 'can you please ',
    'please could you ', "I'd like you to ", 'I want you to ', 'when you get a sec, ', 'real quick, ', 'oh, ',
    'alright, ', 'hey buddy, ', 'do me a favour and ', 'be a dear and ', 'help me out: ', 'one thing: ',
    'good evening, ', 'hiya, ', 'sorry, ', 'ok so ', 'pls ', 'just ', 'hey, can you '],
  eval: ['', '', 'kindly ', 'would you ', 'yo, ', 'hello there, '],
};
export const CLOSERS: Record<Split, readonly string[]> = {
  train: ['', '', '', '', '', '', '', ' please', ', thanks', '.', ' thank you', '!', ', thank you so much', ' asap',
    ' right away', ', ta', ' for me', ' for me please', ', thanks a lot', ', much appreciated', ' when you get a chance',
    ' if possible', ', if that is ok', '?', ', please and thank you', ', okay?', ' thx', ', appreciate it', ' :)',
    ', that would be great', ' please!', ', thanks!', '...', ', ty'],
  eval: ['', '', ' if you can', ', cheers'],
};
export const CONNECTORS: Record<Split, readonly string[]> = {
  train: [' and ', ', and also ', '. Also ', ', then ', ' and then ', '; ', '. After that ', ', plus ', ' and also ',
    '. Then ', ', and ', ' plus ', '. And ', ', also ', ' and after that ', '. Next, ', ' & ', ', and then ',
    '. Additionally, ', ' then ', '. One more thing: ', '. Lastly, ', ' and please ', ', next '],
  eval: [' as well as ', '. Oh and ', ', afterwards '],
};

export interface Generated {
  query: string;
  tools: ToolDef[];
  calls: ExpectedCall[];
  intents: string[];
}

/** `home`: the clause as the suite's own split says it; `text`: as the case says it (differs with a Swap). */
interface Clause { text: string; home: string; call: ExpectedCall; intent: Intent }

/**
 * Wording taken from another side, for `suite synth --train-parts`: whose templates (phrasing) and
 * openers, closers, connectors (framing). The swapped wording is drawn from `rng` while the main stream
 * still draws the suite's own wording, so the entities, tools and answers stay exactly as without.
 */
export interface Swap { phrasing: Split; framing: Split; rng: Rng }

function say(intent: Intent, split: Split, draw: Draw, rng: Rng): string {
  const templates = matchingTemplates(intent, split, draw);
  if (templates.length === 0) {
    throw new Error(`generator: intent ${intent.id} has no ${split} template for slots ` +
      `{${Object.keys(draw.slots).sort().join(',')}}${draw.variant ? ` variant ${draw.variant}` : ''}`);
  }
  return fill(rng.pick(templates), draw.slots);
}

function phrased(intent: Intent, pools: Pools, rng: Rng, swap?: Swap): Clause {
  const draw: Draw = intent.draw(pools, rng);
  const home = say(intent, pools.split, draw, rng);
  const text = swap ? say(intent, swap.phrasing, draw, swap.rng) : home;
  return { text, home, call: { name: intent.tool, args: draw.args }, intent };
}

function sentence(clauses: string[], split: Split, rng: Rng): string {
  let text = clauses[0];
  for (let i = 1; i < clauses.length; i++) {
    const conn = rng.pick(CONNECTORS[split]);
    text += conn + clauses[i];
  }
  // Openers only fit imperative templates, which are written with a lowercase first letter.
  // (Train templates also hold questions, which no request-style opener fits; the eval stream is unchanged.)
  const question = split === 'train' && /^(what|what's|whats|how|is|are|do|does|can|could|when|where|will)\b/.test(text);
  if (/^[a-z]/.test(text) && !question) text = rng.pick(OPENERS[split]) + text;
  text += rng.pick(CLOSERS[split]);
  // Capitalise after a sentence-ending connector, and the first letter.
  text = text.replace(/([.!?] )([a-z])/g, (_, p: string, c: string) => p + c.toUpperCase());
  return text[0].toUpperCase() + text.slice(1);
}

/** Tools that must not appear as the only options for an irrelevance query about `tool`. */
function related(tool: string): Set<string> {
  const out = new Set([tool, ...(catalogTool(tool).overlaps ?? [])]);
  for (const t of CATALOG) if (t.overlaps?.includes(tool)) out.add(t.def.name);
  return out;
}

function withDistractors(needed: string[], total: number, rng: Rng): ToolDef[] {
  const others = CATALOG.filter((t) => !needed.includes(t.def.name)).map((t) => t.def.name);
  const names = [...needed, ...rng.sample(others, Math.max(0, total - needed.length))];
  return rng.shuffle(names).map((n) => catalogTool(n).def);
}

function distinctIntents(intents: Intent[], k: number, rng: Rng): Intent[] {
  const out: Intent[] = [];
  for (const it of rng.shuffle(intents)) {
    if (out.length === k) break;
    if (!out.some((o) => o.tool === it.tool)) out.push(it);
  }
  return out;
}

export function compose(category: CaseCategory, intents: Intent[], pools: Pools, rng: Rng, swap?: Swap): Generated {
  const clause = (intent: Intent) => phrased(intent, pools, rng, swap);
  const query = (cs: Clause[]) => {
    const own = sentence(cs.map((c) => c.home), pools.split, rng); // drawn even when swapped: keeps the stream
    return swap ? sentence(cs.map((c) => c.text), swap.framing, swap.rng) : own;
  };
  switch (category) {
    case 'simple': {
      const c = clause(rng.pick(intents));
      return { query: query([c]), tools: [catalogTool(c.call.name).def], calls: [c.call], intents: [c.intent.id] };
    }
    case 'multiple': {
      const c = clause(rng.pick(intents));
      const tools = withDistractors([c.call.name], rng.int(2, 10), rng);
      return { query: query([c]), tools, calls: [c.call], intents: [c.intent.id] };
    }
    case 'parallel': {
      const intent = rng.pick(intents);
      const n = rng.weighted<number>([[2, 3], [3, 1]]);
      const clauses: Clause[] = [];
      for (let tries = 0; clauses.length < n && tries < 20; tries++) {
        const c = clause(intent);
        if (!clauses.some((o) => JSON.stringify(o.call.args) === JSON.stringify(c.call.args))) clauses.push(c);
      }
      if (clauses.length < 2) return compose('simple', intents, pools, rng, swap);
      return {
        query: query(clauses), tools: [catalogTool(intent.tool).def],
        calls: clauses.map((c) => c.call), intents: clauses.map((c) => c.intent.id),
      };
    }
    case 'parallel_multiple': {
      const chosen = distinctIntents(intents, rng.weighted<number>([[2, 3], [3, 1]]), rng);
      const clauses = chosen.map((it) => clause(it));
      const needed = [...new Set(clauses.map((c) => c.call.name))];
      const tools = withDistractors(needed, rng.int(needed.length, Math.min(10, needed.length + 5)), rng);
      return {
        query: query(clauses), tools,
        calls: clauses.map((c) => c.call), intents: clauses.map((c) => c.intent.id),
      };
    }
    case 'irrelevance': {
      if (rng.chance(0.2)) {
        const tools = rng.sample(CATALOG, rng.int(1, 6)).map((t) => t.def);
        return { query: pools.chitchat(), tools, calls: [], intents: ['chitchat'] };
      }
      const c = clause(rng.pick(intents));
      const banned = related(c.call.name);
      const pool = CATALOG.filter((t) => !banned.has(t.def.name));
      const tools = rng.sample(pool, rng.int(1, 6)).map((t) => t.def);
      return { query: query([c]), tools, calls: [], intents: [c.intent.id] };
    }
  }
}

export function toCase(id: string, category: CaseCategory, g: Generated, meta: Record<string, unknown>): SuiteCase {
  const toolCategories = [...new Set(g.calls.map((c) => catalogTool(c.name).category))];
  return {
    id,
    category,
    tags: toolCategories.map((t) => `tool:${t}`),
    query: g.query,
    tools: g.tools,
    expected: { calls: g.calls },
    meta: { ...meta, intents: g.intents },
  };
}
