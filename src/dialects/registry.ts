// Dialects are discovered: any module in src/dialects exporting `dialect` (or an array) is registered.
import { discover } from '../util/discover.ts';
import type { Dialect } from './types.ts';

let cache: Map<string, Dialect> | undefined;

export async function dialects(): Promise<Map<string, Dialect>> {
  if (!cache) {
    const list = await discover<Dialect>(new URL('.', import.meta.url), 'dialect');
    cache = new Map(list.map((d) => [d.id, d]));
  }
  return cache;
}

export async function getDialect(id: string): Promise<Dialect> {
  const all = await dialects();
  const d = all.get(id);
  if (!d) throw new Error(`unknown dialect "${id}"; available: ${[...all.keys()].sort().join(', ')}`);
  return d;
}
