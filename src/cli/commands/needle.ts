// `needle-bench needle logits|generate`: raw access to the Needle runtime so anyone can check parity
// against their own implementation from the command line.
import type { Command } from 'commander';
import { readFileSync } from 'node:fs';
import { commandGroup } from '../group.ts';

function parseIds(text: string, flag: string): number[] {
  const trimmed = text.trim();
  const list = trimmed.startsWith('[') ? (JSON.parse(trimmed) as unknown) : trimmed.split(/[\s,]+/).filter(Boolean).map(Number);
  if (!Array.isArray(list) || !list.every((x) => Number.isInteger(x) && x >= 0)) {
    throw new Error(`${flag}: expected token ids as a JSON array or comma-separated integers, got ${JSON.stringify(text)}`);
  }
  return list as number[];
}

interface EngineOpts {
  checkpoint: string;
  engine: 'onnx' | 'reference';
  precision: 'fp32' | 'int8' | 'int4';
  threads?: string;
}

function addEngineOptions(cmd: Command): Command {
  return cmd
    .requiredOption('--checkpoint <path>', 'needle.pkl, a .safetensors file or a converted directory')
    .option('--engine <engine>', 'onnx (the runtime) or reference (plain TypeScript)', 'onnx')
    .option('--precision <p>', 'fp32, int8 or int4 (onnx engine)', 'fp32')
    .option('--threads <n>', 'intra-op threads (onnx engine)');
}

async function load(opts: EngineOpts) {
  const { loadCheckpoint } = await import('../../needle/v1/checkpoint.ts');
  const { existsSync, statSync } = await import('node:fs');
  const { join } = await import('node:path');
  let path = opts.checkpoint;
  if (existsSync(path) && statSync(path).isDirectory()) path = join(path, 'model.safetensors');
  return loadCheckpoint(path);
}

export function register(program: Command): void {
  const needle = commandGroup(program, 'needle', 'Needle runtime: logits and greedy generation from token ids');

  addEngineOptions(needle.command('logits'))
    .description('Print teacher-forced decoder logits (JSON: one array of vocab-size floats per target position)')
    .requiredOption('--src <ids>', 'encoder token ids')
    .requiredOption('--tgt <ids>', 'decoder token ids (Needle starts from [1])')
    .option('--encoder-out', 'also print the encoder output')
    .action(async (opts: EngineOpts & { src: string; tgt: string; encoderOut?: boolean }) => {
      const src = parseIds(opts.src, '--src');
      const tgt = parseIds(opts.tgt, '--tgt');
      const ckpt = await load(opts);
      const V = ckpt.config.vocab_size;
      const d = ckpt.config.d_model;
      let logits: Float32Array;
      let enc: Float32Array;
      if (opts.engine === 'reference') {
        const { referenceDecode, referenceEncode, referenceParams } = await import('../../needle/v1/reference.ts');
        const { tensorToFloat32 } = await import('../../checkpoint/tensor.ts');
        const params = referenceParams(ckpt, tensorToFloat32);
        enc = referenceEncode(params, ckpt.config, src);
        logits = referenceDecode(params, ckpt.config, src, enc, tgt);
      } else {
        const { NeedleEngine } = await import('../../needle/v1/engine.ts');
        const engine = await NeedleEngine.create(ckpt, { precision: opts.precision, threads: opts.threads ? Number(opts.threads) : undefined });
        const out = await engine.logits(src, tgt);
        await engine.dispose();
        logits = out.logits;
        enc = out.encoderOut;
      }
      const rows = (a: Float32Array, w: number) => Array.from({ length: a.length / w }, (_, i) => Array.from(a.subarray(i * w, (i + 1) * w)));
      console.log(JSON.stringify(opts.encoderOut ? { encoder_out: rows(enc, d), logits: rows(logits, V) } : rows(logits, V)));
    });

  addEngineOptions(needle.command('generate'))
    .description('Print greedy ids decoded from [EOS] (JSON), as run.py does; constrained when --tools names the tools')
    .requiredOption('--src <ids>', 'encoder token ids')
    .option('--max-len <n>', "decoder buffer length as run.py's max_len (at most max-len − 1 tokens)", '512')
    .option('--tools <file>', 'JSON list of tools (suite ToolDef form) whose names and keys constrain decoding')
    .option('--no-constrain', 'turn constrained decoding off')
    .option('--spm <file>', 'tokenizer, to also print the decoded text')
    .action(async (opts: EngineOpts & { src: string; maxLen: string; tools?: string; constrain: boolean; spm?: string }) => {
      const src = parseIds(opts.src, '--src');
      const maxLen = Number(opts.maxLen);
      if (!Number.isInteger(maxLen) || maxLen < 1) throw new Error(`--max-len: expected a positive integer, got ${opts.maxLen}`);
      const ckpt = await load(opts);
      const tok = opts.spm ? (await import('../../sentencepiece/index.ts')).loadSentencePiece(opts.spm) : undefined;
      let constraint: import('../../needle/v1/constraints.ts').ToolCallConstraint | undefined;
      if (opts.constrain && opts.tools) {
        if (!tok) throw new Error('--tools needs --spm: constraints match token texts');
        const { ToolCallConstraint } = await import('../../needle/v1/constraints.ts');
        const { toFlatTool } = await import('../../needle/v1/prompt.ts');
        const tools = JSON.parse(readFileSync(opts.tools, 'utf8')) as import('../../suite/types.ts').ToolDef[];
        const texts = tok.tokenStrings();
        constraint = new ToolCallConstraint(
          tools.map((t) => { const f = toFlatTool(t); return { name: f.name, params: Object.keys(f.parameters) }; }),
          texts, ToolCallConstraint.indexTexts(texts));
      }
      let ids: number[];
      let stoppedBy: string;
      if (opts.engine === 'reference') {
        if (constraint) throw new Error('the reference engine decodes unconstrained only; add --no-constrain');
        const { referenceGreedy, referenceParams } = await import('../../needle/v1/reference.ts');
        const { tensorToFloat32 } = await import('../../checkpoint/tensor.ts');
        ids = referenceGreedy(referenceParams(ckpt, tensorToFloat32), ckpt.config, src, maxLen);
        stoppedBy = ids.length < maxLen - 1 ? 'eos' : 'max_len';
      } else {
        const { NeedleEngine } = await import('../../needle/v1/engine.ts');
        const engine = await NeedleEngine.create(ckpt, { precision: opts.precision, threads: opts.threads ? Number(opts.threads) : undefined });
        const out = await engine.generate(src, {
          maxLen,
          logitsProcessor: constraint ? (step, logits, prefix) => { if (step > 0) constraint!.accept(prefix[prefix.length - 1]); constraint!.mask(logits); } : undefined,
        });
        await engine.dispose();
        ids = out.ids;
        stoppedBy = out.stoppedBy;
      }
      console.log(JSON.stringify({ ids, stoppedBy, ...(tok ? { text: tok.decode(ids) } : {}) }));
    });
}
