// True-size synthetic baseline folders: the family graph (src/onnx/architectures) at the real config
// (true-size.ts), q4 MatMulNBits with external data exactly as the registry entry loads it, in the
// fused-op form of the real q4 exports (SYNTHETIC_FORM; docs/baselines.md), written once
// into `$NEEDLE_BENCH_CACHE/synthetic/<model>@<config-hash>/model/` and reused (the model folder is one
// level down because transformers.js resolves local model names only when they look like hub ids). Weights are a cheap PRNG fill
// streamed to disk tensor by tensor (FastRng, ExternalDataFile), so ~600M parameters take seconds and
// about one tensor of memory. The tokenizer is synthetic: a byte-level / SentencePiece-style BPE
// (tiny-tokenizer.ts) trained on the family's chat template and on prompts that template renders for
// BFCL cases (not the profiled suite), with the family's real special tokens; the real tokenizers are
// not shipped with this project, so prompt token counts are this tokenizer's, stated as such.
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { BuildOptions } from '../../onnx/architectures/common.ts';
import type { InitializerInfo } from '../../onnx/builder.ts';
import { ExternalDataFile } from '../../onnx/external-data.ts';
import { CHAT_TEMPLATE_DIR, TINY_CORPUS_EXTRA, TINY_FAMILIES, writeFolderFiles } from '../../onnx/architectures/tiny-models.ts';
import { buildTinyTokenizer, type TinyTokenizer } from '../../onnx/architectures/tiny-tokenizer.ts';
import { buildFamily, parameterCount, type TrueSizeSpec } from './true-size.ts';

/** Bump when the folder's content would change for the same config (builder, tokenizer, layout). */
const FORMAT = 3;

/** How the graph is written: plain ai.onnx ops, or the real exports' fused ops and MatMulNBits accuracy level. */
export type GraphForm = Pick<BuildOptions, 'fused' | 'accuracyLevel' | 'q4Table'>;

/**
 * The form of the synthetic baselines: the fused ops (GroupQueryAttention, RotaryEmbedding,
 * (Skip)SimplifiedLayerNormalization) and accuracy_level 4 of LiquidAI's and onnxruntime-genai's CPU
 * int4 exports. Level 4 is verified for LiquidAI's exporter only; for the onnx-community files it is
 * the assumption that favours the baselines (docs/baselines.md "What the real q4 files hold").
 */
export const SYNTHETIC_FORM: GraphForm = { fused: true, accuracyLevel: 4 };
/** The plain form the first side-by-side tables were measured with (kept for A/B measurements). */
export const PLAIN_FORM: GraphForm = {};
export const SYNTHETIC_TOKENIZER_MERGES = 1500;
export const MARKER = 'synthetic.json';

/** Parameters a graph holds: HF-named initializers, q4 codes counted as the elements they encode. */
export function graphParameterCount(initializers: InitializerInfo[]): number {
  let n = 0;
  for (const t of initializers) {
    if (!t.name.startsWith('model.') || t.name.endsWith('.scales')) continue;
    // MatMulNBits codes [N, K/32, 16 bytes] stand for N·K weights.
    if (t.name.endsWith('.q4')) n += t.dims[0] * t.dims[1] * 32;
    else n += t.dims.reduce((a, b) => a * b, 1);
  }
  return n;
}

export function directoryBytes(dir: string): number {
  let n = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    n += e.isDirectory() ? directoryBytes(p) : statSync(p).size;
  }
  return n;
}

/**
 * Removes `<id>@<other hash>` folders beside the one just written: a config change leaves one
 * folder per model on disk, not one per config ever built. In-progress `.partial-<pid>` folders of
 * other processes are left alone.
 */
export function pruneOtherConfigs(syntheticDir: string, id: string, keep: string): void {
  for (const name of readdirSync(syntheticDir)) {
    if (name.startsWith(`${id}@`) && !name.includes('.partial-') && join(syntheticDir, name) !== keep) rmSync(join(syntheticDir, name), { recursive: true, force: true });
  }
}

