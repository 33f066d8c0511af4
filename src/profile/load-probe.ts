// Child process of the side-by-side profile: loads one model through its provider, runs one short
// forced generation (so session arenas exist) and prints its memory as JSON on stdout. One process per
// model is the honest way to give each model its own peak RSS: in the parent, every model's memory
// adds up and the process peak belongs to whichever was loaded last.
//   node --import tsx src/profile/load-probe.ts '<SubjectSpec JSON>'
// Peak = VmHWM of /proc/self/status (Linux), the high-water mark of this process's own address space:
// getrusage's maxRSS would not do, it survives execve and so starts at the parent's RSS at fork time.
import { highWaterMarkBytes } from './peak-rss.ts';
import { createProvider, type SubjectSpec } from './subjects.ts';

const mb = (bytes: number) => Math.round(bytes / 1e5) / 10;
const spec = JSON.parse(process.argv[2] ?? '') as SubjectSpec;
const before = process.memoryUsage().rss;
const provider = createProvider(spec);
const t0 = performance.now();
await provider.load();
const loadMs = performance.now() - t0;
const afterLoad = process.memoryUsage().rss;
await provider.forcedRun(16, 4);
const afterRun = process.memoryUsage().rss;
// Without /proc, the largest RSS sampled (a lower bound on the peak).
const peak = highWaterMarkBytes() ?? Math.max(afterLoad, afterRun);
await provider.dispose();
process.stdout.write(
  JSON.stringify({ load_ms: Math.round(loadMs), rss_before_load_mb: mb(before), rss_after_load_mb: mb(afterLoad), rss_after_first_run_mb: mb(afterRun), peak_rss_mb: mb(peak) }) + '\n',
);
