// `--shard i/n`: which cases of a suite one of n machines runs. Deterministic and stratified: within
// each category the cases are ordered by the sha256 of their id and dealt round-robin, the deal
// continuing from one category to the next (categories in name order), so every shard gets its
// share of every category and shard sizes differ by at most one. The slice depends only on the
// suite's case ids and categories — never on models, options or file order — so adding a model
// (or resuming, or re-running on another machine) never reshuffles it.
import { createHash } from 'node:crypto';
import type { Suite, SuiteCase } from '../suite/types.ts';

export interface Shard {
  /** 1-based. */
  index: number;
  count: number;
}

export class ShardError extends Error {
  override name = 'ShardError';
}

export function parseShard(text: string): Shard {
  const m = /^\s*(\d+)\s*\/\s*(\d+)\s*$/.exec(text);
  if (!m) throw new ShardError(`--shard: expected i/n (e.g. 1/3), got "${text}"`);
  const shard = { index: Number(m[1]), count: Number(m[2]) };
  if (shard.count < 1 || shard.index < 1 || shard.index > shard.count) throw new ShardError(`--shard ${text}: need 1 ≤ i ≤ n`);
  return shard;
}

export function formatShard(shard: Shard): string {
  return `${shard.index}/${shard.count}`;
}

function idHash(id: string): string {
  return createHash('sha256').update(id).digest('hex');
}

/** Shard number (1-based) of every case of the suite, by case id. */
export function shardAssignment(cases: readonly Pick<SuiteCase, 'id' | 'category'>[], count: number): Map<string, number> {
  const byCategory = new Map<string, { id: string; hash: string }[]>();
  for (const c of cases) {
    let list = byCategory.get(c.category);
    if (!list) byCategory.set(c.category, (list = []));
    list.push({ id: c.id, hash: idHash(c.id) });
  }
  const assignment = new Map<string, number>();
  let dealt = 0;
  for (const category of [...byCategory.keys()].sort()) {
    const list = byCategory.get(category)!.sort((a, b) => (a.hash < b.hash ? -1 : a.hash > b.hash ? 1 : a.id < b.id ? -1 : 1));
    for (const c of list) assignment.set(c.id, (dealt++ % count) + 1);
  }
  return assignment;
}

/** The cases of `suite` that shard `shard` runs, in the suite's order. */
export function shardCases(suite: Pick<Suite, 'cases'>, shard: Shard): SuiteCase[] {
  if (shard.count === 1) return suite.cases;
  const assignment = shardAssignment(suite.cases, shard.count);
  return suite.cases.filter((c) => assignment.get(c.id) === shard.index);
}
