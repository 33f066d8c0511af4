// The importers: every module in this folder that exports `importer`.
import { discover } from '../../util/discover.ts';
import type { Importer } from './types.ts';

export async function importers(): Promise<Importer[]> {
  return discover<Importer>(new URL('./', import.meta.url), 'importer');
}

/** The importer of a format; an unknown format names the known ones. */
export async function importerFor(format: string): Promise<Importer> {
  const all = await importers();
  const found = all.find((i) => i.format === format);
  if (!found) throw new Error(`unknown import format "${format}"; available: ${all.map((i) => i.format).join(', ')}`);
  return found;
}
