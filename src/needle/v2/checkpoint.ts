// Load a Needle 2 checkpoint: needle2.pkl ({"format_version": 2, "params": Flax tree, "config": dict,
// "step", "run"}, as run.load_checkpoint reads it) through the safe unpickler, a .safetensors file, or
// a converted directory. The tree is checked against the shapes the config implies: the core the LM
// forward needs must be complete; an optional group (mtp branch, probe heads) is either whole or
// absent; anything else is kept and reported in `warnings`.
import { existsSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { Tensor } from '../../checkpoint/tensor.ts';
import { numel } from '../../checkpoint/tensor.ts';
import { CheckpointError, type CheckpointSource } from '../../checkpoint/tree.ts';
import { readRawCheckpoint, writeConverted, type ConvertResult, type RawCheckpoint } from '../../checkpoint/raw.ts';
import { expectedShapes, Needle2ConfigError, resolveNeedle2Config, type Needle2Config, type ParamGroup } from './config.ts';

/** run.CHECKPOINT_FORMAT_VERSION: what load_checkpoint requires of a pickle. */
export const CHECKPOINT_FORMAT_VERSION = 2;
/** Names a Needle 2 checkpoint directory's pickle may have. */
export const NEEDLE2_PICKLE_NAMES = ['needle2.pkl', 'checkpoints/needle2.pkl'];
export const NEEDLE2_TOKENIZER_NAME = 'tokenizer.model';
/** Where Needle 2's SentencePiece model sits beside a checkpoint (the hub keeps it as tokenizer/tokenizer.model). */
export const NEEDLE2_TOKENIZER_NAMES = ['tokenizer/tokenizer.model', NEEDLE2_TOKENIZER_NAME];

export function findNeedle2Tokenizer(checkpointPath: string): string | undefined {
  const dir = existsSync(checkpointPath) && statSync(checkpointPath).isDirectory() ? checkpointPath : dirname(checkpointPath);
  return NEEDLE2_TOKENIZER_NAMES.map((n) => join(dir, n)).find((c) => existsSync(c));
}

export interface Needle2Checkpoint {
  config: Needle2Config;
  params: Map<string, Tensor>;
  /** The optional groups present besides `core`. */
  groups: ParamGroup[];
  source: CheckpointSource;
  /** step / run / format_version as the file carries them. */
  meta: Record<string, unknown>;
  warnings?: string[];
}

const FLOAT_DTYPES = new Set(['float16', 'bfloat16', 'float32', 'float64']);

function same(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}

/** Check params against the config's tree; returns the optional groups present and warnings. */
export function validateNeedle2Params(params: Map<string, Tensor>, config: Needle2Config, where: string): { groups: ParamGroup[]; warnings: string[] } {
  const expected = expectedShapes(config);
  const byGroup = new Map<ParamGroup, string[]>();
  for (const [key, { group }] of expected) byGroup.set(group, [...(byGroup.get(group) ?? []), key]);
  const groups: ParamGroup[] = [];
  for (const [group, keys] of byGroup) {
    const present = keys.filter((k) => params.has(k));
    if (group !== 'core' && present.length === 0) continue;
    const missing = keys.find((k) => !params.has(k));
    if (missing) {
      const shape = expected.get(missing)?.shape ?? [];
      throw new CheckpointError(`${where}: missing parameter ${missing} (expected shape [${shape.join(', ')}])${group === 'core' ? '' : ` of the ${group} group, of which ${present.length} of ${keys.length} tensors are present`}`);
    }
    for (const k of keys) {
      const t = params.get(k) as Tensor;
      const shape = expected.get(k)?.shape ?? [];
      if (!same(t.shape, shape)) throw new CheckpointError(`${where}: parameter ${k} has shape [${t.shape.join(', ')}], the config implies [${shape.join(', ')}]`);
      if (!FLOAT_DTYPES.has(t.dtype)) throw new CheckpointError(`${where}: parameter ${k} has dtype ${t.dtype}, expected a float type`);
    }
    if (group !== 'core') groups.push(group);
  }
  const extras = [...params.keys()].filter((k) => !expected.has(k));
  const warnings = extras.length ? [`${where}: ${extras.length} parameter(s) not used by this config (kept, ignored): ${extras.slice(0, 10).join(', ')}${extras.length > 10 ? ', …' : ''}`] : [];
  return { groups, warnings };
}

/** Does a raw checkpoint look like Needle 2's (format_version 2, or a config/tree only Needle 2 has)? */
export function isNeedle2(raw: RawCheckpoint): boolean {
  const v = raw.meta.format_version;
  if (v === CHECKPOINT_FORMAT_VERSION || v === String(CHECKPOINT_FORMAT_VERSION)) return true;
  if (raw.params.has('stack/mhc_phi_pre')) return true;
  const c = raw.rawConfig;
  return !!c && typeof c === 'object' && ('num_layers' in c || 'mhc_lanes' in c);
}

/** Resolve the config and validate the tree: the checkpoint the runtime uses. */
export function finishNeedle2Checkpoint(raw: RawCheckpoint): Needle2Checkpoint {
  const where = raw.source.path;
  if (raw.source.format === 'pickle') {
    // run.load_checkpoint refuses anything else: an old encoder-decoder checkpoint would misload.
    const v = raw.meta.format_version;
    if (v !== CHECKPOINT_FORMAT_VERSION) throw new CheckpointError(`${where}: not a format-v${CHECKPOINT_FORMAT_VERSION} checkpoint (format_version=${v === undefined ? 'absent' : JSON.stringify(v)}); Needle v1 encoder-decoder checkpoints are a different model`);
  }
  if (raw.rawConfig === undefined) throw new CheckpointError(`${raw.configFrom}: no config`);
  if (raw.rawConfig === null || typeof raw.rawConfig !== 'object' || Array.isArray(raw.rawConfig)) throw new CheckpointError(`${raw.configFrom}: config must be a dict, got ${raw.rawConfig === null ? 'None' : typeof raw.rawConfig}`);
  let config: Needle2Config;
  try {
    config = resolveNeedle2Config(raw.rawConfig as Record<string, unknown>, `${raw.configFrom}: config`);
  } catch (e) {
    if (e instanceof Needle2ConfigError) throw new CheckpointError(e.message);
    throw e;
  }
  const { groups, warnings } = validateNeedle2Params(raw.params, config, where);
  return { config, params: raw.params, groups, source: raw.source, meta: raw.meta, ...(warnings.length ? { warnings } : {}) };
}

/** Load needle2.pkl, a .safetensors file, or a converted directory. */
export async function loadNeedle2Checkpoint(path: string): Promise<Needle2Checkpoint> {
  return finishNeedle2Checkpoint(await readRawCheckpoint(path, { pickleNames: NEEDLE2_PICKLE_NAMES }));
}

export function needle2ParameterCount(ckpt: Needle2Checkpoint): number {
  let n = 0;
  for (const t of ckpt.params.values()) n += numel(t.shape);
  return n;
}

/** The config as JSON: every TransformerConfig field explicit, then the extra keys as found. */
export function needle2ConfigToJson(config: Needle2Config): Record<string, unknown> {
  const { extra, ...fields } = config;
  return { ...fields, ...(extra ?? {}) };
}

/** model.safetensors + config.json (+ tokenizer.model); format_version rides in the metadata so the directory stays recognisably Needle 2. */
export async function writeNeedle2Converted(ckpt: Needle2Checkpoint, outDir: string, tokenizer?: string): Promise<ConvertResult> {
  const metadata: Record<string, string> = { format_version: String(CHECKPOINT_FORMAT_VERSION), model: 'needle-2' };
  if (ckpt.meta.step !== undefined && ckpt.meta.step !== null) metadata.step = String(ckpt.meta.step);
  if (ckpt.meta.lora !== undefined) metadata.lora = String(ckpt.meta.lora);
  return writeConverted({ params: ckpt.params, configJson: needle2ConfigToJson(ckpt.config), source: ckpt.source, metadata }, outDir, tokenizer, NEEDLE2_TOKENIZER_NAME);
}
