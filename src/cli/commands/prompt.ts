// `needle-bench prompt --model <id> --suite <path> --case <id> [--json]`: the exact prompt text a
// registered chat model receives for one case — rendered from the model's own template when it is on
// disk, else from the template its registry entry names — so a prompt can be read and diffed.
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
}

function chatEntry(id: string): ModelEntry {
  const registry = modelRegistry();
  const entry = registry.get(id);
  if (!entry) throw new Error(`unknown model "${id}"; registered: ${[...registry.keys()].join(', ')}`);
  if (!entry.chatTemplate && !entry.hub) throw new Error(`model "${id}" is not a chat-template model (provider ${entry.provider})`);
  return entry;
}

/** Renders the prompt and formats it the way the command prints it. */
export async function promptOutput(opts: PromptOptions): Promise<{ text: string; rendered: RenderedPrompt }> {
  const entry = chatEntry(opts.model);
  if (entry.provider !== 'transformers') throw new Error(`model "${opts.model}" uses provider ${entry.provider}, which builds its input without a chat template`);
  const { loadSuite } = await import('../../suite/load.ts');
  const suite = await loadSuite(opts.suite);
  const testCase: SuiteCase | undefined = suite.cases.find((c) => c.id === opts.case);
  if (!testCase) throw new Error(`suite ${suite.path} has no case "${opts.case}"`);
  const rendered = renderPrompt(entry, testCase, modelDir(entry, opts.cacheDir ?? modelCacheDir()));
  const text = opts.json
    ? `${JSON.stringify({ messages: rendered.messages, tools: rendered.tools, prompt: rendered.prompt })}\n`
    : rendered.prompt;
  return { text, rendered };
}

export function register(program: Command): void {
  program
    .command('prompt')
    .description("Print the exact prompt a registered chat model receives for one suite case (its own chat template)")
    .requiredOption('--model <id>', 'registered model id (e.g. qwen3-0.6b)')
    .requiredOption('--suite <path>', 'suite folder or .jsonl file')
    .requiredOption('--case <id>', 'case id')
    .option('--json', 'print {"messages": [...], "tools": [...], "prompt": "..."}')
    .option('--cache-dir <dir>', 'model cache (default $NEEDLE_BENCH_CACHE or ~/.cache/needle-bench/models)')
    .action(async (opts: PromptOptions) => {
      const { text, rendered } = await promptOutput(opts);
      process.stdout.write(text);
      if (!opts.json) process.stderr.write(`\n[template ${rendered.template.source} sha256 ${rendered.template.sha256}; prompt sha256 ${rendered.promptSha256}]\n`);
    });
}
