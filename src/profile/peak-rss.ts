// Peak resident memory of this process. VmHWM of /proc/self/status (Linux) is the high-water mark of
// this process's own address space; getrusage's maxRSS survives execve, so a child starts at its
// parent's RSS at fork time — it is only the fallback where /proc is absent.
import { readFileSync } from 'node:fs';

/** VmHWM in bytes, or undefined without /proc. */
export function highWaterMarkBytes(): number | undefined {
  try {
    const m = /^VmHWM:\s+(\d+) kB/m.exec(readFileSync('/proc/self/status', 'utf8'));
    return m ? Number(m[1]) * 1024 : undefined;
  } catch {
    return undefined;
  }
}

/** Peak RSS in MB (one decimal): VmHWM, else getrusage's maxRSS. */
export function peakRssMb(): number {
  const bytes = highWaterMarkBytes() ?? process.resourceUsage().maxRSS * 1024;
  return Math.round(bytes / 1e5) / 10;
}
