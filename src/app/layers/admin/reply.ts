import type { ErrorCode } from '../../../core/errors.js';
import { HEADER_LAYER } from '../../../core/http/index.js';
import { problemReply } from '../../../core/http/problem.js';
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
 * tapedeck error (`type` from the code, `title`, `status`, then `code` and the extensions).
 */
export function adminProblem(
  status: number,
  code: ErrorCode,
  title: string,
  extra: Readonly<Record<string, unknown>> = {},
): SimpleReply {
  return problemReply({ code, title, status, extra: { code, ...extra } }, [
    [HEADER_LAYER, 'admin'],
  ]);
}
