import { PROBLEM_TYPE_BASE } from '../../errors.js';
import { HEADER_LAYER } from '../../http/index.js';
import type { SimpleReply } from '../../ports/index.js';

/**
 * The spec responder's own refusals (no such path, invalid request, unauthorized…) as RFC 9457
 * problem details, marked as the spec layer's answer.
 */
export function specProblem(
  status: number,
  type: string,
  title: string,
  detail: string,
  extra: Readonly<Record<string, unknown>> = {},
  headers: readonly (readonly [string, string])[] = [],
): SimpleReply {
  return {
    kind: 'simple',
    status,
    headers: [['content-type', 'application/problem+json'], [HEADER_LAYER, 'spec'], ...headers],
    body: `${JSON.stringify({ type: `${PROBLEM_TYPE_BASE}${type}`, title, status, detail, ...extra })}\n`,
  };
}
