// What a gate compares: the weights (and the settings that change outputs) of a baseline entry and of
// the run, taken from the provenance Provider.load() wrote into run.json. A gate of "tuned vs base"
// says nothing unless it says which weights were on each side, and a "tuned" run that forgot its
// adapter would otherwise pass trivially: comparing a model with itself.
import { basename } from 'node:path';
import { isObject } from '../util/objects.ts';

/** A model's weights identity as a baseline entry stores it (all optional: old providers report less). */
export interface WeightsIdentity {
  /** sha256 of every weight file by file name (tokenizer included), as the provider hashed them. */
  files: Record<string, string>;
  /** A LoRA adapter merged at load (needle2 `lora=`): its file name and sha256 (also in `files`). */
  adapter?: { file: string; sha256: string };
  /** Numeric precision the model ran at (needle `precision`, transformers `dtype`). */
  precision?: string;
  /** Checkpoint format when the provider says (e.g. needle2 `pickle`, `cact`). */
  format?: string;
  /** Hub revision of a registered model. */
  revision?: string;
  /** Generation settings besides the weights that change outputs (RESULT_SETTINGS), as the provider applied them. */
  settings?: Record<string, string | number | boolean>;
}

/**
 * Provider generation settings that change which tokens come out. Deliberately a short list: paths,
 * runtimes, cache keys and timing knobs are left out (the paths' content is in `files`).
 */
export const RESULT_SETTINGS = ['constrained', 'maxNewTokens', 'maxTokens', 'window', 'mode', 'temperature'] as const;

/** The identity of one model from what load() reported (run.json models[].provenance); undefined when it reported no weights facts. */
export function weightsFromProvenance(p: unknown): WeightsIdentity | undefined {
  if (!isObject(p)) return undefined;
  const files: Record<string, string> = {};
  if (isObject(p.weightHashes)) for (const [name, h] of Object.entries(p.weightHashes)) if (typeof h === 'string') files[name] = h;
  const g = isObject(p.generation) ? p.generation : {};
  const out: WeightsIdentity = { files };
  if (typeof g.lora === 'string') {
    const file = basename(g.lora);
    if (files[file]) out.adapter = { file, sha256: files[file] };
  }
  const precision = typeof g.precision === 'string' ? g.precision : typeof g.dtype === 'string' ? g.dtype : undefined;
  if (precision) out.precision = precision;
  if (isObject(p.checkpoint) && typeof p.checkpoint.format === 'string') out.format = p.checkpoint.format;
  if (typeof p.revision === 'string') out.revision = p.revision;
  const settings: Record<string, string | number | boolean> = {};
  for (const k of RESULT_SETTINGS) {
    const v = g[k];
    if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') settings[k] = v;
  }
  if (Object.keys(settings).length > 0) out.settings = settings;
  return Object.keys(files).length > 0 || out.revision ? out : undefined;
}

/** Model spec → weights identity for every loaded model of a run.json (null or odd shapes give an empty map). */
export function weightsByModel(runJson: Record<string, unknown> | null): Map<string, WeightsIdentity> {
  const out = new Map<string, WeightsIdentity>();
  const models = runJson?.models;
  if (!Array.isArray(models)) return out;
  for (const m of models) {
    if (!isObject(m) || typeof m.spec !== 'string') continue;
    const w = weightsFromProvenance(m.provenance);
    if (w) out.set(m.spec, w);
  }
  return out;
}

/** Check a stored `weights` record; errors name the field. */
export function checkWeights(w: unknown, where: string): void {
  if (!isObject(w) || !isObject(w.files)) throw new Error(`${where}.weights.files: expected an object of file name → sha256`);
  for (const [name, h] of Object.entries(w.files)) if (typeof h !== 'string') throw new Error(`${where}.weights.files["${name}"]: expected a sha256 string`);
  if (w.adapter !== undefined && (!isObject(w.adapter) || typeof w.adapter.file !== 'string' || typeof w.adapter.sha256 !== 'string')) {
    throw new Error(`${where}.weights.adapter: expected {file, sha256} strings`);
  }
  for (const k of ['precision', 'format', 'revision'] as const) {
    if (w[k] !== undefined && typeof w[k] !== 'string') throw new Error(`${where}.weights.${k}: expected a string`);
  }
  if (w.settings !== undefined && !isObject(w.settings)) throw new Error(`${where}.weights.settings: expected an object`);
}

/** The weight hashes as a set: equal sets mean the same bytes, whatever the files are called. */
const hashSet = (w: WeightsIdentity) => [...new Set(Object.values(w.files))].sort().join(',');

export interface WeightsComparison {
  baseline?: WeightsIdentity;
  run?: WeightsIdentity;
  /** Both sides ran the very same weight files (and revision). */
  identical: boolean;
  /** Notes for the report: identical weights, differing precision or settings, unknown sides. Never a failure. */
  notes: string[];
}

export function compareWeights(baseline: WeightsIdentity | undefined, run: WeightsIdentity | undefined): WeightsComparison {
  const notes: string[] = [];
  if (!baseline) notes.push('the baseline records no weights (saved before baselines kept them, or the provider reports none): what it was measured on is unknown');
  if (!run) notes.push("the run's provenance records no weights for this model");
  if (!baseline || !run) return { ...(baseline ? { baseline } : {}), ...(run ? { run } : {}), identical: false, notes };
  const sameFiles = Object.keys(baseline.files).length > 0 && hashSet(baseline) === hashSet(run);
  const identical = sameFiles && baseline.revision === run.revision;
  if (identical) notes.push("the run's weights equal the baseline's: this gate compares a model with itself (a tuned run missing its adapter?)");
  if ((baseline.precision ?? '') !== (run.precision ?? '')) notes.push(`precision differs: ${baseline.precision ?? 'unrecorded'} in the baseline, ${run.precision ?? 'unrecorded'} in the run`);
  const keys = [...new Set([...Object.keys(baseline.settings ?? {}), ...Object.keys(run.settings ?? {})])].sort();
  const differ = keys.filter((k) => baseline.settings?.[k] !== run.settings?.[k]);
  if (differ.length > 0) notes.push(`settings differ: ${differ.map((k) => `${k} ${String(baseline.settings?.[k] ?? 'unset')} → ${String(run.settings?.[k] ?? 'unset')}`).join(', ')}`);
  return { baseline, run, identical, notes };
}

const short = (h: string) => h.slice(0, 12);

/** One line: the weight files with short sha256s, the adapter, precision and format (`code` marks names and hashes up, e.g. markdown backticks). */
export function describeWeights(w: WeightsIdentity | undefined, code: (s: string) => string = (s) => s): string {
  if (!w) return 'unrecorded';
  const files = Object.entries(w.files).filter(([name]) => name !== w.adapter?.file).map(([name, h]) => `${code(name)} ${code(short(h))}`);
  const parts = [files.join(', ') || 'no hashed files'];
  if (w.adapter) parts.push(`+ adapter ${code(w.adapter.file)} ${code(short(w.adapter.sha256))}`);
  const tags = [w.precision, w.format, w.revision ? `revision ${w.revision}` : undefined].filter(Boolean);
  return `${parts.join(' ')}${tags.length > 0 ? ` (${tags.join(', ')})` : ''}`;
}
