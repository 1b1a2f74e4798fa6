import { canonicalJson, mapJsonStrings, type JsonValue } from '../json.js';
import { removeJsonPaths } from '../jsonpath.js';
import {
  valuesOf,
  type Body,
  type HeaderMap,
  type QueryMap,
  type RecordedRequest,
} from '../cassette/model.js';
import { firstHeaderValue, isFormMediaType, isJsonMediaType, mediaType } from '../http/index.js';
import { containsPseudonym, PSEUDONYM_PATTERN } from '../redaction/pseudonym.js';
import type { MatchConfig } from './config.js';

/**
 * A request reduced to what matching compares, one normalized string per dimension. Two
 * requests match exactly when every dimension is equal, which is when their `key`s are equal:
 * the index and the near-miss explanation share these normalizers, so they cannot disagree.
 */
export interface NormalizedRequest {
  readonly method: string;
  readonly path: string;
  /** Sorted `name=value` pairs (percent-encoded), ignored parameters removed. */
  readonly query: readonly (readonly [string, string])[];
  /** Matched headers only, by name; absent headers are left out. */
  readonly headers: readonly (readonly [string, string])[];
  readonly body: NormalizedBody;
  readonly key: string;
}

export type NormalizedBody =
  | { readonly kind: 'none' }
  | { readonly kind: 'json'; readonly value: JsonValue; readonly canonical: string }
  | {
      readonly kind: 'form';
      readonly pairs: readonly (readonly [string, string])[];
      readonly canonical: string;
    }
  | { readonly kind: 'text'; readonly canonical: string }
  | { readonly kind: 'binary'; readonly canonical: string };

/** What every redacted value (pseudonym or mask) compares as. */
export const REDACTED_PLACEHOLDER = '<redacted>';

/**
 * Redacted values never decide a match: a recording made under one pseudonymization key must
 * match a request redacted under another (a partner replaying cassettes has no key), and a
 * secret should not pick the answer anyway. So pseudonyms and the mask compare as one
 * placeholder, on both sides, in every dimension.
 */
export function collapseRedacted(value: string): string {
  return containsPseudonym(value) ? value.replace(PSEUDONYM_PATTERN, REDACTED_PLACEHOLDER) : value;
}

export function normalizeMethod(method: string): string {
  return method.toUpperCase();
}

const UNRESERVED = /[A-Za-z0-9\-._~]/;

/**
 * Percent-encoding is normalized (RFC 3986 §6.2.2): escapes of unreserved characters are
 * decoded and the rest upper-cased, so `/a%7Eb` and `/a~b` match. Nothing else changes:
 * `/users` and `/users/` stay different, as they may be to the API.
 */
export function normalizePath(path: string): string {
  if (!path.includes('%')) return collapseRedacted(path);
  const normalized = path.replace(/%([0-9A-Fa-f]{2})/g, (_, hex: string) => {
    const char = String.fromCharCode(parseInt(hex, 16));
    return UNRESERVED.test(char) ? char : `%${hex.toUpperCase()}`;
  });
  // An email pseudonym in a path is percent-encoded (`%40`); compare it decoded.
  return normalized.includes('%40example.com')
    ? collapseRedacted(normalized.replace(/%40example\.com/g, '@example.com'))
    : collapseRedacted(normalized);
}

function comparePairs(a: readonly [string, string], b: readonly [string, string]): number {
  return a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : a[1] < b[1] ? -1 : a[1] > b[1] ? 1 : 0;
}

/** Query parameters as sorted pairs: order on the wire never matters. */
export function normalizeQuery(query: QueryMap, config: MatchConfig): [string, string][] {
  const pairs: [string, string][] = [];
  for (const [name, value] of Object.entries(query)) {
    if (config.ignoreQuery.has(name)) continue;
    for (const v of valuesOf(value)) pairs.push([name, collapseRedacted(v)]);
  }
  return pairs.sort(comparePairs);
}

export function normalizeHeaders(headers: HeaderMap, config: MatchConfig): [string, string][] {
  const pairs: [string, string][] = [];
  for (const name of config.headers) {
    const values = valuesOf(headers[name]);
    if (values.length > 0)
      pairs.push([name, collapseRedacted(values.map((v) => v.trim()).join(', '))]);
  }
  return pairs;
}

