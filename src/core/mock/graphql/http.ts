/**
 * GraphQL over HTTP (the GraphQL-over-HTTP draft of the GraphQL Foundation): reading the request
 * parameters from a GET query string or a POST body, choosing the response media type from
 * `Accept`, and the status code each outcome gets in each media type.
 */
import type { HeaderMap } from '../../cassette/model.js';
import { anyOriginHeaders, anyOriginPreflightHeaders } from '../../http/cors.js';
import { HEADER_LAYER, firstHeaderValue, mediaType, parseQuery } from '../../http/index.js';
import type { SimpleReply } from '../../ports/index.js';
import { isRecord } from '../../json.js';

export const GRAPHQL_RESPONSE_JSON = 'application/graphql-response+json';
export const APPLICATION_JSON = 'application/json';

export type ResponseMedia = typeof GRAPHQL_RESPONSE_JSON | typeof APPLICATION_JSON;

/** The parameters of one GraphQL request. */
export interface GraphqlParams {
  readonly query: string | undefined;
  readonly operationName: string | undefined;
  readonly variables: Readonly<Record<string, unknown>> | undefined;
  readonly extensions: Readonly<Record<string, unknown>> | undefined;
}

/** A request that is not a well-formed GraphQL-over-HTTP request, with the status it gets. */
export interface HttpProblem {
  readonly status: number;
  readonly message: string;
  /** Extensions code for the error entry. */
  readonly code: string;
  readonly headers?: readonly (readonly [string, string])[];
}

export type ParamsResult =
  | { readonly ok: true; readonly params: GraphqlParams }
  | { readonly ok: false; readonly problem: HttpProblem };

interface MediaRange {
  readonly type: string;
  readonly subtype: string;
  readonly q: number;
}

function parseAccept(accept: string): MediaRange[] {
  const ranges: MediaRange[] = [];
  for (const part of accept.split(',')) {
    const [range, ...params] = part.split(';');
    const [type, subtype] = (range ?? '').trim().toLowerCase().split('/');
    if (!type || !subtype) continue;
    let q = 1;
    for (const param of params) {
      const [name, value] = param.split('=');
      if (name?.trim().toLowerCase() === 'q') {
        const parsed = Number(value?.trim());
        q = Number.isFinite(parsed) ? Math.max(0, Math.min(1, parsed)) : 1;
      }
    }
    ranges.push({ type: type.trim(), subtype: subtype.trim(), q });
  }
  return ranges;
}

/** The quality the client gives a media type: the most specific matching range wins. */
function quality(ranges: readonly MediaRange[], media: string): { q: number; exact: boolean } {
  const [type, subtype] = media.split('/') as [string, string];
  let best: { q: number; specificity: number } | undefined;
  for (const range of ranges) {
    const specificity =
      range.type === type && range.subtype === subtype
        ? 2
        : range.type === type && range.subtype === '*'
          ? 1
          : range.type === '*' && range.subtype === '*'
            ? 0
            : -1;
    if (specificity < 0) continue;
    if (best === undefined || specificity > best.specificity) best = { q: range.q, specificity };
  }
  return { q: best?.q ?? 0, exact: best?.specificity === 2 };
}

/**
 * The response media type for an `Accept` header. `application/graphql-response+json` only when
 * the client names it (with at least the quality it gives `application/json`); otherwise
 * `application/json`, also when `Accept` is missing or only wildcards (the compatible choice for
 * clients written before the draft); undefined when the client accepts neither (406).
 */
export function negotiate(accept: string | undefined): ResponseMedia | undefined {
  if (accept === undefined || accept.trim() === '') return APPLICATION_JSON;
  const ranges = parseAccept(accept);
  const modern = quality(ranges, GRAPHQL_RESPONSE_JSON);
  const legacy = quality(ranges, APPLICATION_JSON);
  if (modern.exact && modern.q > 0 && modern.q >= legacy.q) return GRAPHQL_RESPONSE_JSON;
  if (legacy.q > 0) return APPLICATION_JSON;
  if (modern.q > 0) return GRAPHQL_RESPONSE_JSON;
  return undefined;
}

function problem(status: number, message: string, code = 'BAD_REQUEST'): ParamsResult {
  return { ok: false, problem: { status, message, code } };
}

/** Checks the four parameters, from a JSON body or the decoded query string. */
function checkParams(raw: Record<string, unknown>, where: string): ParamsResult {
  const { query, operationName, variables, extensions } = raw;
  if (query !== undefined && query !== null && typeof query !== 'string')
    return problem(400, `"query" in the ${where} must be a string holding the GraphQL document.`);
  if (operationName !== undefined && operationName !== null && typeof operationName !== 'string')
    return problem(400, `"operationName" in the ${where} must be a string or null.`);
  if (variables !== undefined && variables !== null && !isRecord(variables))
    return problem(400, `"variables" in the ${where} must be a JSON object (or null).`);
  if (extensions !== undefined && extensions !== null && !isRecord(extensions))
    return problem(400, `"extensions" in the ${where} must be a JSON object (or null).`);
  return {
    ok: true,
    params: {
      query: typeof query === 'string' ? query : undefined,
      operationName: typeof operationName === 'string' ? operationName : undefined,
      variables: isRecord(variables) ? variables : undefined,
      extensions: isRecord(extensions) ? extensions : undefined,
    },
  };
}

