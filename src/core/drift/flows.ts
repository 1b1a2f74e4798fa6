/**
 * How `tapedeck drift` turns a recorded request back into one it can send: flows (values an
 * earlier live answer created, carried into later requests of the same cassette), credentials
 * (pseudonyms replaced by real values from the environment at send time) and the checks that
 * decide whether a step depends on an earlier one. Pure functions over the cassette model.
 */
import {
  appendValue,
  valuesOf,
  type Body,
  type HeaderMap,
  type QueryMap,
  type RecordedRequest,
} from '../cassette/model.js';
import {
  getOwn,
  isJsonObject,
  jsonPointer,
  setOwn,
  type JsonPrimitive,
  type JsonValue,
} from '../json.js';
import { upstreamHeaders, type ForwardedHeaders } from '../http/forwarded.js';
import { decodePercent } from '../http/percent.js';
import { isSecretName } from '../redaction/detectors.js';
import { CREDENTIAL_HEADERS } from '../redaction/headers.js';
import { containsPseudonym } from '../redaction/pseudonym.js';

/** Methods drift re-sends without being told: they change nothing on the server. */
export const SAFE_METHODS: ReadonlySet<string> = new Set(['GET', 'HEAD', 'OPTIONS']);

/** Methods a client may repeat (RFC 9110 §9.2.2): the only ones drift retries. */
export const IDEMPOTENT_METHODS: ReadonlySet<string> = new Set([
  'GET',
  'HEAD',
  'OPTIONS',
  'PUT',
  'DELETE',
]);

/**
 * Is a scalar distinctive enough to stand for a value one step created and a later step used?
 * Ids and tokens are: strings of 4+ characters with a digit in them, or of 12+ characters, and
 * numbers of 3+ digits. "active", "USD" or `1` are not: they occur everywhere by chance.
 */
export function distinctive(value: JsonPrimitive): boolean {
  if (typeof value === 'number') return Number.isInteger(value) && Math.abs(value) >= 100;
  if (typeof value !== 'string') return false;
  return value.length >= 12 || (value.length >= 4 && /\d/.test(value));
}

/** Every scalar of a JSON value, by JSON pointer. */
export function scalarsOf(root: JsonValue): Map<string, JsonPrimitive> {
  const out = new Map<string, JsonPrimitive>();
  const walk = (node: JsonValue, path: (string | number)[]) => {
    if (Array.isArray(node)) node.forEach((child, i) => walk(child, [...path, i]));
    else if (isJsonObject(node)) for (const [k, v] of Object.entries(node)) walk(v, [...path, k]);
    else out.set(jsonPointer(path), node);
  };
  walk(root, []);
  return out;
}

function jsonOf(body: Body | undefined): JsonValue | undefined {
  return body?.encoding === 'json' ? body.json : undefined;
}

/** One carried value: what a later request sends, and what a re-recorded cassette keeps. */
export interface Carried {
  /** The raw live value: memory only, sent upstream, never reported. */
  readonly send: JsonPrimitive;
  /** The same value after redaction, for `--update`. */
  readonly record: JsonPrimitive;
}

/**
 * Values carried through one cassette, keyed by the recorded value they replace (as text).
 * Lives as long as the cassette's run; holds raw live values, so it is never logged or shown.
 */
export class FlowValues {
  private readonly values = new Map<string, Carried>();

  get size(): number {
    return this.values.size;
  }

  /**
   * After a live answer: scalars at the same pointer that differ between the recorded body and
   * the live one (an id the server created) are carried into later requests.
   */
  learn(recorded: Body | undefined, liveRaw: Body | undefined, liveRedacted: Body | undefined) {
    const r = jsonOf(recorded);
    const raw = jsonOf(liveRaw);
    if (r === undefined || raw === undefined) return;
    const liveScalars = scalarsOf(raw);
    const redactedRoot = jsonOf(liveRedacted);
    const redactedScalars = redactedRoot === undefined ? undefined : scalarsOf(redactedRoot);
    for (const [pointer, value] of scalarsOf(r)) {
      if (!distinctive(value) || !liveScalars.has(pointer)) continue;
      const live = liveScalars.get(pointer)!;
      // Same type only: a number that became a string is drift, not a new id.
      if (live === value || typeof live !== typeof value) continue;
      this.values.set(String(value), {
        send: live,
        record: redactedScalars?.get(pointer) ?? live,
      });
    }
  }

  /** Pointers of a recorded body whose values are carried (they differ live by design). */
  carriedPointers(recorded: Body | undefined): string[] {
    const json = jsonOf(recorded);
    if (json === undefined || this.values.size === 0) return [];
    const out: string[] = [];
    for (const [pointer, value] of scalarsOf(json))
      if (value !== null && this.values.has(String(value))) out.push(pointer);
    return out;
  }

