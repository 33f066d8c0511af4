// Writing suites in the canonical layout: suite.json (pretty) and JSONL with one case a line, keys
// in a fixed order, so re-importing the same data yields byte-identical files (and the same hash).
import { existsSync, mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CaseCollector } from './collect.ts';
import { SuiteError } from './errors.ts';
import { MANIFEST_FILE } from './load.ts';
import { manifestSchemaProblems } from './schema.ts';
import type { SuiteCase, SuiteManifest } from './types.ts';

export interface WriteSuiteOptions {
  /** One file per category (`<category>.jsonl`) instead of a single `cases.jsonl`. */
  splitByCategory?: boolean;
}

/**
 * Validate and write a suite into `dir`; returns the files written. Stale *.jsonl files of an earlier
 * write into the same suite folder are removed, since a suite is every *.jsonl in its folder.
 */
export function writeSuite(dir: string, manifest: SuiteManifest, cases: SuiteCase[], options: WriteSuiteOptions = {}): string[] {
  const files = new Map<string, SuiteCase[]>();
  for (const c of cases) {
    const file = options.splitByCategory ? `${safeFileName(c.category)}.jsonl` : 'cases.jsonl';
    const list = files.get(file);
    if (list) list.push(c);
    else files.set(file, [c]);
  }

  const problems = manifestSchemaProblems(manifest).map((p) => `${join(dir, MANIFEST_FILE)}: ${p}`);
  const collector = new CaseCollector();
  const texts = new Map<string, string>();
  for (const [file, fileCases] of [...files].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    const lines = fileCases.map((c) => stableCaseJson(c));
    // Validate what will be read back, not the in-memory objects (e.g. undefined fields vanish).
    lines.forEach((line, i) => collector.add(join(dir, file), i + 1, JSON.parse(line)));
    texts.set(file, lines.join('\n') + '\n');
  }
  problems.push(...collector.errors);
  if (cases.length === 0) problems.push(`${dir}: suite has zero cases`);
  if (problems.length > 0) throw new SuiteError(problems, `refusing to write invalid suite ${dir}`);

  try {
    mkdirSync(dir, { recursive: true });
    if (existsSync(join(dir, MANIFEST_FILE))) {
      for (const f of readdirSync(dir)) if (f.endsWith('.jsonl') && !texts.has(f)) rmSync(join(dir, f));
    }
    const written = [join(dir, MANIFEST_FILE)];
    writeFileSync(written[0], JSON.stringify(stableManifest(manifest), null, 2) + '\n');
    for (const [file, text] of texts) {
      writeFileSync(join(dir, file), text);
      written.push(join(dir, file));
    }
    return written;
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    throw new SuiteError([`${e.path ?? dir}: cannot write the suite (${e.code ?? e.message})`]);
  }
}

/** A case as one JSON line with its top-level keys in the canonical order (nested order is kept: it is part of the prompt). */
export function stableCaseJson(c: SuiteCase): string {
  const ordered: Record<string, unknown> = {
    id: c.id,
    category: c.category,
    tags: c.tags,
    query: c.query,
    tools: c.tools,
    expected: c.expected.anyCall === undefined ? { calls: c.expected.calls } : { calls: c.expected.calls, anyCall: c.expected.anyCall },
    meta: c.meta,
  };
  for (const k of Object.keys(c)) if (!(k in ordered)) ordered[k] = (c as unknown as Record<string, unknown>)[k];
  return JSON.stringify(ordered);
}

function stableManifest(m: SuiteManifest): SuiteManifest {
  const out: SuiteManifest = { name: m.name, version: m.version, source: m.source, licence: m.licence };
  if (m.description !== undefined) out.description = m.description;
  return out;
}

function safeFileName(category: string): string {
  return category.replace(/[^A-Za-z0-9._-]+/g, '_') || 'cases';
}
