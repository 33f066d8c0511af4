// `needle-bench profile`: hardware throughput of Needle in onnxruntime-node.
//   needle-bench profile --model needle --synthetic --prompt-tokens 512 --gen-tokens 64 --threads 2 --json
// prints one JSON object (prefill_tok_s, decode_tok_s medians, spread, ttft_ms, peak RSS, load
// average...). `--matrix` runs prompts × precisions × threads and prints a markdown table (and writes
// the rows as JSON with --out); it is what `npm run bench:needle` runs.
//   needle-bench profile --model needle-2 --synthetic [--preset base|needle] --precision int8 --roofline --json
//   needle-bench profile --checkpoint needle2.cact   (or a needle2.pkl / converted dir / .safetensors)
// profiles Needle 2 alone (src/profile/needle2-profile.ts); a Needle 2 checkpoint is recognised
// without --model. Several --model flags (or --suite) give the side-by-side profile.
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import type { Command } from 'commander';
import { loadCheckpoint } from '../../needle/v1/checkpoint.ts';
import type { Precision } from '../../needle/v1/engine.ts';
import type { NeedleCheckpoint } from '../../needle/v1/types.ts';
import type { Needle2Checkpoint } from '../../needle/v2/checkpoint.ts';
import { NEEDLE2_PRESETS } from '../../needle/v2/config.ts';
import type { Needle2PresetName } from '../../needle/v2/synthetic.ts';
import { loadProfileCheckpoint } from '../../profile/profile-checkpoint.ts';
import { matrixMarkdown, parseVariant, runMatrix, type MatrixVariant } from '../../profile/matrix.ts';
import { profileNeedle, releaseSyntheticCheckpoint } from '../../profile/needle-profile.ts';
import { measureKernelRates } from '../../profile/roofline.ts';

const PRECISIONS: Precision[] = ['fp32', 'int8', 'int4'];

function positiveInt(flag: string): (v: string) => number {
  return (v) => {
    const n = Number(v);
    if (!Number.isInteger(n) || n < 1) throw new Error(`${flag}: expected a positive integer, got "${v}"`);
    return n;
  };
}

function nonNegativeInt(flag: string): (v: string) => number {
  return (v) => {
    const n = Number(v);
    if (!Number.isInteger(n) || n < 0) throw new Error(`${flag}: expected a non-negative integer, got "${v}"`);
    return n;
  };
}

function intList(flag: string): (v: string) => number[] {
  return (v) => v.split(',').map((x) => positiveInt(flag)(x.trim()));
}

function precision(v: string): Precision {
  if (!PRECISIONS.includes(v as Precision)) throw new Error(`--precision: expected one of ${PRECISIONS.join('|')}, got "${v}"`);
  return v as Precision;
}

function variantList(v: string): MatrixVariant[] {
  return v.split(',').map(parseVariant);
}

interface ProfileFlags {
  model: string[];
  suite?: string;
  cases: number;
  caseMaxNewTokens: number;
  caseOutput: 'expected' | 'own-stop';
  ratioTo: string[];
  rssProbe: boolean;
  synthetic?: boolean;
  checkpoint?: string;
  seed: number;
  promptTokens: number;
  genTokens: number;
  threads: number;
  precision: Precision;
  reps: number;
  warmups: number;
  quantizeLogits?: boolean;
  referenceScheme?: boolean;
  refSteps: number;
  refReps: number;
  json?: boolean;
  roofline?: boolean;
  ops?: boolean | string;
  matrix?: boolean;
  prompts: number[];
  precisions: MatrixVariant[];
  threadCounts: number[];
  out?: string;
  md?: string;
  preset: string;
  sinks?: number;
  cacheDir?: string;
}

async function checkpointFor(f: ProfileFlags, loaded?: NeedleCheckpoint): Promise<NeedleCheckpoint> {
  if (f.model.length !== 1 || f.model[0] !== 'needle') throw new Error(`--model: only "needle" can be profiled alone with these flags, got "${f.model.join(', ')}"`);
  if (loaded) return loaded;
  if (f.checkpoint) return loadCheckpoint(f.checkpoint);
  if (!f.synthetic) throw new Error('give --synthetic (random weights at the release config) or --checkpoint <path>');
  return releaseSyntheticCheckpoint(f.seed);
}

