import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import { escapePointerToken } from './json.js';

/** One schema violation, located by a JSON pointer into the validated document. */
export interface SchemaProblem {
  /** RFC 6901 pointer; `""` is the document itself. */
  readonly pointer: string;
  readonly message: string;
}

export type Validator<T> = (
  value: unknown,
) => { ok: true; value: T } | { ok: false; problems: SchemaProblem[] };

const ajv = new Ajv({
  allErrors: true,
  strict: true,
  strictRequired: false,
  discriminator: true,
  allowUnionTypes: true,
});

/** Compiles a JSON Schema once; the returned function lists every violation, deduplicated. */
export function compileValidator<T>(schema: object): Validator<T> {
  const validate: ValidateFunction = ajv.compile(schema);
  return (value) => {
    if (validate(value)) return { ok: true, value: value as T };
    return { ok: false, problems: describeErrors(validate.errors ?? []) };
  };
}

function describeErrors(errors: readonly ErrorObject[]): SchemaProblem[] {
  return uniqueProblems(errors.map(describeError));
}

/**
 * Located problems without repeats (same pointer, same message), in order: ajv reports one
 * fault once per schema branch that saw it.
 */
export function uniqueProblems<T extends SchemaProblem>(problems: Iterable<T>): T[] {
  const seen = new Set<string>();
  const out: T[] = [];
  for (const problem of problems) {
    const id = `${problem.pointer}\u0000${problem.message}`;
    if (seen.has(id)) continue;
    seen.add(id);
    out.push(problem);
  }
  return out;
}

function describeError(error: ErrorObject): SchemaProblem {
  const pointer = error.instancePath;
  const params = error.params as Record<string, unknown>;
  switch (error.keyword) {
    case 'additionalProperties':
      return {
        pointer: `${pointer}/${escapePointerToken(String(params['additionalProperty']))}`,
        message: `is not a known property (allowed here: ${allowedKeys(error)})`,
      };
    case 'required':
      return { pointer, message: `must have the property "${String(params['missingProperty'])}"` };
    case 'enum':
      return {
        pointer,
        message: `must be one of ${(params['allowedValues'] as unknown[]).map((v) => JSON.stringify(v)).join(', ')}`,
      };
    case 'const':
      return { pointer, message: `must be ${JSON.stringify(params['allowedValue'])}` };
    case 'discriminator':
      return {
        pointer: `${pointer}/${escapePointerToken(String(params['tag']))}`,
        message: 'must be one of "json", "text", "base64"',
      };
    default:
      return { pointer, message: error.message ?? `fails the "${error.keyword}" rule` };
  }
}

function allowedKeys(error: ErrorObject): string {
  const schema = error.parentSchema as { properties?: Record<string, unknown> } | undefined;
  const keys = Object.keys(schema?.properties ?? {});
  return keys.length > 0 ? keys.join(', ') : 'none';
}

/** "at /interactions/3/response/status" or "at the top level". */
export function describePointer(pointer: string): string {
  return pointer === '' ? 'at the top level' : `at ${pointer}`;
}
