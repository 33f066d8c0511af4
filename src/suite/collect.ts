// Validates cases one at a time (schema, semantics, duplicate ids) and gathers every problem with its
// `file:line` location. Shared by loading and writing so both apply exactly the same rules.
import { caseSchemaProblems } from './schema.ts';
import { caseSemanticProblems } from './semantics.ts';
import type { SuiteCase } from './types.ts';

export class CaseCollector {
  readonly cases: SuiteCase[] = [];
  readonly errors: string[] = [];
  readonly warnings: string[] = [];
  private readonly firstSeen = new Map<string, { file: string; line: number }>();

  /** Record a line that is not JSON. */
  invalidJson(file: string, line: number, reason: string): void {
    this.errors.push(`${file}:${line}: invalid JSON: ${reason}`);
  }

  /** Validate one parsed case; valid ones are kept, in order. */
  add(file: string, line: number, value: unknown): void {
    const at = `${file}:${line}`;
    const schemaProblems = caseSchemaProblems(value);
    const id = idOf(value);
    if (id !== undefined) {
      const first = this.firstSeen.get(id);
      if (first) {
        const where = first.file === file ? `line ${first.line}` : `${first.file}:${first.line}`;
        this.errors.push(`${at}: id: duplicate id ${JSON.stringify(id)} (first at ${where})`);
      } else {
        this.firstSeen.set(id, { file, line });
      }
    }
    if (schemaProblems.length > 0) {
      for (const p of schemaProblems) this.errors.push(`${at}: ${p}`);
      return;
    }
    const c = value as SuiteCase;
    const semantic = caseSemanticProblems(c);
    for (const p of semantic.errors) this.errors.push(`${at}: ${p}`);
    for (const p of semantic.warnings) this.warnings.push(`${at}: ${p}`);
    if (semantic.errors.length === 0) this.cases.push(c);
  }
}

function idOf(value: unknown): string | undefined {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return undefined;
  const id = (value as { id?: unknown }).id;
  return typeof id === 'string' ? id : undefined;
}
