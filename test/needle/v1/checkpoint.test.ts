import { describe, expect, it, vi } from 'vitest';
import { Command } from 'commander';
import { createHash } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { CheckpointError, checkpointFromPickle, finishCheckpoint, loadCheckpoint, parameterCount, readRawCheckpoint, writeConverted } from '../../../src/needle/v1/checkpoint.ts';
import { countParameters } from '../../../src/needle/v1/config.ts';
import { parseSafetensors, serializeSafetensors } from '../../../src/checkpoint/safetensors.ts';
import { sameTensor } from '../../../src/checkpoint/tensor.ts';
import type { NeedleCheckpoint } from '../../../src/needle/v1/types.ts';
import { register } from '../../../src/cli/commands/checkpoint.ts';

const repoRoot = resolve(import.meta.dirname, '../../..');
const golden = resolve(repoRoot, '../shared/fixtures/needle-golden/tiny');
const goldenJson = JSON.parse(readFileSync(join(golden, 'golden.json'), 'utf8')) as {
  checkpoints: Array<{ file: string; sha256: string }>;
  config_resolved: Record<string, unknown>;
};
const refs = JSON.parse(readFileSync(resolve(repoRoot, 'test/fixtures/needle-pickle-refs.json'), 'utf8')) as Record<string, { params: Record<string, { sha256: string; shape: number[] }> }>;
const edge = JSON.parse(readFileSync(resolve(repoRoot, 'test/fixtures/needle-pickles/edge-cases.json'), 'utf8')) as Record<string, Record<string, { sha256: string; shape: number[] }>>;
const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');
const tmp = () => mkdtempSync(join(tmpdir(), 'needle-ckpt-'));

function expectSameParams(a: NeedleCheckpoint, b: NeedleCheckpoint): void {
  expect([...a.params.keys()].sort()).toEqual([...b.params.keys()].sort());
  for (const [k, t] of a.params) expect(sameTensor(t, b.params.get(k)!), k).toBe(true);
}

describe('loadCheckpoint: the golden tiny pickles', () => {
  it.each(goldenJson.checkpoints)('$file: numpy-checked tensors, resolved config, sha256, parameter count', async ({ file, sha256 }) => {
    const ckpt = await loadCheckpoint(join(golden, file));
    expect(ckpt.source).toEqual({ path: join(golden, file), format: 'pickle', sha256 });
    for (const [k, ref] of Object.entries(refs[file].params)) {
      expect(ckpt.params.get(k)?.shape, k).toEqual(ref.shape);
      expect(sha(ckpt.params.get(k)!.bytes), k).toBe(ref.sha256);
    }
    for (const [k, v] of Object.entries(goldenJson.config_resolved)) expect(ckpt.config[k], k).toEqual(v);
    expect(parameterCount(ckpt)).toBe(countParameters(ckpt.config));
    expect(parameterCount(ckpt)).toBe(96_727);
    expect(ckpt.warnings).toBeUndefined();
  });

  it('variants are byte-identical', async () => {
    const [first, ...rest] = await Promise.all(goldenJson.checkpoints.map((c) => loadCheckpoint(join(golden, c.file))));
    for (const other of rest) expectSameParams(first, other);
  });
});

describe('config keys', () => {
  it('a pickle holding only some config keys gets the TransformerConfig defaults; extra keys are ignored', async () => {
    const ckpt = await loadCheckpoint(resolve(repoRoot, 'test/fixtures/needle-pickles/partial-config.pkl'));
    expect(ckpt.config).toMatchObject({
      vocab_size: 40, d_model: 16, num_heads: 4, num_kv_heads: 2, // given
      num_encoder_layers: 2, num_decoder_layers: 2, rope_theta: 10000, pad_token_id: 0, no_feedforward: true, contrastive_dim: 128, // defaults
    });
    expect(ckpt.config.extra).toEqual({ learning_rate: 0.001, run_name: 'fixture' });
    for (const [k, ref] of Object.entries(edge['partial-config.pkl'])) expect(sha(ckpt.params.get(k)!.bytes), k).toBe(ref.sha256);
  });
});

