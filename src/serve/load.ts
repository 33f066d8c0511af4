// Load for `needle-bench serve` (the serve-load command): `clients` concurrent loops, each sending
// requests built from suite cases until `seconds` pass, counting answers by status, and sampling the
// server process's resident memory from /proc (Linux) meanwhile. A benchmark, not a test: it reports
// numbers; the protocol tests assert behaviour.
import { readFileSync } from 'node:fs';
import { promptText } from '../needle/v1/prompt.ts';
import type { SuiteCase } from '../suite/types.ts';
import { quantileSorted } from '../stats/percentiles.ts';

/** As the openai provider's modes: tools = chat completions with tools, raw = completions on Needle's prompt text. */
export type LoadMode = 'tools' | 'raw' | 'mixed';
export const LOAD_MODES: readonly LoadMode[] = ['tools', 'raw', 'mixed'];

export interface LoadOptions {
  url: string;
  model: string;
  cases: SuiteCase[];
  clients: number;
  seconds: number;
  mode: LoadMode;
  /** Every `streamEvery`-th client streams (0: none). */
  streamEvery: number;
  /** Server pid whose RSS to sample (Linux /proc). */
  pid?: number;
}

export interface LoadReport {
  clients: number;
  seconds: number;
  mode: LoadMode;
  requests: number;
  /** Answers by HTTP status; "error" = the connection failed (no HTTP answer). */
  byStatus: Record<string, number>;
  answeredPerSecond: number;
  /** Latency of 200 answers, ms. */
  latencyMs: { p50: number; p90: number; p99: number; max: number } | null;
  rss: { beforeMiB: number; peakSampledMiB: number; afterMiB: number; highWaterMiB: number | null; samples: number } | null;
}

function procStatus(pid: number): Record<string, number> | undefined {
  try {
    const text = readFileSync(`/proc/${pid}/status`, 'utf8');
    const out: Record<string, number> = {};
    for (const m of text.matchAll(/^(VmRSS|VmHWM):\s+(\d+) kB$/gm)) out[m[1]] = Number(m[2]) / 1024;
    return out;
  } catch {
    return undefined;
  }
}

function request(c: SuiteCase, model: string, chat: boolean, stream: boolean): { path: string; body: string } {
  return chat
    ? { path: '/v1/chat/completions', body: JSON.stringify({ model, messages: typeof c.query === 'string' ? [{ role: 'user', content: c.query }] : c.query, tools: c.tools.map((t) => ({ type: 'function', function: t })), stream }) }
    : { path: '/v1/completions', body: JSON.stringify({ model, prompt: promptText(c), stream }) };
}

export async function runLoad(options: LoadOptions): Promise<LoadReport> {
  const byStatus: Record<string, number> = {};
  const latencies: number[] = [];
  const rssSamples: number[] = [];
  const before = options.pid ? procStatus(options.pid) : undefined;
  const sampler = options.pid
    ? setInterval(() => {
        const s = procStatus(options.pid!);
        if (s?.VmRSS) rssSamples.push(s.VmRSS);
      }, 100)
    : undefined;
  const started = performance.now();
  const until = started + options.seconds * 1000;
  let requests = 0;
  const client = async (k: number) => {
    let i = k;
    while (performance.now() < until) {
      const c = options.cases[i++ % options.cases.length];
      const chat = options.mode === 'tools' || (options.mode === 'mixed' && k % 2 === 1);
      const stream = options.streamEvery > 0 && k % options.streamEvery === 0;
      const { path, body } = request(c, options.model, chat, stream);
      const t0 = performance.now();
      requests++;
      try {
        const res = await fetch(options.url + path, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body });
        await res.arrayBuffer();
        byStatus[res.status] = (byStatus[res.status] ?? 0) + 1;
        if (res.status === 200) latencies.push(performance.now() - t0);
        // A refused client backs off as Retry-After asks, capped so the run stays busy.
        if (res.status === 503) await new Promise((r) => setTimeout(r, Math.min(1000, Number(res.headers.get('retry-after') ?? 1) * 1000) / 10));
      } catch {
        byStatus.error = (byStatus.error ?? 0) + 1;
      }
    }
  };
  await Promise.all(Array.from({ length: options.clients }, (_, k) => client(k)));
  clearInterval(sampler);
  const elapsed = (performance.now() - started) / 1000;
  const after = options.pid ? procStatus(options.pid) : undefined;
  const sorted = [...latencies].sort((a, b) => a - b);
  const mib = (x: number) => Math.round(x * 10) / 10;
  return {
    clients: options.clients,
    seconds: mib(elapsed),
    mode: options.mode,
    requests,
    byStatus,
    answeredPerSecond: mib((byStatus[200] ?? 0) / elapsed),
    latencyMs: sorted.length
      ? { p50: mib(quantileSorted(sorted, 0.5)), p90: mib(quantileSorted(sorted, 0.9)), p99: mib(quantileSorted(sorted, 0.99)), max: mib(sorted.at(-1)!) }
      : null,
    rss:
      before?.VmRSS !== undefined
        ? {
            beforeMiB: mib(before.VmRSS),
            peakSampledMiB: mib(Math.max(before.VmRSS, ...rssSamples)),
            afterMiB: mib(after?.VmRSS ?? NaN),
            highWaterMiB: after?.VmHWM !== undefined ? mib(after.VmHWM) : null,
            samples: rssSamples.length,
          }
        : null,
  };
}
