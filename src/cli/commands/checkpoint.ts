// `needle-bench convert <checkpoint> --out <dir>`: pickle (or .cact) -> model.safetensors + config.json
// (+ tokenizer), so users can leave pickle behind; Needle 2 checkpoints may have a LoRA adapter merged
// on the way (--lora, as `needle build --lora`). `needle-bench inspect <checkpoint>`: tree, shapes,
// dtypes, count, config. Both tell Needle v1 and Needle 2 apart by what the file holds.
import type { Command } from 'commander';
import { existsSync } from 'node:fs';
import { extname } from 'node:path';
import type { Tensor } from '../../checkpoint/tensor.ts';
import { numel } from '../../checkpoint/tensor.ts';
import { readRawCheckpoint as readRawAny, type RawCheckpoint } from '../../checkpoint/raw.ts';
import type { CheckpointSource } from '../../checkpoint/tree.ts';
import { configToJson, finishCheckpoint, findTokenizer, parameterCount, writeConverted } from '../../needle/v1/checkpoint.ts';
import { countParameters } from '../../needle/v1/config.ts';
import { finishNeedle2Checkpoint, findNeedle2Tokenizer, isNeedle2, needle2ConfigToJson, NEEDLE2_PICKLE_NAMES, needle2ParameterCount, writeNeedle2Converted, type Needle2Checkpoint } from '../../needle/v2/checkpoint.ts';
import { countParameters as countNeedle2Parameters } from '../../needle/v2/config.ts';
import { loadCactCheckpoint } from '../../needle/v2/cact-checkpoint.ts';
import { loadLoraAdapter, mergeLora } from '../../needle/v2/lora.ts';

/** JSON that survives Python's big ints (as numbers when exact, else strings). */
function toJson(v: unknown, indent?: number): string {
  return JSON.stringify(v, (_k, x: unknown) => (typeof x === 'bigint' ? (Number.isSafeInteger(Number(x)) ? Number(x) : x.toString()) : x), indent);
}

function tensorList(params: Map<string, Tensor>) {
  return [...params.entries()]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([name, t]) => ({ name, dtype: t.dtype, shape: t.shape, numel: numel(t.shape) }));
}

interface Description {
  model: 'needle-v1' | 'needle-2' | 'unresolved';
  source: CheckpointSource;
  parameters: number;
  parameters_expected_by_config: number | null;
  config: unknown;
  extra_config_keys: string[];
  tensors: ReturnType<typeof tensorList>;
  warnings: string[];
}

const isCact = (path: string) => extname(path).toLowerCase() === '.cact';
const readRaw = (path: string) => readRawAny(path, { pickleNames: ['needle.pkl', ...NEEDLE2_PICKLE_NAMES] });

function describeNeedle2(ckpt: Needle2Checkpoint): Description {
  return {
    model: 'needle-2',
    source: ckpt.source,
    parameters: needle2ParameterCount(ckpt),
    parameters_expected_by_config: countNeedle2Parameters(ckpt.config, ['core', ...ckpt.groups]),
    config: needle2ConfigToJson(ckpt.config),
    extra_config_keys: Object.keys(ckpt.config.extra ?? {}),
    tensors: tensorList(ckpt.params),
    warnings: ckpt.warnings ?? [],
  };
}

function describe(raw: RawCheckpoint): Description {
  if (isNeedle2(raw)) return describeNeedle2(finishNeedle2Checkpoint(raw));
  const ckpt = finishCheckpoint(raw);
  return {
    model: 'needle-v1',
    source: ckpt.source,
    parameters: parameterCount(ckpt),
    parameters_expected_by_config: countParameters(ckpt.config),
    config: configToJson(ckpt.config),
    extra_config_keys: Object.keys(ckpt.config.extra ?? {}),
    tensors: tensorList(ckpt.params),
    warnings: ckpt.warnings ?? [],
  };
}

/** --raw: what the file holds, without resolving the config or validating the tree. */
function describeRaw(raw: RawCheckpoint): Description {
  let n = 0;
  for (const t of raw.params.values()) n += numel(t.shape);
  return {
    model: 'unresolved',
    source: raw.source,
    parameters: n,
    parameters_expected_by_config: null,
    config: raw.rawConfig ?? null,
    extra_config_keys: [],
    tensors: tensorList(raw.params),
    warnings: [`raw view: config from ${raw.configFrom} not resolved, tree not validated`],
  };
}

function printTree(info: Description): void {
  console.log(`${info.source.path}  (${info.model}, ${info.source.format}, sha256 ${info.source.sha256})`);
  let previous: string[] = [];
  for (const t of info.tensors) {
    const parts = t.name.split('/');
    let common = 0;
    while (common < parts.length - 1 && previous[common] === parts[common]) common++;
    for (let i = common; i < parts.length - 1; i++) console.log(`${'  '.repeat(i + 1)}${parts[i]}/`);
    const leaf = `${'  '.repeat(parts.length)}${parts[parts.length - 1]}`;
    console.log(`${leaf.padEnd(56)} ${t.dtype.padEnd(8)} [${t.shape.join(', ')}]`);
    previous = parts;
  }
  console.log(`parameters: ${info.parameters.toLocaleString('en-US')} in ${info.tensors.length} tensors`);
  console.log(`config: ${toJson(info.config)}`);
  if (info.extra_config_keys.length) console.log(`config keys Needle ignores: ${info.extra_config_keys.join(', ')}`);
  for (const w of info.warnings) console.log(`warning: ${w}`);
}

