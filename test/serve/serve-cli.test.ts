// `needle-bench serve` as a process: it prints where it listens, and SIGTERM drains — every request
// accepted before the signal is answered in full, later ones are refused, and the process exits 0.
import type { ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { encoderInputFromParts, parsePromptText, encoderInput, promptText } from '../../src/needle/v1/prompt.ts';
import { loadSentencePiece } from '../../src/sentencepiece/index.ts';
import type { SuiteCase } from '../../src/suite/types.ts';
import { REPO_ROOT } from '../run/helpers.ts';
import { spawnServe } from '../../src/serve/process.ts';
import { post } from './http-client.ts';
import { servedName } from '../../src/cli/commands/serve.ts';

const smoke = readFileSync(join(REPO_ROOT, 'suites/core-smoke/cases.jsonl'), 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as SuiteCase);

describe("Needle's prompt text (what /v1/completions receives)", () => {
  const tok = loadSentencePiece(join(REPO_ROOT, 'models/needle-tiny/tokenizer/needle.model'));
  const encode = (s: string) => tok.encode(s);

  it('parses back into exactly the encoder ids of a local run, for every core-smoke case', () => {
    for (const c of smoke) {
      const parsed = parsePromptText(promptText(c));
      if ('error' in parsed) throw new Error(parsed.error);
      expect(encoderInputFromParts(encode, parsed.query, parsed.toolsText).ids).toEqual(encoderInput(encode, c).ids);
      expect(parsed.tools.map((t) => t.name)).toHaveLength(c.tools.length);
    }
  });

  it('finds the real separator when the query itself contains "<tools>"', () => {
    const c = { ...smoke[0], query: 'what does <tools> mean? <tools> [1, 2' };
    const parsed = parsePromptText(promptText(c));
    if ('error' in parsed) throw new Error(parsed.error);
    expect(parsed.query).toBe(c.query);
    expect(encoderInputFromParts(encode, parsed.query, parsed.toolsText).ids).toEqual(encoderInput(encode, c).ids);
  });

  it('names the problem of a prompt that is not Needle\'s', () => {
    expect(parsePromptText('hello')).toEqual({ error: expect.stringMatching(/no <tools> separator/) });
    expect(parsePromptText('hello<tools>{"a":1}')).toEqual({ error: expect.stringMatching(/not a JSON array/) });
    expect(parsePromptText('hello<tools>[{"name":"f","parameters":[]}]')).toEqual({ error: expect.stringMatching(/"parameters" must be an object/) });
  });
});

const children: ChildProcess[] = [];
afterAll(() => {
  for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
});

const startCli = (args: string[]) => spawnServe(args, { cwd: REPO_ROOT, onSpawn: (c) => children.push(c) });

describe('needle-bench serve (process)', () => {
  it('reads --model as a spec or name=spec', () => {
    expect(servedName('needle-tiny')).toEqual({ id: 'needle-tiny', spec: 'needle-tiny' });
    expect(servedName('mine=needle:/ckpt/a')).toEqual({ id: 'mine', spec: 'needle:/ckpt/a' });
    expect(servedName('needle:/ckpt/x=1')).toEqual({ id: 'needle:/ckpt/x=1', spec: 'needle:/ckpt/x=1' });
  });

  it('SIGTERM finishes every accepted request, refuses new ones, exits 0', async () => {
    const { child, url, stderr, exited } = await startCli(['--model', 'needle-tiny', '--port', '0', '--threads', '1', '--queue', '32']);
    const c = smoke[0];
    const body = { model: 'needle-tiny', prompt: promptText(c) };
    const reference = (await (await post(`${url}/v1/completions`, body)).json()) as { choices: { text: string }[] };
    const accepted = Array.from({ length: 16 }, (_, i) => post(`${url}/v1/completions`, i % 2 ? body : { ...body, stream: true }).then(async (r) => ({ status: r.status, text: await r.text() })));
    // Signal once the server has received all 16 and still holds queued work, so the drain really
    // has requests to finish (a request not yet received when the signal lands is not in flight).
    let waiting = 0;
    for (let i = 0; i < 400; i++) {
      const h = (await (await fetch(`${url}/health`)).json()) as { requests: number; queue: { waiting: number; completed: number } };
      waiting = h.queue.waiting;
      if (h.requests + h.queue.completed >= 17 && waiting > 0) break;
      await new Promise((r) => setTimeout(r, 2));
    }
    expect(waiting).toBeGreaterThan(0);
    child.kill('SIGTERM');
    const results = await Promise.all(accepted);
    expect(results.map((r) => r.status)).toEqual(results.map(() => 200));
    for (const [i, r] of results.entries()) {
      if (i % 2) expect((JSON.parse(r.text) as { choices: { text: string }[] }).choices[0].text).toBe(reference.choices[0].text);
      else expect(r.text.trimEnd().endsWith('data: [DONE]')).toBe(true);
    }
    // After the drain began nothing new is taken: refused with 503, or the port is already closed.
    const late = await post(`${url}/v1/completions`, body).then((r) => r.status, () => 'refused');
    expect([503, 'refused']).toContain(late);
    expect(await exited).toBe(0);
    expect(stderr()).toMatch(/SIGTERM: draining/);
  }, 90_000);

  it('refuses a model that is not a Needle checkpoint, with the reason', async () => {
    await expect(startCli(['--model', 'oracle', '--port', '0'])).rejects.toThrow(/not a Needle model/);
  }, 60_000);
});
