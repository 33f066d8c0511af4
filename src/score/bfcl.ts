// BFCL v4's AST checker, verdict for verdict. Source of truth: ShishirPatil/gorilla,
// berkeley-function-call-leaderboard/bfcl_eval/eval_checker/ast_eval/ast_checker.py and
// eval_runner.py (relevance_file_runner, ast_file_runner). Each rule below says what BFCL does,
// quirks included, because agreement with BFCL's own numbers is the point.
//
// Where BFCL has no verdict (it crashes) or its input differs from ours, we decide, on purpose:
// - A type name missing from BFCL's table (KeyError there) gets the rules of the JSON Schema type;
//   Java Set/Hashtable/Queue/Stack (NotImplementedError there) fail as wrong_type.
// - The tool is looked up by the expected function's name in every category (BFCL's simple
//   checker takes the first declared function; BFCL's simple cases declare exactly one).
// - Several expected calls under a label without "parallel" are judged as parallel.
// - A generation error (provider crash/timeout) always fails, irrelevance included; BFCL would
//   read its error text as an undecodable answer, hence as "no call".
// - Python's Unicode-aware regex classes (\w, \d) in the Java/JS converters are approximated.
import type { ExpectedArg, ExpectedCall, SuiteCase, ToolDef } from '../suite/types.ts';
import type { ToolCall } from '../dialects/types.ts';
import type { ErrorType } from './types.ts';
import { PyFloat, pyEq, pyIn, pyIndex, pyLen, pyType, toPy, type PyType } from './pyvalue.ts';
import { BfclConversionError, JAVA_TYPES, javaTypeConverter } from './bfcl-java.ts';
import { JS_TYPES, jsTypeConverter } from './bfcl-js.ts';
import { bfclTool, type BfclParam, type BfclTool } from './bfcl-tool.ts';
import { formatIntegralFloat } from '../util/json-lexeme.ts';
import { unanswerableArgs } from '../suite/semantics.ts';

export type BfclLanguage = 'python' | 'java' | 'javascript';
export type BfclKind = 'simple' | 'multiple' | 'parallel' | 'irrelevance' | 'relevance';

export interface BfclVerdict {
  pass: boolean;
  error?: ErrorType;
  reason?: string;
  /** BFCL's own error_type string (e.g. "simple_function_checker:missing_required"). */
  bfclError?: string;
}

/** The checker's input: calls decoded from the output, or the decoding failure. */
export type BfclOutput = { decoded: true; calls: ToolCall[] } | { decoded: false; error: string };

// ---- Python type tables (ast_checker.py) ----------------------------------------------------------

/** PYTHON_TYPE_MAPPING: BFCL type name → Python type; "any" means str, "tuple" means list. */
const PYTHON_TYPES: Record<string, PyType> = {
  string: 'str', integer: 'int', float: 'float', boolean: 'bool', array: 'list', tuple: 'list', dict: 'dict', any: 'str',
};
/** PYTHON_NESTED_TYPE_CHECK_LIST: the element type of these is checked one level deep. */
const PYTHON_NESTED = new Set(['array', 'tuple']);
/** NESTED_CONVERSION_TYPE_LIST (Java/JS): converted with their items' type. */
const CONVERTED_NESTED = new Set(['Array', 'ArrayList', 'array']);

// ---- Case-level facts ---------------------------------------------------------------------------

function label(c: SuiteCase): string {
  const cat = c.meta?.bfclCategory;
  return typeof cat === 'string' ? cat : c.category;
}

/** BFCL picks the Java/JS converters by category name; imported cases also carry meta.language. */
export function bfclLanguage(c: SuiteCase): BfclLanguage {
  const lang = c.meta?.language;
  if (lang === 'java' || lang === 'javascript' || lang === 'python') return lang;
  const cat = label(c);
  if (cat.includes('javascript')) return 'javascript';
  if (cat.includes('java')) return 'java';
  return 'python';
}

/**
 * Which BFCL runner/checker judges the case. BFCL dispatches on the category name ("irrelevance",
 * "relevance", then "parallel" before "multiple", else simple); the answer's shape decides first
 * here so suites with other labels are judged sensibly: no expected call = irrelevance, anyCall =
 * live_relevance, several expected calls = parallel (order-free).
 */
