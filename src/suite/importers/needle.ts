// Importer for Needle's fine-tuning JSONL (cactus-compute/needle, doc/finetuning.md): one object a
// line with `query`, `tools` and `answers` (each either a JSON string or an array), and optionally
// `system`, `reasoning`, `id`, `category`. Every answer value is an exact expected value.
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';
import { parseJson, pointerTokens, escapePointerToken } from '../../util/json-lexeme.ts';
import { SuiteError } from '../errors.ts';
import type { ExpectedArg, ExpectedCall, SuiteCase, ToolDef } from '../types.ts';
import { needleToolToToolDef } from './needle-tools.ts';
import type { ImportOptions, ImportResult, Importer } from './types.ts';

const KNOWN_FIELDS = new Set(['query', 'tools', 'answers', 'system', 'reasoning', 'id', 'category']);

export const importer: Importer = {
  format: 'needle',
  description: 'Needle fine-tuning JSONL (query, tools, answers; tools/answers as JSON strings or arrays), a file or a folder of *.jsonl',
  async import(input: string, options: ImportOptions): Promise<ImportResult> {
    if (!existsSync(input)) throw new SuiteError([`${input}: no such file or folder`]);
    const files = statSync(input).isDirectory()
      ? readdirSync(input).filter((f) => f.endsWith('.jsonl')).sort().map((f) => join(input, f))
      : [input];
    if (files.length === 0) throw new SuiteError([`${input}: no *.jsonl files`]);
    const problems: string[] = [];
    const cases: SuiteCase[] = [];
    for (const file of files) cases.push(...importFile(file, problems));
    if (problems.length > 0) throw new SuiteError(problems, `cannot import Needle data from ${input}`);
    const name = options.name ?? basename(input).replace(/\.jsonl$/, '');
    return {
      manifest: { name, version: '1', source: `Needle fine-tuning JSONL ${basename(input)}`, licence: 'unknown' },
      cases,
      notes: [],
    };
  },
};

function importFile(file: string, problems: string[]): SuiteCase[] {
  const cases: SuiteCase[] = [];
  const stem = basename(file).replace(/\.jsonl$/, '');
  readFileSync(file, 'utf8')
    .split('\n')
    .forEach((raw, i) => {
      if (raw.trim() === '') return;
      const at = `${file}:${i + 1}`;
      const parsed = parseJson(raw);
      if (!parsed.ok) return void problems.push(`${at}: invalid JSON: ${parsed.error}`);
      const c = toCase(parsed.value, parsed.floatPaths, `${stem}-${i + 1}`, (p) => problems.push(`${at}: ${p}`));
      if (c) cases.push(c);
    });
  return cases;
}

function toCase(value: unknown, floatPaths: string[], defaultId: string, report: (p: string) => void): SuiteCase | undefined {
  if (!isRecord(value)) return report('(line): must be an object'), undefined;
  let failed = false;
  const problem = (p: string) => {
    failed = true;
    report(p);
  };
  const { query, system, reasoning, category } = value;
  if (typeof query !== 'string') problem('query: must be a string');
  if (system !== undefined && typeof system !== 'string') problem('system: must be a string');
  if (category !== undefined && typeof category !== 'string') problem('category: must be a string');

  const tools: ToolDef[] = [];
  const rawTools = embeddedJson(value, 'tools', floatPaths, problem);
  if (rawTools && !Array.isArray(rawTools.value)) problem('tools: must be a list (or a JSON string of one)');
  else (rawTools?.value as unknown[] | undefined)?.forEach((t, k) => {
    const { tool, problems } = needleToolToToolDef(t);
    for (const p of problems) problem(`tools[${k}]${p}`);
    if (tool) tools.push(tool);
  });

  const calls: ExpectedCall[] = [];
  const rawAnswers = embeddedJson(value, 'answers', floatPaths, problem);
  if (rawAnswers && !Array.isArray(rawAnswers.value)) problem('answers: must be a list (or a JSON string of one)');
  else (rawAnswers?.value as unknown[] | undefined)?.forEach((a, k) => {
    const call = toCall(a, k, rawAnswers!.floatPaths, problem);
    if (call) calls.push(call);
  });
  if (failed) return undefined;

  const id = typeof value.id === 'string' || typeof value.id === 'number' ? String(value.id) : defaultId;
  const meta: Record<string, unknown> = { source: 'needle' };
  if (typeof reasoning === 'string') meta.reasoning = reasoning;
  // Other fields (e.g. a data set's "language" or "source") are kept, under meta.extra.
  const extra = Object.fromEntries(Object.entries(value).filter(([k]) => !KNOWN_FIELDS.has(k)));
  if (Object.keys(extra).length > 0) meta.extra = extra;
  return {
    id,
    category: typeof category === 'string' ? category : calls.length === 0 ? 'irrelevance' : calls.length === 1 ? 'simple' : 'parallel',
    query: system === undefined ? (query as string) : [{ role: 'system', content: system as string }, { role: 'user', content: query as string }],
    tools,
    expected: { calls },
    meta,
  };
}

/** One answer {name, arguments} as an expected call; every value is the only acceptable one. */
function toCall(a: unknown, k: number, floatPaths: string[], problem: (p: string) => void): ExpectedCall | undefined {
  if (!isRecord(a) || typeof a.name !== 'string' || a.name === '') return problem(`answers[${k}].name: must be a non-empty string`), undefined;
  let args: unknown = a.arguments ?? {};
  let argFloats = floatPaths.filter((p) => p.startsWith(`/${k}/arguments/`)).map((p) => p.slice(`/${k}/arguments`.length));
  if (typeof args === 'string') {
    // OpenAI style: arguments as a JSON string.
    const parsed = parseJson(args);
    if (!parsed.ok) return problem(`answers[${k}].arguments: invalid JSON: ${parsed.error}`), undefined;
    args = parsed.value;
    argFloats = parsed.floatPaths;
  }
  if (!isRecord(args)) return problem(`answers[${k}].arguments: must be an object`), undefined;
  const expected: Record<string, ExpectedArg> = {};
  for (const [param, v] of Object.entries(args)) {
    const arg: ExpectedArg = { values: [v] };
    const inArg = argFloats.filter((p) => pointerTokens(p)[0] === param).map((p) => `/0${p.slice(1 + escapePointerToken(param).length)}`);
    if (inArg.length > 0) arg.floatPaths = inArg;
    expected[param] = arg;
  }
  return { name: a.name, args: expected };
}

/** A field holding JSON either inline or as a JSON string, with float pointers relative to it. */
function embeddedJson(value: Record<string, unknown>, key: string, lineFloats: string[], problem: (p: string) => void): { value: unknown; floatPaths: string[] } | undefined {
  const raw = value[key];
  if (raw === undefined) return problem(`${key}: is required`), undefined;
  if (typeof raw !== 'string') {
    const prefix = `/${key}`;
    return { value: raw, floatPaths: lineFloats.filter((p) => p.startsWith(`${prefix}/`)).map((p) => p.slice(prefix.length)) };
  }
  const parsed = parseJson(raw);
  if (!parsed.ok) return problem(`${key}: invalid JSON string: ${parsed.error}`), undefined;
  return { value: parsed.value, floatPaths: parsed.floatPaths };
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}
