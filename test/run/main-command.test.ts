// `needle-bench main` (npm start) names each absent model once, with its pull command: in the models
// list it prints first, not again in the runner's notes or the closing leaderboard.
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { modelRegistry } from '../../src/models/registry.ts';
import { CLI, REPO_ROOT, tempDir } from './helpers.ts';

const tmp = tempDir('main');
afterAll(() => tmp.cleanup());

describe('needle-bench main', () => {
  it('lists every absent model exactly once, with its pull command, and still runs the present one', () => {
    const cache = join(tmp.path, 'empty-cache'); // nothing pulled: every model but the shipped needle-tiny is absent
    const r = spawnSync(process.execPath, [CLI, 'main', '--suite', join(REPO_ROOT, 'suites/core-smoke'), '--out', join(tmp.path, 'run'), '--report', join(tmp.path, 'report')], {
      cwd: REPO_ROOT, encoding: 'utf8', env: { ...process.env, CI: '1', NEEDLE_BENCH_CACHE: cache },
    });
    expect(r.status, r.stderr).toBe(0);
    const output = r.stdout + r.stderr;
    const absent = [...modelRegistry().keys()].filter((id) => id !== 'needle-tiny');
    expect(absent.length).toBeGreaterThan(3);
    for (const id of absent) {
      const mentions = output.split('\n').filter((line) => new RegExp(`(^|\\s)${id.replace(/\./g, '\\.')}(:|\\s|$)`).test(line));
      expect(mentions, id).toEqual([`  ${id.padEnd(20)} not present — needle-bench pull ${id}`]);
    }
    expect(output).toMatch(/\n {2}needle-tiny {10}\d+\.\d% \[/); // the leaderboard line of the model that ran
    expect(output).toContain(`wrote ${join(tmp.path, 'report', 'leaderboard.md')}`);
  }, 60_000);
});
