import { HEADER_LAYER } from '../../http/index.js';
import { problemReply, type Problem } from '../../http/problem.js';
import type { SimpleReply } from '../../ports/index.js';
import type { SpecOperation } from './operations.js';
import type { MockAnswer, MockOutcome } from './responder.js';
import type { Violation } from './validate.js';

const SPEC_LAYER = [HEADER_LAYER, 'spec'] as const;

/**
 * One of the spec responder's own refusals (no such path, invalid request, unauthorized…): RFC
 * 9457 problem details whose `type` is the mock reason, marked as the spec layer's answer.
 */
export function specProblem(
  problem: Problem,
  headers: readonly (readonly [string, string])[] = [],
): SimpleReply {
  return problemReply(problem, [SPEC_LAYER, ...headers]);
}

/** A refusal of a request routed to `operation`: the outcome, the operation and its problem. */
export function refusal(
  operation: SpecOperation,
  outcome: MockOutcome,
  problem: Problem,
  headers: readonly (readonly [string, string])[] = [],
): MockAnswer {
  return {
    outcome,
    operation: operation.id,
    path: operation.path,
    reply: specProblem(problem, headers),
  };
}

/** At most this many violations are listed in a 4xx body (the count says how many more). */
const MAX_VIOLATIONS = 100;
/** Request-derived text (pointers, names) in a 4xx body is cut to this many characters. */
const MAX_ECHO = 200;

function clip(text: string): string {
  return text.length <= MAX_ECHO ? text : `${text.slice(0, MAX_ECHO)}…`;
}

/** The status for an invalid request: 400 if documented, else 422 if documented, else 400. */
export function invalidRequestStatus(operation: SpecOperation): number {
  const has = (status: string) => operation.responses.some((r) => r.status === status);
  if (has('400')) return 400;
  if (has('422')) return 422;
  return 400;
}

/** The answer to a request that breaks the spec: every violation, clipped, in one problem. */
export function invalidAnswer(operation: SpecOperation, all: readonly Violation[]): MockAnswer {
  const status = invalidRequestStatus(operation);
  // Pointers and names come from the request: a 3 MB form field name must not come back twice.
  const violations = all.slice(0, MAX_VIOLATIONS).map((v): Violation => ({
    ...v,
    ...(v.name === undefined ? {} : { name: clip(v.name) }),
    ...(v.pointer === undefined ? {} : { pointer: clip(v.pointer) }),
  }));
  const listed = violations
    .slice(0, 5)
    .map(
      (v) =>
        `${v.in}${v.name === undefined ? '' : ` ${v.name}`}${v.pointer ? ` ${v.pointer}` : ''} ${v.message}`,
    )
    .join('; ');
  return refusal(operation, 'invalid', {
    code: 'invalid-request',
    title: 'Invalid request',
    status,
    detail: `${all.length} problem(s) with the request to ${operation.id}: ${listed}${all.length > 5 ? '; …' : ''}`,
    extra: {
      operation: operation.id,
      errors: violations,
      ...(all.length > MAX_VIOLATIONS ? { omitted: all.length - MAX_VIOLATIONS } : {}),
    },
  });
}