export function bfclKind(c: SuiteCase): BfclKind {
  if (c.expected.anyCall) return 'relevance';
  if (c.expected.calls.length === 0) return 'irrelevance';
  const cat = label(c);
  if (cat.includes('parallel') || c.expected.calls.length > 1) return 'parallel';
  if (cat.includes('multiple')) return 'multiple';
  return 'simple';
}

// ---- Prepared (cached) expected answers ---------------------------------------------------------

/** An expected call as BFCL holds it: each param → its Python list of acceptable values, "" = may be omitted. */
interface PreparedCall {
  name: string;
  possible: Map<string, unknown[]>;
}

const preparedCalls = new WeakMap<ExpectedCall, PreparedCall>();

/**
 * Suites not from BFCL sometimes write a dict answer's key with one concrete value ({"name": "x"})
 * instead of BFCL's list of acceptable values ({"name": ["x"]}). BFCL would iterate such a string
 * character by character (and its own Java data has cases failing that way), so the BFCL form is
 * kept as is for BFCL cases; elsewhere a lone value is read as the only acceptable one.
 */
function listifyDictAnswer(v: unknown): unknown {
  if (isPyDict(v)) {
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) out[k] = Array.isArray(x) ? x : [x];
    return out;
  }
  if (Array.isArray(v) && v.length > 0 && v.every(isPyDict)) return v.map(listifyDictAnswer);
  return v;
}

function possibleAnswer(arg: ExpectedArg, fromBfcl: boolean): unknown[] {
  let values = toPy(arg.values, arg.floatPaths) as unknown[];
  if (!fromBfcl) values = values.map(listifyDictAnswer);
  // BFCL marks "may be omitted" with "" among the values; where it sits does not change any verdict.
  return arg.optional ? [...values, ''] : values;
}

function prepare(call: ExpectedCall, fromBfcl: boolean): PreparedCall {
  let p = preparedCalls.get(call);
  if (!p) {
    p = { name: call.name, possible: new Map(Object.entries(call.args).map(([k, a]) => [k, possibleAnswer(a, fromBfcl)])) };
    preparedCalls.set(call, p);
  }
  return p;
}

function isFromBfcl(c: SuiteCase): boolean {
  return c.meta?.source === 'bfcl';
}

const toolIndexes = new WeakMap<ToolDef[], Map<string, ToolDef>>();

/** BFCL's find_description: the declared function of that name. */
function findTool(tools: ToolDef[], name: string): ToolDef | undefined {
  let index = toolIndexes.get(tools);
  if (!index) {
    index = new Map();
    for (const t of tools) if (!index.has(t.name)) index.set(t.name, t);
    toolIndexes.set(tools, index);
  }
  return index.get(name);
}

// ---- Results ------------------------------------------------------------------------------------

interface Fail {
  valid: false;
  bfcl: string;
  error: ErrorType;
  reason: string;
}
type Check = { valid: true } | Fail;
const OK: Check = { valid: true };

function fail(bfcl: string, error: ErrorType, reason: string): Fail {
  return { valid: false, bfcl, error, reason };
}

/** Human rendering of a value: JSON, with floats that were written 5.0 shown so. */
export function show(v: unknown): string {
  if (v instanceof PyFloat) return formatIntegralFloat(v.value);
  if (Array.isArray(v)) return `[${v.map(show).join(', ')}]`;
  if (v !== null && typeof v === 'object') return `{${Object.entries(v).map(([k, x]) => `${JSON.stringify(k)}: ${show(x)}`).join(', ')}}`;
  if (v === undefined) return 'nothing';
  return JSON.stringify(v) ?? String(v);
}

// ---- Value checks (ast_checker.py) ---------------------------------------------------------------

