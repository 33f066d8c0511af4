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
    const absent = [...modelRegistry().values()].filter((entry) => entry.id !== 'needle-tiny');
    expect(absent.filter((entry) => !entry.endpoint).length).toBeGreaterThan(3);
    for (const entry of absent) {
      const id = entry.id.replace(/\./g, '\\.');
      const mentions = output.split('\n').filter((line) => new RegExp(`(^|\\s)${id}(:|\\s|$)`).test(line));
      // An endpoint entry (served model) is named once with the variable that switches it on.
      const expected = entry.endpoint
        ? new RegExp(`^  ${id} +endpoint — set ${entry.endpoint.baseUrlEnv} to include it$`)
        : new RegExp(`^  ${id} +not present — needle-bench pull ${id}$`);
      expect(mentions, entry.id).toHaveLength(1);
      expect(mentions[0], entry.id).toMatch(expected);
    }
    expect(output).toMatch(/\n {2}needle-tiny {10}\d+\.\d% \[/); // the leaderboard line of the model that ran
    expect(output).toContain(`wrote ${join(tmp.path, 'report', 'leaderboard.md')}`);
  }, 60_000);
});
