// One writer per run directory: two runs appending to the same results.jsonl would each think a case
// is unfinished and duplicate it. The lock file holds the owner's pid; a lock left by a killed
// process (SIGKILL cannot clean up) is stale and taken over.
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

export interface RunLock {
  release(): void;
}

export function acquireRunLock(dir: string): RunLock {
  const path = join(dir, LOCK_FILE);
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = openSync(path, 'wx');
      writeSync(fd, `${process.pid}\n`);
      closeSync(fd);
      return { release: () => rmSync(path, { force: true }) };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      const pid = Number.parseInt(readFileSync(path, 'utf8'), 10);
      if (Number.isInteger(pid) && pid > 0 && pid !== process.pid && alive(pid)) {
        throw new RunDirError(`run directory ${dir} is in use by another needle-bench process (pid ${pid}); wait for it or use a new --out`);
      }
      rmSync(path, { force: true }); // stale: its owner is gone
    }
  }
  throw new RunDirError(`could not lock run directory ${dir} (${path} keeps reappearing)`);
}
