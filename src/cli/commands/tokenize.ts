// `needle-bench tokenize --spm <file.model>`: SentencePiece encode/decode from the command line,
// one stdin line at a time (lines split as Node's readline does: \n or \r\n), so anyone can compare
// with `spm_encode --output_format=id` / python sentencepiece. `--bench <file>` measures encode speed.
import { readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import type { Command } from 'commander';
import { loadSentencePiece, type SentencePieceTokenizer } from '../../needle/tokenizer/index.ts';

export type TokenizeMode = 'ids' | 'pieces' | 'decode' | 'decode-json';

/** One output line for one input line; `lineNo` (1-based) names the line in errors. */
export function tokenizeLine(tok: SentencePieceTokenizer, line: string, mode: TokenizeMode, lineNo: number): string {
  if (mode === 'ids') return JSON.stringify(tok.encode(line));
  if (mode === 'pieces') return JSON.stringify(tok.encodeAsPieces(line));
  const ids = parseIdLine(line, lineNo);
  let text: string;
  try {
    text = tok.decode(ids);
  } catch (err) {
    throw new Error(`stdin:${lineNo}: ${(err as Error).message}`);
  }
  return mode === 'decode-json' ? JSON.stringify(text) : text;
}

function parseIdLine(line: string, lineNo: number): number[] {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    throw new Error(`stdin:${lineNo}: expected a JSON array of ids, got ${JSON.stringify(line.slice(0, 60))}`);
  }
  if (!Array.isArray(value)) throw new Error(`stdin:${lineNo}: expected a JSON array of ids`);
  value.forEach((v, i) => {
    if (!Number.isInteger(v)) throw new Error(`stdin:${lineNo}: element ${i} (${JSON.stringify(v)}) is not an integer id`);
  });
  return value as number[];
}

export interface EncodeBench {
  model: string;
  text_file: string;
  text_bytes: number;
  text_chars: number;
  ids: number;
  repetitions: number;
  /** Median over repetitions of encoding the whole text in one call (wall clock). */
  median_ms: number;
  min_ms: number;
  max_ms: number;
  ids_per_s: number;
  mb_per_s: number;
  /** Median process CPU time per repetition: steadier than wall clock on a shared machine. */
  median_cpu_ms: number;
  ids_per_cpu_s: number;
}

/** Encode speed on the first `maxBytes` of a file: 1 warm-up, then `repetitions` timed runs. */
export function benchEncode(tok: SentencePieceTokenizer, model: string, file: string, maxBytes: number, repetitions: number): EncodeBench {
  const bytes = readFileSync(file).subarray(0, maxBytes);
  const text = new TextDecoder().decode(bytes); // a cut multi-byte char at the end becomes U+FFFD
  const ids = tok.encode(text).length; // warm-up (JIT)
  const times: number[] = [];
  const cpuTimes: number[] = [];
  for (let i = 0; i < repetitions; i++) {
    const c0 = process.cpuUsage();
    const t0 = process.hrtime.bigint();
    tok.encode(text);
    times.push(Number(process.hrtime.bigint() - t0) / 1e6);
    const c = process.cpuUsage(c0);
    cpuTimes.push((c.user + c.system) / 1000);
  }
  const median = medianOf(times);
  const medianCpu = medianOf(cpuTimes);
  times.sort((a, b) => a - b);
  return {
    model,
    text_file: file,
    text_bytes: bytes.length,
    text_chars: text.length,
    ids,
    repetitions,
    median_ms: round(median),
    min_ms: round(times[0]),
    max_ms: round(times[times.length - 1]),
    ids_per_s: Math.round(ids / (median / 1000)),
    mb_per_s: round(bytes.length / 1e6 / (median / 1000)),
    median_cpu_ms: round(medianCpu),
    ids_per_cpu_s: Math.round(ids / (medianCpu / 1000)),
  };
}

function medianOf(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

const round = (x: number): number => Math.round(x * 100) / 100;

interface TokenizeOptions {
  spm: string;
  pieces?: boolean;
  decode?: boolean;
  json?: boolean;
  bench?: string;
  benchBytes: string;
  repeat: string;
}

export function register(program: Command): void {
  program
    .command('tokenize')
    .description('Encode stdin lines with a SentencePiece model (one JSON id array per line), or decode id arrays')
    .requiredOption('--spm <file.model>', 'SentencePiece model file (BPE)')
    .option('--pieces', 'print pieces instead of ids')
    .option('--decode', 'read one JSON id array per line and print the decoded text')
    .option('--json', 'with --decode: print each text as a JSON string (unambiguous for newlines)')
    .option('--bench <file>', 'measure encode speed on the first --bench-bytes of <file> and print JSON')
    .option('--bench-bytes <n>', 'bytes of the bench file to encode', '100000')
    .option('--repeat <n>', 'timed repetitions for --bench', '5')
    .action(async (opts: TokenizeOptions) => {
      const tok = loadSentencePiece(opts.spm);
      if (opts.bench) {
        const maxBytes = positiveInt(opts.benchBytes, '--bench-bytes');
        const reps = positiveInt(opts.repeat, '--repeat');
        console.log(JSON.stringify(benchEncode(tok, opts.spm, opts.bench, maxBytes, reps), null, 2));
        return;
      }
      if (opts.pieces && opts.decode) throw new Error('--pieces and --decode exclude each other');
      const mode: TokenizeMode = opts.decode ? (opts.json ? 'decode-json' : 'decode') : opts.pieces ? 'pieces' : 'ids';
      const lines = createInterface({ input: process.stdin, crlfDelay: Infinity });
      let lineNo = 0;
      for await (const line of lines) {
        lineNo++;
        process.stdout.write(tokenizeLine(tok, line, mode, lineNo) + '\n');
      }
    });
}

function positiveInt(value: string, flag: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n <= 0) throw new Error(`${flag} must be a positive integer, got "${value}"`);
  return n;
}