describe('convert', () => {
  it('convert -> load gives identical tensors and config, from the directory and from the bare .safetensors', async () => {
    const src = await loadCheckpoint(join(golden, 'checkpoint.p5.pkl'));
    const dir = tmp();
    const res = await writeConverted(src, dir);
    const fromDir = await loadCheckpoint(dir);
    expect(fromDir.source.format).toBe('safetensors');
    expect(fromDir.source.sha256).toBe(res.sha256);
    expectSameParams(src, fromDir);
    expect(fromDir.config).toEqual(src.config);
    // A lone model.safetensors carries its config in __metadata__.
    const lone = join(tmp(), 'needle.safetensors');
    copyFileSync(res.weights, lone);
    const fromFile = await loadCheckpoint(lone);
    expectSameParams(src, fromFile);
    expect(fromFile.config).toEqual(src.config);
    const metadata = parseSafetensors(readFileSync(res.weights)).metadata;
    expect(metadata.source_sha256).toBe(src.source.sha256);
    expect(JSON.parse(metadata.config)).toMatchObject({ vocab_size: 300, d_model: 64, num_kv_heads: 2 }); // the key Needle reads
  });

  it("reads Needle's own safetensors checkpoint layout (checkpoints.py: metadata config/step/run/format_version)", async () => {
    const src = await loadCheckpoint(join(golden, 'checkpoint.pkl'));
    const file = join(tmp(), 'step_100.safetensors');
    const config = { vocab_size: 300, d_model: 64, num_heads: 4, num_kv_heads: 2, max_seq_len: 1024 }; // layers: class defaults (2+2)
    writeFileSync(file, serializeSafetensors(src.params, { format_version: '1', config: JSON.stringify(config), step: '100', run: '{}' }));
    const ckpt = await loadCheckpoint(file);
    expectSameParams(src, ckpt);
    expect(ckpt.config).toMatchObject({ ...config, num_encoder_layers: 2, num_decoder_layers: 2, rope_theta: 10000 });
  });

  it('converting into the checkpoint\'s own folder keeps its tokenizer/needle.model instead of copying it again', async () => {
    const dir = tmp();
    copyFileSync(join(golden, 'checkpoint.p5.pkl'), join(dir, 'needle.pkl'));
    mkdirSync(join(dir, 'tokenizer'));
    copyFileSync(resolve(repoRoot, 'models/needle-tiny/tokenizer/needle.model'), join(dir, 'tokenizer', 'needle.model'));
    const res = await writeConverted(await loadCheckpoint(join(dir, 'needle.pkl')), dir, join(dir, 'tokenizer', 'needle.model'));
    expect(res.tokenizer).toBe(join(dir, 'tokenizer', 'needle.model'));
    expect(existsSync(join(dir, 'tokenizer.model'))).toBe(false);
    // Elsewhere it is still copied beside the weights.
    const other = tmp();
    const copied = await writeConverted(await loadCheckpoint(join(dir, 'needle.pkl')), other, join(dir, 'tokenizer', 'needle.model'));
    expect(copied.tokenizer).toBe(join(other, 'tokenizer.model'));
    expect(readFileSync(join(other, 'tokenizer.model'))).toEqual(readFileSync(join(dir, 'tokenizer', 'needle.model')));
  });

  it('keeps extra config keys through conversion', async () => {
    const src = await loadCheckpoint(resolve(repoRoot, 'test/fixtures/needle-pickles/partial-config.pkl'));
    const dir = tmp();
    await writeConverted(src, dir);
    const back = await loadCheckpoint(dir);
    expect(back.config).toEqual(src.config);
  });

  it('the CLI converts (tokenizer auto-detected beside the pickle) and inspects', async () => {
    const work = tmp();
    copyFileSync(join(golden, 'checkpoint.pkl'), join(work, 'needle.pkl'));
    mkdirSync(join(work, 'tokenizer'));
    const spm = resolve(repoRoot, '../shared/fixtures/sentencepiece/needle-branch-16k.model');
    copyFileSync(spm, join(work, 'tokenizer', 'needle.model'));
    const out = join(work, 'converted');
    // In-process: this command module on a fresh program (no dependence on other command files).
    const cli = async (...args: string[]): Promise<string> => {
      const program = new Command().exitOverride();
      register(program);
      const lines: string[] = [];
      const log = vi.spyOn(console, 'log').mockImplementation((...a: unknown[]) => void lines.push(a.join(' ')));
      try {
        await program.parseAsync(['node', 'needle-bench', ...args]);
      } finally {
        log.mockRestore();
      }
      return lines.join('\n');
    };
    await cli('convert', join(work, 'needle.pkl'), '--out', out);
    expect(sha(readFileSync(join(out, 'tokenizer.model')))).toBe(sha(readFileSync(spm)));
    expect(JSON.parse(readFileSync(join(out, 'config.json'), 'utf8'))).toMatchObject({ vocab_size: 300, d_model: 64 });
    const info = JSON.parse(await cli('inspect', out, '--json')) as { parameters: number; tensors: Array<{ name: string; dtype: string; shape: number[] }>; config: Record<string, unknown> };
    expect(info.parameters).toBe(96_727);
    expect(info.tensors.find((t) => t.name === 'embedding/embedding')).toEqual({ name: 'embedding/embedding', dtype: 'float16', shape: [300, 64], numel: 19_200 });
    expect(info.config.num_kv_heads).toBe(2);
    const text = await cli('inspect', join(work, 'needle.pkl'));
    expect(text).toMatch(/parameters: 96,727 in 31 tensors/);
    expect(text).toMatch(/ {6}DecoderBlock_0\/\n/);
    await expect(cli('inspect', resolve(repoRoot, 'test/fixtures/malicious-pickles/os_system_stack_global.pkl'))).rejects.toThrow(/refused global os\.system/);
  });
});

