// `needle-bench pull <id>`: download an entry's files at its pinned revision through the hub client
// into the model cache, laid out as <cache>/<repo>/<file> (the layout transformers.js reads with
// env.localModelPath), then record the revision. Files land under a temporary name first so an
// interrupted pull never leaves a half file that looks present.
import { downloadFile } from '@huggingface/hub';
import { createWriteStream, mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import { modelCacheDir, modelDir, REVISION_FILE, type ModelEntry } from './registry.ts';

export interface PullOptions {
  cacheDir?: string;
  /** Hub endpoint; defaults to the public hub (or $HF_ENDPOINT). Tests point it at a loopback server. */
  hubUrl?: string;
  accessToken?: string;
  onFile?: (file: string, bytes: number) => void;
  /** A 40-hex commit overriding the entry's pin (required when the entry is not pinned yet). */
  revision?: string;
}

/** The commit a pull uses: the explicit one, else the pinned one; refuses an unpinned entry. */
export function pullRevision(entry: ModelEntry, explicit?: string): string {
  if (explicit !== undefined) {
    if (!/^[0-9a-f]{40}$/.test(explicit)) throw new Error(`--revision must be a full 40-hex commit, got "${explicit}"`);
    return explicit;
  }
  const hub = entry.hub!;
  if (hub.revision === null) {
    throw new Error(
      `revision not pinned yet: ${entry.id} (${hub.repo}): ${hub.revisionNote ?? ''}; pass --revision <sha> after checking the repo`,
    );
  }
  return hub.revision;
}

export async function pullModel(entry: ModelEntry, options: PullOptions = {}): Promise<string> {
  if (!entry.hub) throw new Error(`model "${entry.id}" ships with the project (${entry.local}); nothing to pull`);
  const revision = pullRevision(entry, options.revision);
  const dir = modelDir(entry, options.cacheDir ?? modelCacheDir());
  const hubUrl = options.hubUrl ?? process.env.HF_ENDPOINT;
  const accessToken = options.accessToken ?? process.env.HF_TOKEN;
  for (const file of entry.hub.files) {
    const blob = await downloadFile({
      repo: { type: 'model', name: entry.hub.repo },
      path: file,
      revision,
      ...(hubUrl ? { hubUrl } : {}),
      ...(accessToken ? { accessToken } : {}),
      xet: false,
    }).catch((err: Error) => {
      throw new Error(`pull ${entry.id}: ${entry.hub!.repo}@${revision.slice(0, 7)} ${file}: ${err.message}`);
    });
    if (!blob) throw new Error(`pull ${entry.id}: ${entry.hub.repo}@${revision.slice(0, 7)} has no file ${file}`);
    const target = join(dir, file);
    mkdirSync(dirname(target), { recursive: true });
    const partial = `${target}.partial`;
    await pipeline(Readable.fromWeb(blob.stream() as unknown as WebReadableStream), createWriteStream(partial));
    renameSync(partial, target);
    options.onFile?.(file, blob.size);
  }
  writeFileSync(join(dir, REVISION_FILE), `${revision}\n`);
  return dir;
}
