// `needle-bench suite synth`: writes a generated everyday-tools suite folder (suite.json + cases.jsonl).
import type { Command } from 'commander';
import { basename, resolve } from 'node:path';
import { commandGroup } from '../group.ts';
import { writeSuite } from '../../suite/write.ts';
import { stratifiedSubset } from '../../suite/generator/stratify.ts';
import { synthesize, synthManifest, TRAIN_PARTS, type Split, type TrainPart } from '../../suite/generator/index.ts';

function positiveInt(flag: string) {
  return (v: string): number => {
    const n = Number(v);
    if (!Number.isInteger(n) || n < 0) throw new Error(`${flag} must be a non-negative integer, got "${v}"`);
    return n;
  };
}

function trainParts(v: string): TrainPart[] {
  const parts = v.split(',').map((p) => p.trim()).filter(Boolean);
  const bad = parts.filter((p) => !(TRAIN_PARTS as readonly string[]).includes(p));
  if (bad.length > 0 || parts.length === 0) {
    throw new Error(`--train-parts takes ${TRAIN_PARTS.join(', ')} (comma-separated), got "${v}"`);
  }
  return parts as TrainPart[];
}

export function register(program: Command): void {
  commandGroup(program, 'suite', 'Suites: import, validate, synthesize')
    .command('synth')
    .description('Generate an everyday-tools suite (deterministic for a seed; train and eval use disjoint pools)')
    .requiredOption('--seed <n>', 'PRNG seed', positiveInt('--seed'))
    .requiredOption('--count <k>', 'number of cases', positiveInt('--count'))
    .requiredOption('--out <dir>', 'output suite folder')
    .option('--split <split>', 'train or eval pools', 'eval')
    .option('--name <name>', 'suite name (default: the folder name)')
    .option('--stratify <n>', 'keep a stratified subset of n cases (all case categories, most tool categories)', positiveInt('--stratify'))
    .option('--train-parts <parts>', `eval split with these parts from the train side (${TRAIN_PARTS.join(', ')}; ` +
      'comma-separated): what each held-out part costs a model', trainParts)
    .action((opts: { seed: number; count: number; out: string; split: string; name?: string; stratify?: number;
      trainParts?: TrainPart[] }) => {
      if (opts.split !== 'train' && opts.split !== 'eval') throw new Error(`--split must be train or eval, got "${opts.split}"`);
      const split = opts.split as Split;
      if (opts.trainParts && split !== 'eval') throw new Error('--train-parts only makes sense with --split eval');
      const out = resolve(opts.out);
      const synth = { seed: opts.seed, count: opts.count, split, trainParts: opts.trainParts };
      const all = synthesize(synth);
      const cases = opts.stratify !== undefined ? stratifiedSubset(all, opts.stratify) : all;
      const manifest = synthManifest(opts.name ?? basename(out), synth);
      if (opts.stratify !== undefined) {
        manifest.source += ` --stratify ${opts.stratify}`;
        manifest.description = `A stratified ${cases.length}-case subset of the ${all.length} cases. ${manifest.description ?? ''}`;
      }
      writeSuite(out, manifest, cases);
      console.log(`wrote ${cases.length} cases to ${out}`);
    });
}
