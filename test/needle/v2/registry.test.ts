// The needle-2 registry entry: pinned, listed, its dialect exists, reported not present without its
// files, and run by the needle2 provider once they are there.
import { copyFileSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { getDialect } from '../../../src/dialects/registry.ts';
import { modelRegistry, presence } from '../../../src/models/registry.ts';
import { isModelNotPresent } from '../../../src/providers/not-present.ts';
import { createProvider } from '../../../src/providers/registry.ts';

const cacheDir = mkdtempSync(join(tmpdir(), 'needle2-registry-'));
afterAll(() => rmSync(cacheDir, { recursive: true, force: true }));

describe('needle-2 registry entry', () => {
  const entry = modelRegistry().get('needle-2')!;

  it('is registered at a pinned hub revision with its dialect and the files the package reads', async () => {
    expect(entry).toBeDefined();
    expect(entry.hub?.repo).toBe('Cactus-Compute/needle2');
    expect(entry.hub?.revision).toMatch(/^[0-9a-f]{40}$/);
    expect(entry.hub?.files).toEqual(expect.arrayContaining(['checkpoints/needle2.pkl', 'tokenizer/tokenizer.model', 'needle2.cact']));
    expect((await getDialect(entry.dialect)).id).toBe('needle2');
    expect(entry.architecture).toBe('needle-2');
  });

  it('without its files: not present, with the pull command', async () => {
    const provider = await createProvider('needle-2', { cacheDir });
    const err = await provider.load().then(() => undefined, (e: unknown) => e);
    expect(isModelNotPresent(err)).toBe(true);
    expect((err as Error).message).toMatch(/needle-2 is not present \(checkpoints\/needle2\.pkl, .* missing in .*\) — needle-bench pull needle-2/);
  });

  it('with its files present: runs through the needle2 provider (pickle + tokenizer/tokenizer.model), not v1', async () => {
    const fixtures = join(dirname(fileURLToPath(import.meta.url)), '../../fixtures/needle2');
    const layout: Record<string, string> = { 'checkpoints/needle2.pkl': 'needle2-tiny.pkl', 'tokenizer/tokenizer.model': 'tokenizer.model', 'needle2.cact': 'needle2-tiny.cact' };
    for (const f of entry.hub!.files) {
      const path = join(cacheDir, entry.hub!.repo, f);
      mkdirSync(dirname(path), { recursive: true });
      copyFileSync(join(fixtures, layout[f]), path);
    }
    expect(presence(entry, cacheDir).present).toBe(true);
    const provider = await createProvider('needle-2', { cacheDir, threads: 1, onnxCacheDir: join(cacheDir, 'onnx') });
    expect(provider.dialect).toBe('needle2');
    const prov = await provider.load();
    expect(prov.architecture).toBe('needle-2');
    expect(prov.parameterCount).toBe(98735);
    expect(Object.keys(prov.weightHashes ?? {})).toEqual(expect.arrayContaining(['needle2.pkl', 'tokenizer.model']));
    await provider.dispose();
  }, 60_000);
});
