import { getOwn, setOwn } from '../json.js';
import { decodeQueryComponent } from './percent.js';
import { appendValue, type HeaderMap, type QueryMap, valuesOf } from '../cassette/model.js';

/**
 * Hop-by-hop headers (RFC 9110 §7.6.1) describe one connection, not the message: a proxy
 * must not forward them, and a recording must not keep them. Headers named in `Connection`
 * are hop-by-hop too (see `stripHopByHop`).
 */
export const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'proxy-connection',
  'proxy-authenticate',
  'proxy-authorization',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
]);

/** tapedeck's own control headers start with this; they are never forwarded or recorded. */
export const TAPEDECK_HEADER_PREFIX = 'x-tapedeck-';

export const HEADER_CASSETTE = 'x-tapedeck-cassette';
export const HEADER_SESSION = 'x-tapedeck-session';
export const HEADER_MISS = 'x-tapedeck-miss';
export const HEADER_LAYER = 'x-tapedeck-layer';
/** The tapedeck error code of an answer tapedeck wrote itself (`TD_NO_MATCH`, `TD_BAD_REQUEST`). */
export const HEADER_ERROR = 'x-tapedeck-error';
/** On an answer whose wire fault was not applied because too many faults were waiting (`1`). */
export const HEADER_FAULT_LIMITED = 'x-tapedeck-fault-limited';

/**
 * Builds a lower-cased header map from Node's flat `rawHeaders` list, keeping every instance
 * of a repeated header in order.
 */
export function headersFromRaw(raw: readonly string[]): HeaderMap {
  const headers: HeaderMap = {};
  for (let i = 0; i + 1 < raw.length; i += 2)
    appendValue(headers, raw[i]!.toLowerCase(), raw[i + 1]!);
  return headers;
}

/**
 * Removes hop-by-hop headers, headers listed in `Connection`, and tapedeck's own headers.
 * Returns a new map.
 */
export function stripHopByHop(headers: HeaderMap, also?: ReadonlySet<string>): HeaderMap {
  const connection = headers['connection'];
  let listed: Set<string> | undefined;
  for (const value of typeof connection === 'string' ? [connection] : (connection ?? [])) {
    for (const token of value.split(',')) {
      const name = token.trim().toLowerCase();
      // `keep-alive` and `close` are the usual tokens; they name no extra header to drop.
      if (name !== '' && !HOP_BY_HOP.has(name) && name !== 'close')
        (listed ??= new Set()).add(name);
    }
  }
  const out: HeaderMap = {};
  for (const name in headers) {
    if (
      HOP_BY_HOP.has(name) ||
      listed?.has(name) ||
      also?.has(name) ||
      name.startsWith(TAPEDECK_HEADER_PREFIX)
    )
      continue;
    setOwn(out, name, headers[name]!);
  }
  return out;
}

/**
 * The first value of a header, by its stored (lower-case) name, or undefined: for headers that
 * carry one value (`content-type`, `authorization`, `host`), where a repeat is ignored.
 */
export function firstHeaderValue(headers: HeaderMap, name: string): string | undefined {
  // A prototype name (`constructor`) finds a function, which is neither a string nor has [0].
  const value = headers[name];
  return typeof value === 'string' ? value : value?.[0];
}

/**
 * The field value of a header as RFC 9110 §5.3 combines it: every instance joined with `, `,
 * the name matched in any case (a hand-written cassette may spell it `Content-Type`), or
 * undefined when it is absent or empty. For comparing whole headers, as drift does.
 */
export function combinedHeaderValue(headers: HeaderMap, name: string): string | undefined {
  const wanted = name.toLowerCase();
  const key = Object.keys(headers).find((k) => k.toLowerCase() === wanted);
  if (key === undefined) return undefined;
  const value = getOwn(headers, key)!;
  const values = valuesOf(value);
  return values.length === 0 ? undefined : values.join(', ');
}

/**
 * Parses a raw query string (without `?`) into a decoded multi-map, in order, with the
 * `application/x-www-form-urlencoded` rules (`+` is a space). Hand-written because
 * URLSearchParams allocated too much for the replay hot path.
 */
export function parseQuery(raw: string): QueryMap {
  const query: QueryMap = {};
  if (raw === '') return query;
  let start = 0;
  while (start <= raw.length) {
    let end = raw.indexOf('&', start);
    if (end === -1) end = raw.length;
    if (end > start) {
      const eq = raw.indexOf('=', start);
      const hasValue = eq !== -1 && eq < end;
      const name = decodeQueryComponent(raw.slice(start, hasValue ? eq : end));
      appendValue(query, name, hasValue ? decodeQueryComponent(raw.slice(eq + 1, end)) : '');
    }
    start = end + 1;
  }
  return query;
}

/** Serializes a query multi-map back into a query string (without `?`). */
export function formatQuery(query: QueryMap): string {
  const params = new URLSearchParams();
  for (const [name, value] of Object.entries(query)) {
    for (const v of valuesOf(value)) params.append(name, v);
  }
  return params.toString();
}

/** The media type of a Content-Type value, lower-cased, without parameters. */
export function mediaType(contentType: string | undefined): string {
  if (contentType === undefined) return '';
  const semi = contentType.indexOf(';');
  return (semi === -1 ? contentType : contentType.slice(0, semi)).trim().toLowerCase();
}

export function isJsonMediaType(type: string): boolean {
  return type === 'application/json' || type.endsWith('+json') || type === 'text/json';
}

export function isFormMediaType(type: string): boolean {
  return type === 'application/x-www-form-urlencoded';
}

/** Media types whose bodies are text even without a charset parameter. */
export function isTextualMediaType(type: string): boolean {
  return (
    type.startsWith('text/') ||
    isJsonMediaType(type) ||
    isFormMediaType(type) ||
    type.endsWith('+xml') ||
    type === 'application/xml' ||
    type === 'application/javascript' ||
    type === 'application/graphql' ||
    type === 'application/x-ndjson'
  );
}

/** Content codings tapedeck can remove, so the body can be redacted and scanned. */
export const DECODABLE_CODINGS: ReadonlySet<string> = new Set([
  'identity',
  'gzip',
  'x-gzip',
  'deflate',
  'br',
]);

/** A content-encoding that tapedeck cannot remove: such a body cannot be checked for secrets. */
export function hasOpaqueCoding(headers: HeaderMap): boolean {
  const raw = combinedHeaderValue(headers, 'content-encoding');
  if (raw === undefined) return false;
  return raw.split(',').some((token) => {
    const coding = token.trim().toLowerCase();
    return coding !== '' && !DECODABLE_CODINGS.has(coding);
  });
}

/**
 * An Accept-Encoding that offers only codings tapedeck can remove, in the client's order and
 * with its weights, so the API answers with a body that can be redacted; `identity` when none.
 */
export function decodableAcceptEncoding(value: string): string {
  const kept = value
    .split(',')
    .map((part) => part.trim())
    .filter((part) => {
      const coding = part.split(';')[0]!.trim().toLowerCase();
      return coding !== '' && DECODABLE_CODINGS.has(coding);
    });
  return kept.length === 0 ? 'identity' : kept.join(', ');
}
