// Importer for the Berkeley Function Calling Leaderboard (BFCL v4) single-turn categories: a question
// file BFCL_v4_<category>.json (JSON lines: id, question, function) with its ground truth in
// possible_answer/ beside it, or a folder of such files. See suites/README.md for the mapping.
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { parseJson } from '../../util/json-lexeme.ts';
import { SuiteError } from '../errors.ts';
import type { ChatMessage, ExpectedAnswer, SuiteCase, ToolDef } from '../types.ts';
import { groundTruthToCalls } from './bfcl-answers.ts';
import { bfclToJsonSchema } from './bfcl-schema.ts';
import type { ImportOptions, ImportResult, Importer } from './types.ts';

const QUESTION_FILE = /^BFCL_v\d+_(.+)\.json$/;

/** Categories that are not single-turn question/answer sets; a folder import skips them. */
const NOT_SINGLE_TURN = /^(multi_turn|memory|web_search|format_sensitivity)/;

export type BfclLanguage = 'python' | 'java' | 'javascript';

/** BFCL category of a question file: the file name without "BFCL_v4_" and ".json". */
export function bfclCategory(file: string): string {
  const m = QUESTION_FILE.exec(basename(file));
  return m ? m[1] : basename(file).replace(/\.json$/, '');
}

/** BFCL's language of a category (its checker converts Java and JavaScript values differently). */
export function bfclLanguage(category: string): BfclLanguage {
  if (category.includes('javascript')) return 'javascript';
  if (category.includes('java')) return 'java';
  return 'python';
}

type AnswerKind = 'ground_truth' | 'no_call' | 'any_call';

/** How a category's answer is given: irrelevance = no call, live_relevance = any call, else ground truth. */
export function answerKind(category: string): AnswerKind {
  if (category.includes('irrelevance')) return 'no_call';
  if (category.includes('relevance')) return 'any_call';
  return 'ground_truth';
}

interface JsonLine {
  file: string;
  line: number;
  value: unknown;
  /** Pointers of integral numbers written as floats (see src/util/json-lexeme.ts). */
  floatPaths: string[];
}

export const importer: Importer = {
  format: 'bfcl',
  description: 'BFCL v4 question file (BFCL_v4_<category>.json, possible_answer/ beside it) or a folder of them',
  async import(input: string, options: ImportOptions): Promise<ImportResult> {
    const { files, notes } = questionFiles(input);
    const problems: string[] = [];
    const cases: SuiteCase[] = [];
    const firstSeen = new Map<string, string>();
    for (const file of files) cases.push(...importFile(file, problems, firstSeen));
    if (problems.length > 0) throw new SuiteError(problems, `cannot import BFCL data from ${input}`);

    const folder = statSync(input).isDirectory() ? input : dirname(input);
    const counts = new Map<string, number>();
    for (const c of cases) counts.set(c.category, (counts.get(c.category) ?? 0) + 1);
    const licence = join(folder, 'LICENSE');
    return {
      manifest: {
        name: options.name ?? 'bfcl',
        version: '4',
        source: describeSource(folder),
        licence: 'Apache-2.0',
        description: `BFCL v4 single-turn categories: ${[...counts].map(([c, n]) => `${c} (${n})`).join(', ')}`,
      },
      cases,
      notes,
      extraFiles: existsSync(licence) ? { [licence]: 'LICENSE' } : undefined,
    };
  },
};

