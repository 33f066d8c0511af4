// Checks a JSON Schema cannot express: the expected answer must refer to the case's own tools.
// Errors make a suite unloadable; warnings flag data that loads and is scored as BFCL would.

import { pointerTokens } from '../util/json-lexeme.ts';
import type { ExpectedCall, SuiteCase } from './types.ts';

export interface SemanticProblems {
  /** The case cannot be scored as written. Each `field: problem`. */
  errors: string[];
  /** Suspicious but scorable (kept because real data does it). Each `field: problem`. */
  warnings: string[];
}

/** Problems of a schema-valid case, each as `field: problem`. */
export function caseSemanticProblems(c: SuiteCase): SemanticProblems {
  const errors: string[] = [];
  const warnings: string[] = [];
  const byName = new Map<string, SuiteCase['tools'][number]>();
  c.tools.forEach((tool, i) => {
    if (byName.has(tool.name)) errors.push(`tools[${i}].name: duplicate tool name "${tool.name}"`);
    else byName.set(tool.name, tool);
  });
  if (c.expected.anyCall && c.expected.calls.length > 0) {
    errors.push('expected.anyCall: must not be combined with expected calls (anyCall means any call is right)');
  }
  const unanswerable: string[] = [];
  c.expected.calls.forEach((call, i) => {
    const tool = byName.get(call.name);
    if (!tool) {
      const offered = [...byName.keys()].map((n) => `"${n}"`).join(', ') || 'none';
      errors.push(`expected.calls[${i}].name: "${call.name}" is not one of the case's tools (${offered})`);
      return;
    }
    const properties = (tool.parameters.properties ?? {}) as Record<string, unknown>;
    for (const [arg, expected] of Object.entries(call.args)) {
      const field = `expected.calls[${i}].args${/^[A-Za-z_$][\w$]*$/.test(arg) ? `.${arg}` : `[${JSON.stringify(arg)}]`}`;
      // A warning, not an error: the scorer then reports any such argument as unexpected, as BFCL does.
      if (!Object.hasOwn(properties, arg)) warnings.push(`${field}: not a parameter of tool "${call.name}"`);
      // BFCL's data has such answers (live_simple_106-63-0) and its checker fails every output on
      // them; the case is kept and always fails, as there, with one warning per case.
      if (expected.values.length === 0 && !expected.optional) unanswerable.push(`${field}.values`);
      (expected.floatPaths ?? []).forEach((pointer, k) => {
        const target = resolvePointer(expected.values, pointer);
        if (typeof target !== 'number' || !Number.isInteger(target)) {
          errors.push(`${field}.floatPaths[${k}]: "${pointer}" does not point to an integral number in values`);
        }
      });
    }
  });
  if (unanswerable.length > 0) {
    warnings.push(`${unanswerable.join(', ')}: empty and not optional, so no answer can match: case ${JSON.stringify(c.id)} is kept and every output fails it, as in BFCL`);
  }
  return { errors, warnings };
}

/** The arguments of an expected call that no value can satisfy (no acceptable value, not optional). */
export function unanswerableArgs(call: ExpectedCall): string[] {
  return Object.entries(call.args).filter(([, a]) => a.values.length === 0 && !a.optional).map(([name]) => name);
}

function resolvePointer(root: unknown, pointer: string): unknown {
  let node = root;
  for (const token of pointerTokens(pointer)) {
    if (node === null || typeof node !== 'object' || !Object.hasOwn(node, token)) return undefined;
    node = (node as Record<string, unknown>)[token];
  }
  return node;
}
