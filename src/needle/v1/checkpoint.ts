// Load a Needle checkpoint from any of its forms into the runtime's NeedleCheckpoint:
//  - the released pickle (needle.pkl: {"params": Flax tree, "config": dict}), via the safe unpickler;
//  - a .safetensors file (flat "/"-joined keys; config in __metadata__.config or a sibling config.json);
//  - a converted directory (model.safetensors + config.json), as written by `needle-bench convert`.
// Needle's own .safetensors checkpoints (same flat keys, config in __metadata__.config) load as-is.
// The parameter tree is checked against the shapes the config implies: a missing or misshapen
// parameter is an error naming it; parameters the config does not explain are kept but reported in
// `warnings` (so a newer checkpoint with extra heads still loads, and nothing is silently dropped).
import type { NeedleCheckpoint, NeedleConfig } from './types.ts';
import type { Tensor } from '../../checkpoint/tensor.ts';
import { ConfigError, expectedShapes, resolveConfig } from './config.ts';
import { CheckpointError } from '../../checkpoint/tree.ts';
import { rawFromPickle, readRawCheckpoint as readRaw, writeConverted as writeDir, type ConvertResult, type RawCheckpoint } from '../../checkpoint/raw.ts';
import { CONVERTED_TOKENIZER } from './tokenizer-files.ts';
export { findTokenizer } from './tokenizer-files.ts';
import { numel } from '../../checkpoint/tensor.ts';
import { isNeedle2 } from '../v2/checkpoint.ts';

export { CheckpointError, flattenParams, toPlain } from '../../checkpoint/tree.ts';
export { CONVERTED_CONFIG, CONVERTED_WEIGHTS, METADATA_CONFIG_KEY } from '../../checkpoint/raw.ts';
export type { ConvertResult, RawCheckpoint } from '../../checkpoint/raw.ts';

const FLOAT_DTYPES = new Set(['float16', 'bfloat16', 'float32', 'float64']);

function configOrThrow(raw: unknown, where: string): NeedleConfig {
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) throw new CheckpointError(`${where}: config must be a dict, got ${raw === null ? 'None' : typeof raw}`);
  try {
    return resolveConfig(raw as Record<string, unknown>, `${where}: config`);
  } catch (e) {
    if (e instanceof ConfigError) throw new CheckpointError(e.message);
    throw e;
  }
}

/** Check params against the shapes the config implies; returns warnings for unexplained extras. */
export function validateParams(params: Map<string, Tensor>, config: NeedleConfig, where: string): string[] {
  const expected = expectedShapes(config);
  for (const [key, shape] of expected) {
    const t = params.get(key);
    if (!t) throw new CheckpointError(`${where}: missing parameter ${key} (expected shape [${shape.join(', ')}])`);
    if (t.shape.length !== shape.length || t.shape.some((d, i) => d !== shape[i])) {
      throw new CheckpointError(`${where}: parameter ${key} has shape [${t.shape.join(', ')}], the config implies [${shape.join(', ')}]`);
    }
    if (!FLOAT_DTYPES.has(t.dtype)) throw new CheckpointError(`${where}: parameter ${key} has dtype ${t.dtype}, expected a float type`);
  }
  const extras = [...params.keys()].filter((k) => !expected.has(k));
  return extras.length ? [`${where}: ${extras.length} parameter(s) not used by this config (kept, ignored): ${extras.slice(0, 10).join(', ')}${extras.length > 10 ? ', …' : ''}`] : [];
}

/** Read a .pkl, a .safetensors, or a converted directory (needle.pkl inside) without validating it against a config. */
export async function readRawCheckpoint(path: string): Promise<RawCheckpoint> {
  return readRaw(path, { pickleNames: ['needle.pkl'] });
}

/** Resolve the config and validate the tree: the checkpoint the runtime uses. */
export function finishCheckpoint(raw: RawCheckpoint): NeedleCheckpoint {
  if (raw.rawConfig === undefined) throw new CheckpointError(`${raw.configFrom}: no config`);
  const config = configOrThrow(raw.rawConfig, raw.configFrom);
  const warnings = validateParams(raw.params, config, raw.source.path);
  return { config, params: raw.params, source: raw.source, ...(warnings.length ? { warnings } : {}) };
}

/** Parse a pickled checkpoint held in memory. */
export function checkpointFromPickle(bytes: Uint8Array, path: string): NeedleCheckpoint {
  return finishCheckpoint(rawFromPickle(bytes, path));
}

/** Load a .pkl, a .safetensors, or a converted directory. */
export async function loadCheckpoint(path: string): Promise<NeedleCheckpoint> {
  // A Needle 2 file is a different model (decoder-only): say where it runs instead of a missing-tensor error.
  const pointer = (what: string) => new CheckpointError(`${path}: ${what}, not a Needle v1 checkpoint; run it with the needle2 provider (--model needle2:${path})`);
  if (path.endsWith('.cact')) throw pointer('a Needle 2 .cact engine file');
  const raw = await readRawCheckpoint(path);
  if (isNeedle2(raw)) throw pointer('a Needle 2 checkpoint (format_version 2 / its config)');
  return finishCheckpoint(raw);
}

/** Total number of parameter elements. */
export function parameterCount(ckpt: NeedleCheckpoint): number {
  let n = 0;
  for (const t of ckpt.params.values()) n += numel(t.shape);
  return n;
}

/** The config as JSON: every TransformerConfig field explicit, then the extra keys as found. */
export function configToJson(config: NeedleConfig): Record<string, unknown> {
  const { extra, ...fields } = config;
  const plain = (v: unknown): unknown =>
    typeof v === 'bigint' ? (Number.isSafeInteger(Number(v)) ? Number(v) : v.toString()) : Array.isArray(v) ? v.map(plain) : v && typeof v === 'object' ? Object.fromEntries(Object.entries(v).map(([k, x]) => [k, plain(x)])) : v;
  return plain({ ...fields, ...(extra ?? {}) }) as Record<string, unknown>;
}

/** Write a converted directory: model.safetensors (flat keys, dtypes kept) + config.json (+ tokenizer.model). */
export async function writeConverted(ckpt: NeedleCheckpoint, outDir: string, tokenizer?: string): Promise<ConvertResult> {
  return writeDir({ params: ckpt.params, configJson: configToJson(ckpt.config), source: ckpt.source }, outDir, tokenizer, CONVERTED_TOKENIZER);
}
