// `needle-bench tokenize --spm <file.model>`: SentencePiece encode/decode from the command line,
// one stdin line at a time (lines split as Node's readline does: \n or \r\n), so anyone can compare
// with `spm_encode --output_format=id` / python sentencepiece. `--bench <file>` measures encode speed.
import { readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import type { Command } from 'commander';
import { loadSentencePiece, type SentencePieceTokenizer } from '../../sentencepiece/index.ts';

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
  /** The same text encoded one line at a time (prompt-sized calls). */
  lines: number;
  line_ids: number;
  per_line_median_cpu_ms: number;
  per_line_ids_per_cpu_s: number;
}

/** Encode speed on the first `maxBytes` of a file, whole and line by line: a warm-up, then
 * `repetitions` timed runs of each. */
export function benchEncode(tok: SentencePieceTokenizer, model: string, file: string, maxBytes: number, repetitions: number): EncodeBench {
  const bytes = readFileSync(file).subarray(0, maxBytes);
  const text = new TextDecoder().decode(bytes); // a cut multi-byte char at the end becomes U+FFFD
  const lines = text.split('\n');
  const ids = tok.encode(text).length; // also the JIT warm-up
  let lineIds = 0;
  for (const line of lines) lineIds += tok.encode(line).length;
  const whole = timeIt(repetitions, () => tok.encode(text));
  const perLine = timeIt(repetitions, () => {
    for (const line of lines) tok.encode(line);
  });
  return {
    model,
    text_file: file,
    text_bytes: bytes.length,
    text_chars: text.length,
    ids,
    repetitions,
    median_ms: round(whole.wall[Math.floor(repetitions / 2)]),
    min_ms: round(whole.wall[0]),
    max_ms: round(whole.wall[repetitions - 1]),
    ids_per_s: Math.round(ids / (whole.wallMedian / 1000)),
    mb_per_s: round(bytes.length / 1e6 / (whole.wallMedian / 1000)),
    median_cpu_ms: round(whole.cpuMedian),
    ids_per_cpu_s: Math.round(ids / (whole.cpuMedian / 1000)),
    lines: lines.length,
    line_ids: lineIds,
    per_line_median_cpu_ms: round(perLine.cpuMedian),
    per_line_ids_per_cpu_s: Math.round(lineIds / (perLine.cpuMedian / 1000)),
  };
}

/** Wall and process-CPU milliseconds of `repetitions` runs of `fn`, each sorted ascending. */
function timeIt(repetitions: number, fn: () => void): { wall: number[]; wallMedian: number; cpuMedian: number } {
  const wall: number[] = [];
  const cpu: number[] = [];
  for (let i = 0; i < repetitions; i++) {
    const c0 = process.cpuUsage();
    const t0 = process.hrtime.bigint();
    fn();
    wall.push(Number(process.hrtime.bigint() - t0) / 1e6);
    const c = process.cpuUsage(c0);
    cpu.push((c.user + c.system) / 1000);
  }
  wall.sort((a, b) => a - b);
  return { wall, wallMedian: medianOf(wall), cpuMedian: medianOf(cpu) };
}

const round = (x: number): number => Math.round(x * 100) / 100;

function medianOf(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

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
