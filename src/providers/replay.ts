// `replay:<path>`: scores recorded generations from anywhere. The file is JSONL, one line per case:
//   {"id": "<case id>", "raw": "<model output>", "dialect"?: "<dialect id>",
//    "promptTokens"?: n, "generatedTokens"?: n, "timings"?: {"totalMs": n, ...}, "info"?: {...}}
// Outputs are parsed with the line's dialect, else the `dialect` provider option, else "json".
// Recorded timings are passed through; without them the result carries no timings (a replay takes
// no time worth reporting). A case with no line fails as a generation error naming the file.
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { getDialect } from '../dialects/registry.ts';
import type { SuiteCase } from '../suite/types.ts';
import type { Generation, GenerationTimings, ModelProvenance, Provider, ProviderFactory, ProviderOptions } from './types.ts';
import { isObject } from '../util/objects.ts';

const DEFAULT_DIALECT = 'json';

interface ReplayLine {
  raw: string;
  dialect?: string;
  promptTokens?: number;
  generatedTokens?: number;
  timings?: GenerationTimings;
  info?: Record<string, unknown>;
  line: number;
}


function optionalCount(where: string, rec: Record<string, unknown>, field: string): number | undefined {
  const v = rec[field];
  if (v === undefined) return undefined;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 0) throw new Error(`${where}: ${field}: expected a non-negative integer`);
  return v;
}

/** Parses a replay file; every problem names file:line and the field. */
export function parseReplayFile(path: string, text: string): Map<string, ReplayLine> {
  const byId = new Map<string, ReplayLine>();
  text.split('\n').forEach((rawLine, i) => {
    const line = i + 1;
    const where = `${path}:${line}`;
    const trimmed = rawLine.trim();
    if (trimmed === '') return;
    let rec: unknown;
    try {
      rec = JSON.parse(trimmed);
    } catch (err) {
      throw new Error(`${where}: not valid JSON (${(err as Error).message})`);
    }
    if (!isObject(rec)) throw new Error(`${where}: expected a JSON object {"id", "raw"}`);
    if (typeof rec.id !== 'string' || rec.id === '') throw new Error(`${where}: id: expected a non-empty string`);
    if (typeof rec.raw !== 'string') throw new Error(`${where}: raw: expected a string`);
    if (rec.dialect !== undefined && typeof rec.dialect !== 'string') throw new Error(`${where}: dialect: expected a string`);
    if (rec.timings !== undefined && !(isObject(rec.timings) && typeof rec.timings.totalMs === 'number')) {
      throw new Error(`${where}: timings: expected an object with a numeric totalMs`);
    }
    if (rec.info !== undefined && !isObject(rec.info)) throw new Error(`${where}: info: expected an object`);
    const first = byId.get(rec.id);
    if (first) throw new Error(`${where}: id: "${rec.id}" already recorded at line ${first.line}`);
    byId.set(rec.id, {
      raw: rec.raw,
      dialect: rec.dialect as string | undefined,
      promptTokens: optionalCount(where, rec, 'promptTokens'),
      generatedTokens: optionalCount(where, rec, 'generatedTokens'),
      timings: rec.timings as GenerationTimings | undefined,
      info: rec.info as Record<string, unknown> | undefined,
      line,
    });
  });
  return byId;
}

class ReplayProvider implements Provider {
  readonly dialect: string;
  private lines: Map<string, ReplayLine> | undefined;

  constructor(readonly id: string, private readonly path: string, options: ProviderOptions) {
    const d = options.dialect;
    if (d !== undefined && typeof d !== 'string') throw new Error(`replay: option dialect: expected a dialect id string`);
    this.dialect = d ?? DEFAULT_DIALECT;
  }

  async load(): Promise<ModelProvenance> {
    let text: string;
    try {
      text = await readFile(this.path, 'utf8');
    } catch (err) {
      throw new Error(`replay: cannot read ${this.path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
    }
    this.lines = parseReplayFile(this.path, text);
    // Unknown dialects fail here, once, rather than on every case.
    const used = new Set([this.dialect, ...[...this.lines.values()].flatMap((l) => (l.dialect ? [l.dialect] : []))]);
    for (const d of used) await getDialect(d);
    return {
      id: this.id,
      displayName: `Replay of ${this.path}`,
      dialect: this.dialect,
      weightHashes: { [this.path]: createHash('sha256').update(text).digest('hex') },
      recordedCases: this.lines.size,
    };
  }

  async generate(testCase: SuiteCase): Promise<Generation> {
    if (!this.lines) throw new Error('replay: generate() called before load()');
    const rec = this.lines.get(testCase.id);
    if (!rec) throw new Error(`no recorded output for case ${testCase.id} in ${this.path}`);
    const gen: Generation = { raw: rec.raw, timings: rec.timings ?? { totalMs: 0 }, timingsMeasured: rec.timings !== undefined };
    if (rec.dialect) gen.dialect = rec.dialect;
    if (rec.promptTokens !== undefined) gen.promptTokens = rec.promptTokens;
    if (rec.generatedTokens !== undefined) gen.generatedTokens = rec.generatedTokens;
    if (rec.info) gen.info = rec.info;
    return gen;
  }

  async dispose(): Promise<void> {
    this.lines = undefined;
  }
}

export const factory: ProviderFactory = {
  prefix: 'replay',
  description: 'replay:<file.jsonl> scores recorded outputs {"id","raw","dialect"?}; option dialect',
  create(spec, options) {
    const path = spec.slice('replay:'.length);
    if (!spec.startsWith('replay:') || path === '') throw new Error(`replay needs a file: use "replay:<path.jsonl>", not "${spec}"`);
    return new ReplayProvider(spec, path, options);
  },
};
