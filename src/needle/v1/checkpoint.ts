// Load a Needle checkpoint from any of its forms into the runtime's NeedleCheckpoint:
//  - the released pickle (needle.pkl: {"params": Flax tree, "config": dict}), via the safe unpickler;
//  - a .safetensors file (flat "/"-joined keys; config in __metadata__.config or a sibling config.json);
//  - a converted directory (model.safetensors + config.json), as written by `needle-bench convert`.
// Needle's own .safetensors checkpoints (same flat keys, config in __metadata__.config) load as-is.
// The parameter tree is checked against the shapes the config implies: a missing or misshapen
// parameter is an error naming it; parameters the config does not explain are kept but reported in
// `warnings` (so a newer checkpoint with extra heads still loads, and nothing is silently dropped).
import { createHash } from 'node:crypto';
import { existsSync, statSync } from 'node:fs';
import { copyFile, mkdir, readFile, writeFile } from 'node:fs/promises';
import { basename, dirname, extname, join, relative, resolve } from 'node:path';
import type { NeedleCheckpoint, NeedleConfig } from './types.ts';
import type { Tensor } from '../../checkpoint/tensor.ts';
import { ConfigError, expectedShapes, resolveConfig } from './config.ts';
import { NdArray, PickleError, PyTuple, typeName, unpickle, type PyValue } from '../../checkpoint/pickle.ts';
import { parseSafetensors, serializeSafetensors } from '../../checkpoint/safetensors.ts';
import { CONVERTED_TOKENIZER } from './tokenizer-files.ts';
export { findTokenizer } from './tokenizer-files.ts';
import { numel, tensorToFloat32 } from '../../checkpoint/tensor.ts';

export class CheckpointError extends Error {
  override name = 'CheckpointError';
}

export const CONVERTED_WEIGHTS = 'model.safetensors';
export const CONVERTED_CONFIG = 'config.json';
/**
 * __metadata__ key holding the config (JSON) inside a .safetensors checkpoint. Needle's own
 * safetensors checkpoints (needle/model/checkpoints.py: flat "/"-joined keys, metadata config/step/
 * run/format_version) use "config", so ours do too: files load in either direction.
 */
export const METADATA_CONFIG_KEY = 'config';

const MAX_TREE_DEPTH = 32;
/**
 * Most nodes a walk may visit. Shared references make a pickle a DAG, and walking a DAG as a tree can
 * expand exponentially (a "billion laughs" of dicts each holding the previous one twice); a real
 * checkpoint has well under a hundred nodes.
 */
const MAX_TREE_NODES = 100_000;

function nodeBudget(where: string, what: string): () => void {
  let visited = 0;
  return () => {
    if (++visited > MAX_TREE_NODES) throw new CheckpointError(`${where}: ${what} has more than ${MAX_TREE_NODES} nodes once shared references are expanded; refused`);
  };
}
const FLOAT_DTYPES = new Set(['float16', 'bfloat16', 'float32', 'float64']);

/** Flatten a Flax parameter tree (nested dicts of arrays) into "/"-joined keys. */
export function flattenParams(tree: PyValue, where: string): Map<string, Tensor> {
  const out = new Map<string, Tensor>();
  const onPath = new Set<unknown>();
  const visit = nodeBudget(where, 'params');
  const walk = (node: PyValue, path: string[]): void => {
    visit();
    const at = path.length ? path.join('/') : '(root)';
    if (node instanceof NdArray) {
      if (!node.built) throw new CheckpointError(`${where}: params/${at} is a numpy array that was never given its data (no BUILD)`);
      if (!path.length) throw new CheckpointError(`${where}: params is an array, expected a dict`);
      out.set(at, { dtype: node.dtype, shape: node.shape, bytes: node.bytes });
      return;
    }
    if (!(node instanceof Map)) throw new CheckpointError(`${where}: params/${at} is a ${typeName(node)}, expected a dict or an array`);
    if (path.length >= MAX_TREE_DEPTH) throw new CheckpointError(`${where}: params nested deeper than ${MAX_TREE_DEPTH} levels at ${at}`);
    if (onPath.has(node)) throw new CheckpointError(`${where}: params/${at} contains itself (a cycle)`);
    onPath.add(node);
    for (const [k, v] of node) {
      if (typeof k !== 'string' || k === '' || k.includes('/')) throw new CheckpointError(`${where}: params/${at} has a key ${JSON.stringify(String(k))} that is not a plain name`);
      walk(v, [...path, k]);
    }
    onPath.delete(node);
  };
  walk(tree, []);
  return out;
}

