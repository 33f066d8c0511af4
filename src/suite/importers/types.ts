// An importer turns a foreign data set into suite cases. Each module in this folder exporting
// `importer` is registered (src/util/discover.ts); `needle-bench suite import <format>` picks by id.
import type { SuiteCase, SuiteManifest } from '../types.ts';

export interface ImportOptions {
  /** Suite name for the manifest (defaults are importer-specific). */
  name?: string;
}

export interface ImportResult {
  manifest: SuiteManifest;
  cases: SuiteCase[];
  /** Things the user should know (e.g. skipped files), one line each. */
  notes: string[];
  /** Files (e.g. a LICENSE) to copy next to the written suite: source path → file name in the suite. */
  extraFiles?: Record<string, string>;
}

export interface Importer {
  /** The `<format>` word of the CLI, e.g. "bfcl". */
  format: string;
  description: string;
  import(input: string, options: ImportOptions): Promise<ImportResult>;
}