/** standardize_string: drop spaces and , . / - _ * ^, lower-case, ' → ". */
const STANDARDIZE_RE = /[ ,./\-_*^]/g;
export function standardizeString(s: string): string {
  return s.replace(STANDARDIZE_RE, '').toLowerCase().replace(/'/g, '"');
}

/** get_possible_answer_type: the type of the first acceptable value that is not "". */
function possibleAnswerType(possible: unknown[]): PyType | undefined {
  for (const a of possible) if (a !== '') return pyType(a);
  return undefined;
}

interface TypeCheck {
  valid: boolean;
  isVariable: boolean;
  fail?: Fail;
}
const VALID: TypeCheck = { valid: true, isVariable: false };
const VALID_VARIABLE: TypeCheck = { valid: true, isVariable: true };

/**
 * type_checker. BFCL treats an answer whose first value has another type than the declared one as
 * a "variable" (a name standing for a value): then a value of that type passes and is later
 * compared with plain `in`. Arrays get their element types checked one level deep against each
 * list answer; any answer that is not a list (the "" marker included) makes that check pass.
 */
function typeCheck(param: string, value: unknown, possible: unknown[], typeName: string, expected: PyType, nested: PyType | undefined): TypeCheck {
  const paType = possibleAnswerType(possible);
  const isVariable = paType !== undefined && paType !== expected;
  const vType = pyType(value);
  let nestedFail: Fail | undefined;
  if (vType === expected) {
    if (nested === undefined) return isVariable ? VALID_VARIABLE : VALID;
    for (const item of possible) {
      let flag = true;
      if (Array.isArray(item)) {
        for (const element of value as unknown[]) {
          if (!typeCheck(param, element, item, nested, nested, undefined).valid) {
            flag = false;
            break;
          }
        }
      }
      if (flag) return isVariable ? VALID_VARIABLE : VALID;
    }
    nestedFail = fail('type_error:nested', 'wrong_type', `arg "${param}": expected ${typeName} of ${nested}, got ${show(value)}`);
  }
  if (paType !== undefined && vType === paType) {
    // BFCL returns here with is_variable set; after a failed nested check the result stays invalid.
    return nestedFail ? { valid: false, isVariable: true, fail: nestedFail } : VALID_VARIABLE;
  }
  return {
    valid: false,
    isVariable,
    fail: fail('type_error:simple', 'wrong_type', `arg "${param}": expected type ${typeName}, got ${vType} ${show(value)}`),
  };
}

const standardizedAnswers = new WeakMap<unknown[], Set<string>>();

/** The standardized string answers of a (cached, immutable) possible-answer list. */
function standardizedStrings(possible: unknown[]): Set<string> {
  let set = standardizedAnswers.get(possible);
  if (!set) {
    set = new Set();
    for (const a of possible) if (typeof a === 'string') set.add(standardizeString(a));
    standardizedAnswers.set(possible, set);
  }
  return set;
}

/** string_checker: the standardized value must equal a standardized string answer. */
function stringCheck(param: string, value: string, possible: unknown[]): Check {
  if (standardizedStrings(possible).has(standardizeString(value))) return OK;
  return fail('value_error:string', 'wrong_value', `arg "${param}": ${show(value)} is not one of ${show(possible)}`);
}

/** BFCL iterates an answer by index; a str yields its characters, a dict or number raises. */
function pyItems(v: unknown): unknown[] | undefined {
  if (Array.isArray(v)) return v;
  if (typeof v === 'string') return Array.from(v);
  return undefined;
}

function standardizeItems(items: unknown[]): unknown[] {
  return items.map((x) => (typeof x === 'string' ? standardizeString(x) : x));
}

/** list_checker: whole-list equality, in order, strings standardized one level deep. */
function listCheck(param: string, value: unknown[], possible: unknown[]): Check {
  const v = standardizeItems(value);
  for (const a of possible) {
    const items = pyItems(a);
    if (items !== undefined && pyEq(v, standardizeItems(items))) return OK;
  }
  return fail('value_error:list/tuple', 'wrong_value', `arg "${param}": ${show(value)} is not one of ${show(possible)}`);
}

/**
 * dict_checker: against each dict answer (skipping ""): every key of the value must be a key of
 * the answer whose acceptable values (standardized if strings) contain the value (standardized if a
 * string; nested lists/dicts compare with plain ==); every answer key whose list lacks "" must be
 * present. BFCL calls this only for dict parameters with dict answers.
 */
function dictCheck(param: string, value: Record<string, unknown>, possible: unknown[]): Check {
  let result: Check = fail('dict_checker:unclear', 'wrong_value', `arg "${param}": no acceptable dict to compare with`);
  for (const answer of possible) {
    if (answer === '') continue;
    result = fail('dict_checker:unclear', 'wrong_value', `arg "${param}": dict does not match`);
    let flag = true;
    const isDict = answer !== null && typeof answer === 'object' && !Array.isArray(answer) && !(answer instanceof PyFloat);
    for (const [key, v] of Object.entries(value)) {
      if (!pyIn(key, answer)) {
        result = fail('value_error:dict_key', 'wrong_value', `arg "${param}": unexpected key "${key}"`);
        flag = false;
        break;
      }
      const accepted = isDict ? pyItems((answer as Record<string, unknown>)[key]) : undefined;
      const sv = typeof v === 'string' ? standardizeString(v) : v;
      if (accepted === undefined || !pyIn(sv, standardizeItems(accepted))) {
        const shown = isDict ? show((answer as Record<string, unknown>)[key]) : show(answer);
        result = fail('value_error:dict_value', 'wrong_value', `arg "${param}": key "${key}": ${show(v)} is not one of ${shown}`);
        flag = false;
        break;
      }
    }
    if (!isDict) return result; // BFCL raises on .items() of a non-dict answer
    for (const [key, accepted] of Object.entries(answer as Record<string, unknown>)) {
      if (!Object.hasOwn(value, key) && !pyIn('', accepted)) {
        result = fail('value_error:dict_key', 'wrong_value', `arg "${param}": missing key "${key}"`);
        flag = false;
        break;
      }
    }
    if (flag) return OK;
  }
  return result;
}

function isPyDict(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v) && !(v instanceof PyFloat);
}

