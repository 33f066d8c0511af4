// The side-by-side profile as markdown: one row per model (failed ones with their reason), then the
// ratios against each reference model, then how it was measured.
import type { CompareResult, ModelRow, Summary } from './side-by-side.ts';

const fmt = (x: number | undefined, digits = 0) =>
  x === undefined || !Number.isFinite(x) ? '' : x.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });
const med = (s: Summary | undefined, digits = 0) => (s ? `${fmt(s.median, digits)} (${fmt(s.min, digits)}–${fmt(s.max, digits)})` : '');
const mb = (bytes: number | undefined) => (bytes === undefined ? '' : fmt(bytes / 1e6));
const times = (x: number | undefined) => (x === undefined ? '' : `${fmt(x, x >= 10 ? 0 : x >= 1 ? 1 : 2)}×`);

function weightsCell(r: ModelRow): string {
  return r.weights === 'synthetic' ? 'synthetic (speed only)' : (r.weights ?? '');
}

export function compareMarkdown(res: CompareResult): string {
  const s = res.settings;
  const hasCases = res.models.some((r) => r.cases);
  const lines = [
    `| model | weights | dtype | params | size MB | peak RSS MB | load s | prefill tok/s | decode tok/s | TTFT ms | TPOT ms | decode bound (share) |${hasCases ? ' case latency ms median / p90 | prompt tok median (min–max) | output tok median |' : ''}`,
    `|---|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|${hasCases ? '---:|---:|---:|' : ''}`,
  ];
  for (const r of res.models) {
    if (r.status !== 'ok') {
      lines.push(`| ${r.id} | **failed** (${r.failed_at}): ${r.error?.replace(/\|/g, '\\|').slice(0, 160)} |${' |'.repeat(hasCases ? 13 : 10)}`);
      continue;
    }
    const c = r.cases;
    const caseCells = hasCases ? ` ${c ? `${fmt(c.latency_ms.median)} / ${fmt(c.latency_ms.p90)}` : ''} | ${c ? `${fmt(c.prompt_tokens.median)} (${fmt(c.prompt_tokens.min)}–${fmt(c.prompt_tokens.max)})` : ''} | ${c ? fmt(c.output_tokens.median) : ''} |` : '';
    lines.push(
      `| ${r.id} | ${weightsCell(r)} | ${r.dtype} | ${fmt((r.parameter_count ?? 0) / 1e6, 1)}M | ${mb(r.file_bytes)} | ${r.memory?.peak_rss_mb !== undefined ? fmt(r.memory.peak_rss_mb) : `Δ${fmt(r.memory?.in_process_rss_delta_mb)} (in process)`} | ${fmt((r.load_ms ?? 0) / 1000, 1)} | ${med(r.prefill_tok_s)} | ${med(r.decode_tok_s, 1)} | ${med(r.ttft_ms)} | ${med(r.tpot_ms, 1)} | ${r.roofline ? `${fmt(r.roofline.decode_tok_s_bound, 1)} (${fmt(r.roofline.share_reached * 100)}%)` : ''} |${caseCells}`,
    );
  }
  for (const [ref, byModel] of Object.entries(res.ratios)) {
    lines.push('', `Ratios against ${ref} (model ÷ ${ref}, same run):`, '', '| model | decode tok/s | case latency median | case latency p90 | peak RSS | size on disk | parameters |', '|---|---:|---:|---:|---:|---:|---:|');
    for (const [id, q] of Object.entries(byModel)) {
      lines.push(`| ${id} | ${times(q.decode_tok_s)} | ${times(q.case_latency_median)} | ${times(q.case_latency_p90)} | ${times(q.peak_rss)} | ${times(q.file_bytes)} | ${times(q.parameters)} |`);
    }
  }
  const k = res.kernel_rates;
  lines.push(
    '',
    `${res.machine.cores}× ${res.machine.cpu}, Node ${res.machine.node}, ${s.threads} threads. Forced decode: ${s.promptTokens}-token synthetic prompt, ${s.genTokens} steps (end tokens ignored), ${s.warmups} warm-up + ${s.repetitions} repetitions, round-robin over models; medians (min–max).` +
      (hasCases
        ? ` Cases: the first ${s.cases} of ${s.suite}, each model in its own prompt format, ${s.caseOutput === 'expected' ? "generating exactly its expected answer's tokens in its own dialect + 1 end token (synthetic weights cannot say when to stop)" : `stopping at its own end tokens or ${s.caseMaxNewTokens} new tokens`}, round-robin.`
        : ''),
    `GEMV bandwidth ${fmt(k.before.gemvGBs, 1)} GB/s before, ${fmt(k.after.gemvGBs, 1)} GB/s after (bound uses the mean). Load average ${res.load_average.before[0]} → ${res.load_average.after[0]}. Wall time ${fmt(res.wall_s, 0)} s. Synthetic cache: ${mb(res.synthetic_cache_bytes)} MB for these models${res.synthetic_dir_bytes ? `, ${mb(res.synthetic_dir_bytes)} MB under ${res.settings.cache_root} in all (with Needle's exported ONNX)` : ''}.`,
    'Peak RSS: a child process per model (load + one short forced run). "synthetic (speed only)": random weights at the true size — no accuracy. Token counts of synthetic tokenizers are those tokenizers\' (see each model\'s `tokenizer.note` in the JSON).',
  );
  return lines.join('\n');
}