/** What a builder reports of the model folder it wrote (the cache adds the rest). */
export type BuiltFolder = Omit<SyntheticFolder, 'id' | 'configHash' | 'root' | 'dir' | 'reused' | 'buildMs' | 'diskBytes'>;

/**
 * The write-once protocol of every synthetic folder: `<cacheRoot>/synthetic/<id>@<hash>/` holds the
 * model in `model/` and the MARKER beside it. A folder with its marker is reused; otherwise `build`
 * writes into `<root>.partial-<pid>/model`, the marker goes in last and the folder is renamed into
 * place (a crash leaves no half folder that looks done), and the model's other configs are pruned.
 */
export async function cachedSyntheticFolder(
  o: { cacheRoot: string; id: string; hash: string; keepOtherConfigs?: boolean; onStart?: (root: string) => void },
  build: (modelDir: string) => Promise<BuiltFolder>,
): Promise<SyntheticFolder> {
  const root = join(o.cacheRoot, 'synthetic', `${o.id}@${o.hash}`);
  const marker = join(root, MARKER);
  if (existsSync(marker)) return { ...(JSON.parse(readFileSync(marker, 'utf8')) as SyntheticFolder), root, dir: join(root, 'model'), reused: true };
  o.onStart?.(root);
  const t0 = performance.now();
  const tmpRoot = `${root}.partial-${process.pid}`;
  const tmp = join(tmpRoot, 'model');
  rmSync(tmpRoot, { recursive: true, force: true });
  mkdirSync(tmp, { recursive: true });
  try {
    const built = await build(tmp);
    const folder = { id: o.id, configHash: o.hash, buildMs: Math.round(performance.now() - t0), ...built, diskBytes: directoryBytes(tmp) };
    writeFileSync(join(tmpRoot, MARKER), JSON.stringify(folder, null, 2));
    rmSync(root, { recursive: true, force: true });
    renameSync(tmpRoot, root);
    if (!o.keepOtherConfigs) pruneOtherConfigs(join(o.cacheRoot, 'synthetic'), o.id, root);
    return { ...folder, root, dir: join(root, 'model'), reused: false };
  } catch (e) {
    rmSync(tmpRoot, { recursive: true, force: true });
    throw e;
  }
}

/**
 * Fills the tokenizer's vocabulary with `<unused_N>` pieces up to the model's vocabulary (no merge
 * ever produces them), so every id a random model emits decodes — as with the real tokenizer, whose
 * size is the model's.
 */
export function padVocabulary(tok: TinyTokenizer, vocab: number): TinyTokenizer {
  if (tok.vocabSize > vocab) throw new Error(`synthetic tokenizer has ${tok.vocabSize} tokens, more than the model's vocabulary ${vocab}`);
  const model = tok.json.model as { vocab: Record<string, number> };
  for (let id = tok.vocabSize; id < vocab; id++) model.vocab[`<unused_${id}>`] = id;
  return { ...tok, vocabSize: vocab };
}

export interface SyntheticFolder {
  id: string;
  /** `<cache>/synthetic/<id>@<hash>`: what the cache holds for this model. */
  root: string;
  /** The model folder itself (root/model). */
  dir: string;
  configHash: string;
  /** True when an earlier run had written it. */
  reused: boolean;
  buildMs: number;
  diskBytes: number;
  onnxBytes: number;
  parameterCount: number;
  /** Parameters counted over the written graph's initializers (equals parameterCount). */
  graphParameterCount: number;
  /** The graph form written (SYNTHETIC_FORM unless asked otherwise). */
  graphForm?: GraphForm;
  tokenizer: { kind: 'synthetic-bpe'; merges: number; vocab: number; pieces?: number; note: string };
}

export interface BuildProgress {
  (done: number, expected: number): void;
}

/** The prompts a family's template renders for BFCL cases: the synthetic tokenizer's training text. */
export type TokenizerCorpus = () => Promise<string>;

