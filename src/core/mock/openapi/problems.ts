/**
 * ajv's errors as located problems a person can act on: a JSON pointer to the value and a
 * short message, deduplicated, and never the value that was sent.
 */
import type { ErrorObject } from 'ajv/dist/2020.js';
import { escapePointerToken, resolvePointer as resolveJsonPointer } from '../../json.js';
import { containsPseudonym } from '../../redaction/pseudonym.js';
import { uniqueProblems } from '../../validation.js';

/** A located problem in a value (a response body, a header): JSON pointer and message. */
export interface ValueProblem {
  readonly pointer: string;
  readonly message: string;
}

function describe(error: ErrorObject): { pointer: string; message: string } {
  const params = error.params as Record<string, unknown>;
  switch (error.keyword) {
    case 'required':
      return {
        pointer: `${error.instancePath}/${escapePointerToken(String(params['missingProperty']))}`,
        message: 'is required',
      };
    case 'additionalProperties':
      return {
        pointer: `${error.instancePath}/${escapePointerToken(String(params['additionalProperty']))}`,
        message: 'is not an allowed property',
      };
    case 'unevaluatedProperties':
      return {
        pointer: `${error.instancePath}/${escapePointerToken(String(params['unevaluatedProperty']))}`,
        message: 'is not an allowed property',
      };
    case 'enum':
      return {
        pointer: error.instancePath,
        message: `must be one of ${(params['allowedValues'] as unknown[]).map((v) => JSON.stringify(v)).join(', ')}`,
      };
    case 'const':
      return {
        pointer: error.instancePath,
        message: `must be ${JSON.stringify(params['allowedValue'])}`,
      };
    default:
      return { pointer: error.instancePath, message: error.message ?? `fails "${error.keyword}"` };
  }
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