/** A text body that is JSON by media type or by its first character, parsed; else undefined. */
function parseJsonText(text: string, headers: HeaderMap): JsonValue | undefined {
  const first = text.trimStart()[0];
  if (
    !isJsonMediaType(mediaType(firstHeaderValue(headers, 'content-type'))) &&
    first !== '{' &&
    first !== '['
  )
    return undefined;
  try {
    return JSON.parse(text) as JsonValue;
  } catch {
    return undefined;
  }
}

/** JSON compared canonically (key order and whitespace never matter), forms as sorted pairs. */
export function normalizeBody(
  body: Body | undefined,
  headers: HeaderMap,
  config: MatchConfig,
): NormalizedBody {
  if (body === undefined) return { kind: 'none' };
  switch (body.encoding) {
    case 'json': {
      let value = removeJsonPaths(body.json, config.ignoreBodyPaths);
      let canonical = canonicalJson(value);
      if (containsPseudonym(canonical)) {
        value = mapJsonStrings(value, collapseRedacted);
        canonical = canonicalJson(value);
      }
      return { kind: 'json', value, canonical };
    }
    case 'text': {
      if (body.text === '') return { kind: 'none' };
      if (isFormMediaType(mediaType(firstHeaderValue(headers, 'content-type')))) {
        const pairs = [...new URLSearchParams(body.text)]
          .map(([n, v]): [string, string] => [n, collapseRedacted(v)])
          .sort(comparePairs);
        return { kind: 'form', pairs, canonical: new URLSearchParams(pairs).toString() };
      }
      // JSON the codec kept as text (other indent or spacing) still compares as JSON.
      const json = parseJsonText(body.text, headers);
      if (json !== undefined) return normalizeBody({ encoding: 'json', json }, headers, config);
      return { kind: 'text', canonical: collapseRedacted(body.text) };
    }
    case 'base64':
      return body.base64 === '' ? { kind: 'none' } : { kind: 'binary', canonical: body.base64 };
  }
}

function encodePairs(pairs: readonly (readonly [string, string])[]): string {
  return pairs.map(([n, v]) => `${encodeURIComponent(n)}=${encodeURIComponent(v)}`).join('&');
}

export function normalizeRequest(request: RecordedRequest, config: MatchConfig): NormalizedRequest {
  const method = normalizeMethod(request.method);
  const path = normalizePath(request.path);
  const query = normalizeQuery(request.query, config);
  const headers = normalizeHeaders(request.headers, config);
  const body = normalizeBody(request.body, request.headers, config);
  const bodyKey = body.kind === 'none' ? '' : `${body.kind}:${body.canonical}`;
  const key = `${method} ${path}?${encodePairs(query)}\n${encodePairs(headers)}\n${bodyKey}`;
  return { method, path, query, headers, body, key };
}

/** The request line as a person reads it: `GET /v1/orders?limit=10`. */
export function requestLine(n: Pick<NormalizedRequest, 'method' | 'path' | 'query'>): string {
  const q = encodePairs(n.query);
  return `${n.method} ${n.path}${q === '' ? '' : `?${q}`}`;
}

/**
 * The index key of a bodyless request straight from its raw path and query, or undefined when
 * the request needs the full treatment. It answers only when the full pipeline (convert, redact,
 * normalize) provably yields the same key: no matched headers, nothing redaction could change
 * (`clean` says so for the path and each query pair), no percent-escapes or `+` to decode, no
 * pseudonym to collapse. A property test holds the two paths to the same answer.
 */
export function fastKey(
  method: string,
  path: string,
  rawQuery: string,
  config: MatchConfig,
  clean: (text: string, name?: string) => boolean,
): string | undefined {
  if (config.headers.length > 0 || path.includes('%') || !clean(path) || containsPseudonym(path))
    return undefined;
  const pairs: [string, string][] = [];
  if (rawQuery !== '') {
    if (rawQuery.includes('%') || rawQuery.includes('+')) return undefined;
    for (const part of rawQuery.split('&')) {
      if (part === '') continue;
      const eq = part.indexOf('=');
      const name = eq === -1 ? part : part.slice(0, eq);
      const value = eq === -1 ? '' : part.slice(eq + 1);
      if (!clean(name) || !clean(value, name) || containsPseudonym(value)) return undefined;
      if (!config.ignoreQuery.has(name)) pairs.push([name, value]);
    }
    pairs.sort(comparePairs);
  }
  return `${normalizeMethod(method)} ${path}?${encodePairs(pairs)}\n\n`;
}
