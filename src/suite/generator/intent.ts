// An intent is one thing a user asks for that one tool call answers: phrasing templates per split
// (disjoint), and a draw that picks entities and returns the slot texts plus the acceptable values.
import type { ExpectedArg } from '../types.ts';
import type { Rng } from './prng.ts';
import type { Pools, Split } from './pools.ts';

export interface Draw {
  /** Text for each {placeholder}; a template is usable iff it uses exactly these placeholders. */
  slots: Record<string, string>;
  args: Record<string, ExpectedArg>;
  /** Templates tagged "[variant] ..." are used only for draws with that variant (e.g. "shuffle"). */
  variant?: string;
}

export interface Intent {
  id: string;
  /** Catalog tool name the call goes to. */
  tool: string;
  templates: Record<Split, readonly string[]>;
  draw(pools: Pools, rng: Rng): Draw;
}

/** A required argument: first value canonical, the rest other acceptable forms. */
export function val(...values: unknown[]): ExpectedArg {
  if (values.length === 0) throw new Error('val: at least one acceptable value');
  return { values };
}
/** An optional argument not mentioned in the query: may be omitted, or given its default. */
export const dflt = (value: unknown): ExpectedArg => ({ values: [value], optional: true });

const PLACEHOLDER = /\{(\w+)\}/g;
const VARIANT_TAG = /^\[(\w+)\]\s*/;

/** A template's variant tag and its text without the tag. */
export function parseTemplate(template: string): { variant?: string; text: string } {
  const m = VARIANT_TAG.exec(template);
  return m ? { variant: m[1], text: template.slice(m[0].length) } : { text: template };
}

export function placeholders(template: string): string[] {
  return [...template.matchAll(PLACEHOLDER)].map((m) => m[1]).sort();
}

export function fill(template: string, slots: Record<string, string>): string {
  return template.replace(PLACEHOLDER, (_, key: string) => {
    const v = slots[key];
    if (v === undefined) throw new Error(`template "${template}": no slot ${key}`);
    return v;
  });
}

/** The templates of a split (tags removed) that use exactly the drawn slots and have the draw's variant. */
export function matchingTemplates(intent: Intent, split: Split, draw: Pick<Draw, 'slots' | 'variant'>): string[] {
  const want = Object.keys(draw.slots).sort().join(',');
  return intent.templates[split]
    .map(parseTemplate)
    .filter((t) => t.variant === draw.variant && [...new Set(placeholders(t.text))].sort().join(',') === want)
    .map((t) => t.text);
}
