import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { integer, keyValue, positiveInt, shellQuote } from '../../src/cli/option-parsers.ts';

describe('CLI option parsers', () => {
  it('parses key=value provider options, JSON when it parses', () => {
    expect(keyValue('delayMs=200')).toEqual({ delayMs: 200 });
    expect(keyValue('dialect=json', { delayMs: 1 })).toEqual({ delayMs: 1, dialect: 'json' });
    expect(keyValue('flag=true')).toEqual({ flag: true });
    expect(keyValue('url=a=b')).toEqual({ url: 'a=b' });
    expect(() => keyValue('=x')).toThrow(/expected key=value/);
    expect(() => keyValue('novalue')).toThrow(/expected key=value/);
  });

  it('accepts only whole numbers', () => {
    expect(positiveInt('3')).toBe(3);
    for (const bad of ['0', '-1', '1.5', 'x', '']) expect(() => positiveInt(bad)).toThrow(/positive integer/);
    expect(integer('-4')).toBe(-4);
    expect(() => integer('4e2')).toThrow(/integer/);
  });

  it('quotes arguments so a POSIX shell gives them back unchanged', () => {
    const args = ['plain/path.jsonl', 'with space', "it's", 'replay:x', '$HOME', 'a"b'];
    const quoted = args.map(shellQuote);
    expect(quoted[0]).toBe('plain/path.jsonl');
    expect(quoted[3]).toBe('replay:x');
    const echoed = execFileSync('/bin/sh', ['-c', `printf '%s\\n' ${quoted.join(' ')}`], { encoding: 'utf8' });
    expect(echoed.split('\n').slice(0, -1)).toEqual(args);
  });
});