function configHash(spec: TrueSizeSpec, corpusHash: string, form: GraphForm): string {
  const graphForm = { fused: form.fused ?? false, accuracyLevel: form.accuracyLevel ?? null, q4Table: form.q4Table ?? false };
  return createHash('sha256').update(JSON.stringify({ FORMAT, arch: spec.arch, family: spec.tinyFamily, merges: SYNTHETIC_TOKENIZER_MERGES, corpusHash, graphForm })).digest('hex').slice(0, 12);
}

/** Expected bytes of the external data: fp32 or int4 table + q4 kernels (0.625 B per weight); for progress. */
function expectedDataBytes(spec: TrueSizeSpec, form: GraphForm): number {
  const d = spec.arch.dims as { vocab: number; hidden: number };
  const embedding = d.vocab * d.hidden;
  return embedding * (form.q4Table ? 0.625 : 4) + (parameterCount(spec.arch) - embedding) * 0.625;
}

export async function ensureSyntheticBaseline(
  spec: TrueSizeSpec,
  o: {
    cacheRoot: string;
    corpus: TokenizerCorpus;
    onProgress?: BuildProgress;
    onStart?: (dir: string) => void;
    /** Graph form (default SYNTHETIC_FORM + spec.form); A/B measurements pass PLAIN_FORM. */
    form?: GraphForm;
    /** Keep this model's folders of other configs/forms (default: prune them). */
    keepOtherConfigs?: boolean;
  },
): Promise<SyntheticFolder> {
  // The common form plus what this family's real file adds (TrueSizeSpec.form); `o.form` replaces both.
  const form = o.form ?? { ...SYNTHETIC_FORM, ...spec.form };
  const family = TINY_FAMILIES[spec.tinyFamily];
  const chatTemplate = readFileSync(join(CHAT_TEMPLATE_DIR, family.template), 'utf8');
  const corpus = await o.corpus();
  const corpusHash = createHash('sha256').update(chatTemplate).update(corpus).digest('hex');
  const hash = configHash(spec, corpusHash, form);
  return cachedSyntheticFolder({ cacheRoot: o.cacheRoot, id: spec.registryId, hash, keepOtherConfigs: o.keepOtherConfigs, onStart: o.onStart }, async (tmp) => {
    mkdirSync(join(tmp, 'onnx'), { recursive: true });
    const trained = buildTinyTokenizer(chatTemplate + TINY_CORPUS_EXTRA + corpus, family.added, SYNTHETIC_TOKENIZER_MERGES, family.tokenizerStyle);
    const pieces = trained.vocabSize;
    const tok = padVocabulary(trained, (spec.arch.dims as { vocab: number }).vocab);
    const expected = expectedDataBytes(spec, form);
    const data = new ExternalDataFile(join(tmp, 'onnx', 'model_q4.onnx_data'), (done) => o.onProgress?.(done, expected));
    let model;
    try {
      model = buildFamily(spec.arch, { q4: true, synthetic: { sink: data }, ...form });
    } finally {
      data.close();
    }
    writeFileSync(join(tmp, 'onnx', 'model_q4.onnx'), model.onnx);
    writeFolderFiles(tmp, family, tok, chatTemplate, model.config, { dtype: 'q4', externalData: true });
    const counted = graphParameterCount(model.builder.initializerInfo());
    const expectedCount = parameterCount(spec.arch);
    if (counted !== expectedCount) throw new Error(`${spec.registryId}: the graph holds ${counted} parameters, its config implies ${expectedCount}`);
    return {
      onnxBytes: model.onnx.byteLength + data.bytes,
      parameterCount: expectedCount,
      graphParameterCount: counted,
      graphForm: form,
      tokenizer: {
        kind: 'synthetic-bpe',
        merges: SYNTHETIC_TOKENIZER_MERGES,
        vocab: tok.vocabSize,
        pieces,
        note: `synthetic ${family.tokenizerStyle} BPE (${pieces} trained pieces padded with unused ones to the model's ${tok.vocabSize}; ${SYNTHETIC_TOKENIZER_MERGES} merges on the ${family.template} template and BFCL prompts it renders) with the family's real special tokens; the real tokenizer is not shipped, so token counts are this tokenizer's`,
      },
    };
  });
}
