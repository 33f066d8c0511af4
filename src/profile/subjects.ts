// What the side-by-side profile runs for each model id: the registry entry, a folder its provider
// loads (the model's own files when they ship with the project, else synthetic weights at its true
// size, src/profile/synthetic), the provider itself (the same class a suite run uses) and the facts a
// row needs (size, dtype, bytes a decode step reads). A model with no synthetic builder, or whose
// build fails, becomes a failed subject with the reason; the others are unaffected.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { modelRegistry, REPO_ROOT, type ModelEntry } from '../models/registry.ts';
import { renderPrompt } from '../prompts/chat-template.ts';
import { NeedleProvider, resolveNeedleFiles } from '../providers/needle.ts';
import { Needle2Provider } from '../providers/needle2.ts';
import { TransformersProvider } from '../providers/transformers.ts';
import type { ForcedDecoding, Provider } from '../providers/types.ts';
import { loadSuite } from '../suite/load.ts';
import { decodeBytesPerStep } from './roofline.ts';
import { needle2AttendedKeys, needle2DecodeBytesPerStep } from './needle2-roofline.ts';
import { directoryBytes, ensureSyntheticBaseline, type BuildProgress, type SyntheticFolder } from './synthetic/baseline-folder.ts';
import { ensureSyntheticNeedle } from './synthetic/needle-folder.ts';
import { ensureSyntheticNeedle2 } from './synthetic/needle2-folder.ts';
import { cacheLayers, kvBytesPerStep, TRUE_SIZE, type TrueSizeSpec } from './synthetic/true-size.ts';
import type { NeedleConfig } from '../needle/v1/types.ts';
import type { Needle2Config } from '../needle/v2/config.ts';
import type { Needle2Precision } from '../needle/v2/export.ts';

export interface SubjectSpec {
  /** How the probe child re-creates the provider: provider prefix, spec and options. */
  provider: 'needle' | 'needle2' | 'transformers';
  spec: string;
  options: Record<string, unknown>;
}

export interface Subject {
  id: string;
  entry: ModelEntry;
  weights: 'synthetic' | 'real';
  folder: SyntheticFolder;
  dtype: string;
  providerSpec: SubjectSpec;
  provider: Provider & ForcedDecoding;
  /** Bytes one decode step reads with `cached` tokens in the cache and a `prompt`-token prompt. */
  bytesPerStep(prompt: number, cached: number): number;
  /**
   * Writes the ONNX export the provider's load() would otherwise write on a cold cache (Needle's
   * engines export from the weights): part of the build, so the memory probe and the load measure
   * a load from the cache, as every run after the first is, not the one-off export's transient.
   */
  exportOnnx?: () => Promise<{ reused: boolean; ms: number }>;
}

export function createProvider(s: SubjectSpec): Provider & ForcedDecoding {
  const options = { cacheDir: '', ...s.options } as { cacheDir: string } & Record<string, unknown>;
  if (s.provider === 'needle') return new NeedleProvider(s.spec, options);
  if (s.provider === 'needle2') return new Needle2Provider(s.spec, options);
  return new TransformersProvider(s.spec, options);
}

export interface PrepareOptions {
  cacheRoot: string;
  threads: number;
  caseMaxNewTokens: number;
  onProgress?: (id: string) => BuildProgress;
  log?: (line: string) => void;
  /** Architectures by registry id (default TRUE_SIZE; tests give small ones). */
  trueSize?: Record<string, TrueSizeSpec>;
  /** Needle's synthetic config (default the release config; tests give a small one). */
  needleConfig?: NeedleConfig;
  /** Needle 2's synthetic config (default the released 45M `base` preset; tests give a small one). */
  needle2Config?: Needle2Config;
}

/** Prompts a baseline's own template renders for BFCL cases: its synthetic tokenizer's training text. */
async function bfclPrompts(entry: ModelEntry): Promise<string> {
  const suite = await loadSuite(join(REPO_ROOT, 'suites/bfcl'));
  const step = Math.max(1, Math.floor(suite.cases.length / 40));
  return suite.cases
    .filter((_, i) => i % step === 0)
    .slice(0, 40)
    .map((c) => renderPrompt(entry, c).prompt)
    .join('\n');
}

/** A model's own files shipped with the project (needle-tiny): run as they are. */
function localFolder(id: string, entry: ModelEntry, dir: string): SyntheticFolder {
  const n = entry.parameterCount ?? 0;
  return { id, root: dir, dir, configHash: '', reused: true, buildMs: 0, diskBytes: directoryBytes(dir), onnxBytes: 0, parameterCount: n, graphParameterCount: n, tokenizer: { kind: 'synthetic-bpe', merges: 0, vocab: 0, note: "the model's own tokenizer" } };
}

/**
 * The folder a Needle-generation model runs from: its own files when they ship with the project,
 * else synthetic weights at the released config (only `syntheticId` has one).
 */
async function needleFolder(id: string, entry: ModelEntry, syntheticId: string, build: () => Promise<SyntheticFolder>): Promise<{ folder: SyntheticFolder; weights: Subject['weights'] }> {
  if (entry.local && existsSync(join(REPO_ROOT, entry.local))) return { weights: 'real', folder: localFolder(id, entry, join(REPO_ROOT, entry.local)) };
  if (id === syntheticId) return { weights: 'synthetic', folder: await build() };
  throw new Error(`${id}: no synthetic builder for this ${entry.provider}-provider model (only the released "${syntheticId}" config is known) and no local weights`);
}