  /** The value to use instead of a recorded one, if it was carried. */
  get(recorded: string): Carried | undefined {
    return this.values.get(recorded);
  }

  /** The recorded request with carried values substituted (`send` or `record` side). */
  apply(request: RecordedRequest, side: keyof Carried): RecordedRequest {
    if (this.values.size === 0) return request;
    const text = (v: string): string => {
      const hit = this.values.get(v);
      return hit === undefined ? v : String(hit[side]);
    };
    const path = request.path
      .split('/')
      .map((segment) => {
        const decoded = decodePercent(segment);
        const hit = this.values.get(decoded);
        return hit === undefined ? segment : encodeURIComponent(String(hit[side]));
      })
      .join('/');
    const query: QueryMap = {};
    for (const [name, value] of Object.entries(request.query))
      for (const v of valuesOf(value)) appendValue(query, name, text(v));
    const headers: HeaderMap = {};
    for (const [name, value] of Object.entries(request.headers))
      for (const v of valuesOf(value)) appendValue(headers, name, this.inHeader(v, side));
    const body = this.inBody(request.body, side);
    return { ...request, path, query, headers, ...(body === undefined ? {} : { body }) };
  }

  /** A header value equal to a carried value, or holding one (a bearer token) when it is long. */
  private inHeader(value: string, side: keyof Carried): string {
    const exact = this.values.get(value);
    if (exact !== undefined) return String(exact[side]);
    let out = value;
    for (const [recorded, carried] of this.values) {
      if (recorded.length >= 8 && out.includes(recorded))
        out = out.split(recorded).join(String(carried[side]));
    }
    return out;
  }

  private inBody(body: Body | undefined, side: keyof Carried): Body | undefined {
    if (body === undefined) return undefined;
    if (body.encoding === 'json') {
      const map = (node: JsonValue): JsonValue => {
        if (Array.isArray(node)) return node.map(map);
        if (isJsonObject(node)) {
          const out: Record<string, JsonValue> = {};
          // A recorded `__proto__` key is data: assigned, it would set the copy's prototype.
          for (const [k, v] of Object.entries(node)) setOwn(out, k, map(v));
          return out;
        }
        if (node === null || typeof node === 'boolean') return node;
        const hit = this.values.get(String(node));
        return hit === undefined ? node : hit[side];
      };
      return { ...body, json: map(body.json) };
    }
    if (body.encoding === 'text') {
      let text = body.text;
      for (const [recorded, carried] of this.values) {
        if (recorded.length >= 8 && text.includes(recorded))
          text = text.split(recorded).join(String(carried[side]));
      }
      return { ...body, text };
    }
    return body;
  }
}

/**
 * The distinctive values a recorded answer introduced: scalars of its JSON body that neither its
 * own request nor any earlier step of the cassette (`earlier`: their requests and answers)
 * already carried. A later request holding one of them depends on this step.
 */
export function producedValues(
  request: RecordedRequest,
  responseBody: Body | undefined,
  earlier: readonly {
    readonly request: RecordedRequest;
    readonly response: { readonly body?: Body };
  }[] = [],
) {
  const out = new Set<string>();
  const json = jsonOf(responseBody);
  if (json === undefined) return out;
  for (const value of scalarsOf(json).values()) {
    if (!distinctive(value)) continue;
    const text = String(value);
    if (!requestHolds(request, new Set([text]))) out.add(text);
  }
  for (const step of earlier) {
    if (out.size === 0) break;
    const seen = jsonOf(step.response.body);
    if (seen !== undefined)
      for (const value of scalarsOf(seen).values()) if (value !== null) out.delete(String(value));
    for (const value of [...out])
      if (requestHolds(step.request, new Set([value]))) out.delete(value);
  }
  return out;
}

/** Does the request use one of `values` (path segment, query value, header, JSON body scalar)? */
export function requestHolds(request: RecordedRequest, values: ReadonlySet<string>): boolean {
  if (values.size === 0) return false;
  for (const segment of request.path.split('/'))
    if (values.has(decodePercent(segment))) return true;
  for (const value of Object.values(request.query))
    for (const v of valuesOf(value)) if (values.has(v)) return true;
  for (const value of Object.values(request.headers)) {
    for (const v of valuesOf(value)) {
      if (values.has(v)) return true;
      for (const needle of values) if (needle.length >= 8 && v.includes(needle)) return true;
    }
  }
  const json = jsonOf(request.body);
  if (json !== undefined) {
    for (const value of scalarsOf(json).values())
      if (value !== null && values.has(String(value))) return true;
  } else if (request.body?.encoding === 'text') {
    const text = request.body.text;
    for (const needle of values) if (needle.length >= 8 && text.includes(needle)) return true;
  }
  return false;
}

