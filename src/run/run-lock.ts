// One writer per run directory: two runs appending to the same results.jsonl would each think a case
// is unfinished and duplicate it. The lock file holds the owner's pid (and, on Linux, its start
// time); a lock left by a killed process (SIGKILL cannot clean up) is stale and taken over. The
// start time tells a live owner from an unrelated process that reused the pid — common in
// containers, where pids restart from 1.
import { closeSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { RunDirError } from './provenance.ts';

export const LOCK_FILE = 'run.lock';

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Start time of a process in clock ticks since boot (field 22 of /proc/<pid>/stat), or null off Linux. */
export function processStartTime(pid: number): string | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) is parenthesised and may hold spaces: count fields after its ')'.
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19] ?? null;
  } catch {
    return null;
  }
}

interface LockOwner {
  pid: number;
  start: string | null;
}

function parseOwner(text: string): LockOwner | undefined {
  const [pidText, start] = text.trim().split(/\s+/);
  const pid = Number.parseInt(pidText ?? '', 10);
  return Number.isInteger(pid) && pid > 0 ? { pid, start: start ?? null } : undefined;
}

function ownerIsLive(owner: LockOwner): boolean {
  if (owner.pid === process.pid || !alive(owner.pid)) return false;
  const now = processStartTime(owner.pid);
  return owner.start === null || now === null || now === owner.start;
}

/** The pid of a live process holding `dir`'s lock, if any (a stale lock has no holder). Reads only. */
export function liveLockHolder(dir: string): number | undefined {
  let owner: LockOwner | undefined;
  try {
    owner = parseOwner(readFileSync(join(dir, LOCK_FILE), 'utf8'));
  } catch {
    return undefined;
  }
  return owner && ownerIsLive(owner) ? owner.pid : undefined;
}

export interface RunLock {
  release(): void;
}

export function acquireRunLock(dir: string): RunLock {
  const path = join(dir, LOCK_FILE);
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = openSync(path, 'wx');
      writeSync(fd, `${process.pid} ${processStartTime(process.pid) ?? ''}`.trim() + '\n');
      closeSync(fd);
      return { release: () => rmSync(path, { force: true }) };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      let owner: LockOwner | undefined;
      try {
        owner = parseOwner(readFileSync(path, 'utf8'));
      } catch { /* vanished meanwhile: retry */ }
      if (owner && ownerIsLive(owner)) {
        throw new RunDirError(`run directory ${dir} is in use by another needle-bench process (pid ${owner.pid}); wait for it or use a new --out`);
      }
      rmSync(path, { force: true }); // stale: its owner is gone
    }
  }
  throw new RunDirError(`could not lock run directory ${dir} (${path} keeps reappearing)`);
}
