import { PROBLEM_TYPE_BASE } from '../errors.js';
import type { SimpleReply } from '../ports/index.js';

/** The media type of every error body tapedeck itself writes (RFC 9457). */
export const PROBLEM_CONTENT_TYPE = 'application/problem+json';

export interface Problem {
  /** The tapedeck code (`TD_NO_MATCH`) or mock reason that names the problem type. */
  readonly code: string;
  readonly title: string;
  readonly status: number;
  readonly detail?: string;
  /** Extension members, written after the standard ones in the order given. */
  readonly extra?: Readonly<Record<string, unknown>>;
}

/** The `type` URI of a problem: one documented URI per code, under `PROBLEM_TYPE_BASE`. */
export function problemType(code: string): string {
  return `${PROBLEM_TYPE_BASE}${code}`;
}

/**
 * The members of a problem details object, in RFC 9457's order: `type` (under
 * `PROBLEM_TYPE_BASE`, so every type tapedeck sends is one documented URI), `title`, `status`,
 * `detail`, then the extensions.
 */
export function problemMembers(problem: Problem): Record<string, unknown> {
  return {
    type: problemType(problem.code),
    title: problem.title,
    status: problem.status,
    ...(problem.detail === undefined ? {} : { detail: problem.detail }),
    ...problem.extra,
  };
}

/** A problem+json answer; `headers` follow the content type (the layer, an error code, …). */
export function problemReply(
  problem: Problem,
  headers: readonly (readonly [string, string])[] = [],
): SimpleReply {
  return {
    kind: 'simple',
    status: problem.status,
    headers: [['content-type', PROBLEM_CONTENT_TYPE], ...headers],
    body: `${JSON.stringify(problemMembers(problem))}\n`,
  };
}
