/**
 * Idempotency keys of the sandbox, the pure part (docs/sandbox.md, "Idempotency"): reading the
 * key from its header, the fingerprint of a request, and the stored form of an answer replayed
 * byte for byte. Hashing (SHA-256) happens in app/layers/idempotency.ts.
 */
import type { Body, HeaderMap } from '../cassette/model.js';
import { mediaType, parseQuery } from '../http/index.js';
import type { Reply } from '../http/reply.js';
import { canonicalJson } from '../json.js';
import { valuesOf } from '../cassette/model.js';
import type { BodyCodec } from '../ports/codec.js';
import type { IdempotentResponse } from '../ports/idempotency.js';

/** What the idempotency header of a request holds. */
export type KeyRead =
  | { readonly kind: 'absent' }
  | { readonly kind: 'key'; readonly key: string }
  | { readonly kind: 'invalid'; readonly reason: 'empty' | 'too-long' | 'malformed' | 'repeated' };

/**
 * The key of `header` in `headers`: a bare token, or an RFC 8941 sf-string (`"…"`, with `\"`
 * and `\\` escapes) read unquoted. Empty, longer than `maxLength`, holding control characters,
 * or sent twice with different values: invalid (never stored).
 */
export function readIdempotencyKey(headers: HeaderMap, header: string, maxLength: number): KeyRead {
  const raw = headers[header];
  if (raw === undefined || typeof raw === 'function') return { kind: 'absent' };
  const values = valuesOf(raw);
  if (values.length === 0) return { kind: 'absent' };
  if (values.some((v) => v !== values[0])) return { kind: 'invalid', reason: 'repeated' };
  const value = values[0]!.trim();
  let key: string | undefined = value;
  if (value.startsWith('"')) {
    key = unquoteSfString(value);
    if (key === undefined) return { kind: 'invalid', reason: 'malformed' };
  }
  if (key === '') return { kind: 'invalid', reason: 'empty' };
  if (key.length > maxLength) return { kind: 'invalid', reason: 'too-long' };
  // Visible ASCII and spaces only (what RFC 8941 strings allow, and what a bare header carries).
  if (!/^[\x20-\x7e]+$/.test(key)) return { kind: 'invalid', reason: 'malformed' };
  return { kind: 'key', key };
}

/** An sf-string's content, or undefined when it is not one. */
function unquoteSfString(text: string): string | undefined {
  if (text.length < 2 || !text.endsWith('"')) return undefined;
  let out = '';
  for (let i = 1; i < text.length - 1; i++) {
    const c = text[i]!;
    if (c === '\\') {
      const next = text[i + 1];
      if ((next !== '"' && next !== '\\') || i + 1 >= text.length - 1) return undefined;
      out += next;
      i++;
    } else if (c === '"') return undefined;
    else out += c;
  }
  return out;
}

/** Keys shown in error messages: safe characters only (and nothing a redactor finds). */
const NAMEABLE_KEY = /^[A-Za-z0-9_.:-]{1,255}$/;

/** How an error message names the key: itself when harmless, else "this key". */
export function keyForMessage(key: string, clean: (text: string) => boolean): string {
  return NAMEABLE_KEY.test(key) && clean(key) ? key : 'this key';
}

/**
 * The canonical form of a request body for the fingerprint: JSON with keys sorted at every
 * depth, a form body as its `name=value` pairs sorted (names then values, decoded), text as is,
 * anything else as its base64. Two bodies with the same meaning but another key or field order
 * have one canonical form.
 */
export function canonicalBody(body: Body | undefined, contentType: string | undefined): string {
  if (body === undefined) return '';
  switch (body.encoding) {
    case 'json':
      return canonicalJson(body.json);
    case 'text':
      return mediaType(contentType) === 'application/x-www-form-urlencoded'
        ? canonicalForm(body.text)
        : body.text;
    case 'base64':
      return body.base64;
  }
}

