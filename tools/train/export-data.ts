// Turns suite folders into Needle training/eval text pairs using the harness's own prompt code
// (src/needle/v1/prompt.ts), so the model is trained on exactly the text the runtime will feed it.
// Usage: npx tsx tools/train/export-data.ts <suite-dir> <out.jsonl> [--spm <tokenizer.model>]
// Each line: {id, category, query, tools_json, target} where target is the JSON list of calls Needle
// emits after <tool_call> (snake_case names, first acceptable value of every argument the query states).
// With --spm each line also carries src_ids (the encoder input exactly as the runtime builds it:
// src/needle/v1/prompt.ts encoderInput with the harness's own tokenizer) and target_ids, so training
// feeds the very ids the harness will, and skips Python sentencepiece's slow BPE over long
// whitespace-free tool JSON (~4 ms a row against ~0.3 ms here).
import { closeSync, openSync, writeSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { encoderInput, queryText, toSnakeCase, toolsJson } from '../../src/needle/v1/prompt.ts';
import { loadSentencePiece } from '../../src/sentencepiece/index.ts';
import { loadSuite } from '../../src/suite/load.ts';
import type { SuiteCase } from '../../src/suite/types.ts';

export function targetJson(c: SuiteCase): string {
  const calls = c.expected.calls.map((call) => {
    const tool = c.tools.find((t) => t.name === call.name);
    const order = Object.keys((tool?.parameters.properties ?? {}) as Record<string, unknown>);
    const args: Record<string, unknown> = {};
    // Schema order, required-or-stated arguments only: an unstated optional argument is omitted.
    for (const key of [...order, ...Object.keys(call.args).filter((k) => !order.includes(k))]) {
      const a = call.args[key];
      if (!a || a.optional) continue;
      args[key] = a.values[0];
    }
    return { name: toSnakeCase(call.name), arguments: args };
  });
  return JSON.stringify(calls);
}

const { values: flags, positionals } = parseArgs({ options: { spm: { type: 'string' } }, allowPositionals: true });
const [dir, out] = positionals;
if (!dir || !out || positionals.length !== 2) {
  console.error('usage: export-data.ts <suite-dir> <out.jsonl> [--spm <tokenizer.model>]');
  process.exit(2);
}
const tok = flags.spm ? loadSentencePiece(flags.spm) : undefined;
// The suite loader validates every case and names file:line on a bad one.
const suite = await loadSuite(dir);
// Written row by row: 200k rows with ids exceed the longest string V8 can build.
const fd = openSync(out, 'w');
for (const c of suite.cases) {
  const row: Record<string, unknown> = { id: c.id, category: c.category, query: queryText(c.query), tools_json: toolsJson(c.tools), target: targetJson(c) };
  if (tok) {
    row.src_ids = encoderInput((t) => tok.encode(t), c).ids;
    row.target_ids = tok.encode(row.target as string);
  }
  writeSync(fd, JSON.stringify(row) + '\n');
}
closeSync(fd);
console.log(`wrote ${suite.cases.length} rows to ${out}`);
