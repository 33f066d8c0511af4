// Server-sent events as OpenAI-compatible servers stream them: `data: <json>` lines, events split by
// a blank line, the stream closed by `data: [DONE]`. Both sides live here: the frames
// `needle-bench serve` (and the tests' loopback server) write, and the reader of the openai client.
// Only what chat/completions streams use is read (data and comment lines; event/id/retry fields are
// ignored). Bytes are decoded as one UTF-8 stream, so a multi-byte character split across network
// chunks survives.

/** Response headers of an event stream (X-Accel-Buffering: no keeps proxies from holding it back). */
export const SSE_HEADERS: Readonly<Record<string, string>> = { 'Content-Type': 'text/event-stream; charset=utf-8', 'Cache-Control': 'no-cache', 'X-Accel-Buffering': 'no' };

/** One event carrying `data` as JSON. */
export const sseFrame = (data: unknown): string => `data: ${JSON.stringify(data)}\n\n`;

/** The event that ends an OpenAI stream. */
export const SSE_DONE = 'data: [DONE]\n\n';

/** One event's data (its `data:` lines joined by "\n"). */
export type SseData = string;

/** Splits a byte stream into event data; yields each event as soon as its blank line arrives. */
export async function* sseEvents(body: AsyncIterable<Uint8Array>): AsyncGenerator<SseData> {
  const decoder = new TextDecoder('utf-8');
  let buffer = '';
  let data: string[] = [];
  const flushLine = function* (line: string): Generator<SseData> {
    if (line === '') {
      if (data.length) yield data.join('\n');
      data = [];
      return;
    }
    if (line.startsWith(':')) return; // comment / keep-alive
    const colon = line.indexOf(':');
    const field = colon < 0 ? line : line.slice(0, colon);
    let value = colon < 0 ? '' : line.slice(colon + 1);
    if (value.startsWith(' ')) value = value.slice(1);
    if (field === 'data') data.push(value);
  };
  for await (const chunk of body) {
    buffer += decoder.decode(chunk, { stream: true });
    let nl: number;
    while ((nl = buffer.search(/\r\n|\r|\n/)) >= 0) {
      if (nl === buffer.length - 1 && buffer[nl] === '\r') break; // maybe the first half of \r\n
      const line = buffer.slice(0, nl);
      buffer = buffer.slice(nl + (buffer.startsWith('\r\n', nl) ? 2 : 1));
      yield* flushLine(line);
    }
  }
  buffer += decoder.decode();
  if (buffer) yield* flushLine(buffer);
  // An event without its closing blank line is still handed over: whether the stream was complete
  // is decided by the caller ([DONE] / finish_reason), not by framing.
  if (data.length) yield data.join('\n');
}