/** A JSON-encoded query-string parameter (`variables`, `extensions`). */
function jsonParam(text: string | undefined, name: string): { value: unknown } | string {
  if (text === undefined || text === '') return { value: undefined };
  try {
    return { value: JSON.parse(text) as unknown };
  } catch {
    return `The "${name}" query parameter must be JSON (URL-encoded), e.g. ${name}=%7B%22id%22%3A1%7D.`;
  }
}

function first(value: string | readonly string[] | undefined): string | undefined {
  return typeof value === 'string' ? value : value?.[0];
}

/** GET: `?query=…&variables=<JSON>&operationName=…&extensions=<JSON>`. */
export function paramsFromQueryString(rawQuery: string): ParamsResult {
  const query = parseQuery(rawQuery);
  const variables = jsonParam(first(query['variables']), 'variables');
  if (typeof variables === 'string') return problem(400, variables);
  const extensions = jsonParam(first(query['extensions']), 'extensions');
  if (typeof extensions === 'string') return problem(400, extensions);
  return checkParams(
    {
      query: first(query['query']),
      operationName: first(query['operationName']),
      variables: variables.value,
      extensions: extensions.value,
    },
    'query string',
  );
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * POST: `application/json` with `{query, variables, operationName, extensions}`, or
 * `application/graphql` with the document as the body (parameters from the query string).
 */
export function paramsFromBody(
  headers: HeaderMap,
  body: Uint8Array | undefined,
  rawQuery: string,
): ParamsResult {
  const encoding = firstHeaderValue(headers, 'content-encoding')?.trim().toLowerCase();
  if (encoding !== undefined && encoding !== '' && encoding !== 'identity')
    return problem(
      415,
      `Request bodies with content-encoding "${encoding}" are not accepted; send the JSON uncompressed.`,
      'UNSUPPORTED_MEDIA_TYPE',
    );
  const type = mediaType(firstHeaderValue(headers, 'content-type'));
  if (type !== APPLICATION_JSON && type !== 'application/graphql') {
    return problem(
      415,
      type === ''
        ? 'A POST needs Content-Type: application/json with a body like {"query": "{ … }", "variables": {…}}.'
        : `Content-Type ${type} is not accepted: send application/json with {"query": …} (or application/graphql with the document as the body).`,
      'UNSUPPORTED_MEDIA_TYPE',
    );
  }
  let text: string;
  try {
    text = body === undefined ? '' : utf8.decode(body);
  } catch {
    return problem(400, 'The request body is not valid UTF-8.');
  }
  if (type === 'application/graphql') {
    const fromUrl = paramsFromQueryString(rawQuery);
    if (!fromUrl.ok) return fromUrl;
    return { ok: true, params: { ...fromUrl.params, query: text } };
  }
  if (text.trim() === '')
    return problem(400, 'The request body is empty: send {"query": "{ … }"} as JSON.');
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    // V8's message quotes a piece of the body; only the position is repeated back.
    const position = error instanceof Error ? /position (\d+)/.exec(error.message) : null;
    const detail = position ? ` (at character ${position[1]})` : '';
    return problem(400, `The request body is not valid JSON${detail}.`);
  }
  if (Array.isArray(parsed))
    return problem(
      400,
      'Batched requests (a JSON array) are not supported: send one operation per request.',
    );
  if (!isRecord(parsed))
    return problem(400, 'The request body must be a JSON object like {"query": "{ … }"}.');
  return checkParams(parsed, 'request body');
}

/** Headers on every answer of the GraphQL mock. */
export function baseHeaders(media: ResponseMedia): [string, string][] {
  return [
    ['content-type', `${media}; charset=utf-8`],
    [HEADER_LAYER, 'spec'],
    ...anyOriginHeaders(HEADER_LAYER),
    ['vary', 'accept'],
  ];
}

/** A GraphQL response body with only errors, for requests that never reached execution. */
export function errorsReply(
  media: ResponseMedia,
  status: number,
  errors: readonly unknown[],
  extraHeaders: readonly (readonly [string, string])[] = [],
): SimpleReply {
  return {
    kind: 'simple',
    status,
    headers: [...baseHeaders(media), ...extraHeaders],
    body: JSON.stringify({ errors }),
  };
}

export function problemReply(media: ResponseMedia, p: HttpProblem): SimpleReply {
  return errorsReply(
    media,
    p.status,
    [{ message: p.message, extensions: { code: p.code } }],
    p.headers ?? [],
  );
}

/** The answer to a CORS preflight: browsers ask before a JSON POST from another origin. */
export function preflightReply(headers: HeaderMap): SimpleReply {
  return {
    kind: 'simple',
    status: 204,
    headers: [
      [HEADER_LAYER, 'spec'],
      ['allow', 'GET, POST, OPTIONS'],
      ...anyOriginPreflightHeaders(
        headers,
        'GET, POST, OPTIONS',
        'content-type, accept, authorization',
      ),
    ],
    body: '',
  };
}
