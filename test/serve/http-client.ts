// Test client pieces for `needle-bench serve`: real fetch over loopback, SSE frames read off the wire.

export async function post(url: string, body: unknown): Promise<Response> {
  return fetch(url, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: typeof body === 'string' ? body : JSON.stringify(body) });
}

/** Reads an SSE body into its `data:` payloads; `[DONE]` is kept as the string. */
export async function sseEvents(res: Response): Promise<unknown[]> {
  const text = await res.text();
  const events: unknown[] = [];
  for (const frame of text.split('\n\n')) {
    const line = frame.trim();
    if (!line) continue;
    if (!line.startsWith('data: ')) throw new Error(`not an SSE data frame: ${JSON.stringify(line)}`);
    const data = line.slice(6);
    events.push(data === '[DONE]' ? data : JSON.parse(data));
  }
  return events;
}

export interface ChunkChoice {
  index: number;
  delta?: { role?: string; content?: string | null; tool_calls?: { index: number; id?: string; type?: string; function?: { name?: string; arguments?: string } }[] };
  text?: string;
  finish_reason: string | null;
}
export interface Chunk {
  id: string;
  object: string;
  model: string;
  choices: ChunkChoice[];
  usage?: { prompt_tokens: number; completion_tokens: number; total_tokens: number };
}

/** Accumulates streamed tool_call deltas the way OpenAI clients do (by index, arguments appended). */
export function assembleToolCalls(chunks: Chunk[]): { id: string; name: string; arguments: string }[] {
  const calls: { id: string; name: string; arguments: string }[] = [];
  for (const c of chunks) {
    for (const tc of c.choices[0]?.delta?.tool_calls ?? []) {
      const call = (calls[tc.index] ??= { id: '', name: '', arguments: '' });
      if (tc.id) call.id = tc.id;
      if (tc.function?.name) call.name += tc.function.name;
      if (tc.function?.arguments) call.arguments += tc.function.arguments;
    }
  }
  return calls;
}