/** list_dict_checker: a list of dicts against each answer list: same length, dict by dict, in order. */
function listDictCheck(param: string, value: unknown[], possible: unknown[]): Check {
  let result: Check = fail('list_dict_checker:unclear', 'wrong_value', `arg "${param}": no acceptable list of dicts`);
  for (const answer of possible) {
    let flag = true;
    if (value.length !== pyLen(answer)) {
      result = fail('value_error:list_dict_count', 'wrong_value', `arg "${param}": ${value.length} dicts, expected ${pyLen(answer) ?? '?'}`);
      continue;
    }
    for (let i = 0; i < value.length; i++) {
      const element = value[i];
      result = isPyDict(element)
        ? dictCheck(`${param}[${i}]`, element, [pyIndex(answer, i)])
        : fail('value_error:list_dict_count', 'wrong_value', `arg "${param}[${i}]": ${show(element)} is not a dict`);
      if (!result.valid) {
        flag = false;
        break;
      }
    }
    if (flag) return OK;
  }
  return result;
}

// ---- One call against one expected call (simple_function_checker) -------------------------------

interface ParamTyping {
  typeName: string;
  expected: PyType;
  nested?: PyType;
  nestedName?: string;
  /** Java/JS: the value is source text that BFCL's converter turns into a Python value first. */
  convert: boolean;
}

const typings: Record<BfclLanguage, WeakMap<BfclParam, ParamTyping | null>> = {
  python: new WeakMap(), java: new WeakMap(), javascript: new WeakMap(),
};

/** typingOf, computed once per parameter and language. */
function typing(param: BfclParam, language: BfclLanguage): ParamTyping | undefined {
  const cache = typings[language];
  let t = cache.get(param);
  if (t === undefined) {
    t = typingOf(param, language) ?? null;
    cache.set(param, t);
  }
  return t ?? undefined;
}

/** The Python type table of the language, with a JSON-Schema fallback for names it does not know. */
function typingOf(param: BfclParam, language: BfclLanguage): ParamTyping | undefined {
  const table: Record<string, string> = language === 'java' ? JAVA_TYPES : language === 'javascript' ? JS_TYPES : PYTHON_TYPES;
  const typeName = param.type;
  if (typeName !== undefined && typeName in table) {
    const nestedApplies = language === 'python' ? PYTHON_NESTED.has(typeName) : CONVERTED_NESTED.has(typeName);
    const itemsName = nestedApplies ? param.itemsType : undefined;
    return {
      typeName,
      expected: table[typeName] as PyType,
      nested: itemsName === undefined ? undefined : (table[itemsName] as PyType | undefined),
      nestedName: itemsName,
      convert: language !== 'python',
    };
  }
  // BFCL would raise KeyError on a type name its table lacks; a suite not from BFCL gets the
  // Python rules of its JSON Schema type (object→dict, number→float, ...), values taken as JSON.
  const derived = param.derivedType;
  if (derived === undefined) return undefined;
  const itemsName = PYTHON_NESTED.has(derived) ? param.derivedItemsType : undefined;
  return {
    typeName: derived,
    expected: PYTHON_TYPES[derived],
    nested: itemsName === undefined ? undefined : PYTHON_TYPES[itemsName],
    nestedName: itemsName,
    convert: false,
  };
}

