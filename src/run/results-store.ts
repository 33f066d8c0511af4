// results.jsonl: the append-only record of a run. Each record is one line written with a single
// write() as soon as its case finishes. Written data lives in the kernel's page cache, which a
// killed process cannot take with it: a SIGKILL loses at most the case in flight, and at worst
// leaves one torn last line, which open() truncates away.
//
// fsync only adds safety against the machine itself going down (power loss, kernel crash), and it
// is not cheap: ~6.5 ms per call measured on this project's CI-like VM disk, a fifth of a Needle
// generation. So the batching choice: sync at most every `syncIntervalMs` (default 200 ms; a timer
// syncs the tail when appends stop) and on close. A machine crash then loses at most the last
// 200 ms of records; `syncIntervalMs: 0` syncs after every record.
import { closeSync, existsSync, fsyncSync, openSync, readFileSync, truncateSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fsyncDir, writeFileAtomically, writeFully } from './atomic-write.ts';
import type { ResultRecord } from './types.ts';

export const RESULTS_FILE = 'results.jsonl';

/** The identity of a record: resume and de-duplication work on (suite, model, case id). */
export function recordKey(suite: string, model: string, id: string): string {
  return `${suite}\u0000${model}\u0000${id}`;
}

export interface ReadResults {
  records: ResultRecord[];
  /** Byte offset where the valid content ends (everything after it is a torn last line). */
  validBytes: number;
  /** Bytes of a torn last line (0 when the file ends cleanly). */
  tornBytes: number;
  /** The file ends with a complete record that lacks its trailing newline. */
  missingFinalNewline: boolean;
}

export class ResultsFileError extends Error {
  override name = 'ResultsFileError';
}

/** Minimal structural check: enough that resume and re-scoring can trust the line. */
function checkRecord(value: unknown, where: string): ResultRecord {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new ResultsFileError(`${where}: record: expected a JSON object`);
  }
  const r = value as Record<string, unknown>;
  for (const field of ['id', 'suite', 'model', 'category', 'dialect', 'raw', 'at'] as const) {
    if (typeof r[field] !== 'string') throw new ResultsFileError(`${where}: ${field}: expected a string`);
  }
  if (r.verdict === null || typeof r.verdict !== 'object' || typeof (r.verdict as { pass?: unknown }).pass !== 'boolean') {
    throw new ResultsFileError(`${where}: verdict: expected an object with a boolean "pass"`);
  }
  if (r.calls !== null && !Array.isArray(r.calls)) throw new ResultsFileError(`${where}: calls: expected an array or null`);
  return r as unknown as ResultRecord;
}

/**
 * Reads results.jsonl without modifying it. A last line that does not parse is a torn write and is
 * reported in `tornBytes`; a bad line anywhere else is corruption and throws, naming file:line.
 */
export function readResults(path: string): ReadResults {
  if (!existsSync(path)) return { records: [], validBytes: 0, tornBytes: 0, missingFinalNewline: false };
  const buf = readFileSync(path);
  const records: ResultRecord[] = [];
  let start = 0;
  let line = 0;
  while (start < buf.length) {
    line++;
    const nl = buf.indexOf(0x0a, start);
    const end = nl < 0 ? buf.length : nl;
    const isLast = nl < 0 || nl === buf.length - 1;
    const text = buf.subarray(start, end).toString('utf8').trim();
    if (text !== '') {
      let value: unknown;
      try {
        value = JSON.parse(text);
      } catch (err) {
        if (isLast && nl < 0) {
          // Torn: the process died inside the write of this line.
          return { records, validBytes: start, tornBytes: buf.length - start, missingFinalNewline: false };
        }
        throw new ResultsFileError(`${path}:${line}: not valid JSON (${(err as Error).message})`);
      }
      records.push(checkRecord(value, `${path}:${line}`));
    }
    if (nl < 0) return { records, validBytes: buf.length, tornBytes: 0, missingFinalNewline: text !== '' };
    start = nl + 1;
  }
  return { records, validBytes: buf.length, tornBytes: 0, missingFinalNewline: false };
}

/** fsync, tolerating file systems that cannot sync (the write itself has happened). */
function syncData(fd: number): void {
  try {
    fsyncSync(fd);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code !== 'EINVAL' && code !== 'ENOTSUP') throw err;
  }
}

export interface ResultsStoreOptions {
  /** Longest time a written record may stay unsynced; 0 = fsync after every record. Default 200. */
  syncIntervalMs?: number;
}

export const DEFAULT_SYNC_INTERVAL_MS = 200;

export class ResultsStore {
  private fd: number | undefined;
  private readonly syncIntervalMs: number;
  private lastSync = performance.now();
  private unsynced = false;
  private syncTimer: NodeJS.Timeout | undefined;
  private readonly keys = new Set<string>();
  /** Records present when the store was opened (after repair). */
  readonly existing: ResultRecord[];
  /** Bytes of a torn last line removed on open (0 when the file was clean). */
  readonly repairedBytes: number;

  private constructor(readonly path: string, existing: ResultRecord[], repairedBytes: number, options: ResultsStoreOptions) {
    this.syncIntervalMs = options.syncIntervalMs ?? DEFAULT_SYNC_INTERVAL_MS;
    this.existing = existing;
    this.repairedBytes = repairedBytes;
    for (const r of existing) this.keys.add(recordKey(r.suite, r.model, r.id));
  }

  /** Opens (creating if needed) results.jsonl in `dir`, truncating a torn last line away. */
  static open(dir: string, options: ResultsStoreOptions = {}): ResultsStore {
    const path = join(dir, RESULTS_FILE);
    const existed = existsSync(path);
    const read = readResults(path);
    if (read.tornBytes > 0) truncateSync(path, read.validBytes);
    const store = new ResultsStore(path, read.records, read.tornBytes, options);
    store.fd = openSync(path, 'a');
    if (read.missingFinalNewline) writeFully(store.fd, Buffer.from('\n'));
    if (!existed) fsyncDir(dirname(path));
    return store;
  }

  has(suite: string, model: string, id: string): boolean {
    return this.keys.has(recordKey(suite, model, id));
  }

  get size(): number {
    return this.keys.size;
  }

  /**
   * Appends one record: one write of the whole line, at once (safe from SIGKILL when this returns);
   * fsync follows within syncIntervalMs. Refuses duplicates.
   */
  append(record: ResultRecord): void {
    if (this.fd === undefined) throw new Error(`results store ${this.path} is closed`);
    const key = recordKey(record.suite, record.model, record.id);
    if (this.keys.has(key)) {
      throw new Error(`duplicate result for case ${record.id} of suite ${record.suite}, model ${record.model}`);
    }
    writeFully(this.fd, Buffer.from(JSON.stringify(record) + '\n', 'utf8'));
    this.keys.add(key);
    this.unsynced = true;
    const since = performance.now() - this.lastSync;
    if (since >= this.syncIntervalMs) this.sync();
    else this.syncTimer ??= setTimeout(() => this.sync(), this.syncIntervalMs - since).unref();
  }

  /** Flushes written records to the disk now. */
  sync(): void {
    clearTimeout(this.syncTimer);
    this.syncTimer = undefined;
    if (this.fd === undefined || !this.unsynced) return;
    syncData(this.fd);
    this.unsynced = false;
    this.lastSync = performance.now();
  }

  close(): void {
    this.sync();
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = undefined;
  }
}

/** Replaces results.jsonl atomically (temp file, fsync, rename): readers see the old or the new file. */
export function writeResultsAtomically(path: string, records: ResultRecord[]): void {
  writeFileAtomically(path, records.map((r) => JSON.stringify(r) + '\n').join(''));
}
