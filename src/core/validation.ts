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

/** The pointer to the member an ajv error's `param` names (`missingProperty`, `tag`, …). */
export function memberPointer(error: ErrorObject, param: string): string {
  const params = error.params as Record<string, unknown>;
  return `${error.instancePath}/${escapePointerToken(String(params[param]))}`;
}

/** "must be one of …" for an `enum` error, "must be …" for a `const`; undefined otherwise. */
export function allowedValuesMessage(error: ErrorObject): string | undefined {
  const params = error.params as Record<string, unknown>;
  if (error.keyword === 'enum')
    return `must be one of ${(params['allowedValues'] as unknown[]).map((v) => JSON.stringify(v)).join(', ')}`;
  if (error.keyword === 'const') return `must be ${JSON.stringify(params['allowedValue'])}`;
  return undefined;
}

function describeError(error: ErrorObject): SchemaProblem {
  const pointer = error.instancePath;
  switch (error.keyword) {
    case 'additionalProperties':
      return {
        pointer: memberPointer(error, 'additionalProperty'),
        message: `is not a known property (allowed here: ${allowedKeys(error)})`,
      };
    case 'required': {
      const missing = String((error.params as Record<string, unknown>)['missingProperty']);
      return { pointer, message: `must have the property "${missing}"` };
    }
    case 'discriminator':
      return {
        pointer: memberPointer(error, 'tag'),
        message: 'must be one of "json", "text", "base64"',
      };
    default:
      return {
        pointer,
        message:
          allowedValuesMessage(error) ?? error.message ?? `fails the "${error.keyword}" rule`,
      };
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