/** How a Needle provider is created for the profile: constrained, capped, its exports in `onnxCacheDir`. */
function needleSpec(provider: 'needle' | 'needle2', folder: SyntheticFolder, precision: string, o: PrepareOptions, onnxCacheDir: string): SubjectSpec {
  return { provider, spec: `${provider}:${folder.dir}`, options: { threads: o.threads, maxNewTokens: o.caseMaxNewTokens, precision, constrained: true, onnxCacheDir } };
}

/** Builds (or reuses) the files of `id` and returns its subject, not yet loaded. */
export async function prepareSubject(id: string, o: PrepareOptions): Promise<Subject> {
  const entry = modelRegistry().get(id);
  if (!entry) throw new Error(`"${id}" is not a registered model (models/*.json)`);
  if (entry.provider === 'needle') {
    const precision = ((entry.generation as { precision?: string }).precision ?? 'fp32') as 'fp32' | 'int8' | 'int4';
    const { folder, weights } = await needleFolder(id, entry, 'needle', () => ensureSyntheticNeedle({ cacheRoot: o.cacheRoot, config: o.needleConfig }));
    const onnxCacheDir = join(o.cacheRoot, 'synthetic', 'needle-onnx');
    const providerSpec = needleSpec('needle', folder, precision, o, onnxCacheDir);
    const provider = createProvider(providerSpec) as NeedleProvider;
    return {
      id,
      entry,
      weights,
      folder,
      dtype: precision,
      providerSpec,
      provider,
      bytesPerStep: (prompt, cached) => decodeBytesPerStep(provider.dims, precision, false, prompt, cached),
      exportOnnx: async () => {
        const [{ loadCheckpoint }, { exportToCache }] = await Promise.all([import('../needle/v1/checkpoint.ts'), import('../needle/v1/export-cache.ts')]);
        // The options NeedleEngine.create passes for the provider's settings (its defaults: no logit
        // quantization, 2048 positions); test/profile/side-by-side.test.ts checks the load then hits.
        const e = exportToCache(await loadCheckpoint(resolveNeedleFiles(folder.dir).checkpoint), { precision, quantizeLogits: false, maxPositions: 2048 }, onnxCacheDir);
        return { reused: e.hit, ms: Math.round(e.exportMs) };
      },
    };
  }
  if (entry.provider === 'needle2') {
    const precision = ((entry.generation as { precision?: string }).precision ?? 'fp32') as Needle2Precision;
    const { folder, weights } = await needleFolder(id, entry, 'needle-2', () => ensureSyntheticNeedle2({ cacheRoot: o.cacheRoot, config: o.needle2Config }));
    const onnxCacheDir = join(o.cacheRoot, 'synthetic', 'needle2-onnx');
    const providerSpec = needleSpec('needle2', folder, precision, o, onnxCacheDir);
    const provider = createProvider(providerSpec) as Needle2Provider;
    return {
      id,
      entry,
      weights,
      folder,
      dtype: precision,
      providerSpec,
      provider,
      bytesPerStep: (prompt, cached) => {
        if (!provider.engine) throw new Error(`${id}: bytes per step before load()`);
        // forcedRun pins the whole synthetic prompt as KV sinks, as a real prompt's tools are.
        return needle2DecodeBytesPerStep(provider.engine.config, precision, needle2AttendedKeys(prompt + cached, provider.engine.window, prompt));
      },
      exportOnnx: async () => {
        const [{ loadNeedle2Checkpoint }, { needle2ExportToCache }] = await Promise.all([import('../needle/v2/checkpoint.ts'), import('../needle/v2/export-cache.ts')]);
        // The options Needle2Engine.create passes; test/profile/side-by-side.test.ts checks the load then hits.
        const e = needle2ExportToCache(await loadNeedle2Checkpoint(folder.dir), { precision }, onnxCacheDir);
        return { reused: e.hit, ms: Math.round(e.exportMs) };
      },
    };
  }
  if (entry.provider === 'transformers') {
    const spec = (o.trueSize ?? TRUE_SIZE)[id];
    if (!spec) throw new Error(`${id}: no true-size synthetic config (src/profile/synthetic/true-size.ts)`);
    const folder = await ensureSyntheticBaseline(spec, { cacheRoot: o.cacheRoot, corpus: () => bfclPrompts(entry), onProgress: o.onProgress?.(id), onStart: (dir) => o.log?.(`${id}: writing synthetic weights at the true size into ${dir}`) });
    const providerSpec: SubjectSpec = { provider: 'transformers', spec: `transformers:${folder.dir}#${id}`, options: { threads: o.threads, maxNewTokens: o.caseMaxNewTokens } };
    const layers = cacheLayers(spec.arch);
    // Every initializer is read once per step: the q4 kernels and the token table the output layer reads whole (fp32, or int4 where the spec sets q4Table).
    const weightBytes = folder.onnxBytes;
    return {
      id,
      entry,
      weights: 'synthetic',
      folder,
      dtype: entry.dtype ?? 'fp32',
      providerSpec,
      provider: createProvider(providerSpec),
      bytesPerStep: (prompt, cached) => weightBytes + kvBytesPerStep(layers, prompt + cached),
    };
  }
  throw new Error(`${id}: no synthetic builder for provider "${entry.provider}" (src/profile/subjects.ts)`);
}

