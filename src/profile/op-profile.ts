// Where a decode step's (or a prefill's) time goes: onnxruntime's own per-node profiler on the decoder
// (or encoder) session, summed by operator type over a number of runs (warm-up runs excluded). Used to decide which fusions pay:
// at batch 1 a step is a couple of hundred small nodes, and their fixed cost competes with the MatMuls.
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { argmax, NeedleEngine, type Precision } from '../needle/v1/engine.ts';
import type { NeedleCheckpoint } from '../needle/v1/types.ts';
import { syntheticPrompt } from './needle-profile.ts';

export interface OpProfileOptions {
  /** decoder: `steps` decode steps after the warm-up; encoder: `steps` prefills of the prompt. */
  graph?: 'encoder' | 'decoder';
  precision: Precision;
  quantizeLogits?: boolean;
  threads: number;
  promptTokens: number;
  steps: number;
  warmupSteps?: number;
  cacheDir?: string;
}

export interface OpRow {
  op: string;
  /** Node executions of this type per decode step. */
  nodes_per_step: number;
  us_per_step: number;
  share: number;
}

export interface OpProfile {
  graph: 'encoder' | 'decoder';
  precision: Precision;
  quantize_logits: boolean;
  threads: number;
  prompt_tokens: number;
  steps: number;
  /** Sum of node kernel times per step (excludes the session's own overhead between nodes). */
  kernel_us_per_step: number;
  /** onnxruntime's model_run time per step (kernels plus the executor's per-node overhead). */
  run_us_per_step: number;
  ops: OpRow[];
}

interface TraceEvent {
  cat?: string;
  name?: string;
  dur?: number;
  args?: { op_name?: string };
}

export async function opProfile(checkpoint: NeedleCheckpoint, o: OpProfileOptions): Promise<OpProfile> {
  const dir = mkdtempSync(join(tmpdir(), 'needle-op-profile-'));
  const graph = o.graph ?? 'decoder';
  try {
    const engine = await NeedleEngine.create(checkpoint, {
      precision: o.precision, quantizeLogits: o.quantizeLogits, threads: o.threads, cacheDir: o.cacheDir,
      profile: { graph, prefix: join(dir, graph) },
    });
    const warm = o.warmupSteps ?? (graph === 'decoder' ? 4 : 1);
    try {
      const prompt = syntheticPrompt(o.promptTokens, engine.dims.vocab);
      if (graph === 'encoder') {
        for (let run = 0; run < warm + o.steps; run++) await engine.encode(prompt);
      } else {
        const state = await engine.encode(prompt);
        let token = 1;
        for (let step = 0; step < warm + o.steps; step++) token = argmax(await engine.step(state, token));
      }
      engine.endProfiling();
    } finally {
      await engine.dispose();
    }
    const file = readdirSync(dir).find((f) => f.startsWith(graph) && f.endsWith('.json'));
    if (!file) throw new Error(`op profile: onnxruntime wrote no profile into ${dir}`);
    const events = JSON.parse(readFileSync(join(dir, file), 'utf8')) as TraceEvent[];
    return summarise(events, o, warm);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Sums kernel times by op type over the runs after the first `warm` (each run is one decode step). */
export function summarise(events: TraceEvent[], o: OpProfileOptions, warm: number): OpProfile {
  const runs = events.filter((e) => e.cat === 'Session' && e.name === 'model_run');
  const measuredRuns = runs.slice(warm);
  if (measuredRuns.length === 0) throw new Error('op profile: no measured model_run events');
  // Node events carry no run index; they appear in run order, so skip those of the warm-up runs by
  // counting kernels per run (constant for a fixed graph).
  const kernels = events.filter((e) => e.cat === 'Node' && e.name?.endsWith('_kernel_time') && e.args?.op_name);
  const perRun = kernels.length / runs.length;
  if (!Number.isInteger(perRun)) throw new Error(`op profile: ${kernels.length} kernel events do not divide into ${runs.length} runs`);
  const measured = kernels.slice(warm * perRun);
  const byOp = new Map<string, { n: number; us: number }>();
  for (const e of measured) {
    const row = byOp.get(e.args!.op_name!) ?? { n: 0, us: 0 };
    row.n += 1;
    row.us += e.dur ?? 0;
    byOp.set(e.args!.op_name!, row);
  }
  const steps = measuredRuns.length;
  const kernelUs = [...byOp.values()].reduce((a, r) => a + r.us, 0) / steps;
  const r1 = (x: number) => Math.round(x * 10) / 10;
  const ops = [...byOp].map(([op, r]) => ({ op, nodes_per_step: r1(r.n / steps), us_per_step: r1(r.us / steps), share: Math.round((r.us / steps / kernelUs) * 1000) / 1000 }))
    .sort((a, b) => b.us_per_step - a.us_per_step);
  return {
    graph: o.graph ?? 'decoder',
    precision: o.precision,
    quantize_logits: o.quantizeLogits ?? false,
    threads: o.threads,
    prompt_tokens: o.promptTokens,
    steps,
    kernel_us_per_step: r1(kernelUs),
    run_us_per_step: r1(measuredRuns.reduce((a, e) => a + (e.dur ?? 0), 0) / steps),
    ops,
  };
}

export function opProfileMarkdown(p: OpProfile): string {
  const lines = [
    `${p.graph === 'encoder' ? 'Prefill (encoder + cross K/V)' : 'Decoder step'}, ${p.precision}${p.quantize_logits ? '+q-logits' : ''}, ${p.threads} thread(s), ${p.prompt_tokens}-token prompt, ${p.steps} steps: ` +
      `model_run ${p.run_us_per_step} µs per run, of which kernels ${p.kernel_us_per_step} µs.`,
    '',
    '| op | nodes/run | µs/run | share of kernel time |',
    '|---|---:|---:|---:|',
    ...p.ops.map((r) => `| ${r.op} | ${r.nodes_per_step} | ${r.us_per_step} | ${Math.round(r.share * 1000) / 10}% |`),
  ];
  return lines.join('\n');
}
