/**
 * ajv's errors as located problems a person can act on: a JSON pointer to the value and a
 * short message, deduplicated, and never the value that was sent.
 */
import type { ErrorObject } from 'ajv/dist/2020.js';
import { resolvePointer as resolveJsonPointer } from '../../json.js';
import { containsPseudonym } from '../../redaction/pseudonym.js';
import { allowedValuesMessage, memberPointer, uniqueProblems } from '../../validation.js';

/** A located problem in a value (a response body, a header): JSON pointer and message. */
export interface ValueProblem {
  readonly pointer: string;
  readonly message: string;
}

/** Errors about one member of an object: the ajv param that names it, and what is wrong. */
const MEMBER_ERRORS: ReadonlyMap<string, readonly [param: string, message: string]> = new Map([
  ['required', ['missingProperty', 'is required']],
  ['additionalProperties', ['additionalProperty', 'is not an allowed property']],
  ['unevaluatedProperties', ['unevaluatedProperty', 'is not an allowed property']],
]);

function describe(error: ErrorObject): { pointer: string; message: string } {
  const member = MEMBER_ERRORS.get(error.keyword);
  if (member !== undefined) return { pointer: memberPointer(error, member[0]), message: member[1] };
  return {
    pointer: error.instancePath,
    message: allowedValuesMessage(error) ?? error.message ?? `fails "${error.keyword}"`,
  };
}

/** The string keywords a redacted value is held to satisfy. */
const STRING_KEYWORDS = new Set(['pattern', 'format', 'minLength', 'maxLength']);

/**
 * Options of the checks that look at recordings (`verify --spec`, drift) rather than at a live
 * client's request.
 */
export interface ValueCheckOptions {
  /**
   * A string that is or holds a tapedeck pseudonym (`tdp_…`, `td-…@example.com`) or
   * `[REDACTED]` satisfies `pattern`, `format`, `minLength` and `maxLength`: redaction changed
   * it on purpose, and the original (which the spec described) is not on disk to check.
   */
  readonly redacted?: boolean;
}

/**
 * Every ajv error as a located problem, deduplicated, in order. With `root` (the validated
 * value), string-keyword errors on redacted strings are dropped (see ValueCheckOptions).
 */
export function problemsOf(
  errors: readonly ErrorObject[] | null | undefined,
  root?: { readonly value: unknown },
): ValueProblem[] {
  const described: ValueProblem[] = [];
  for (const error of errors ?? []) {
    // oneOf/anyOf summaries repeat what the branches said; the branches are more useful.
    if (error.keyword === 'if') continue;
    if (root !== undefined && STRING_KEYWORDS.has(error.keyword)) {
      const value = resolveJsonPointer(root.value, error.instancePath);
      if (typeof value === 'string' && containsPseudonym(value)) continue;
    }
    described.push(describe(error));
  }
  return uniqueProblems(described);
}