/** Python data -> JSON-like data for the config (0-d arrays and numpy scalars become numbers). */
export function toPlain(value: PyValue, where: string): unknown {
  const visit = nodeBudget(where, 'config');
  const convert = (v: PyValue, depth: number): unknown => {
    visit();
    if (depth > MAX_TREE_DEPTH) throw new CheckpointError(`${where}: config nested deeper than ${MAX_TREE_DEPTH} levels`);
    if (v === null || typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean' || typeof v === 'bigint') return v;
    if (v instanceof NdArray && v.built && numel(v.shape) === 1 && v.shape.length <= 1) {
      if (v.dtype === 'bool') return v.bytes[0] === 1;
      return tensorToFloat32(v)[0];
    }
    if (v instanceof PyTuple) return v.items.map((x) => convert(x, depth + 1));
    if (Array.isArray(v)) return v.map((x) => convert(x, depth + 1));
    if (v instanceof Map) {
      const o: Record<string, unknown> = {};
      for (const [k, x] of v) o[String(k)] = convert(x, depth + 1);
      return o;
    }
    if (v instanceof Uint8Array) return Buffer.from(v).toString('base64');
    throw new CheckpointError(`${where}: config holds a ${typeName(v)}`);
  };
  return convert(value, 0);
}

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

function sha256(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** A checkpoint as read, before its config is resolved and its tree validated (for `inspect --raw`). */
export interface RawCheckpoint {
  params: Map<string, Tensor>;
  /** The config dict as found (undefined: the file holds none). */
  rawConfig: unknown;
  /** Where the config came from, for messages. */
  configFrom: string;
  source: NeedleCheckpoint['source'];
}

function rawFromPickle(bytes: Uint8Array, path: string): RawCheckpoint {
  let root: PyValue;
  try {
    root = unpickle(bytes);
  } catch (e) {
    if (e instanceof PickleError) throw new PickleError(`${path}: ${e.message}`);
    throw e;
  }
  if (!(root instanceof Map)) throw new CheckpointError(`${path}: expected a dict {"params", "config"}, got ${typeName(root)}`);
  if (!root.has('params')) throw new CheckpointError(`${path}: no "params" entry (keys: ${[...root.keys()].map(String).join(', ')})`);
  return {
    params: flattenParams(root.get('params') as PyValue, path),
    // A pickle without a config dict means "all defaults", as TransformerConfig() would.
    rawConfig: root.has('config') ? toPlain(root.get('config') as PyValue, path) : {},
    configFrom: path,
    source: { path, format: 'pickle', sha256: sha256(bytes) },
  };
}

async function readJsonConfig(file: string): Promise<unknown> {
  try {
    return JSON.parse(await readFile(file, 'utf8'));
  } catch (e) {
    throw new CheckpointError(`${file}: not valid JSON (${(e as Error).message})`);
  }
}

/**
 * Config for a safetensors file: a converted directory's config.json wins (it is the file users read
 * and edit); a bare .safetensors file uses its own __metadata__ first, then a config.json beside it.
 */
async function rawFromSafetensors(file: string, configFile: string, preferConfigFile: boolean): Promise<RawCheckpoint> {
  const bytes = await readFile(file);
  const st = parseSafetensors(bytes, file);
  const inMetadata = st.metadata[METADATA_CONFIG_KEY];
  const source = { path: file, format: 'safetensors' as const, sha256: sha256(bytes) };
  if (existsSync(configFile) && (preferConfigFile || inMetadata === undefined)) {
    return { params: st.tensors, rawConfig: await readJsonConfig(configFile), configFrom: configFile, source };
  }
  if (inMetadata === undefined) return { params: st.tensors, rawConfig: undefined, configFrom: `${file} (neither __metadata__.${METADATA_CONFIG_KEY} nor ${configFile})`, source };
  const configFrom = `${file} __metadata__.${METADATA_CONFIG_KEY}`;
  try {
    return { params: st.tensors, rawConfig: JSON.parse(inMetadata), configFrom, source };
  } catch (e) {
    throw new CheckpointError(`${configFrom}: not valid JSON (${(e as Error).message})`);
  }
}

function looksLikePickle(file: string): boolean {
  const ext = extname(file).toLowerCase();
  return ext === '.pkl' || ext === '.pickle' || ext === '.pk';
}

/** Read a .pkl, a .safetensors, or a converted directory without validating it against a config. */
export async function readRawCheckpoint(path: string): Promise<RawCheckpoint> {
  if (!existsSync(path)) throw new CheckpointError(`${path}: no such file or directory`);
  if (statSync(path).isDirectory()) {
    const weights = join(path, CONVERTED_WEIGHTS);
    if (!existsSync(weights)) {
      const pkl = join(path, 'needle.pkl');
      if (existsSync(pkl)) return rawFromPickle(await readFile(pkl), pkl);
      throw new CheckpointError(`${path}: a checkpoint directory needs ${CONVERTED_WEIGHTS} (+ ${CONVERTED_CONFIG}) or needle.pkl`);
    }
    return rawFromSafetensors(weights, join(path, CONVERTED_CONFIG), true);
  }
  if (extname(path).toLowerCase() === '.safetensors') return rawFromSafetensors(path, join(dirname(path), CONVERTED_CONFIG), false);
  const bytes = await readFile(path);
  if (looksLikePickle(path) || bytes[0] === 0x80) return rawFromPickle(bytes, path);
  throw new CheckpointError(`${path}: not a pickle (.pkl), a .safetensors file, or a converted directory`);
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
  return finishCheckpoint(await readRawCheckpoint(path));
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

export interface ConvertResult {
  dir: string;
  weights: string;
  config: string;
  tokenizer?: string;
  sha256: string;
}

function isInside(dir: string, file: string): boolean {
  const rel = relative(resolve(dir), resolve(file));
  return rel !== '' && !rel.startsWith('..') && !rel.startsWith('/');
}

/** Write a converted directory: model.safetensors (flat keys, dtypes kept) + config.json (+ tokenizer.model). */
export async function writeConverted(ckpt: NeedleCheckpoint, outDir: string, tokenizer?: string): Promise<ConvertResult> {
  await mkdir(outDir, { recursive: true });
  const configJson = configToJson(ckpt.config);
  const bytes = serializeSafetensors(ckpt.params, {
    format: 'pt', // what HF tooling expects for plain tensors; the layout is documented in config.json
    [METADATA_CONFIG_KEY]: JSON.stringify(configJson),
    source_file: basename(ckpt.source.path),
    source_sha256: ckpt.source.sha256,
  });
  const weights = join(outDir, CONVERTED_WEIGHTS);
  const config = join(outDir, CONVERTED_CONFIG);
  await writeFile(weights, bytes);
  await writeFile(config, JSON.stringify(configJson, null, 2) + '\n');
  const result: ConvertResult = { dir: outDir, weights, config, sha256: sha256(bytes) };
  if (tokenizer && isInside(outDir, tokenizer)) {
    result.tokenizer = tokenizer; // converting in place: the loader already finds it there, no second copy
  } else if (tokenizer) {
    result.tokenizer = join(outDir, CONVERTED_TOKENIZER);
    await copyFile(tokenizer, result.tokenizer);
  }
  return result;
}
