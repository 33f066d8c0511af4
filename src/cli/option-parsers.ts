// Small pieces shared by command definitions: commander value parsers, the exit-code-2 rule for
// usage errors, and shell quoting for commands printed back to the user.
import { InvalidArgumentError, type Command } from 'commander';
import { parseShard, type Shard } from '../run/shard.ts';

export function positiveInt(value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value.trim()) || !Number.isSafeInteger(n) || n < 1) throw new InvalidArgumentError('expected a positive integer');
  return n;
}

export function integer(value: string): number {
  const n = Number(value);
  if (!/^-?\d+$/.test(value.trim()) || !Number.isSafeInteger(n)) throw new InvalidArgumentError('expected an integer');
  return n;
}

/** `--shard i/n` (1 ≤ i ≤ n), see src/run/shard.ts. */
export function shardOption(value: string): Shard {
  try {
    return parseShard(value);
  } catch (err) {
    throw new InvalidArgumentError((err as Error).message.replace(/^--shard[^:]*: /, ''));
  }
}

/** Repeatable option: `--x a --x b` → ['a', 'b']. */
export function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}

/** `key=value` into an options object; values are JSON when they parse (numbers, booleans), else strings. */
export function keyValue(value: string, previous: Record<string, unknown> = {}): Record<string, unknown> {
  const eq = value.indexOf('=');
  if (eq <= 0) throw new InvalidArgumentError(`expected key=value, got "${value}"`);
  const key = value.slice(0, eq);
  const text = value.slice(eq + 1);
  let parsed: unknown = text;
  try {
    parsed = JSON.parse(text);
  } catch { /* a plain string */ }
  return { ...previous, [key]: parsed };
}

/** Quotes an argument for a POSIX shell only when it needs it. */
export function shellQuote(arg: string): string {
  return /^[\w@%+=:,./-]+$/.test(arg) ? arg : `'${arg.replace(/'/g, `'\\''`)}'`;
}

/** Commander reports usage errors with exit code 1; this CLI's contract is 2 for usage/input errors. */
export function usageExitCode2(command: Command): Command {
  return command.exitOverride((err) => {
    process.exit(err.exitCode === 0 ? 0 : 2);
  });
}