/** Credentials to send live: request header name -> the real value (from the environment). */
export type LiveCredentials = ReadonlyMap<string, string>;

/**
 * The header value to send for a configured credential. A bare token in the environment keeps
 * the recorded scheme (`Bearer <pseudonym>` becomes `Bearer <real token>`).
 */
export function credentialValue(recorded: string | undefined, real: string): string {
  if (recorded === undefined || /\s/.test(real.trim())) return real;
  const m = /^([A-Za-z][A-Za-z0-9._~+-]*)\s+\S/.exec(recorded);
  return m === null ? real : `${m[1]} ${real}`;
}

export interface SendableHeaders {
  readonly headers: [string, string][];
  /** Header names dropped because they held only a pseudonym or the mask, with no credential configured. */
  readonly dropped: string[];
  /**
   * Credential headers (`isCredentialHeader`) sent with a real value: a configured
   * `drift.credentials` one, or a value a flow carried from an earlier live answer.
   */
  readonly credentialsSent: string[];
}

/**
 * A header the redaction treats as a credential (replaced whole, pseudonymized): the built-in
 * credential set (`authorization`, `cookie`, `x-api-key`, …) and secret-looking names.
 */
export function isCredentialHeader(name: string): boolean {
  return CREDENTIAL_HEADERS.has(name) || isSecretName(name);
}

/** A credential and, for `Scheme token`, the token alone: each must be trackable. */
export function credentialParts(value: string): string[] {
  const bare = /^\S+\s+(\S+)$/.exec(value.trim())?.[1];
  return bare === undefined ? [value.trim()] : [value.trim(), bare];
}

/**
 * The headers to send: the recorded ones with configured credentials in place of their
 * pseudonyms, and no header that still holds a placeholder (a pseudonym is never sent as if it
 * were a real credential), then through `upstreamHeaders`, the one rule `record` uses too: what
 * drift sends is what the recorder sent (same dropped names, same `accept-encoding`, the same
 * fixed `upstream.forwardedHeaders`), so an API that echoes its request does not drift.
 */
export function sendableHeaders(
  headers: HeaderMap,
  credentials: LiveCredentials,
  carriedHeaders: ReadonlySet<string>,
  forwarded: ForwardedHeaders = {},
): SendableHeaders {
  const prepared: HeaderMap = {};
  const dropped: string[] = [];
  const withCredential = new Set<string>();
  for (const [name, value] of Object.entries(headers)) {
    const real = credentials.get(name);
    if (real !== undefined && !carriedHeaders.has(name)) {
      appendValue(prepared, name, credentialValue(valuesOf(value)[0], real));
      withCredential.add(name);
      continue;
    }
    if (carriedHeaders.has(name) && isCredentialHeader(name)) withCredential.add(name);
    for (const v of valuesOf(value)) {
      if (!carriedHeaders.has(name) && containsPseudonym(v)) {
        if (!dropped.includes(name)) dropped.push(name);
        continue;
      }
      appendValue(prepared, name, v);
    }
  }
  for (const [name, real] of credentials) {
    if (getOwn(headers, name) !== undefined) continue;
    appendValue(prepared, name, real);
    withCredential.add(name);
  }
  const sent = upstreamHeaders(prepared, forwarded);
  const credentialsSent = [...withCredential].filter((n) => sent.some(([name]) => name === n));
  return { headers: sent, dropped, credentialsSent };
}

/**
 * The headers actually sent, as a cassette's header map (a repeated name keeps every value, in
 * order). Through `appendValue`, whose own-property check keeps a header named `constructor`
 * or `toString` an ordinary name: reading `map[name]` would find `Object.prototype`'s member.
 */
export function headerMapOf(pairs: readonly (readonly [string, string])[]): HeaderMap {
  const out: HeaderMap = {};
  for (const [name, value] of pairs) appendValue(out, name, value);
  return out;
}

/** Names of headers whose value changed when carried values were applied. */
export function changedHeaders(before: HeaderMap, after: HeaderMap): Set<string> {
  const out = new Set<string>();
  for (const name of Object.keys(after)) {
    const a = valuesOf(getOwn(before, name)).join('\u0000');
    const b = valuesOf(getOwn(after, name)).join('\u0000');
    if (a !== b) out.add(name);
  }
  return out;
}