/** `profile` of Needle 2 alone: one profile, or the --matrix table. */
async function profileNeedle2Command(f: ProfileFlags, checkpoint?: Needle2Checkpoint): Promise<void> {
  const { profileNeedle2, syntheticNeedle2 } = await import('../../profile/needle2-profile.ts');
  if (f.ops) throw new Error('--ops: not available for needle-2 yet (v1 only)');
  if (f.referenceScheme) throw new Error("--reference-scheme: v1's run.py scheme; needle-2 has no such decoding");
  if (f.quantizeLogits) throw new Error('--quantize-logits: not available for needle-2 (its tied output layer stays fp32 at every precision)');
  let preset: string | undefined;
  if (!checkpoint) {
    if (!f.synthetic) throw new Error('give --synthetic (random weights at a preset: base = the released 45M) or --checkpoint <path>');
    if (!(f.preset in NEEDLE2_PRESETS)) throw new Error(`--preset: expected one of ${Object.keys(NEEDLE2_PRESETS).join('|')}, got "${f.preset}"`);
    preset = f.preset;
    checkpoint = syntheticNeedle2(f.preset as Needle2PresetName, f.seed);
  }
  if (f.matrix) {
    const { runNeedle2Matrix } = await import('../../profile/needle2-matrix.ts');
    const precisions = f.precisions.map((v) => {
      if (v.quantizeLogits) throw new Error(`--precisions: ${v.precision}+ql is not available for needle-2 (its tied output layer stays fp32)`);
      return v.precision;
    });
    const rows = await runNeedle2Matrix(checkpoint, {
      prompts: f.prompts, precisions, threads: f.threadCounts, genTokens: f.genTokens, repetitions: f.reps, warmups: f.warmups,
      cacheDir: f.cacheDir, preset, roofline: f.roofline, ...(f.sinks !== undefined ? { sinkLen: f.sinks } : {}),
      onRow: (r) => process.stderr.write(`needle-2 ${r.precision} threads=${r.threads} prompt=${r.prompt_tokens}: prefill ${Math.round(r.prefill_tok_s)} tok/s, decode ${Math.round(r.decode_tok_s)} tok/s\n`),
    });
    if (f.out) {
      mkdirSync(dirname(f.out), { recursive: true });
      writeFileSync(f.out, JSON.stringify(rows, null, 2));
    }
    console.log(f.json ? JSON.stringify(rows) : matrixMarkdown(rows));
    return;
  }
  const result = await profileNeedle2(checkpoint, {
    precision: f.precision, threads: f.threads, promptTokens: f.promptTokens, genTokens: f.genTokens, repetitions: f.reps, warmups: f.warmups,
    cacheDir: f.cacheDir, preset, ...(f.sinks !== undefined ? { sinkLen: f.sinks } : {}), ...(f.roofline ? { kernelRates: await measureKernelRates(f.threads) } : {}),
  });
  console.log(f.json ? JSON.stringify(result) : matrixMarkdown([result]));
}

async function sideBySide(f: ProfileFlags): Promise<void> {
  if (!f.synthetic) throw new Error('several models are profiled on synthetic weights at their true size: give --synthetic');
  const { compareModels } = await import('../../profile/side-by-side.ts');
  const { compareMarkdown } = await import('../../profile/compare-markdown.ts');
  const { modelCacheDir } = await import('../../models/registry.ts');
  const shown = new Map<string, number>();
  const result = await compareModels({
    models: f.model,
    threads: f.threads,
    promptTokens: f.promptTokens,
    genTokens: f.genTokens,
    repetitions: f.reps,
    warmups: f.warmups,
    suite: f.suite,
    cases: f.cases,
    caseMaxNewTokens: f.caseMaxNewTokens,
    caseOutput: f.caseOutput,
    cacheRoot: modelCacheDir(),
    ratioTo: f.ratioTo,
    rssProbe: f.rssProbe,
    log: (line) => process.stderr.write(`${line}\n`),
    onProgress: (id) => (done, expected) => {
      const pct = Math.min(100, Math.floor((done / expected) * 100));
      if (pct >= (shown.get(id) ?? -10) + 10) {
        shown.set(id, pct);
        process.stderr.write(`${id}: ${(done / 1e6).toFixed(0)} of ≈${(expected / 1e6).toFixed(0)} MB written (${pct}%)\n`);
      }
    },
  });
  if (f.out) {
    mkdirSync(dirname(f.out), { recursive: true });
    writeFileSync(f.out, JSON.stringify(result, null, 2));
  }
  const md = compareMarkdown(result);
  if (f.md) {
    mkdirSync(dirname(f.md), { recursive: true });
    writeFileSync(f.md, md + '\n');
  }
  console.log(f.json ? JSON.stringify(result) : md);
  if (result.models.every((m) => m.status !== 'ok')) process.exitCode = 1;
}

