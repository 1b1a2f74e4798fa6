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
  // Errors carry the schema that failed (parentSchema): an unknown property's message lists the
  // keys allowed at that place and the nearest one. Only failing documents pay for it.
  verbose: true,
});

/** Compiles a JSON Schema once; the returned function lists every violation, deduplicated. */
export function compileValidator<T>(schema: object): Validator<T> {
  const validate: ValidateFunction = ajv.compile(schema);
  let homes: ReadonlyMap<string, readonly string[]> | undefined;
  return (value) => {
    if (validate(value)) return { ok: true, value: value as T };
    homes ??= propertyHomes(schema);
    return {
      ok: false,
      problems: uniqueProblems((validate.errors ?? []).map((e) => describeError(e, homes!))),
    };
  };
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

function describeError(
  error: ErrorObject,
  homes: ReadonlyMap<string, readonly string[]>,
): SchemaProblem {
  const pointer = error.instancePath;
  switch (error.keyword) {
    case 'additionalProperties':
      return {
        pointer: memberPointer(error, 'additionalProperty'),
        message: unknownPropertyMessage(error, homes),
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

/**
 * "is not a known property; did you mean "upstream"? Allowed here: …": the keys the schema
 * allows at that place (from the failing schema itself, so a nested object lists its own),
 * the nearest of them by edit distance, or else where in the document such a key does belong.
 */
function unknownPropertyMessage(
  error: ErrorObject,
  homes: ReadonlyMap<string, readonly string[]>,
): string {
  const name = String((error.params as Record<string, unknown>)['additionalProperty']);
  const schema = error.parentSchema as
    | { properties?: Record<string, unknown>; patternProperties?: Record<string, unknown> }
    | undefined;
  const keys = Object.keys(schema?.properties ?? {});
  const patterns = Object.keys(schema?.patternProperties ?? {});
  const allowed = [...keys, ...patterns.map((p) => `names matching /${p}/`)];
  const near = nearestNames(name, keys);
  let hint = '';
  if (near.length > 0) {
    hint = `; did you mean ${near.map((n) => `"${n}"`).join(' or ')}?`;
  } else {
    // A key written one level off (`"target"` at the top instead of in `upstream`).
    const here = error.instancePath.replace(/\/\d+(?=\/|$)/g, '/*') || '/';
    const elsewhere = (homes.get(name.toLowerCase()) ?? []).filter((p) => p !== here);
    if (elsewhere.length > 0) hint = `; "${name}" belongs in ${elsewhere.join(' or ')}`;
  }
  // "…did you mean "x"? Allowed…" but "…belongs in /server. Allowed…".
  const lead = `is not a known property${hint}${hint.endsWith('?') ? '' : '.'}`;
  return allowed.length > 0
    ? `${lead} Allowed here: ${allowed.join(', ')}`
    : `${lead} No properties are allowed here`;
}

/**
 * The candidates closest to `name`, at most a third of its length away (one edit at least),
 * ignoring case: a typo, a missing letter or swapped letters; all that tie.
 */
export function nearestNames(name: string, candidates: readonly string[]): string[] {
  const lower = name.toLowerCase();
  const limit = Math.max(1, Math.floor(lower.length / 3));
  let best = limit + 1;
  let found: string[] = [];
  for (const candidate of candidates) {
    const distance = editDistance(lower, candidate.toLowerCase());
    if (distance < best) {
      best = distance;
      found = [candidate];
    } else if (distance === best) found.push(candidate);
  }
  return found;
}

/** Optimal string alignment distance: insertions, deletions, substitutions, adjacent swaps. */
export function editDistance(a: string, b: string): number {
  const rows = a.length + 1;
  const cols = b.length + 1;
  const d: number[] = new Array<number>(rows * cols).fill(0);
  for (let i = 0; i < rows; i++) d[i * cols] = i;
  for (let j = 0; j < cols; j++) d[j] = j;
  for (let i = 1; i < rows; i++) {
    for (let j = 1; j < cols; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let value = Math.min(
        d[(i - 1) * cols + j]! + 1,
        d[i * cols + j - 1]! + 1,
        d[(i - 1) * cols + j - 1]! + cost,
      );
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1])
        value = Math.min(value, d[(i - 2) * cols + j - 2]! + 1);
      d[i * cols + j] = value;
    }
  }
  return d[rows * cols - 1]!;
}

/**
 * Every property name the schema declares, lower-cased, with the pointers of the objects that
 * declare it (`target` -> /upstream, /drift). Follows `properties` and array `items`; `$ref`
 * and combinators are not followed, so a name found nowhere simply gets no such hint.
 */
function propertyHomes(schema: object): Map<string, string[]> {
  const homes = new Map<string, string[]>();
  const walk = (node: unknown, at: string, depth: number): void => {
    if (typeof node !== 'object' || node === null || depth > 8) return;
    const { properties, items } = node as { properties?: unknown; items?: unknown };
    if (typeof properties === 'object' && properties !== null) {
      for (const [key, child] of Object.entries(properties)) {
        const list = homes.get(key.toLowerCase()) ?? [];
        if (!list.includes(at === '' ? '/' : at)) list.push(at === '' ? '/' : at);
        homes.set(key.toLowerCase(), list);
        walk(child, `${at}/${escapePointerToken(key)}`, depth + 1);
      }
    }
    if (typeof items === 'object' && items !== null) walk(items, `${at}/*`, depth + 1);
  };
  walk(schema, '', 0);
  return homes;
}

/** "at /interactions/3/response/status" or "at the top level". */
export function describePointer(pointer: string): string {
  return pointer === '' ? 'at the top level' : `at ${pointer}`;
}
