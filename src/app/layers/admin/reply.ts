import { PROBLEM_TYPE_BASE, type ErrorCode } from '../../../core/errors.js';
import { HEADER_LAYER } from '../../../core/http/index.js';
import type { SimpleReply } from '../../../core/ports/index.js';

/** A JSON answer of the admin API, marked as the admin layer's. */
export function adminJson(status: number, value: unknown): SimpleReply {
  return {
    kind: 'simple',
    status,
    headers: [
      ['content-type', 'application/json'],
      [HEADER_LAYER, 'admin'],
    ],
    body: `${JSON.stringify(value, null, 2)}\n`,
  };
}

/**
 * An admin error as RFC 9457 problem details, in the shape the HTTP adapter gives every
 * tapedeck error (`type` from the code, `title`, `code`, `status`). The one local builder of the
 * admin layer: when core/http gets the shared problem+json builder, this delegates to it.
 */
export function adminProblem(
  status: number,
  code: ErrorCode,
  title: string,
  extra: Readonly<Record<string, unknown>> = {},
): SimpleReply {
  return {
    kind: 'simple',
    status,
    headers: [
      ['content-type', 'application/problem+json'],
      [HEADER_LAYER, 'admin'],
    ],
    body: `${JSON.stringify({ type: `${PROBLEM_TYPE_BASE}${code}`, title, code, status, ...extra }, null, 2)}\n`,
  };
}
