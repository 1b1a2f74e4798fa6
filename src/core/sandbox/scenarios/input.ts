/**
 * What the triggers of the catalogue read from a request, built once per request by the
 * scenario layer: the body parsed (JSON, or a form body in bracket notation as nested objects,
 * by the state layer's own reader, so `payment_method_data[card][number]` is read the same way
 * both layers read it), the query and the headers. Never throws: a body that cannot be decoded
 * or parsed triggers nothing (the layers after it refuse it in the API's own words).
 */
import type { Body, HeaderMap } from '../../cassette/model.js';
import type { IncomingRequest } from '../../http/reply.js';
import { mediaType, parseQuery } from '../../http/index.js';
import type { JsonValue } from '../../json.js';
import { readBody } from '../state/body.js';
import type { TriggerInput } from './types.js';

function firstHeader(headers: HeaderMap, name: string): string | undefined {
  const value = Object.hasOwn(headers, name) ? headers[name] : undefined;
  return typeof value === 'string' ? value : value?.[0];
}

function parsedBody(
  incoming: IncomingRequest,
  decode: (raw: Uint8Array, headers: HeaderMap) => Body | undefined,
): JsonValue | undefined {
  if (incoming.rawBody === undefined || incoming.rawBody.length === 0) return undefined;
  try {
    const body = decode(incoming.rawBody, incoming.headers);
    const read = readBody(body, mediaType(firstHeader(incoming.headers, 'content-type')));
    return read.ok ? read.value : undefined;
  } catch {
    // Too large, a bad content-encoding, a form the reader refuses: no value trigger can hold.
    return undefined;
  }
}

export function triggerInput(
  incoming: IncomingRequest,
  operations: readonly string[],
  decode: (raw: Uint8Array, headers: HeaderMap) => Body | undefined,
): TriggerInput {
  return {
    operations,
    body: parsedBody(incoming, decode),
    query: parseQuery(incoming.rawQuery),
    headers: incoming.headers,
  };
}
