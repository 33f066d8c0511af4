// BFCL's Java value converter (bfcl_eval/eval_checker/ast_eval/type_convertor/java_type_converter.py),
// reproduced rule for rule: for Java cases every argument is a string of Java source, converted to a
// Python value by regex before the ordinary checks. Anything a regex does not accept stays a string
// ("default to string" in BFCL), which then usually fails the type check.
import { PyFloat, pyParseFloat, pyParseInt } from './pyvalue.ts';

/** BFCL's JAVA_TYPE_CONVERSION keys → the Python type the converted value must have. */
export const JAVA_TYPES: Record<string, string> = {
  byte: 'int', short: 'int', integer: 'int', float: 'float', double: 'float', long: 'int',
  boolean: 'bool', char: 'str', Array: 'list', ArrayList: 'list', Set: 'set', HashMap: 'dict',
  Hashtable: 'dict', Queue: 'list', Stack: 'list', String: 'str', any: 'str',
};

/** Raised where BFCL's converter raises (unsupported or unimplemented Java types). */
export class BfclConversionError extends Error {}

/** Python `re.match(pattern + "$")`: `$` also matches before one final newline. */
export function pyFullMatch(re: RegExp, s: string): boolean {
  return re.test(s) || (s.endsWith('\n') && re.test(s.slice(0, -1)));
}

function stripFinalNewline(s: string): string {
  return s.endsWith('\n') ? s.slice(0, -1) : s;
}

function float(n: number): number | PyFloat {
  return Number.isInteger(n) ? new PyFloat(n) : n;
}

const INT_RE = /^-?\d+$/;
const FLOAT_F_RE = /^-?\d+(\.\d+)?([eE][+-]?\d+)?[fF]$/;
const DOUBLE_RE = /^-?\d+(\.\d+)?([eE][+-]?\d+)?$/;
const LONG_RE = /^-?\d+[lL]$/;

export function javaTypeConverter(value: string, expectedType: string, nestedType?: string): unknown {
  if (!(expectedType in JAVA_TYPES)) throw new BfclConversionError(`Unsupported type: ${expectedType}`);
  switch (expectedType) {
    case 'byte':
    case 'short':
    case 'integer':
      return pyFullMatch(INT_RE, value) ? pyParseInt(value) : value;
    case 'float':
      return pyFullMatch(FLOAT_F_RE, value) ? float(Number(stripFinalNewline(value).slice(0, -1))) : value;
    case 'double':
      return pyFullMatch(DOUBLE_RE, value) ? float(Number(stripFinalNewline(value))) : value;
    case 'long':
      return pyFullMatch(LONG_RE, value) ? Number(stripFinalNewline(value).slice(0, -1)) : value;
    case 'boolean':
      return value === 'true' || value === 'false' ? value === 'true' : value;
    case 'char':
      // BFCL's char pattern r"^\'.$\'" can never match, so a char is always kept as given.
      return value;
    case 'Array':
      return parseArray(value, nestedType);
    case 'ArrayList':
      return parseArrayList(value, nestedType);
    case 'HashMap':
      return parseHashMap(value);
    case 'String':
    case 'any':
      return value;
    default: // Set, Hashtable, Queue, Stack
      throw new BfclConversionError(`${expectedType} conversion is not implemented`);
  }
}

// Python's `.` is "anything but \n" and `\w` is Unicode-aware; these classes say so explicitly.
const W = String.raw`[\p{L}\p{N}_]`;
const DOT = '[^\\n]';
const ARRAYLIST_ASLIST = new RegExp(String.raw`new\s+ArrayList<${W}*>\(Arrays\.asList\((${DOT}+?)\)\)`, 'u');
const ARRAYLIST_ADD = new RegExp(String.raw`new\s+ArrayList<${W}*>\(\)\s*\{\{\s*([\s\S]+?)\s*\}\}`, 'u');
const ADD_CALL = new RegExp(String.raw`add\((${DOT}+?)\)`, 'gu');
const ARRAYLIST_EMPTY = new RegExp(String.raw`new\s+ArrayList<${W}*>\(\)`, 'u');
const ARRAY = new RegExp(String.raw`new\s+${W}+\[\]\s*\{(${DOT}*?)\}`, 'u');
const HASHMAP = /new\s+HashMap<[\s\S]*?>\s*\(\)\s*\{\s*\{?\s*([\s\S]*?)\s*\}?\s*\}/;
const PUT_CALL = /put\("([^\n]*?)",\s*([^\n]*?)\)/g;
const HASHMAP_EMPTY = /new\s+HashMap<[^\n]*?>\s*\(\)/;

function element(text: string, nestedType: string | undefined): unknown {
  const s = text.trim();
  // BFCL strips the quotes of char and String elements by position, without checking them.
  if (nestedType === 'char' || nestedType === 'String') return Array.from(s).slice(1, -1).join('');
  return nestedType ? javaTypeConverter(s, nestedType) : parseJavaValue(s);
}

function parseArrayList(input: string, nestedType: string | undefined): unknown {
  const asList = ARRAYLIST_ASLIST.exec(input);
  if (asList) return asList[1].split(',').map((e) => element(e, nestedType));
  const add = ARRAYLIST_ADD.exec(input);
  if (add) return [...add[1].matchAll(ADD_CALL)].map((m) => element(m[1], nestedType));
  if (ARRAYLIST_EMPTY.test(input)) return [];
  return input;
}

function parseArray(input: string, nestedType: string | undefined): unknown {
  const m = ARRAY.exec(input);
  if (!m) return input;
  const parts = m[1].split(',').filter((x) => x.trim() !== '');
  // Unlike ArrayList, Array elements of type String keep their quotes (BFCL converts them with
  // java_type_converter(x, "String"), which returns the text unchanged).
  return parts.map((x) => (nestedType ? javaTypeConverter(x.trim(), nestedType) : parseJavaValue(x.trim())));
}

function parseHashMap(input: string): unknown {
  const m = HASHMAP.exec(input);
  if (m) {
    const out: Record<string, unknown> = {};
    if (m[1].trim()) for (const put of m[1].matchAll(PUT_CALL)) out[put[1]] = parseJavaValue(put[2].trim());
    return out;
  }
  if (HASHMAP_EMPTY.test(input)) return {};
  return input;
}

const FLOAT_F_VALUE = /^-?\d+(\.\d+)?([eE][+-]?\d+)?[fF]$/;

/** BFCL's parse_java_value: a Java literal without a declared type. */
export function parseJavaValue(s: string): unknown {
  if (s === 'true') return true;
  if (s === 'false') return false;
  if (s.startsWith('"') && s.endsWith('"')) return Array.from(s).slice(1, -1).join('');
  if (pyFullMatch(LONG_RE, s)) return Number(Array.from(s).slice(0, -1).join('').trim());
  if (pyFullMatch(FLOAT_F_VALUE, s)) return float(Number(stripFinalNewline(s).slice(0, -1)));
  const asInt = pyParseInt(s);
  if (asInt !== undefined) return asInt;
  const asFloat = pyParseFloat(s);
  if (asFloat !== undefined) return asFloat;
  return s;
}
