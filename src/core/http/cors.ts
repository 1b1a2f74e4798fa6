/**
 * The two CORS policies of tapedeck's mocks. Both exist so that code running in a browser page
 * (an SDK, a GraphQL client, a playground) can call a mock on another origin during development;
 * they differ in whether the page may send credentials.
 *
 * - **Echo the origin** (the OpenAPI mock): REST SDKs call with cookies or `Authorization` and
 *   `credentials: 'include'`. Browsers refuse `*` for credentialed requests, so the page's own
 *   origin is echoed with `Access-Control-Allow-Credentials: true`, and `Vary: Origin` keeps a
 *   cache from serving one origin's answer to another.
 * - **Any origin** (the GraphQL mock): GraphQL clients send a bearer token in a header, not
 *   cookies, so the answer allows `*` without credentials; it is the same for every origin and
 *   needs no `Vary: Origin`.
 */
import type { HeaderMap } from '../cassette/model.js';
import type { Reply } from '../ports/index.js';
import { firstHeaderValue } from './index.js';

type Header = [string, string];

/** How long a browser may cache a preflight answer, in seconds (both policies). */
export const PREFLIGHT_MAX_AGE = '600';

/**
 * Echo-the-origin policy: the headers of the 204 answer to a browser's preflight (`OPTIONS`
 * with `Origin` and `Access-Control-Request-Method`), allowing the `allow`ed methods and
 * whatever headers the page asked for; undefined when the request is not a preflight.
 */
export function echoOriginPreflightHeaders(
  method: string,
  headers: HeaderMap,
  allow: readonly string[],
): Header[] | undefined {
  const origin = firstHeaderValue(headers, 'origin');
  if (
    method.toUpperCase() !== 'OPTIONS' ||
    origin === undefined ||
    firstHeaderValue(headers, 'access-control-request-method') === undefined
  )
    return undefined;
  const requested = firstHeaderValue(headers, 'access-control-request-headers');
  return [
    ['access-control-allow-origin', origin],
    ['access-control-allow-methods', allow.join(', ')],
    ...(requested === undefined ? [] : [['access-control-allow-headers', requested] as Header]),
    ['access-control-allow-credentials', 'true'],
    ['access-control-max-age', PREFLIGHT_MAX_AGE],
    ['vary', 'Origin'],
  ];
}

/**
 * Echo-the-origin policy on an answer: a request with `Origin` gets headers that let that page
 * read the answer, credentials and every header included. A reply that already names an allowed
 * origin (a preflight answer) is left as it is, and so is a stream, whose headers are its
 * upstream's.
 */
export function withEchoedOrigin(reply: Reply, origin: string | undefined): Reply {
  if (origin === undefined) return reply;
  if (
    reply.kind === 'simple' &&
    reply.headers.some(([name]) => name === 'access-control-allow-origin')
  )
    return reply;
  const cors: Header[] = [
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
      return reply;
    case 'fault':
      return { ...reply, inner: withEchoedOrigin(reply.inner, origin) };
  }
}

/** Any-origin policy on an answer: every page may read it and the `expose`d headers. */
export function anyOriginHeaders(expose: string): Header[] {
  return [
    ['access-control-allow-origin', '*'],
    ['access-control-expose-headers', expose],
  ];
}

/**
 * Any-origin policy: the headers of the answer to a preflight, allowing `methods` and the
 * headers the page asked for (or `fallbackHeaders` when it named none).
 */
export function anyOriginPreflightHeaders(
  headers: HeaderMap,
  methods: string,
  fallbackHeaders: string,
): Header[] {
  const requested = firstHeaderValue(headers, 'access-control-request-headers');
  return [
    ['access-control-allow-origin', '*'],
    ['access-control-allow-methods', methods],
    ['access-control-allow-headers', requested ?? fallbackHeaders],
    ['access-control-max-age', PREFLIGHT_MAX_AGE],
  ];
}
