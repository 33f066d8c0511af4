// Loading suites: a folder (suite.json + *.jsonl in sorted order) or a single .jsonl file. Every line
// is validated; all problems are reported together as `file:line: field: problem` in a SuiteError.
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { basename, dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CaseCollector } from './collect.ts';
import { SuiteError } from './errors.ts';
import { manifestSchemaProblems } from './schema.ts';
import type { Suite, SuiteManifest } from './types.ts';

export { SuiteError } from './errors.ts';

/** The repository's suites/ folder, listed when a suite path does not exist. */
export const SUITES_DIR = fileURLToPath(new URL('../../suites/', import.meta.url));

export const MANIFEST_FILE = 'suite.json';

interface SuiteFiles {
  /** Manifest file, or undefined when defaults apply (a lone .jsonl file). */
  manifestFile?: string;
  caseFiles: string[];
}

/** Load and validate one suite. Throws SuiteError listing every problem. */
export async function loadSuite(path: string): Promise<Suite> {
  const files = locate(path);
  const problems: string[] = [];

  let manifestBytes: Buffer;
  let manifest: SuiteManifest;
  if (files.manifestFile) {
    manifestBytes = await readFile(files.manifestFile);
    const parsed = parseManifest(files.manifestFile, manifestBytes, problems);
    manifest = parsed ?? defaultManifest(path);
  } else {
    manifest = defaultManifest(path);
    // The defaults stand in for the manifest bytes so the hash still covers name and licence.
    manifestBytes = Buffer.from(JSON.stringify(manifest));
  }

  const hash = createHash('sha256').update(manifestBytes);
  const collector = new CaseCollector();
  for (const file of files.caseFiles) {
    const bytes = await readFile(file);
    hash.update(bytes);
    readCaseLines(file, bytes.toString('utf8'), collector);
  }
  problems.push(...collector.errors);
  if (problems.length === 0 && collector.cases.length === 0) problems.push(`${path}: suite has zero cases`);
  if (problems.length > 0) throw new SuiteError(problems, `invalid suite ${path}`);

  const suite: Suite = { manifest, path, cases: collector.cases, hash: hash.digest('hex') };
  if (collector.warnings.length > 0) suite.warnings = collector.warnings;
  return suite;
}

/** Load several suites for one run; their names must be unique. Problems of all suites are reported together. */
export async function loadSuites(paths: string[]): Promise<Suite[]> {
  const suites: Suite[] = [];
  const problems: string[] = [];
  for (const path of paths) {
    try {
      suites.push(await loadSuite(path));
    } catch (err) {
      if (!(err instanceof SuiteError)) throw err;
      problems.push(...err.problems);
    }
  }
  const byName = new Map<string, Suite>();
  for (const s of suites) {
    const other = byName.get(s.manifest.name);
    if (other) problems.push(`${s.path}: suite name "${s.manifest.name}" is also the name of ${other.path} (names must be unique in a run)`);
    else byName.set(s.manifest.name, s);
  }
  if (problems.length > 0) throw new SuiteError(problems, 'invalid suites');
  return suites;
}

function readCaseLines(file: string, text: string, collector: CaseCollector): void {
  // A byte-order mark (some Windows editors add one) is not JSON; it is not an error either.
  const lines = text.replace(/^\uFEFF/, '').split('\n');
  lines.forEach((raw, i) => {
    const line = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    if (line.trim() === '') return;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch (err) {
      collector.invalidJson(file, i + 1, (err as Error).message);
      return;
    }
    collector.add(file, i + 1, value);
  });
}

function parseManifest(file: string, bytes: Buffer, problems: string[]): SuiteManifest | undefined {
  let value: unknown;
  try {
    value = JSON.parse(bytes.toString('utf8').replace(/^\uFEFF/, ''));
  } catch (err) {
    problems.push(`${file}: invalid JSON: ${(err as Error).message}`);
    return undefined;
  }
  const found = manifestSchemaProblems(value);
  if (found.length === 0) return value as SuiteManifest;
  for (const p of found) problems.push(`${file}: ${p.replace(/^\(case\)/, '(manifest)')}`);
  return undefined;
}

/** The manifest of a lone .jsonl file without a sibling suite.json. */
function defaultManifest(path: string): SuiteManifest {
  const name = basename(path).replace(/\.jsonl$/, '');
  return { name, version: '0', source: `local file ${basename(path)}`, licence: 'unknown' };
}

function locate(path: string): SuiteFiles {
  if (!existsSync(path)) {
    const where = relative(process.cwd(), SUITES_DIR) || '.';
    throw new SuiteError([`${path}: no such suite file or folder; suites in ${where}: ${availableSuites().join(', ') || 'none'}`]);
  }
  if (statSync(path).isDirectory()) {
    const manifestFile = join(path, MANIFEST_FILE);
    if (!existsSync(manifestFile)) throw new SuiteError([`${path}: a suite folder needs a ${MANIFEST_FILE} manifest`]);
    const caseFiles = readdirSync(path)
      .filter((f) => f.endsWith('.jsonl'))
      .sort()
      .map((f) => join(path, f));
    if (caseFiles.length === 0) throw new SuiteError([`${path}: suite has zero cases (no *.jsonl files)`]);
    return { manifestFile, caseFiles };
  }
  if (basename(path) === MANIFEST_FILE) return locate(dirname(path));
  if (!path.endsWith('.jsonl')) throw new SuiteError([`${path}: a suite is a folder with ${MANIFEST_FILE} or a .jsonl file`]);
  const sibling = join(dirname(path), MANIFEST_FILE);
  return { manifestFile: existsSync(sibling) ? sibling : undefined, caseFiles: [path] };
}

/** Suites shipped under suites/: folders holding a suite.json, and loose .jsonl files. */
export function availableSuites(dir = SUITES_DIR): string[] {
  if (!existsSync(dir)) return [];
  const found: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.isDirectory() && existsSync(join(dir, entry.name, MANIFEST_FILE))) found.push(join('suites', entry.name));
    else if (entry.isFile() && entry.name.endsWith('.jsonl')) found.push(join('suites', entry.name));
  }
  return found.sort();
}