function questionFiles(input: string): { files: string[]; notes: string[] } {
  if (!existsSync(input)) throw new SuiteError([`${input}: no such file or folder`]);
  if (!statSync(input).isDirectory()) {
    const category = bfclCategory(input);
    if (NOT_SINGLE_TURN.test(category)) throw new SuiteError([`${input}: category "${category}" is not single-turn; only single-turn categories import`]);
    return { files: [input], notes: [] };
  }
  const notes: string[] = [];
  // One file per category: an older BFCL version left beside a newer one (BFCL_v3_live_parallel.json
  // next to BFCL_v4_...) holds the same ids, so only the newest imports.
  const newest = new Map<string, { name: string; version: number }>();
  for (const name of readdirSync(input).sort()) {
    if (!QUESTION_FILE.test(name)) continue;
    const category = bfclCategory(name);
    if (NOT_SINGLE_TURN.test(category)) {
      notes.push(`skipped ${name}: not a single-turn category`);
      continue;
    }
    const version = Number(/^BFCL_v(\d+)_/.exec(name)![1]);
    const seen = newest.get(category);
    if (!seen || version > seen.version) {
      if (seen) notes.push(`skipped ${seen.name}: ${name} is a newer version of the same category`);
      newest.set(category, { name, version });
    } else notes.push(`skipped ${name}: ${seen.name} is a newer version of the same category`);
  }
  const files = [...newest.values()].map((f) => join(input, f.name)).sort();
  if (files.length === 0) throw new SuiteError([`${input}: no BFCL_v4_<category>.json question files`]);
  return { files, notes };
}

function importFile(file: string, problems: string[], firstSeen: Map<string, string>): SuiteCase[] {
  const category = bfclCategory(file);
  const needsAnswers = answerKind(category) === 'ground_truth';
  const answers = needsAnswers ? readAnswers(file, problems) : undefined;
  const cases: SuiteCase[] = [];
  for (const { line, value } of readJsonLines(file, problems)) {
    const at = `${file}:${line}`;
    const c = toCase(value, category, (p) => problems.push(`${at}: ${p}`));
    const id = isRecord(value) && typeof value.id === 'string' ? value.id : undefined;
    const answer = id === undefined ? undefined : answers?.get(id);
    if (id !== undefined) answers?.delete(id);
    if (!c) continue;
    const first = firstSeen.get(c.id);
    if (first) {
      problems.push(`${at}: id: duplicate id ${JSON.stringify(c.id)} (first at ${first})`);
      continue;
    }
    firstSeen.set(c.id, at);
    if (answers) {
      if (!answer) {
        problems.push(`${at}: id: no ground truth for ${JSON.stringify(c.id)} in ${answerFile(file)}`);
        continue;
      }
      const { calls, problems: found } = groundTruthToCalls(answer.ground_truth, answer.floatPaths);
      for (const p of found) problems.push(`${answer.file}:${answer.line}: ${p}`);
      c.expected = { calls };
    }
    cases.push(c);
  }
  for (const [id, a] of answers ?? []) problems.push(`${a.file}:${a.line}: id: ${JSON.stringify(id)} has no question in ${file}`);
  return cases;
}

function toCase(value: unknown, category: string, problem: (p: string) => void): SuiteCase | undefined {
  if (!isRecord(value)) return problem('(line): must be an object'), undefined;
  const { id, question, function: functions } = value;
  let ok = true;
  const fail = (p: string) => {
    problem(p);
    ok = false;
  };
  if (typeof id !== 'string' || id === '') fail('id: must be a non-empty string');
  if (!Array.isArray(question)) fail('question: must be a list of turns');
  else if (question.length !== 1) fail(`question: has ${question.length} turns; only single-turn data imports`);
  else if (!Array.isArray(question[0]) || question[0].length === 0) fail('question[0]: must be a non-empty list of messages');
  if (!Array.isArray(functions)) fail('function: must be a list of function declarations');
  if (!ok) return undefined;

  const messages: ChatMessage[] = [];
  (question as unknown[][])[0].forEach((m, i) => {
    if (!isRecord(m) || typeof m.role !== 'string' || typeof m.content !== 'string') fail(`question[0][${i}]: must be {role, content} strings`);
    else if (Object.keys(m).length !== 2) fail(`question[0][${i}]: unexpected keys ${Object.keys(m).join(', ')}`);
    else messages.push({ role: m.role, content: m.content });
  });
  const tools: ToolDef[] = [];
  (functions as unknown[]).forEach((f, i) => {
    const tool = toTool(f, (p) => fail(`function[${i}]${p}`));
    if (tool) tools.push(tool);
  });
  if (!ok) return undefined;

  const only = messages.length === 1 && messages[0].role === 'user' ? messages[0].content : undefined;
  const kind = answerKind(category);
  const expected: ExpectedAnswer = kind === 'any_call' ? { calls: [], anyCall: true } : { calls: [] };
  return {
    id: id as string,
    category,
    query: only ?? messages,
    tools,
    expected,
    meta: { source: 'bfcl', bfclCategory: category, language: bfclLanguage(category) },
  };
}

