// BFCL's JavaScript value converter (bfcl_eval/eval_checker/ast_eval/type_convertor/js_type_converter.py),
// reproduced rule for rule: for JavaScript cases every argument is a string of JS source, converted
// to a Python value by regex. What a regex does not accept stays a string.
import { PyFloat, pyParseFloat, pyParseInt } from './pyvalue.ts';
import { BfclConversionError, pyFullMatch } from './bfcl-java.ts';

/** BFCL's JS_TYPE_CONVERSION keys → the Python type the converted value must have. */
export const JS_TYPES: Record<string, string> = {
  String: 'str', integer: 'int', float: 'float', Bigint: 'int', Boolean: 'bool', dict: 'dict', array: 'list', any: 'str',
};

const INT_RE = /^-?\d+$/;
const FLOAT_RE = /^-?\d+(\.\d+)?$/;
const BIGINT_RE = /^-?\d+n$/;

function isQuoted(s: string): boolean {
  return (s.startsWith('"') && s.endsWith('"')) || (s.startsWith("'") && s.endsWith("'"));
}

function unquote(s: string): string {
  return Array.from(s).slice(1, -1).join('');
}

export function jsTypeConverter(value: string, expectedType: string, nestedType?: string): unknown {
  if (!(expectedType in JS_TYPES)) throw new BfclConversionError(`Unsupported type: ${expectedType}`);
  switch (expectedType) {
    case 'String':
      return isQuoted(value) ? unquote(value) : value;
    case 'integer':
      return pyFullMatch(INT_RE, value) ? pyParseInt(value) : value;
    case 'float': {
      if (!pyFullMatch(FLOAT_RE, value)) return value;
      const n = Number(value.trim());
      return Number.isInteger(n) ? new PyFloat(n) : n;
    }
    case 'Bigint':
      return pyFullMatch(BIGINT_RE, value) ? Number(value.replace(/\n$/, '').slice(0, -1)) : value;
    case 'Boolean':
      return value === 'true' || value === 'false' ? value === 'true' : value;
    case 'dict':
      return parseJsCollection(value, 'dict', nestedType);
    case 'array':
      return parseJsCollection(value, 'array', nestedType);
    default: // any
      return value;
  }
}

// Patterns anchored at the start only (Python re.match), `.` never matching "\n".
const ARRAY_2D = /^(?:\[\s*\[[^\n]*?\]\s*(,\s*\[[^\n]*?\]\s*)*\]|\bnew\s+Array\(\s*\[[^\n]*?\]\s*(,\s*\[[^\n]*?\]\s*)*\))/;
const ARRAY_1D = /^(?:\[([^\n]*?)\]|\bnew\s+Array\(([^\n]*?)\))/;
const INNER_ARRAY = /\[([^\n]*?)\]/g;
const DICT = /^\{([^\n]*?)\}/;
const PAIR = /([^:]+):\s*([^\n]*?)(?:,\s*(?=[^,]+:)|$)/g;

/** Python `s.strip("'\"")`. */
function stripQuotes(s: string): string {
  return s.replace(/^['"]+|['"]+$/g, '');
}

export function parseJsCollection(codeIn: string, type: 'array' | 'dict', nestedType?: string): unknown {
  const code = codeIn.trim();
  if (type === 'array') {
    try {
      const m2 = ARRAY_2D.exec(code);
      if (m2) {
        const out: unknown[][] = [];
        let idx = 0;
        for (const inner of m2[0].matchAll(INNER_ARRAY)) {
          let s = inner[1].trim();
          if (idx === 0 && s.startsWith('[')) s = s.slice(1);
          out.push(s.split(',').map((e) => parseJsValue(e.trim())));
          idx++;
        }
        return out;
      }
      const m = ARRAY_1D.exec(code);
      if (!m) return code;
      const body = m[1] ?? m[2];
      const parts = body !== undefined && body.trim() !== '' ? body.trim().split(',') : [];
      if (nestedType) {
        return parts.map((e) => {
          const s = e.trim();
          return s.startsWith("'") || s.startsWith('"') ? jsTypeConverter(s, nestedType, 'String') : jsTypeConverter(s, nestedType);
        });
      }
      return parts.map((e) => parseJsValue(e.trim()));
    } catch {
      return code; // BFCL: bare `except: return code`
    }
  }
  if (code === '{}') return {};
  const m = DICT.exec(code);
  if (!m) return code;
  try {
    const out: Record<string, unknown> = {};
    for (const pair of m[1].matchAll(PAIR)) {
      const key = stripQuotes(pair[1].trim());
      const value = pair[2].trim();
      if (value.startsWith('[') && value.endsWith(']')) out[key] = parseJsCollection(value, 'array');
      else if (value.startsWith('{') && value.endsWith('}')) out[key] = parseJsCollection(value, 'dict');
      else out[key] = parseJsValue(stripQuotes(value));
    }
    return out;
  } catch {
    return code;
  }
}

/** BFCL's parse_js_value: a JS literal without a declared type. */
export function parseJsValue(input: string): unknown {
  const s = input.trim();
  if (s === 'true') return true;
  if (s === 'false') return false;
  if (isQuoted(s)) return unquote(s);
  const asInt = pyParseInt(s);
  if (asInt !== undefined) return asInt;
  const asFloat = pyParseFloat(s);
  if (asFloat !== undefined) return asFloat;
  return s;
}
