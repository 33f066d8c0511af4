// A small subset of a suite that keeps every case category and as many tool categories as possible,
// in file order, so a CI smoke suite is a strict, stable subset of the full one.
import type { SuiteCase } from '../types.ts';

export function stratifiedSubset(cases: SuiteCase[], n: number): SuiteCase[] {
  if (n >= cases.length) return [...cases];
  const byCategory = new Map<string, SuiteCase[]>();
  for (const c of cases) byCategory.set(c.category, [...(byCategory.get(c.category) ?? []), c]);
  const chosen = new Set<SuiteCase>();
  const seenTags = new Set<string>();
  // Round-robin over case categories; within one, prefer a case that adds an unseen tool category.
  const queues = [...byCategory.values()].map((q) => [...q]);
  while (chosen.size < n && queues.some((q) => q.length > 0)) {
    for (const q of queues) {
      if (chosen.size >= n || q.length === 0) continue;
      let idx = q.findIndex((c) => (c.tags ?? []).some((t) => !seenTags.has(t)));
      if (idx < 0) idx = 0;
      const [c] = q.splice(idx, 1);
      chosen.add(c);
      for (const t of c.tags ?? []) seenTags.add(t);
    }
  }
  return cases.filter((c) => chosen.has(c));
}
