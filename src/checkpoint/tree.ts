// What every checkpoint reader shares, whichever model it feeds: the error type, the Flax tree
// flattened to "/"-joined keys, Python config data as JSON-like data, and the file's identity.
// Hostile pickles can make the tree a DAG or a cycle; the walks below are bounded and refuse both.
import { createHash } from 'node:crypto';
import type { Tensor } from './tensor.ts';
import { numel, tensorToFloat32 } from './tensor.ts';
import { NdArray, PyRecord, PyTuple, typeName, type PyValue } from './pickle.ts';

export class CheckpointError extends Error {
  override name = 'CheckpointError';
}

/** Where a checkpoint came from and its sha256. */
export interface CheckpointSource {
  path: string;
  format: 'pickle' | 'safetensors' | 'synthetic' | 'cact';
  sha256: string;
}

const MAX_TREE_DEPTH = 32;
/**
 * Most nodes a walk may visit. Shared references make a pickle a DAG, and walking a DAG as a tree can
 * expand exponentially (a "billion laughs" of dicts each holding the previous one twice); a real
 * checkpoint has well under a thousand nodes.
 */
const MAX_TREE_NODES = 100_000;

function nodeBudget(where: string, what: string): () => void {
  let visited = 0;
  return () => {
    if (++visited > MAX_TREE_NODES) throw new CheckpointError(`${where}: ${what} has more than ${MAX_TREE_NODES} nodes once shared references are expanded; refused`);
  };
}

/** Flatten a Flax parameter tree (nested dicts of arrays) into "/"-joined keys. `what` names it in messages. */
export function flattenParams(tree: PyValue, where: string, what = 'params'): Map<string, Tensor> {
  const out = new Map<string, Tensor>();
  const onPath = new Set<unknown>();
  const visit = nodeBudget(where, what);
  const walk = (node: PyValue, path: string[]): void => {
    visit();
    const at = path.length ? path.join('/') : '(root)';
    if (node instanceof NdArray) {
      if (!node.built) throw new CheckpointError(`${where}: ${what}/${at} is a numpy array that was never given its data (no BUILD)`);
      if (!path.length) throw new CheckpointError(`${where}: ${what} is an array, expected a dict`);
      out.set(at, { dtype: node.dtype, shape: node.shape, bytes: node.bytes });
      return;
    }
    if (!(node instanceof Map)) throw new CheckpointError(`${where}: ${what}/${at} is a ${typeName(node)}, expected a dict or an array`);
    if (path.length >= MAX_TREE_DEPTH) throw new CheckpointError(`${where}: ${what} nested deeper than ${MAX_TREE_DEPTH} levels at ${at}`);
    if (onPath.has(node)) throw new CheckpointError(`${where}: ${what}/${at} contains itself (a cycle)`);
    onPath.add(node);
    for (const [k, v] of node) {
      if (typeof k !== 'string' || k === '' || k.includes('/')) throw new CheckpointError(`${where}: ${what}/${at} has a key ${JSON.stringify(String(k))} that is not a plain name`);
      walk(v, [...path, k]);
    }
    onPath.delete(node);
  };
  walk(tree, []);
  return out;
}

/** Python data -> JSON-like data (0-d arrays and numpy scalars become numbers). `what` names it in messages. */
export function toPlain(value: PyValue, where: string, what = 'config'): unknown {
  const visit = nodeBudget(where, what);
  const convert = (v: PyValue, depth: number): unknown => {
    visit();
    if (depth > MAX_TREE_DEPTH) throw new CheckpointError(`${where}: ${what} nested deeper than ${MAX_TREE_DEPTH} levels`);
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
    // A data-only class instance (a pickled TransformerConfig): its attributes, as the dict form holds them.
    if (v instanceof PyRecord && v.state) return convert(v.state, depth);
    throw new CheckpointError(`${where}: ${what} holds a ${typeName(v)}`);
  };
  return convert(value, 0);
}

export function sha256(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}
