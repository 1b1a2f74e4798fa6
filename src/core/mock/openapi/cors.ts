import { HEADER_LAYER, headerValue } from '../../http/index.js';
import type { IncomingRequest, Reply, SimpleReply } from '../../ports/index.js';

/**
 * A browser's CORS preflight (`OPTIONS` with `Access-Control-Request-Method`) for a documented
 * path: 204 allowing the documented methods and whatever headers the page asked for, from any
 * origin. A mock is for development; an SDK in a browser page must be able to call it.
 */
export function corsPreflight(
  incoming: IncomingRequest,
  allow: readonly string[],
): SimpleReply | undefined {
  const origin = headerValue(incoming.headers, 'origin');
  if (
    incoming.method.toUpperCase() !== 'OPTIONS' ||
    origin === undefined ||
    headerValue(incoming.headers, 'access-control-request-method') === undefined
  )
    return undefined;
  const requested = headerValue(incoming.headers, 'access-control-request-headers');
  return {
    kind: 'simple',
    status: 204,
    headers: [
      [HEADER_LAYER, 'spec'],
      ['access-control-allow-origin', origin],
      ['access-control-allow-methods', allow.join(', ')],
      ...(requested === undefined
        ? []
        : ([['access-control-allow-headers', requested]] as [string, string][])),
      ['access-control-allow-credentials', 'true'],
      ['access-control-max-age', '600'],
      ['vary', 'Origin'],
    ],
    body: '',
  };
}

/**
 * Every standalone answer to a request with `Origin` may be read by that page (credentials
 * included, so the origin is echoed rather than `*`), headers and all.
 */
export function withCors(reply: Reply, origin: string | undefined): Reply {
  if (origin === undefined) return reply;
  if (
    reply.kind === 'simple' &&
    reply.headers.some(([name]) => name === 'access-control-allow-origin')
  )
    return reply;
  const cors: (readonly [string, string])[] = [
    ['access-control-allow-origin', origin],
    ['access-control-allow-credentials', 'true'],
    ['access-control-expose-headers', '*'],
    ['vary', 'Origin'],
  ];
  switch (reply.kind) {
    case 'simple':
      return { ...reply, headers: [...reply.headers, ...cors] };
    case 'recorded':
      return { ...reply, extraHeaders: [...reply.extraHeaders, ...cors] };
    case 'stream':
      // The mock never streams; a stream's headers are its upstream's.
      return reply;
  }
}
