// `needle-bench convert <needle.pkl> --out <dir>`: pickle -> model.safetensors + config.json (+ tokenizer),
// so users can leave pickle behind. `needle-bench inspect <checkpoint>`: tree, shapes, dtypes, count, config.
import type { Command } from 'commander';
import { existsSync } from 'node:fs';
import type { NeedleCheckpoint } from '../../needle/types.ts';
import { configToJson, findTokenizer, loadCheckpoint, parameterCount, writeConverted } from '../../needle/checkpoint.ts';
import { countParameters } from '../../needle/config.ts';
import { numel } from '../../needle/tensor.ts';

function describe(ckpt: NeedleCheckpoint) {
  return {
    source: ckpt.source,
    parameters: parameterCount(ckpt),
    parameters_expected_by_config: countParameters(ckpt.config),
    config: configToJson(ckpt.config),
    extra_config_keys: Object.keys(ckpt.config.extra ?? {}),
    tensors: [...ckpt.params.entries()]
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([name, t]) => ({ name, dtype: t.dtype, shape: t.shape, numel: numel(t.shape) })),
    warnings: ckpt.warnings ?? [],
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
  console.log(`config: ${JSON.stringify(info.config)}`);
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
      console.log(res.tokenizer ? `  → ${res.tokenizer} (from ${tokenizer})` : '  (no tokenizer: pass --tokenizer <file.model> to include one)');
    });

  program
    .command('inspect <checkpoint>')
    .description('Print a Needle checkpoint\'s parameter tree, shapes, dtypes, parameter count and config (.pkl, .safetensors or a converted dir)')
    .option('--json', 'print JSON')
    .action(async (checkpoint: string, opts: { json?: boolean }) => {
      const info = describe(await loadCheckpoint(checkpoint));
      if (opts.json) console.log(JSON.stringify(info, null, 2));
      else printTree(info);
    });
}
