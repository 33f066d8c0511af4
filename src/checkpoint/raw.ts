// A checkpoint file as read, before any model's config is resolved: the released pickle
// ({"params": Flax tree, "config": dict, ...}, via the safe unpickler), a .safetensors file (flat
// "/"-joined keys; config in __metadata__.config or a sibling config.json), or a converted directory
// (model.safetensors + config.json). Both Needle generations read their files through here and
// write converted directories with writeConverted.
import { existsSync, statSync } from 'node:fs';
import { copyFile, mkdir, readFile, writeFile } from 'node:fs/promises';
import { basename, dirname, extname, join, relative, resolve } from 'node:path';
import type { Tensor } from './tensor.ts';
import { PickleError, typeName, unpickle, type PyValue } from './pickle.ts';
import { parseSafetensors, serializeSafetensors } from './safetensors.ts';
import { CheckpointError, flattenParams, sha256, toPlain, type CheckpointSource } from './tree.ts';

export const CONVERTED_WEIGHTS = 'model.safetensors';
export const CONVERTED_CONFIG = 'config.json';
/**
 * __metadata__ key holding the config (JSON) inside a .safetensors checkpoint. Needle's own
 * safetensors checkpoints (flat "/"-joined keys, metadata config/step/run/format_version) use
 * "config", so ours do too: files load in either direction.
 */
export const METADATA_CONFIG_KEY = 'config';

export interface RawCheckpoint {
  params: Map<string, Tensor>;
  /** The config dict as found (undefined: the file holds none). */
  rawConfig: unknown;
  /** Where the config came from, for messages. */
  configFrom: string;
  /** The pickle's other top-level entries (format_version, step, run ...) or the safetensors metadata, as plain data. */
  meta: Record<string, unknown>;
  source: CheckpointSource;
}

export interface ReadOptions {
  /** Pickle names a checkpoint directory without model.safetensors may hold, in order of preference. */
  pickleNames?: string[];
}

/** Unpickle a file's bytes; a PickleError names the file. */
export function unpickleFile(bytes: Uint8Array, path: string): PyValue {
  try {
    return unpickle(bytes);
  } catch (e) {
    if (e instanceof PickleError) throw new PickleError(`${path}: ${e.message}`);
    throw e;
  }
}

export function rawFromPickle(bytes: Uint8Array, path: string): RawCheckpoint {
  const root = unpickleFile(bytes, path);
  if (!(root instanceof Map)) throw new CheckpointError(`${path}: expected a dict {"params", "config"}, got ${typeName(root)}`);
  if (!root.has('params')) throw new CheckpointError(`${path}: no "params" entry (keys: ${[...root.keys()].map(String).join(', ')})`);
  const meta: Record<string, unknown> = {};
  for (const [k, v] of root) if (k !== 'params' && k !== 'config') meta[String(k)] = toPlain(v, path, String(k));
  return {
    params: flattenParams(root.get('params') as PyValue, path),
    // A pickle without a config dict means "all defaults", as TransformerConfig() would.
    rawConfig: root.has('config') ? toPlain(root.get('config') as PyValue, path) : {},
    configFrom: path,
    meta,
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
  const meta: Record<string, unknown> = { ...st.metadata };
  delete meta[METADATA_CONFIG_KEY];
  const source = { path: file, format: 'safetensors' as const, sha256: sha256(bytes) };
  if (existsSync(configFile) && (preferConfigFile || inMetadata === undefined)) {
    return { params: st.tensors, rawConfig: await readJsonConfig(configFile), configFrom: configFile, meta, source };
  }
  if (inMetadata === undefined) return { params: st.tensors, rawConfig: undefined, configFrom: `${file} (neither __metadata__.${METADATA_CONFIG_KEY} nor ${configFile})`, meta, source };
  const configFrom = `${file} __metadata__.${METADATA_CONFIG_KEY}`;
  try {
    return { params: st.tensors, rawConfig: JSON.parse(inMetadata), configFrom, meta, source };
  } catch (e) {
    throw new CheckpointError(`${configFrom}: not valid JSON (${(e as Error).message})`);
  }
}

export function looksLikePickle(file: string): boolean {
  const ext = extname(file).toLowerCase();
  return ext === '.pkl' || ext === '.pickle' || ext === '.pk';
}

/** Read a .pkl, a .safetensors, or a converted directory without validating it against a config. */
export async function readRawCheckpoint(path: string, opts: ReadOptions = {}): Promise<RawCheckpoint> {
  const pickleNames = opts.pickleNames ?? ['needle.pkl'];
  if (!existsSync(path)) throw new CheckpointError(`${path}: no such file or directory`);
  if (statSync(path).isDirectory()) {
    const weights = join(path, CONVERTED_WEIGHTS);
    if (!existsSync(weights)) {
      const pkl = pickleNames.map((n) => join(path, n)).find((p) => existsSync(p));
      if (pkl) return rawFromPickle(await readFile(pkl), pkl);
      throw new CheckpointError(`${path}: a checkpoint directory needs ${CONVERTED_WEIGHTS} (+ ${CONVERTED_CONFIG}) or ${pickleNames.join(' or ')}`);
    }
    return rawFromSafetensors(weights, join(path, CONVERTED_CONFIG), true);
  }
  if (extname(path).toLowerCase() === '.safetensors') return rawFromSafetensors(path, join(dirname(path), CONVERTED_CONFIG), false);
  const bytes = await readFile(path);
  if (looksLikePickle(path) || bytes[0] === 0x80) return rawFromPickle(bytes, path);
  throw new CheckpointError(`${path}: not a pickle (.pkl), a .safetensors file, or a converted directory`);
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

export interface ConvertInput {
  params: Map<string, Tensor>;
  /** The resolved config, every field explicit. */
  configJson: Record<string, unknown>;
  source: CheckpointSource;
  /** More __metadata__ entries (e.g. format_version). */
  metadata?: Record<string, string>;
}

/** Write a converted directory: model.safetensors (flat keys, dtypes kept) + config.json (+ the tokenizer, copied as `tokenizerName`). */
export async function writeConverted(ckpt: ConvertInput, outDir: string, tokenizer: string | undefined, tokenizerName: string): Promise<ConvertResult> {
  await mkdir(outDir, { recursive: true });
  const bytes = serializeSafetensors(ckpt.params, {
    format: 'pt', // what HF tooling expects for plain tensors; the layout is documented in config.json
    ...(ckpt.metadata ?? {}),
    [METADATA_CONFIG_KEY]: JSON.stringify(ckpt.configJson),
    source_file: basename(ckpt.source.path),
    source_sha256: ckpt.source.sha256,
  });
  const weights = join(outDir, CONVERTED_WEIGHTS);
  const config = join(outDir, CONVERTED_CONFIG);
  await writeFile(weights, bytes);
  await writeFile(config, JSON.stringify(ckpt.configJson, null, 2) + '\n');
  const result: ConvertResult = { dir: outDir, weights, config, sha256: sha256(bytes) };
  if (tokenizer && isInside(outDir, tokenizer)) {
    result.tokenizer = tokenizer; // converting in place: the loader already finds it there, no second copy
  } else if (tokenizer) {
    result.tokenizer = join(outDir, tokenizerName);
    await copyFile(tokenizer, result.tokenizer);
  }
  return result;
}
