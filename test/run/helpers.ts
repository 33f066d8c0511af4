// Small suites for runner tests, written with the real suite writer into temp dirs.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadSuite } from '../../src/suite/load.ts';
import type { Suite, SuiteCase, ToolDef } from '../../src/suite/types.ts';
import { writeSuite } from '../../src/suite/write.ts';

export const REPO_ROOT = resolve(fileURLToPath(new URL('../..', import.meta.url)));
export const SHARED = resolve(REPO_ROOT, '../shared');
export const CLI = join(REPO_ROOT, 'bin', 'needle-bench.js');

const weather: ToolDef = {
  name: 'get_weather',
  description: 'Current weather in a city',
  parameters: {
    type: 'object',
    properties: { city: { type: 'string' }, days: { type: 'integer' }, threshold: { type: 'number' } },
    required: ['city'],
  },
};
const timer: ToolDef = {
  name: 'set_timer',
  description: 'Start a timer',
  parameters: { type: 'object', properties: { minutes: { type: 'integer' } }, required: ['minutes'] },
};

/** `n` cases cycling through simple, parallel and irrelevance shapes. */
export function sampleCases(n: number, prefix = 'case'): SuiteCase[] {
  const cases: SuiteCase[] = [];
  for (let i = 0; i < n; i++) {
    const id = `${prefix}_${i}`;
    const kind = i % 3;
    if (kind === 0) {
      cases.push({
        id, category: 'simple', query: `Weather in city ${i} for ${i + 1} days?`, tools: [weather, timer],
        expected: { calls: [{ name: 'get_weather', args: { city: { values: [`City ${i}`, `city${i}`] }, days: { values: [i + 1] }, threshold: { values: [2], optional: true } } }] },
      });
    } else if (kind === 1) {
      cases.push({
        id, category: 'parallel', query: `Timers of ${i} and ${i + 2} minutes`, tools: [timer],
        expected: { calls: [{ name: 'set_timer', args: { minutes: { values: [i] } } }, { name: 'set_timer', args: { minutes: { values: [i + 2] } } }] },
      });
    } else {
      cases.push({ id, category: 'irrelevance', query: `Tell me a joke number ${i}`, tools: [weather], expected: { calls: [] } });
    }
  }
  return cases;
}

export interface TempSuite {
  dir: string;
  suite: Suite;
}

export async function makeSuite(root: string, name: string, cases: SuiteCase[], version = '1'): Promise<TempSuite> {
  const dir = join(root, name);
  writeSuite(dir, { name, version, source: 'test fixture', licence: 'Apache-2.0' }, cases);
  return { dir, suite: await loadSuite(dir) };
}

export function tempDir(label: string): { path: string; cleanup: () => void } {
  const path = mkdtempSync(join(tmpdir(), `nb-${label}-`));
  return { path, cleanup: () => rmSync(path, { recursive: true, force: true }) };
}

export interface CliExit {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** `needle-bench <args>` as a child process in the repo root, with plain progress lines (CI=1). */
export function startCli(args: string[]): { child: ChildProcess; done: Promise<CliExit> } {
  const child = spawn(process.execPath, [CLI, ...args], { cwd: REPO_ROOT, env: { ...process.env, CI: '1' }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (d) => (stdout += d));
  child.stderr!.on('data', (d) => (stderr += d));
  const done = new Promise<CliExit>((resolve) => child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr })));
  return { child, done };
}
