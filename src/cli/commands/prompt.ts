// `needle-bench prompt --model <id> --suite <path> --case <id> [--json]`: the exact prompt text a
// registered chat model receives for one case — rendered from the model's own template when it is on
// disk, else from the template its registry entry names — so a prompt can be read and diffed. For a
// Needle model it is the encoder's input as text (query, <tools>, tools JSON: promptText in
// src/needle/v1/prompt.ts), which is also what `needle-bench serve` takes on /v1/completions. For
// Needle 2 it is render_example's prompt; --json adds the token ids and names the tokenizer used
// (prompt-needle2.ts).
import type { Command } from 'commander';
import { modelCacheDir, modelDir, modelRegistry, type ModelEntry } from '../../models/registry.ts';
import { renderPrompt, type RenderedPrompt } from '../../prompts/chat-template.ts';
import type { SuiteCase } from '../../suite/types.ts';

export interface PromptOptions {
  model: string;
  suite: string;
  case: string;
  json?: boolean;
  cacheDir?: string;
  /** Needle 2 only: the tokenizer for --json's ids (tokenizer.model or a .cact). */
  tokenizer?: string;
}

function chatEntry(id: string): ModelEntry {
  const registry = modelRegistry();
  const entry = registry.get(id);
  if (!entry) throw new Error(`unknown model "${id}"; registered: ${[...registry.keys()].join(', ')}`);
  if (!entry.chatTemplate && !entry.hub) throw new Error(`model "${id}" is not a chat-template model (provider ${entry.provider})`);
  return entry;
}

/** Renders the prompt and formats it the way the command prints it. */
export async function promptOutput(opts: PromptOptions): Promise<{ text: string; rendered?: RenderedPrompt; note?: string }> {
  const known = modelRegistry().get(opts.model);
  if (opts.tokenizer && known?.provider !== 'needle2') throw new Error(`--tokenizer is for Needle 2 models only (model "${opts.model}" uses provider ${known?.provider ?? 'unknown'})`);
  if (known?.provider === 'needle') return needlePrompt(opts);
  if (known?.provider === 'needle2') {
    const { needle2PromptText } = await import('./prompt-needle2.ts');
    return needle2PromptText(known, await findCase(opts), opts);
  }
  const entry = chatEntry(opts.model);
  if (entry.provider !== 'transformers') throw new Error(`model "${opts.model}" uses provider ${entry.provider}, which builds its input without a chat template`);
  const testCase = await findCase(opts);
  const rendered = renderPrompt(entry, testCase, modelDir(entry, opts.cacheDir ?? modelCacheDir()));
  const text = opts.json
    ? `${JSON.stringify({ messages: rendered.messages, tools: rendered.tools, prompt: rendered.prompt })}\n`
    : rendered.prompt;
  return { text, rendered };
}

async function findCase(opts: PromptOptions): Promise<SuiteCase> {
  const { loadSuite } = await import('../../suite/load.ts');
  const suite = await loadSuite(opts.suite);
  const testCase: SuiteCase | undefined = suite.cases.find((c) => c.id === opts.case);
  if (!testCase) throw new Error(`suite ${suite.path} has no case "${opts.case}"`);
  return testCase;
}

async function needlePrompt(opts: PromptOptions): Promise<{ text: string }> {
  const { promptText, queryText, toFlatTool } = await import('../../needle/v1/prompt.ts');
  const testCase = await findCase(opts);
  const prompt = promptText(testCase);
  return { text: opts.json ? `${JSON.stringify({ query: queryText(testCase.query), tools: testCase.tools.map(toFlatTool), prompt })}\n` : prompt };
}

export function register(program: Command): void {
  program
    .command('prompt')
    .description("Print the exact prompt a registered model receives for one suite case (its own chat template; Needle: its encoder input as text; Needle 2: render_example's prompt)")
    .requiredOption('--model <id>', 'registered model id (e.g. qwen3-0.6b)')
    .requiredOption('--suite <path>', 'suite folder or .jsonl file')
    .requiredOption('--case <id>', 'case id')
    .option('--json', 'print {"messages": [...], "tools": [...], "prompt": "..."} (Needle: {"query", "tools" (flat), "prompt"}; Needle 2: {"prompt", "tokenizer", "ids", "token_count", …})')
    .option('--tokenizer <path>', "Needle 2: tokenizer.model or .cact for --json's ids (default: the pulled model's, else the project's stand-in test tokenizer, named in the output)")
    .option('--cache-dir <dir>', 'model cache (default $NEEDLE_BENCH_CACHE or ~/.cache/needle-bench/models)')
    .action(async (opts: PromptOptions) => {
      const { text, rendered, note } = await promptOutput(opts);
      process.stdout.write(text);
      if (note) process.stderr.write(`\n${note}\n`);
      if (!opts.json && rendered) process.stderr.write(`\n[template ${rendered.template.source} sha256 ${rendered.template.sha256}; prompt sha256 ${rendered.promptSha256}]\n`);
    });
}
