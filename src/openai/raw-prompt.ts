// The prompt text `raw` mode sends to /v1/completions: exactly what the local run of the same
// prompt format feeds its model, so a served score is comparable case for case with a local one.
// - A chat baseline: its own chat template rendered by src/prompts/chat-template.ts, from the pulled
//   model folder when it is there (as the transformers provider does), else the entry's template.
// - A Needle-format model (no chat template): Needle's prompt text, promptText() of
//   src/needle/v1/prompt.ts — the query, the "<tools>" separator and the compact tools JSON — which
//   `needle-bench serve` splits and encodes exactly as a local run does (parsePromptText).
import { modelCacheDir, modelDir, type ModelEntry } from '../models/registry.ts';
import { promptText } from '../needle/v1/prompt.ts';
import { renderPrompt, resolveChatTemplate, sha256 } from '../prompts/chat-template.ts';
import type { SuiteCase } from '../suite/types.ts';

export interface RawPrompt {
  prompt: string;
  promptSha256: string;
  /** The chat template's sha256 and source, for chat baselines. */
  template?: { sha256: string; source: string };
  /** Strings that end generation (FunctionGemma's <start_function_response>). */
  stop: string[];
}

function folder(entry: ModelEntry, cacheDir: string): string | undefined {
  return entry.local || entry.hub ? modelDir(entry, cacheDir) : undefined;
}

/** The chat template raw mode will use (undefined for Needle-format models); throws when there is none. */
export function rawTemplate(entry: ModelEntry, cacheDir = modelCacheDir()): { sha256: string; source: string } | undefined {
  if (entry.provider === 'needle') return undefined;
  const t = resolveChatTemplate(entry, folder(entry, cacheDir));
  return { sha256: t.sha256, source: t.source };
}

export function rawPrompt(entry: ModelEntry, testCase: SuiteCase, cacheDir = modelCacheDir()): RawPrompt {
  const stop = ((entry.generation as { stopTokens?: string[] }).stopTokens ?? []).slice();
  if (entry.provider === 'needle') {
    const prompt = promptText(testCase);
    return { prompt, promptSha256: sha256(prompt), stop };
  }
  const rendered = renderPrompt(entry, testCase, folder(entry, cacheDir));
  return { prompt: rendered.prompt, promptSha256: rendered.promptSha256, template: { sha256: rendered.template.sha256, source: rendered.template.source }, stop };
}