/** simple_function_checker: one model call against one expected call of the given function. */
function checkCall(tool: BfclTool, call: ToolCall, expected: PreparedCall, language: BfclLanguage): Check {
  // BFCL compares against the declared function's name (convert_func_name is the identity for
  // models that keep dots; our providers restore original names).
  if (call.name !== tool.name) {
    return fail('simple_function_checker:wrong_func_name', 'wrong_function', `called "${call.name}", expected "${tool.name}"`);
  }
  const args = toPy(call.arguments, call.floatPaths) as Record<string, unknown>;

  // The schema's `required` list is checked first, whatever the answer says.
  for (const param of tool.required) {
    if (!Object.hasOwn(args, param)) return fail('simple_function_checker:missing_required', 'missing_required', `missing required arg "${param}"`);
  }

  for (const [param, raw] of Object.entries(args)) {
    // A parameter must be declared AND listed in the answer: an optional parameter the answer does
    // not list is unexpected even if the schema allows it.
    const possible = expected.possible.get(param);
    const details = tool.params.get(param);
    if (details === undefined || possible === undefined) {
      return fail('simple_function_checker:unexpected_param', 'unexpected_param', `unexpected arg "${param}"${details === undefined ? ' (not in the schema)' : ' (not in the expected answer)'}`);
    }
    const t = typing(details, language);
    let value = raw;
    if (t === undefined) {
      // Untyped parameter (no BFCL or JSON Schema type): plain membership, strings standardized.
      const ok = typeof value === 'string' ? stringCheck(param, value, possible) : pyIn(value, possible) ? OK : fail('value_error:others', 'wrong_value', `arg "${param}": ${show(value)} is not one of ${show(possible)}`);
      if (!ok.valid) return ok;
      continue;
    }

    if (t.convert) {
      // Java/JS: every value must be a string of source code, converted by BFCL's regex converters.
      if (typeof value !== 'string') {
        return fail(`type_error:${language === 'java' ? 'java' : 'js'}`, 'wrong_type', `arg "${param}": expected a ${language === 'java' ? 'Java' : 'JavaScript'} source string, got ${show(value)}`);
      }
      try {
        const convert = language === 'java' ? javaTypeConverter : jsTypeConverter;
        value = t.nestedName !== undefined && CONVERTED_NESTED.has(t.typeName) ? convert(value, t.typeName, t.nestedName) : convert(value, t.typeName);
      } catch (err) {
        if (!(err instanceof BfclConversionError)) throw err;
        return fail('type_error:conversion', 'wrong_type', `arg "${param}": BFCL cannot convert ${t.typeName} (${err.message})`);
      }
    }

    // Python only: an int is accepted where a float is declared (converted first). Not inside
    // arrays, and never a bool (BFCL tests type(value) == int).
    if (!t.convert && language === 'python' && t.typeName === 'float' && pyType(value) === 'int') value = new PyFloat(value as number);

    const tc = typeCheck(param, value, possible, t.typeName, t.expected, t.nested);
    if (!tc.valid) return tc.fail!;

    let result: Check | undefined;
    if (!tc.isVariable) {
      if (t.expected === 'dict') result = dictCheck(param, value as Record<string, unknown>, possible);
      else if (t.expected === 'list' && t.nested === 'dict') result = listDictCheck(param, value as unknown[], possible);
      else if (t.expected === 'str') result = stringCheck(param, value as string, possible);
      else if (t.expected === 'list') result = listCheck(param, value as unknown[], possible);
    }
    if (result) {
      if (!result.valid) return result;
      continue;
    }
    // Everything else (numbers, bools, variables): Python `value in possible_answer`, where
    // 5 == 5.0 and True == 1.
    if (!pyIn(value, possible)) return fail('value_error:others', 'wrong_value', `arg "${param}": ${show(value)} is not one of ${show(possible)}`);
  }

  // An answer parameter without the "" marker must be present even if the schema calls it optional.
  for (const [param, possible] of expected.possible) {
    if (!Object.hasOwn(args, param) && !possible.includes('')) {
      return fail('simple_function_checker:missing_optional', 'missing_required', `missing arg "${param}" (the answer requires it)`);
    }
  }
  return OK;
}

// ---- Categories (ast_checker / eval_runner) ------------------------------------------------------

function wrongCount(checker: string, got: number, want: number): Fail {
  return fail(`${checker}:wrong_count`, got === 0 ? 'no_call' : 'wrong_count', got === 0 ? `no call, expected ${want}` : `${got} calls, expected ${want}`);
}