async function convertNeedle2(ckpt: Needle2Checkpoint, checkpoint: string, opts: { out: string; tokenizer?: string; lora?: string }): Promise<void> {
  if (opts.lora) ckpt = mergeLora(ckpt, await loadLoraAdapter(opts.lora));
  for (const w of ckpt.warnings ?? []) console.warn(`warning: ${w}`);
  const tokenizer = opts.tokenizer ?? findNeedle2Tokenizer(checkpoint);
  const res = await writeNeedle2Converted(ckpt, opts.out, tokenizer);
  console.log(`${checkpoint} (Needle 2, sha256 ${ckpt.source.sha256.slice(0, 12)}…): ${needle2ParameterCount(ckpt).toLocaleString('en-US')} parameters, ${ckpt.params.size} tensors${opts.lora ? `, LoRA ${opts.lora} merged` : ''}`);
  console.log(`  → ${res.weights} (sha256 ${res.sha256.slice(0, 12)}…)`);
  console.log(`  → ${res.config}`);
  console.log(!res.tokenizer ? '  (no tokenizer: pass --tokenizer <file.model> to include one)'
    : res.tokenizer === tokenizer ? `  → ${res.tokenizer} (already there)` : `  → ${res.tokenizer} (from ${tokenizer})`);
}

export function register(program: Command): void {
  program
    .command('convert <checkpoint>')
    .description('Convert a Needle checkpoint (needle.pkl, needle2.pkl, or a Needle 2 .cact, dequantized) into model.safetensors + config.json (+ tokenizer.model)')
    .requiredOption('--out <dir>', 'output directory')
    .option('--tokenizer <file.model>', 'SentencePiece model to copy (default: the tokenizer beside the checkpoint, if present)')
    .option('--lora <adapter.pkl>', 'Needle 2 only: merge a `needle finetune` LoRA adapter first, as `needle build --lora` does')
    .action(async (checkpoint: string, opts: { out: string; tokenizer?: string; lora?: string }) => {
      if (opts.tokenizer && !existsSync(opts.tokenizer)) throw new Error(`--tokenizer ${opts.tokenizer}: no such file`);
      if (opts.lora && !existsSync(opts.lora)) throw new Error(`--lora ${opts.lora}: no such file`);
      if (isCact(checkpoint)) return convertNeedle2(await loadCactCheckpoint(checkpoint), checkpoint, opts);
      const raw = await readRaw(checkpoint);
      if (isNeedle2(raw)) return convertNeedle2(finishNeedle2Checkpoint(raw), checkpoint, opts);
      if (opts.lora) throw new Error(`--lora: ${checkpoint} is a Needle v1 checkpoint; LoRA adapters are Needle 2's (needle finetune)`);
      const ckpt = finishCheckpoint(raw);
      for (const w of ckpt.warnings ?? []) console.warn(`warning: ${w}`);
      const tokenizer = opts.tokenizer ?? findTokenizer(checkpoint);
      const res = await writeConverted(ckpt, opts.out, tokenizer);
      console.log(`${checkpoint} (sha256 ${ckpt.source.sha256.slice(0, 12)}…): ${parameterCount(ckpt).toLocaleString('en-US')} parameters, ${ckpt.params.size} tensors`);
      console.log(`  → ${res.weights} (sha256 ${res.sha256.slice(0, 12)}…)`);
      console.log(`  → ${res.config}`);
      console.log(!res.tokenizer ? '  (no tokenizer: pass --tokenizer <file.model> to include one)'
        : res.tokenizer === tokenizer ? `  → ${res.tokenizer} (already there)` : `  → ${res.tokenizer} (from ${tokenizer})`);
    });

  program
    .command('inspect <checkpoint>')
    .description('Print a Needle checkpoint\'s parameter tree, shapes, dtypes, parameter count and config (.pkl, .safetensors, a converted dir, or a Needle 2 .cact)')
    .option('--json', 'print JSON')
    .option('--raw', 'list what the file holds without resolving the config or validating the tree (for broken or foreign checkpoints)')
    .action(async (checkpoint: string, opts: { json?: boolean; raw?: boolean }) => {
      let info: Description;
      if (isCact(checkpoint)) info = describeNeedle2(await loadCactCheckpoint(checkpoint));
      else {
        const raw = await readRaw(checkpoint);
        if (opts.raw) info = describeRaw(raw);
        else {
          try {
            info = describe(raw);
          } catch (e) {
            throw new Error(`${(e as Error).message}\n(needle-bench inspect --raw ${checkpoint} lists the tensors anyway)`);
          }
        }
      }
      if (opts.json) console.log(toJson(info, 2));
      else printTree(info);
    });
}