function canonicalForm(text: string): string {
  const query = parseQuery(text);
  const pairs: [string, string][] = [];
  for (const name of Object.keys(query)) {
    for (const value of valuesOf(query[name])) pairs.push([name, value]);
  }
  pairs.sort((a, b) => compare(a[0], b[0]) || compare(a[1], b[1]));
  // JSON strings keep names and values apart whatever they hold (`=`, `&`, newlines).
  return pairs.map(([name, value]) => `${JSON.stringify(name)}=${JSON.stringify(value)}`).join('&');
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * What the fingerprint hashes: `METHOD \n redacted path \n canonical body`. The path is the
 * redacted one, so a secret in it never reaches the store, even hashed together with the rest.
 */
export function fingerprintText(method: string, redactedPath: string, body: string): string {
  return `${method.toUpperCase()}\n${redactedPath}\n${body}`;
}

/** The endpoint a key is bound to, as stored: `POST /v1/customers`. */
export function endpointOf(method: string, redactedPath: string): string {
  return `${method.toUpperCase()} ${redactedPath}`;
}

/** Headers never stored with an answer: the layer tag is set again on replay, the length by the server. */
const NOT_STORED = new Set(['content-length', 'x-tapedeck-layer', 'transfer-encoding']);

/**
 * The stored form of an answer: status, headers and the identity bytes of the body. A recorded
 * answer keeps its response headers and tapedeck's extra headers, minus the length, the layer
 * tag and (since the codec's bytes carry none) its content-encoding. A stream is not stored
 * (no layer of the sandbox answers with one): undefined.
 */
export function serializeReply(reply: Reply, codec: BodyCodec): IdempotentResponse | undefined {
  switch (reply.kind) {
    case 'simple':
      return {
        status: reply.status,
        headers: reply.headers
          .filter(([name]) => !NOT_STORED.has(name.toLowerCase()))
          .map(([n, v]) => [n, v] as const),
        body: new TextEncoder().encode(reply.body),
      };
    case 'recorded': {
      const headers: (readonly [string, string])[] = [];
      const recorded = reply.response.headers;
      for (const name of Object.keys(recorded)) {
        const lower = name.toLowerCase();
        if (NOT_STORED.has(lower) || lower === 'content-encoding') continue;
        for (const value of valuesOf(recorded[name])) headers.push([name, value]);
      }
      for (const [name, value] of reply.extraHeaders) {
        if (!NOT_STORED.has(name.toLowerCase())) headers.push([name, value]);
      }
      return { status: reply.response.status, headers, body: codec.encode(reply.response.body) };
    }
    case 'stream':
    case 'fault': // never stored: faults are shaped after the answer was stored
      return undefined;
  }
}

/**
 * The reply of a stored answer, byte for byte, with `replayedHeader: true` and
 * `x-tapedeck-layer: idempotency`. The body goes back as the codec reads it when that reads
 * back to the very same bytes (compact JSON does), else as base64 (always exact).
 */
export function replayStored(
  stored: IdempotentResponse,
  codec: BodyCodec,
  replayedHeader: string,
): Reply {
  const headers: HeaderMap = {};
  for (const [name, value] of stored.headers) {
    const lower = name.toLowerCase();
    if (lower === replayedHeader) continue;
    const had = headers[lower];
    headers[lower] = had === undefined ? value : [...valuesOf(had), value];
  }
  let body: Body | undefined;
  if (stored.body.byteLength > 0) {
    const decoded = codec.decode(stored.body, headers);
    body =
      decoded !== undefined && sameBytes(codec.encode(decoded), stored.body)
        ? decoded
        : { encoding: 'base64', base64: toBase64(stored.body) };
  }
  return {
    kind: 'recorded',
    response: { status: stored.status, headers, ...(body === undefined ? {} : { body }) },
    extraHeaders: [
      [replayedHeader, 'true'],
      ['x-tapedeck-layer', 'idempotency'],
    ],
    delayMs: 0,
  };
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.byteLength !== b.byteLength) return false;
  for (let i = 0; i < a.byteLength; i++) if (a[i] !== b[i]) return false;
  return true;
}

const BASE64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';

/** Standard base64 with padding (core has no Buffer). */
export function toBase64(bytes: Uint8Array): string {
  let out = '';
  let i = 0;
  for (; i + 2 < bytes.length; i += 3) {
    const n = (bytes[i]! << 16) | (bytes[i + 1]! << 8) | bytes[i + 2]!;
    out +=
      BASE64[(n >> 18) & 63]! + BASE64[(n >> 12) & 63]! + BASE64[(n >> 6) & 63]! + BASE64[n & 63]!;
  }
  const rest = bytes.length - i;
  if (rest === 1) {
    const n = bytes[i]! << 16;
    out += `${BASE64[(n >> 18) & 63]!}${BASE64[(n >> 12) & 63]!}==`;
  } else if (rest === 2) {
    const n = (bytes[i]! << 16) | (bytes[i + 1]! << 8);
    out += `${BASE64[(n >> 18) & 63]!}${BASE64[(n >> 12) & 63]!}${BASE64[(n >> 6) & 63]!}=`;
  }
  return out;
}
