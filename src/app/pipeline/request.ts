import type { HeaderMap, RecordedRequest } from '../../core/cassette/model.js';
import { checkCassetteName } from '../../core/cassette/name.js';
import {
  HEADER_CASSETTE,
  HEADER_SESSION,
  firstHeaderValue,
  parseQuery,
  stripHopByHop,
} from '../../core/http/index.js';
import type { BodyCodec, IncomingRequest } from '../../core/ports/index.js';
import { isTapedeckError, TapedeckError } from '../../core/errors.js';

/**
 * Request headers that describe the hop to tapedeck rather than the API call, so they are neither
 * recorded nor matched: `host` is tapedeck's own address, `content-length` is derived from the
 * body, `expect` is a transport handshake.
 */
const NOT_RECORDED = new Set(['host', 'content-length', 'expect']);

export function recordableHeaders(headers: HeaderMap): HeaderMap {
  return stripHopByHop(headers, NOT_RECORDED);
}

/** The incoming request in the cassette model (body decoded), before redaction. */
export function toRecordedRequest(incoming: IncomingRequest, codec: BodyCodec): RecordedRequest {
  let body;
  try {
    body =
      incoming.rawBody === undefined ? undefined : codec.decode(incoming.rawBody, incoming.headers);
  } catch (error) {
    // Decoded past maxBodyBytes: 413, as a body over the limit on the wire is.
    if (isTapedeckError(error, 'TD_BODY_TOO_LARGE')) throw error;
    throw new TapedeckError(
      'TD_BAD_REQUEST',
      'The request body does not match its Content-Encoding.',
      { cause: error },
    );
  }
  return {
    method: incoming.method.toUpperCase(),
    path: incoming.path,
    query: parseQuery(incoming.rawQuery),
    headers: recordableHeaders(incoming.headers),
    ...(body === undefined ? {} : { body }),
  };
}

/** The session named by `x-tapedeck-session`, or "" for the default session. */
export function sessionOf(incoming: IncomingRequest): string {
  return firstHeaderValue(incoming.headers, HEADER_SESSION)?.trim() ?? '';
}

/** The cassette named by `x-tapedeck-cassette`, checked so it cannot escape the cassettes directory. */
export function cassetteOf(incoming: IncomingRequest): string | undefined {
  const raw = firstHeaderValue(incoming.headers, HEADER_CASSETTE)?.trim();
  return raw === undefined || raw === ''
    ? undefined
    : checkCassetteName(raw, 'x-tapedeck-cassette header');
}