function toTool(f: unknown, fail: (p: string) => void): ToolDef | undefined {
  if (!isRecord(f)) return fail(': must be an object'), undefined;
  const extra = Object.keys(f).filter((k) => !['name', 'description', 'parameters'].includes(k));
  if (extra.length > 0) return fail(`: unexpected keys ${extra.join(', ')}`), undefined;
  if (typeof f.name !== 'string' || f.name === '') return fail('.name: must be a non-empty string'), undefined;
  if (f.description !== undefined && typeof f.description !== 'string') return fail('.description: must be a string'), undefined;
  if (!isRecord(f.parameters)) return fail('.parameters: must be an object'), undefined;
  if (f.parameters.type !== 'dict' && f.parameters.type !== 'object') {
    return fail(`.parameters.type: must be "dict" (is ${JSON.stringify(f.parameters.type)})`), undefined;
  }
  const parameters = bfclToJsonSchema(f.parameters);
  return f.description === undefined ? { name: f.name, parameters } : { name: f.name, description: f.description, parameters };
}

interface Answer {
  file: string;
  line: number;
  ground_truth: unknown;
  /** Float pointers relative to ground_truth. */
  floatPaths: string[];
}

function answerFile(questionFile: string): string {
  return join(dirname(questionFile), 'possible_answer', basename(questionFile));
}

/** The ground truth by id; undefined (and a problem) when the file is missing. */
function readAnswers(questionFile: string, problems: string[]): Map<string, Answer> | undefined {
  const file = answerFile(questionFile);
  const answers = new Map<string, Answer>();
  if (!existsSync(file)) {
    problems.push(`${questionFile}: category "${bfclCategory(questionFile)}" needs its ground truth, ${file} does not exist`);
    return undefined;
  }
  for (const { line, value, floatPaths } of readJsonLines(file, problems)) {
    if (!isRecord(value) || typeof value.id !== 'string') {
      problems.push(`${file}:${line}: id: must be a string`);
      continue;
    }
    const first = answers.get(value.id);
    if (first) problems.push(`${file}:${line}: id: duplicate id ${JSON.stringify(value.id)} (first at line ${first.line})`);
    else {
      const inGroundTruth = floatPaths.filter((p) => p.startsWith('/ground_truth/')).map((p) => p.slice('/ground_truth'.length));
      answers.set(value.id, { file, line, ground_truth: value.ground_truth, floatPaths: inGroundTruth });
    }
  }
  return answers;
}

function readJsonLines(file: string, problems: string[]): JsonLine[] {
  const out: JsonLine[] = [];
  readFileSync(file, 'utf8')
    .split('\n')
    .forEach((raw, i) => {
      if (raw.trim() === '') return;
      const parsed = parseJson(raw);
      if (parsed.ok) out.push({ file, line: i + 1, value: parsed.value, floatPaths: parsed.floatPaths });
      else problems.push(`${file}:${i + 1}: invalid JSON: ${parsed.error}`);
    });
  return out;
}

const UPSTREAM_REPO = 'ShishirPatil/gorilla';
const UPSTREAM_FOLDER = 'berkeley-function-call-leaderboard/bfcl_eval/data';

/** Provenance for the manifest: the upstream repo, and its commit when a SOURCE.md beside the data names one. */
function describeSource(folder: string): string {
  const sourceMd = join(folder, 'SOURCE.md');
  const commit = existsSync(sourceMd) ? /commit\s+([0-9a-f]{40})/i.exec(readFileSync(sourceMd, 'utf8'))?.[1] : undefined;
  return commit
    ? `https://github.com/${UPSTREAM_REPO} at commit ${commit}, ${UPSTREAM_FOLDER}`
    : `BFCL (https://github.com/${UPSTREAM_REPO}, ${UPSTREAM_FOLDER})`;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}
