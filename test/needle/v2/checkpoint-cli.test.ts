// `convert` and `inspect` on Needle 2 files: in-process, the checkpoint command module on a fresh program.
import { describe, expect, it, vi } from 'vitest';
import { Command } from 'commander';
import { copyFileSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { register } from '../../../src/cli/commands/checkpoint.ts';
import { readSafetensors } from '../../../src/checkpoint/safetensors.ts';
import { loadNeedle2Checkpoint } from '../../../src/needle/v2/checkpoint.ts';

const fixtures = resolve(import.meta.dirname, '../../fixtures/needle2');
const cli = async (...args: string[]): Promise<string> => {
  const program = new Command().exitOverride();
  register(program);
  const lines: string[] = [];
  const log = vi.spyOn(console, 'log').mockImplementation((...a: unknown[]) => void lines.push(a.join(' ')));
  const warn = vi.spyOn(console, 'warn').mockImplementation(() => undefined);
  try {
    await program.parseAsync(['node', 'needle-bench', ...args]);
  } finally {
    log.mockRestore();
    warn.mockRestore();
  }
  return lines.join('\n');
};

describe('needle-bench convert / inspect on Needle 2', () => {
  it('convert --lora writes the merged model (tokenizer found beside the pickle) and inspect reads it back', async () => {
    const work = mkdtempSync(join(tmpdir(), 'n2cli-'));
    copyFileSync(resolve(fixtures, 'needle2-tiny.pkl'), join(work, 'needle2.pkl'));
    copyFileSync(resolve(fixtures, 'tokenizer.model'), join(work, 'tokenizer.model'));
    const out = join(work, 'tuned');
    const said = await cli('convert', join(work, 'needle2.pkl'), '--lora', resolve(fixtures, 'needle2-tiny-lora.pkl'), '--out', out);
    expect(said).toContain('LoRA');
    expect(readFileSync(join(out, 'tokenizer.model')).equals(readFileSync(resolve(fixtures, 'tokenizer.model')))).toBe(true);
    const back = await loadNeedle2Checkpoint(out);
    const merged = await readSafetensors(resolve(fixtures, 'lora-merged.safetensors'));
    for (const [k, t] of merged.tensors) expect(Buffer.from(back.params.get(k)!.bytes).equals(Buffer.from(t.bytes)), k).toBe(true);
    const info = JSON.parse(await cli('inspect', out, '--json')) as { model: string; parameters: number; parameters_expected_by_config: number };
    expect(info.model).toBe('needle-2');
    expect(info.parameters).toBe(info.parameters_expected_by_config);
    const fromDir = JSON.parse(await cli('inspect', work, '--json')) as { source: { path: string } };
    expect(fromDir.source.path).toBe(join(work, 'needle2.pkl')); // a folder holding needle2.pkl
  });

  it('inspect and convert read a .cact (dequantized); --lora on a v1 checkpoint is refused', async () => {
    const text = await cli('inspect', resolve(fixtures, 'needle2-tiny.cact'));
    expect(text).toMatch(/needle-2, cact/);
    expect(text).toMatch(/warning: .*log_temp/);
    const out = mkdtempSync(join(tmpdir(), 'n2cact-'));
    await cli('convert', resolve(fixtures, 'needle2-tiny-w2.cact'), '--out', out);
    expect((await loadNeedle2Checkpoint(out)).params.get('embedding/embedding')!.dtype).toBe('float32');
    const v1 = resolve(import.meta.dirname, '../../../../shared/fixtures/needle-golden/tiny/checkpoint.pkl');
    expect(JSON.parse(await cli('inspect', v1, '--json')).model).toBe('needle-v1');
    await expect(cli('convert', v1, '--lora', resolve(fixtures, 'needle2-tiny-lora.pkl'), '--out', out)).rejects.toThrow('is a Needle v1 checkpoint; LoRA adapters are Needle 2');
  });
});
