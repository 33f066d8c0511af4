// One difference between @huggingface/jinja and Python's jinja2 that changes real prompts: a string
// filter on an undefined value. jinja2 (what HF transformers renders with) turns Undefined into "" and
// `x.missing | upper` gives ""; @huggingface/jinja throws "Cannot apply filter". FunctionGemma's
// template writes `value['type'] | upper` for every parameter, so a BFCL parameter of type "any" (no
// JSON type) would make the prompt unrenderable in transformers.js while Python renders it. This
// patch gives those filters jinja2's result; every other filter and operand is untouched.
// (Found by tools/fixtures/prompt-differential-check.ts: 3 of 1,540 FunctionGemma prompts.)
import { Interpreter } from '@huggingface/jinja';

const STRING_FILTERS = new Set(['upper', 'lower', 'trim', 'title', 'capitalize']);

type FilterNode = { type: string; value?: string };
type ApplyFilter = (operand: { type: string }, filterNode: FilterNode, environment: unknown) => unknown;
type Evaluate = (node: { type: string; value: string }, environment: unknown) => { type: string };

const proto = Interpreter.prototype as unknown as { applyFilter: ApplyFilter & { jinja2Compat?: true }; evaluate: Evaluate };
if (!proto.applyFilter.jinja2Compat) {
  const original = proto.applyFilter;
  const patched: ApplyFilter & { jinja2Compat?: true } = function (this: typeof proto, operand, filterNode, environment) {
    if (operand?.type === 'UndefinedValue' && filterNode.type === 'Identifier' && STRING_FILTERS.has(filterNode.value ?? '')) {
      return this.evaluate({ type: 'StringLiteral', value: '' }, environment);
    }
    return original.call(this, operand, filterNode, environment);
  };
  patched.jinja2Compat = true;
  proto.applyFilter = patched;
}

export const JINJA_COMPAT = 'undefined|upper/lower/trim/title/capitalize → "" (as jinja2)';
