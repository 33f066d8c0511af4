import { describe, expect, it } from 'vitest';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { resolve } from 'node:path';
import fc from 'fast-check';
import { PickleError, unpickle } from '../../src/checkpoint/pickle.ts';
import { loadCheckpoint } from '../../src/needle/v1/checkpoint.ts';
import { loadNeedle2Checkpoint } from '../../src/needle/v2/checkpoint.ts';
import { loadLoraAdapter } from '../../src/needle/v2/lora.ts';

const repoRoot = resolve(import.meta.dirname, '../..');
const corpusDir = resolve(repoRoot, 'test/fixtures/malicious-pickles');
const manifest = JSON.parse(readFileSync(resolve(corpusDir, 'manifest.json'), 'utf8')) as {
  cases: Record<string, { file: string; refused_global: string; sentinel: string; live_in_cpython: boolean }>;
};
const cases = Object.entries(manifest.cases);

describe('malicious pickle corpus (tools/fixtures/make_malicious_pickles.py)', () => {
  it('holds the payload kinds the loader must refuse', () => {
    expect(cases.length).toBeGreaterThanOrEqual(15);
    const globals = new Set(cases.map(([, c]) => c.refused_global));
    for (const g of ['os.system', 'posix.system', 'nt.system', 'builtins.eval', 'builtins.exec', 'subprocess.Popen', 'builtins.getattr', 'numpy.load']) {
      expect(globals.has(g), g).toBe(true);
    }
    // Needle 2's layouts and the one data-only class the allowlist admits (TransformerConfig).
    for (const n of ['needle2_payload_in_run_p4', 'needle2_lora_scale_payload', 'needle2_payload_in_config_state', 'needle2_config_class_attribute', 'needle2_architecture_module_global']) {
      expect(manifest.cases[n], n).toBeDefined();
    }
  });

  it.each(cases)('%s is refused naming its global, and nothing runs', async (name, c) => {
    rmSync(c.sentinel, { force: true });
    const file = resolve(corpusDir, c.file);
    const expected = `refused global ${c.refused_global}: not in the allowlist`;
    expect(() => unpickle(readFileSync(file))).toThrow(PickleError);
    expect(() => unpickle(readFileSync(file))).toThrow(expected);
    await expect(loadCheckpoint(file)).rejects.toThrow(expected);
    await expect(loadNeedle2Checkpoint(file)).rejects.toThrow(expected);
    await expect(loadLoraAdapter(file)).rejects.toThrow(expected);
    await new Promise((r) => setTimeout(r, 20)); // a spawned process would need a moment
    expect(existsSync(c.sentinel), `${name} created ${c.sentinel}`).toBe(false);
  });
});

describe('fuzz: mutated real checkpoints give a value or a clean PickleError', () => {
  const seeds = [
    resolve(repoRoot, '../shared/fixtures/needle-golden/tiny/checkpoint.pkl'),
    resolve(repoRoot, '../shared/fixtures/needle-golden/tiny/checkpoint.p5.np1.pkl'),
    resolve(repoRoot, 'test/fixtures/needle-pickles/dtypes.p2.pkl'),
    resolve(repoRoot, 'test/fixtures/needle2/needle2-tiny-lora.pkl'),
    resolve(repoRoot, 'test/fixtures/needle2/config-object.pkl'),
    resolve(repoRoot, 'test/fixtures/needle-pickles/dtypes.p5.pkl'),
    resolve(repoRoot, 'test/fixtures/needle-pickles/partial-config.pkl'),
  ].map((f) => new Uint8Array(readFileSync(f)));

  // Mutations concentrated on the structure: most bytes of a checkpoint are array data, so flips are
  // biased towards the first and last 4 KB (opcodes, lengths, the config) as well as anywhere.
  const mutation = fc.oneof(
    fc.record({ kind: fc.constant('flip' as const), at: fc.nat(), bit: fc.integer({ min: 0, max: 7 }), head: fc.boolean() }),
    fc.record({ kind: fc.constant('byte' as const), at: fc.nat(), value: fc.integer({ min: 0, max: 255 }), head: fc.boolean() }),
    fc.record({ kind: fc.constant('cut' as const), at: fc.nat(), len: fc.integer({ min: 1, max: 64 }), head: fc.boolean() }),
    fc.record({ kind: fc.constant('dup' as const), at: fc.nat(), len: fc.integer({ min: 1, max: 64 }), head: fc.boolean() }),
    fc.record({ kind: fc.constant('truncate' as const), at: fc.nat(), head: fc.boolean() }),
  );

  const concat = (a: Uint8Array, b: Uint8Array): Uint8Array => {
    const out = new Uint8Array(a.length + b.length);
    out.set(a);
    out.set(b, a.length);
    return out;
  };

  function mutate(data: Uint8Array, ms: Array<{ kind: string; at: number; head: boolean; bit?: number; value?: number; len?: number }>): Uint8Array {
    let d: Uint8Array = data.slice();
    for (const m of ms) {
      if (d.length === 0) break;
      const span = m.head ? Math.min(4096, d.length) : d.length;
      let at = m.at % span;
      if (m.head && m.at % 2 === 1) at = d.length - 1 - at; // tail of the file
      if (m.kind === 'flip') d[at] ^= 1 << (m.bit as number);
      else if (m.kind === 'byte') d[at] = m.value as number;
      else if (m.kind === 'cut') d = concat(d.subarray(0, at), d.subarray(at + (m.len as number)));
      else if (m.kind === 'dup') d = concat(d.subarray(0, at + (m.len as number)), d.subarray(at));
      else d = d.slice(0, at);
    }
    return d;
  }

  it('never throws anything but PickleError, never hangs', () => {
    const started = Date.now();
    fc.assert(
      fc.property(fc.integer({ min: 0, max: seeds.length - 1 }), fc.array(mutation, { minLength: 1, maxLength: 4 }), (which, ms) => {
        const input = mutate(seeds[which], ms);
        const t0 = Date.now();
        try {
          unpickle(input);
        } catch (e) {
          if (!(e instanceof PickleError)) throw e;
        }
        return Date.now() - t0 < 2000;
      }),
      { numRuns: 250, seed: 20261126 },
    );
    expect(Date.now() - started).toBeLessThan(30_000);
  });
});
