// Every temporary file a test makes goes under one private directory, removed when the run ends: tests
// create folders with mkdtemp(os.tmpdir()) and not every one cleans up after a failure or a kill.
// os.tmpdir() reads TMPDIR at call time, and the forked test workers inherit it from this process.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export default function setup(): () => void {
  const dir = mkdtempSync(join(tmpdir(), 'needle-bench-tests-'));
  const previous = process.env.TMPDIR;
  process.env.TMPDIR = dir;
  return () => {
    if (previous === undefined) delete process.env.TMPDIR;
    else process.env.TMPDIR = previous;
    if (process.env.KEEP_TEST_TMP) console.log(`test temporary files kept in ${dir}`);
    else rmSync(dir, { recursive: true, force: true });
  };
}
