// `needle-bench main` (npm start) names each absent model once, with its pull command: in the models
// list it prints first, not again in the runner's notes or the closing leaderboard.
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { modelRegistry } from '../../src/models/registry.ts';
import { CLI, REPO_ROOT, tempDir } from './helpers.ts';

const tmp = tempDir('main');

/** The environment without the endpoint entries' URL variables, so every @vllm entry is absent here. */
function withoutEndpointUrls(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const vars = new Set([...modelRegistry().values()].flatMap((e) => (e.endpoint?.baseUrlEnv ? [e.endpoint.baseUrlEnv] : [])));
  return Object.fromEntries(Object.entries(env).filter(([k]) => !vars.has(k)));
}
afterAll(() => tmp.cleanup());

describe('needle-bench main', () => {
  it('lists every absent model exactly once, with its pull command, and still runs the present one', () => {
    const cache = join(tmp.path, 'empty-cache'); // nothing pulled: every model but the shipped needle-tiny is absent
    const r = spawnSync(process.execPath, [CLI, 'main', '--suite', join(REPO_ROOT, 'suites/core-smoke'), '--out', join(tmp.path, 'run'), '--report', join(tmp.path, 'report')], {
      cwd: REPO_ROOT, encoding: 'utf8', env: { ...withoutEndpointUrls(process.env), CI: '1', NEEDLE_BENCH_CACHE: cache },
    });
    expect(r.status, r.stderr).toBe(0);
    const output = r.stdout + r.stderr;
    const absent = [...modelRegistry().values()].filter((e) => e.id !== 'needle-tiny');
    expect(absent.length).toBeGreaterThan(3);
    for (const { id, endpoint } of absent) {
      const mentions = output.split('\n').filter((line) => new RegExp(`(^|\\s)${id.replace(/\./g, '\\.')}(:|\\s|$)`).test(line));
      // An endpoint entry (qwen3-0.6b@vllm) has nothing to pull: it names the variable that includes it.
      const remedy = endpoint ? `endpoint — set ${endpoint.baseUrlEnv} to include it` : `not present — needle-bench pull ${id}`;
      expect(mentions, id).toEqual([`  ${id.padEnd(24)} ${remedy}`]);
    }
    expect(output).toMatch(/\n {2}needle-tiny {10}\d+\.\d% \[/); // the leaderboard line of the model that ran
    expect(output).toContain(`wrote ${join(tmp.path, 'report', 'leaderboard.md')}`);
  }, 60_000);
});
