// A/B of the synthetic true-size baseline graph forms: PLAIN_FORM (plain ai.onnx ops, MatMulNBits
// without accuracy_level — the form of the first side-by-side tables), plain + accuracy_level 4,
// SYNTHETIC_FORM (fused ops + accuracy_level 4) and, where the family has one, SYNTHETIC_FORM +
// spec.form (LFM2.5's int4 token table: what the profile builds now), through the same transformers provider and
// forcedRun() the side-by-side profile uses. Per model both folders are loaded and the forms run
// alternately (A B A B …) so load from other processes hits both alike; CPU time per decode step is
// (CPU of a G-step run − CPU of a 1-step run on the same prompt) ÷ (G − 1).
//
//   NEEDLE_BENCH_CACHE=/tmp/nb-ab npx tsx tools/bench/graph-form-ab.ts --model qwen3-0.6b --model lfm2.5-350m \
//     [--prompt-tokens 128] [--gen-tokens 16] [--reps 3] [--threads 2] [--json out.json]
import { writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { modelCacheDir } from '../../src/models/registry.ts';
import { TransformersProvider } from '../../src/providers/transformers.ts';
import { ensureSyntheticBaseline, PLAIN_FORM, SYNTHETIC_FORM, type GraphForm, type SyntheticFolder } from '../../src/profile/synthetic/baseline-folder.ts';
import { TRUE_SIZE } from '../../src/profile/synthetic/true-size.ts';

const { values } = parseArgs({
  options: {
    model: { type: 'string', multiple: true, default: ['qwen3-0.6b'] },
    'prompt-tokens': { type: 'string', default: '128' },
    'gen-tokens': { type: 'string', default: '16' },
    reps: { type: 'string', default: '3' },
    threads: { type: 'string', default: '2' },
    json: { type: 'string' },
  },
});
const P = Number(values['prompt-tokens']);
const G = Number(values['gen-tokens']);
const reps = Number(values.reps);
const threads = Number(values.threads);
const cacheRoot = modelCacheDir();

function quantile(xs: number[], q: number): number {
  const s = [...xs].sort((a, b) => a - b);
  const i = (s.length - 1) * q;
  return s[Math.floor(i)] + (s[Math.ceil(i)] - s[Math.floor(i)]) * (i - Math.floor(i));
}
const cpuMs = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};

interface Arm { name: string; form: GraphForm; folder?: SyntheticFolder; provider?: TransformersProvider; stepMs: number[]; cpuPerStep: number[]; prefillMs: number[] }

const rows: Record<string, unknown>[] = [];
const load0 = loadavg()[0];
for (const id of values.model!) {
  const spec = TRUE_SIZE[id];
  if (!spec) throw new Error(`${id}: not in TRUE_SIZE (src/profile/synthetic/true-size.ts)`);
  const makeArm = (name: string, form: GraphForm): Arm => ({ name, form, stepMs: [], cpuPerStep: [], prefillMs: [] });
  const arms: Arm[] = [makeArm('plain', PLAIN_FORM), makeArm('plain+acc4', { accuracyLevel: 4 }), makeArm('fused+acc4', SYNTHETIC_FORM)];
  if (spec.form) arms.push(makeArm(`fused+acc4+${Object.keys(spec.form).join('+')}`, { ...SYNTHETIC_FORM, ...spec.form }));
  for (const arm of arms) {
    // The tokenizer is irrelevant here (forcedRun feeds synthetic ids): trained on the template only.
    arm.folder = await ensureSyntheticBaseline(spec, { cacheRoot, corpus: async () => '', form: arm.form, keepOtherConfigs: true });
    console.error(`${id} ${arm.name}: ${arm.folder.root} (${arm.folder.reused ? 'reused' : `built in ${(arm.folder.buildMs / 1000).toFixed(1)} s`}, ${(arm.folder.diskBytes / 1e6).toFixed(0)} MB)`);
    arm.provider = new TransformersProvider(`transformers:${arm.folder.dir}#${id}`, { cacheDir: cacheRoot, threads });
    await arm.provider.load();
    await arm.provider.forcedRun(P, 2); // warm-up
  }
  for (let r = 0; r < reps; r++) {
    // Alternate the order so no form always runs right after another one's cache-warming run.
    for (const arm of r % 2 === 0 ? arms : [...arms].reverse()) {
      const c0 = cpuMs();
      await arm.provider!.forcedRun(P, 1);
      const c1 = cpuMs();
      const run = await arm.provider!.forcedRun(P, G);
      const c2 = cpuMs();
      arm.stepMs.push(...run.stepMs);
      arm.prefillMs.push(run.prefillMs);
      arm.cpuPerStep.push((c2 - c1 - (c1 - c0)) / (G - 1));
    }
    console.error(`${id}: repetition ${r + 1}/${reps}, load average ${loadavg()[0].toFixed(2)}`);
  }
  for (const arm of arms) {
    await arm.provider!.dispose();
    rows.push({
      model: id,
      form: arm.name,
      decode_step_ms_median: quantile(arm.stepMs, 0.5),
      decode_step_ms_p25: quantile(arm.stepMs, 0.25),
      decode_step_ms_p10: quantile(arm.stepMs, 0.1),
      cpu_ms_per_step_median: quantile(arm.cpuPerStep, 0.5),
      prefill_ms_median: quantile(arm.prefillMs, 0.5),
      steps: arm.stepMs.length,
      onnx_mb: arm.folder!.onnxBytes / 1e6,
      folder: arm.folder!.root,
    });
  }
}
const result = { prompt_tokens: P, gen_tokens: G, reps, threads, load_average: { start: load0, end: loadavg()[0] }, cache: join(cacheRoot, 'synthetic'), rows };
console.log('| model | form | decode step ms median | p25 | p10 | CPU ms / step | prefill ms | MB |');
console.log('|---|---|---:|---:|---:|---:|---:|---:|');
for (const r of rows as Record<string, number & string>[]) {
  console.log(`| ${r.model} | ${r.form} | ${r.decode_step_ms_median.toFixed(1)} | ${r.decode_step_ms_p25.toFixed(1)} | ${r.decode_step_ms_p10.toFixed(1)} | ${r.cpu_ms_per_step_median.toFixed(1)} | ${r.prefill_ms_median.toFixed(0)} | ${r.onnx_mb.toFixed(0)} |`);
}
console.log(`load average ${load0.toFixed(2)} → ${loadavg()[0].toFixed(2)}; ${P}-token prompt, ${G} forced steps × ${reps} reps per form, ${threads} threads`);
if (values.json) writeFileSync(values.json, JSON.stringify(result, null, 2));