function toolFor(testCase: SuiteCase, name: string): BfclTool | Fail {
  const tool = findTool(testCase.tools, name);
  // BFCL would crash on an answer naming an undeclared function; the suite loader rejects those.
  return tool ? bfclTool(tool) : fail('case_error', 'wrong_function', `expected function "${name}" is not among the case's tools`);
}

function judge(testCase: SuiteCase, calls: ToolCall[], kind: BfclKind, language: BfclLanguage): Check {
  const expected = testCase.expected.calls;
  if (kind === 'simple' || kind === 'multiple') {
    // simple: exactly one call; multiple: as many calls as answers (always one), checked against
    // the function the answer names.
    if (calls.length !== expected.length) return wrongCount(kind === 'simple' ? 'simple_function_checker' : 'multiple_function_checker', calls.length, expected.length);
    const tool = toolFor(testCase, expected[0].name);
    if (!('name' in tool)) return tool;
    return checkCall(tool, calls[0], prepare(expected[0], isFromBfcl(testCase)), language);
  }
  // parallel(_multiple): counts must match; then, expected call by expected call, the first model
  // call not yet matched that passes is taken (greedy, first fit; no backtracking).
  if (calls.length !== expected.length) return wrongCount('parallel_function_checker_no_order', calls.length, expected.length);
  const matched = new Set<number>();
  for (let i = 0; i < expected.length; i++) {
    const tool = toolFor(testCase, expected[i].name);
    if (!('name' in tool)) return tool;
    const want = prepare(expected[i], isFromBfcl(testCase));
    let best: Fail | undefined;
    let found = false;
    for (let j = 0; j < calls.length; j++) {
      if (matched.has(j)) continue;
      const r = checkCall(tool, calls[j], want, language);
      if (r.valid) {
        matched.add(j);
        found = true;
        break;
      }
      // Explain with the closest candidate: one calling the right function, if any.
      if (!best || (best.error === 'wrong_function' && r.error !== 'wrong_function')) best = r;
    }
    if (!found) {
      const sub = best ?? fail('', 'wrong_count', 'no model call left');
      return fail(
        'parallel_function_checker_no_order:cannot_find_match',
        sub.error,
        `no call matches expected call ${i + 1} ("${expected[i].name}"): ${sub.reason}`,
      );
    }
  }
  return OK;
}

/** The BFCL verdict of one output on one case. Pure; never throws on model output. */
export function checkBfcl(testCase: SuiteCase, output: BfclOutput): BfclVerdict {
  const kind = bfclKind(testCase);
  if (kind === 'irrelevance' || kind === 'relevance') {
    // relevance_file_runner: "no call" means the decoder failed OR decoded to an empty list.
    const hasCall = output.decoded && output.calls.length > 0;
    if (kind === 'irrelevance') {
      return hasCall
        ? { pass: false, error: 'spurious_call', reason: `no call expected, got ${output.decoded ? output.calls.map((c) => `"${c.name}"`).join(', ') : ''}`, bfclError: 'irrelevance_error:decoder_success' }
        : { pass: true };
    }
    if (hasCall) return { pass: true };
    return output.decoded
      ? { pass: false, error: 'no_call', reason: 'a call was expected, none was made', bfclError: 'relevance_error:decoder_failed' }
      : { pass: false, error: 'parse_error', reason: output.error, bfclError: 'relevance_error:decoder_failed' };
  }
  if (!output.decoded) return { pass: false, error: 'parse_error', reason: output.error, bfclError: 'ast_decoder:decoder_failed' };
  const r = judge(testCase, output.calls, kind, bfclLanguage(testCase));
  if (r.valid) return { pass: true };
  return { pass: false, error: r.error, reason: r.reason + unanswerableNote(testCase), bfclError: r.bfcl };
}

/**
 * BFCL keeps cases whose answer gives a required argument no acceptable value (live_simple_106-63-0);
 * its checker fails every output on them (a given value is in no list, an omitted one lacks ""). The
 * verdict is BFCL's; the reason says why no output could have passed.
 */
function unanswerableNote(testCase: SuiteCase): string {
  const args = testCase.expected.calls.flatMap((call) => unanswerableArgs(call).map((a) => `"${a}" of "${call.name}"`));
  return args.length === 0 ? '' : ` (the answer accepts no value for ${args.join(', ')}: no output can pass this case, as in BFCL)`;
}
