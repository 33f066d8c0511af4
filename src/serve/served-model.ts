// A Needle checkpoint behind the HTTP server: the needle provider a local run uses (same prompt,
// tokenizer, constrained decoding and greedy engine), so a served answer is byte for byte a local
// run's. Chat requests become a single-shot case (last user message + tools); completion requests
// carry Needle's prompt text (src/needle/v1/prompt.ts promptText) and are taken apart again.
import { dialect as needleDialect } from '../dialects/needle.ts';
import type { ToolCall } from '../dialects/types.ts';
import { modelCacheDir } from '../models/registry.ts';
import { createProvider } from '../providers/registry.ts';
import { NeedleProvider } from '../providers/needle.ts';
import type { Generation, ModelProvenance } from '../providers/types.ts';
import { stringifyJson } from '../util/json-lexeme.ts';
import type { ChatRequest, CompletionRequest, FinishReason, ToolCallOut } from './openai-protocol.ts';

export interface ServedOutput {
  raw: string;
  promptTokens: number;
  completionTokens: number;
  finish: FinishReason;
  generation: Generation;
}

export interface ServedChat extends ServedOutput {
  toolCalls: ToolCallOut[];
  /** The dialect's parse error when the output holds no readable call list. */
  parseError?: string;
}

/** Streaming hook: the output text so far (stable: never shrinks, only grows). */
export type OnText = (textSoFar: string) => void;

export interface LoadOptions {
  cacheDir?: string;
  threads?: number;
  onnxCacheDir?: string;
}

/** Calls in the OpenAI form; arguments keep `5.0` as written (floatPaths), ids are per request. */
export function toolCallsOut(calls: ToolCall[], requestId: string): ToolCallOut[] {
  return calls.map((c, i) => ({
    id: `call_${requestId.slice(-12)}_${i}`,
    type: 'function',
    function: { name: c.name, arguments: stringifyJson(c.arguments, c.floatPaths ?? []) },
  }));
}

export class ServedNeedle {
  private constructor(
    /** The model id clients send ("needle-tiny", or the name given as name=spec). */
    readonly id: string,
    readonly spec: string,
    private readonly provider: NeedleProvider,
    readonly provenance: ModelProvenance,
  ) {}

  static async load(id: string, spec: string, options: LoadOptions = {}): Promise<ServedNeedle> {
    const provider = await createProvider(spec, {
      cacheDir: options.cacheDir ?? modelCacheDir(),
      ...(options.threads !== undefined ? { threads: options.threads } : {}),
      ...(options.onnxCacheDir ? { onnxCacheDir: options.onnxCacheDir } : {}),
    });
    if (!(provider instanceof NeedleProvider)) {
      await provider.dispose().catch(() => {});
      throw new Error(`model "${spec}" is not a Needle model: serve runs Needle checkpoints (a registered needle model or needle:<path>)`);
    }
    const provenance = await provider.load();
    return new ServedNeedle(id, spec, provider, provenance);
  }

  get maxNewTokens(): number {
    return this.provider.settings.maxNewTokens;
  }

  /** `onFirstToken`: called once, when the first token is decoded (a stream's time to first token). */
  async chat(req: ChatRequest, requestId: string, signal?: AbortSignal, onFirstToken?: () => void): Promise<ServedChat> {
    let first = onFirstToken;
    const onToken = () => {
      first?.();
      first = undefined;
    };
    const options = { ...this.options(req, signal, undefined), ...(first ? { onToken } : {}) };
    const gen = await this.provider.generateCase({ query: req.messages, tools: req.tools }, options);
    const out = this.output(gen, req.stop);
    const parsed = needleDialect.parse(out.raw, req.tools);
    const toolCalls = parsed.ok ? toolCallsOut(parsed.calls, requestId) : [];
    return {
      ...out,
      toolCalls,
      finish: toolCalls.length > 0 ? 'tool_calls' : out.finish,
      ...(parsed.ok ? {} : { parseError: parsed.error }),
    };
  }

  async complete(req: CompletionRequest, signal?: AbortSignal, onText?: OnText): Promise<ServedOutput> {
    const gen = await this.provider.generateFromPrompt(req.prompt, this.options(req, signal, onText));
    return this.output(gen, req.stop);
  }

  async dispose(): Promise<void> {
    await this.provider.dispose();
  }

  private options(req: { maxTokens?: number }, signal: AbortSignal | undefined, onText: OnText | undefined) {
    return {
      signal,
      ...(req.maxTokens !== undefined ? { maxNewTokens: req.maxTokens } : {}),
      // The last token's text may still change (a piece continuing a multi-byte character), so a
      // stream shows the text up to the token before it; the rest follows when decoding ends.
      ...(onText ? { onToken: (ids: number[]) => onText(this.provider.decode(ids.slice(0, -1))) } : {}),
    };
  }

  private output(gen: Generation, stop: string[]): ServedOutput {
    let raw = gen.raw;
    let finish: FinishReason = gen.info?.stoppedBy === 'max_len' ? 'length' : 'stop';
    const cut = firstStop(raw, stop);
    if (cut !== undefined) {
      raw = raw.slice(0, cut);
      finish = 'stop';
    }
    return { raw, promptTokens: gen.promptTokens ?? 0, completionTokens: gen.generatedTokens ?? 0, finish, generation: gen };
  }
}

/** Index of the earliest stop string in `text`, if any. */
export function firstStop(text: string, stop: readonly string[]): number | undefined {
  let best: number | undefined;
  for (const s of stop) {
    const i = text.indexOf(s);
    if (i >= 0 && (best === undefined || i < best)) best = i;
  }
  return best;
}