describe('validation against the config', () => {
  async function converted(): Promise<{ dir: string; src: NeedleCheckpoint }> {
    const src = await loadCheckpoint(join(golden, 'checkpoint.pkl'));
    const dir = tmp();
    await writeConverted(src, dir);
    return { dir, src };
  }

  it('a missing parameter is an error naming it', async () => {
    const { dir, src } = await converted();
    const params = new Map(src.params);
    params.delete('decoder/layers/DecoderBlock_0/cross_attn/k_norm/scale');
    writeFileSync(join(dir, 'model.safetensors'), serializeSafetensors(params));
    await expect(loadCheckpoint(dir)).rejects.toThrow(/missing parameter decoder\/layers\/DecoderBlock_0\/cross_attn\/k_norm\/scale \(expected shape \[2, 16\]\)/);
  });

  it('a misshapen parameter is an error naming it', async () => {
    const { dir } = await converted();
    const config = JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8'));
    writeFileSync(join(dir, 'config.json'), JSON.stringify({ ...config, vocab_size: 301 }));
    await expect(loadCheckpoint(dir)).rejects.toThrow(/parameter embedding\/embedding has shape \[300, 64\], the config implies \[301, 64\]/);
    // The raw view (inspect --raw) still reads it, config unresolved, and finishing it fails the same way.
    const raw = await readRawCheckpoint(dir);
    expect(raw.params.get('embedding/embedding')?.shape).toEqual([300, 64]);
    expect(raw.rawConfig).toMatchObject({ vocab_size: 301 });
    expect(raw.configFrom).toBe(join(dir, 'config.json'));
    expect(() => finishCheckpoint(raw)).toThrow(/the config implies \[301, 64\]/);
  });

  it('unexpected extra parameters are kept and reported as warnings', async () => {
    const { dir, src } = await converted();
    const params = new Map(src.params);
    params.set('lm_head/kernel', { dtype: 'float16', shape: [2], bytes: new Uint8Array(4) });
    writeFileSync(join(dir, 'model.safetensors'), serializeSafetensors(params));
    const ckpt = await loadCheckpoint(dir);
    expect(ckpt.params.has('lm_head/kernel')).toBe(true);
    expect(ckpt.warnings?.join('\n')).toMatch(/1 parameter\(s\) not used by this config \(kept, ignored\): lm_head\/kernel/);
  });

  it('bad config values and broken trees are refused with the location', async () => {
    const { dir } = await converted();
    writeFileSync(join(dir, 'config.json'), JSON.stringify({ d_model: 'wide' }));
    await expect(loadCheckpoint(dir)).rejects.toThrow(/config\.json: config\.d_model: expected a number/);
    // {"params": d} where d["loop"] is d itself.
    const cyclic = Uint8Array.from([0x80, 4, 0x7d, 0x8c, 6, ...Buffer.from('params'), 0x7d, 0x94, 0x8c, 4, ...Buffer.from('loop'), 0x68, 0, 0x73, 0x73, 0x2e]);
    expect(() => checkpointFromPickle(cyclic, 'cyclic.pkl')).toThrow(CheckpointError);
    expect(() => checkpointFromPickle(cyclic, 'cyclic.pkl')).toThrow(/params\/loop contains itself/);
    // Shared references: d_k = {a: d_{k-1}, b: d_{k-1}} for 30 levels is 2^30 paths as a tree.
    const short = (t: string) => [0x8c, t.length, ...Buffer.from(t)];
    const laughs: number[] = [0x80, 4, 0x7d, ...short('params'), 0x7d, 0x94];
    for (let k = 0; k < 30; k++) laughs.push(0x7d, 0x28, ...short('a'), 0x68, k, ...short('b'), 0x68, k, 0x75, 0x94, 0x30, 0x30, 0x68, k + 1);
    laughs.push(0x73, 0x2e);
    const started = Date.now();
    expect(() => checkpointFromPickle(Uint8Array.from(laughs), 'laughs.pkl')).toThrow(/laughs\.pkl: params has more than 100000 nodes/);
    // The same inside the config: {"params": {}, "config": {"x": T}} where T = (T', T') nested 30 times (DUP + TUPLE2).
    const tuples = Array.from({ length: 30 }, () => [0x32, 0x86]).flat();
    const configLaughs = [0x80, 4, 0x7d, 0x28, ...short('params'), 0x7d, ...short('config'), 0x7d, ...short('x'), 0x4e, ...tuples, 0x73, 0x75, 0x2e];
    expect(() => checkpointFromPickle(Uint8Array.from(configLaughs), 'c.pkl')).toThrow(/c\.pkl: config has more than 100000 nodes/);
    expect(Date.now() - started).toBeLessThan(5000);
    const noParams = Uint8Array.from([0x80, 4, 0x7d, 0x2e]);
    expect(() => checkpointFromPickle(noParams, 'empty.pkl')).toThrow(/empty\.pkl: no "params" entry/);
    await expect(loadCheckpoint(join(dir, 'nope.pkl'))).rejects.toThrow(/no such file/);
  });
});