export function register(program: Command): void {
  program
    .command('profile')
    .description('Measure Needle throughput in onnxruntime-node (prefill/decode tokens per second, TTFT)')
    .option('--model <id>', 'model to profile; repeat it (or give --suite) for the side-by-side profile of several models', (v: string, prev: string[] | undefined) => [...(prev ?? []), v])
    .option('--suite <path>', 'side by side: also time each model end to end on these suite cases')
    .option('--cases <n>', 'side by side: the first n cases of --suite', positiveInt('--cases'), 50)
    .option('--case-max-new-tokens <n>', "side by side: cap on a case's new tokens (each model otherwise stops at its own end tokens)", positiveInt('--case-max-new-tokens'), 32)
    .option('--case-output <mode>', "side by side: expected (exactly the expected answer's tokens in each model's dialect + 1 end token) | own-stop (own end tokens, at most --case-max-new-tokens)", (v: string) => {
      if (v !== 'expected' && v !== 'own-stop') throw new Error(`--case-output: expected "expected" or "own-stop", got "${v}"`);
      return v;
    }, 'expected')
    .option('--ratio-to <ids>', 'side by side: reference models for the ratios (those that finish)', (v: string) => v.split(',').map((x) => x.trim()).filter(Boolean), ['needle', 'needle-2'])
    .option('--no-rss-probe', 'side by side: skip the per-model child process that measures peak RSS')
    .option('--synthetic', 'random weights at the released config (speed does not depend on values)')
    .option('--checkpoint <path>', 'a needle or needle2 .pkl, .safetensors or converted directory, or a needle2 .cact')
    .option('--seed <n>', 'seed of the synthetic weights', nonNegativeInt('--seed'), 1)
    .option('--prompt-tokens <n>', 'prompt length (needle: encoder input; needle-2: one prefill)', positiveInt('--prompt-tokens'), 512)
    .option('--gen-tokens <n>', 'forced decode steps (EOS ignored)', positiveInt('--gen-tokens'), 64)
    .option('--threads <n>', 'onnxruntime intra-op threads', positiveInt('--threads'), 2)
    .option('--precision <p>', 'fp32 | int8 | int4', precision, 'fp32' as Precision)
    .option('--reps <n>', 'measured repetitions', positiveInt('--reps'), 5)
    .option('--warmups <n>', 'warm-up runs (not measured)', nonNegativeInt('--warmups'), 1)
    .option('--quantize-logits', 'int8/int4: also quantize the tied output layer')
    .option('--reference-scheme', "also time run.py's no-KV-cache decoding (512-slot buffer) and report the speed-up")
    .option('--ref-steps <n>', 'decode steps timed for the reference scheme', positiveInt('--ref-steps'), 16)
    .option('--ref-reps <n>', 'measured repetitions of the reference scheme (after one warm-up)', positiveInt('--ref-reps'), 3)
    .option('--json', 'print one JSON object')
    .option('--roofline', "also measure this machine's fp32 GEMV bandwidth and SGEMM rate and report the bounds they set")
    .option('--ops [graph]', "per-operator time from onnxruntime's node profiler: decoder (default; --gen-tokens steps) or encoder (5 prefills)")
    .option('--matrix', 'run the prompts × precisions × threads matrix, print a markdown table')
    .option('--prompts <list>', 'matrix prompt lengths', intList('--prompts'), [128, 512, 1024])
    .option('--precisions <list>', 'matrix precisions: fp32,int8,int4 and int8+ql/int4+ql (output layer quantized too)', variantList, PRECISIONS.map((p) => parseVariant(p)))
    .option('--thread-counts <list>', 'matrix thread counts', intList('--thread-counts'), [1, 2])
    .option('--out <file>', 'matrix / side by side: also write the JSON here')
    .option('--md <file>', 'side by side: also write the markdown table here')
    .option('--sinks <n>', 'needle-2: leading prompt positions pinned as KV sinks (default: the whole prompt, as a real prompt\'s tools are; 0: the window slides over the prompt)', nonNegativeInt('--sinks'))
    .option('--preset <name>', 'needle-2 --synthetic: base (the released 45M) | needle (91M)', 'base')
    .option('--cache-dir <dir>', 'needle-2: ONNX export cache directory (default .cache/onnx-needle2)')
    .action(async (f: ProfileFlags) => {
      // Needle 2 alone: --model needle-2, or a checkpoint that holds Needle 2 with no --model.
      let v1Loaded: NeedleCheckpoint | undefined;
      if (!f.suite && f.model?.length === 1 && f.model[0] === 'needle-2') {
        return profileNeedle2Command(f, f.checkpoint ? ((await loadProfileCheckpoint(f.checkpoint, 2)).checkpoint as Needle2Checkpoint) : undefined);
      }
      if (!f.suite && !f.model && f.checkpoint) {
        const found = await loadProfileCheckpoint(f.checkpoint);
        if (found.generation === 2) return profileNeedle2Command(f, found.checkpoint);
        v1Loaded = found.checkpoint;
      }
      f.model ??= ['needle'];
      if (f.model.length > 1 || f.model[0] !== 'needle' || f.suite) return sideBySide(f);
      const checkpoint = await checkpointFor(f, v1Loaded);
      if (f.ops) {
        const { opProfile, opProfileMarkdown } = await import('../../profile/op-profile.ts');
        if (f.ops !== true && f.ops !== 'encoder' && f.ops !== 'decoder') throw new Error(`--ops: expected encoder or decoder, got "${f.ops}"`);
        const graph = f.ops === 'encoder' ? 'encoder' : 'decoder';
        const p = await opProfile(checkpoint, { graph, precision: f.precision, quantizeLogits: f.quantizeLogits, threads: f.threads, promptTokens: f.promptTokens, steps: graph === 'encoder' ? 5 : f.genTokens });
        console.log(f.json ? JSON.stringify(p) : opProfileMarkdown(p));
        return;
      }
      if (f.matrix) {
        const rows = await runMatrix(checkpoint, {
          prompts: f.prompts,
          variants: f.quantizeLogits ? f.precisions.map((v) => ({ ...v, quantizeLogits: v.precision !== 'fp32' })) : f.precisions,
          threads: f.threadCounts,
          genTokens: f.genTokens,
          repetitions: f.reps,
          warmups: f.warmups,
          reference: { promptTokens: 512, steps: f.refSteps, buffer: 512, repetitions: f.refReps },
          roofline: f.roofline,
          onRow: (r) => process.stderr.write(`${r.precision} threads=${r.threads} prompt=${r.prompt_tokens}: prefill ${Math.round(r.prefill_tok_s)} tok/s, decode ${Math.round(r.decode_tok_s)} tok/s\n`),
        });
        if (f.out) {
          mkdirSync(dirname(f.out), { recursive: true });
          writeFileSync(f.out, JSON.stringify(rows, null, 2));
        }
        console.log(matrixMarkdown(rows));
        return;
      }
      const result = await profileNeedle(checkpoint, {
        precision: f.precision,
        threads: f.threads,
        promptTokens: f.promptTokens,
        genTokens: f.genTokens,
        repetitions: f.reps,
        warmups: f.warmups,
        quantizeLogits: f.quantizeLogits,
        ...(f.roofline ? { kernelRates: await measureKernelRates(f.threads) } : {}),
        ...(f.referenceScheme ? { referenceScheme: { steps: f.refSteps, buffer: 512, repetitions: f.refReps } } : {}),
      });
      if (f.json) console.log(JSON.stringify(result));
      else console.log(matrixMarkdown([result]));
    });
}
