// `needle-bench convert <needle.pkl> --out <dir>`: pickle -> model.safetensors + config.json (+ tokenizer),
// so users can leave pickle behind. `needle-bench inspect <checkpoint>`: tree, shapes, dtypes, count, config.
import type { Command } from 'commander';
import { existsSync } from 'node:fs';
import type { NeedleCheckpoint } from '../../needle/v1/types.ts';
import { configToJson, finishCheckpoint, findTokenizer, loadCheckpoint, parameterCount, readRawCheckpoint, writeConverted, type RawCheckpoint } from '../../needle/v1/checkpoint.ts';
import { countParameters } from '../../needle/v1/config.ts';
import { numel } from '../../checkpoint/tensor.ts';

/** JSON that survives Python's big ints (as numbers when exact, else strings). */
function toJson(v: unknown, indent?: number): string {
  return JSON.stringify(v, (_k, x: unknown) => (typeof x === 'bigint' ? (Number.isSafeInteger(Number(x)) ? Number(x) : x.toString()) : x), indent);
}

function tensorList(params: NeedleCheckpoint['params']) {
  return [...params.entries()]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([name, t]) => ({ name, dtype: t.dtype, shape: t.shape, numel: numel(t.shape) }));
}

function describe(ckpt: NeedleCheckpoint) {
  return {
    source: ckpt.source,
    parameters: parameterCount(ckpt),
    parameters_expected_by_config: countParameters(ckpt.config) as number | null,
    config: configToJson(ckpt.config) as unknown,
    extra_config_keys: Object.keys(ckpt.config.extra ?? {}),
    tensors: tensorList(ckpt.params),
    warnings: ckpt.warnings ?? [],
  };
}

/** --raw: what the file holds, without resolving the config or validating the tree. */
function describeRaw(raw: RawCheckpoint): ReturnType<typeof describe> {
  let n = 0;
  for (const t of raw.params.values()) n += numel(t.shape);
  return {
    source: raw.source,
    parameters: n,
    parameters_expected_by_config: null,
    config: raw.rawConfig ?? null,
    extra_config_keys: [],
    tensors: tensorList(raw.params),
    warnings: [`raw view: config from ${raw.configFrom} not resolved, tree not validated`],
  };
}

function printTree(info: ReturnType<typeof describe>): void {
  console.log(`${info.source.path}  (${info.source.format}, sha256 ${info.source.sha256})`);
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

export function register(program: Command): void {
  program
    .command('convert <checkpoint>')
    .description('Convert a Needle checkpoint (needle.pkl) into model.safetensors + config.json (+ tokenizer.model)')
    .requiredOption('--out <dir>', 'output directory')
    .option('--tokenizer <file.model>', 'SentencePiece model to copy (default: tokenizer/needle.model beside the checkpoint, if present)')
    .action(async (checkpoint: string, opts: { out: string; tokenizer?: string }) => {
      if (opts.tokenizer && !existsSync(opts.tokenizer)) throw new Error(`--tokenizer ${opts.tokenizer}: no such file`);
      const ckpt = await loadCheckpoint(checkpoint);
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
    .description('Print a Needle checkpoint\'s parameter tree, shapes, dtypes, parameter count and config (.pkl, .safetensors or a converted dir)')
    .option('--json', 'print JSON')
    .option('--raw', 'list what the file holds without resolving the config or validating the tree (for broken or foreign checkpoints)')
    .action(async (checkpoint: string, opts: { json?: boolean; raw?: boolean }) => {
      const raw = await readRawCheckpoint(checkpoint);
      let info: ReturnType<typeof describe>;
      if (opts.raw) info = describeRaw(raw);
      else {
        try {
          info = describe(finishCheckpoint(raw));
        } catch (e) {
          throw new Error(`${(e as Error).message}\n(needle-bench inspect --raw ${checkpoint} lists the tensors anyway)`);
        }
      }
      if (opts.json) console.log(toJson(info, 2));
      else printTree(info);
    });
}
