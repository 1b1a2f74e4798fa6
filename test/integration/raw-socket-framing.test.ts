/**
 * Message framing through raw sockets (RFC 9112), on record, replay and mock alike: each case
 * is the bytes sent and what the front door must do with them: refuse with a status and a
 * reason (one answer, connection closed, nothing reaching an upstream, nothing echoed), or let
 * the request through to the pipeline, which answers it as it would any well-formed request.
 * Each server is started by its real composition for every case.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { runCleanups } from '../helpers/cleanup.js';
import { openRaw, rawRequest, type RawResult } from '../helpers/raw-socket.js';
import {
  expectRefusal,
  frontDoorReason,
  SERVER_KINDS,
  startTarget,
  type FrontDoorTarget,
} from './raw-socket-servers.js';

afterEach(runCleanups);

/** Marks every request: no answer may carry it back (error bodies never echo client input). */
const MARK = 'zq7MARKzq7';

/** A request head from its lines (CRLF, then the blank line), then the body. */
const http = (lines: readonly string[], body = ''): string =>
  `${lines.join('\r\n')}\r\n\r\n${body}`;

/** POST /pets with these header lines and body. */
const post = (headers: readonly string[], body: string): string =>
  http(['POST /pets HTTP/1.1', 'Host: t', `X-Mark: ${MARK}`, ...headers], body);

/** GET /pets with these header lines. */
const get = (headers: readonly string[]): string =>
  http(['GET /pets HTTP/1.1', 'Host: t', `X-Mark: ${MARK}`, ...headers]);

type Outcome =
  /** The front door answers `status` naming `reason` (or one of them, see `either`). */
  | { readonly refuse: number; readonly reason: string | readonly string[] }
  /** The pipeline answers; record's upstream sees this method, path and body. */
  | { readonly served: { method: string; url: string; body?: string } }
  /** The front door answers `status` itself, not as a refusal (`OPTIONS *`). */
  | { readonly answers: number };

interface Case {
  readonly name: string;
  readonly bytes: string;
  readonly outcome: Outcome;
}

const refuse = (status: number, reason: string | readonly string[]): Outcome => ({
  refuse: status,
  reason,
});

/**
 * Which llhttp error a malformed byte trips (so which reason the answer names) differs between
 * node versions for a few cases (a bare CR is "LF expected" in one, "invalid header value char"
 * in another); the status does not. Those cases accept either reason.
 */
const either = (...reasons: string[]): readonly string[] => reasons;
const served = (method: string, url: string, body?: string): Outcome => ({
  served: { method, url, ...(body === undefined ? {} : { body }) },
});

const CASES: readonly Case[] = [
  // --- Transfer-Encoding (issue 12, defect 5) ---
  {
    name: 'TE gzip, chunked: a coding tapedeck does not implement',
    bytes: post(['Transfer-Encoding: gzip, chunked'], '0\r\n\r\n'),
    outcome: refuse(501, 'transfer-coding-unsupported'),
  },
  {
    name: 'TE identity, chunked',
    bytes: post(['Transfer-Encoding: identity, chunked'], '3\r\nabc\r\n0\r\n\r\n'),
    outcome: refuse(501, 'transfer-coding-unsupported'),
  },
  {
    name: 'TE on two lines, x then chunked (TE.TE obfuscation)',
    bytes: post(['Transfer-Encoding: x', 'Transfer-Encoding: chunked'], '0\r\n\r\n'),
    outcome: refuse(501, 'transfer-coding-unsupported'),
  },
  {
    name: 'TE chunked on HTTP/1.0',
    bytes: http(
      ['POST /pets HTTP/1.0', 'Host: t', `X-Mark: ${MARK}`, 'Transfer-Encoding: chunked'],
      '3\r\nabc\r\n0\r\n\r\n',
    ),
    outcome: refuse(400, 'transfer-coding-http10'),
  },
  {
    name: 'TE chunked, chunked',
    bytes: post(['Transfer-Encoding: chunked, chunked'], '0\r\n\r\n'),
    outcome: refuse(400, 'transfer-coding-invalid'),
  },
  {
    name: 'TE chunked on two lines',
    bytes: post(['Transfer-Encoding: chunked', 'Transfer-Encoding: chunked'], '0\r\n\r\n'),
    outcome: refuse(400, 'transfer-coding-invalid'),
  },
  {
    name: 'TE gzip alone (chunked not final)',
    bytes: post(['Transfer-Encoding: gzip'], 'abc'),
    outcome: refuse(400, 'transfer-coding-invalid'),
  },
  {
    name: 'TE chunked, gzip',
    bytes: post(['Transfer-Encoding: chunked, gzip'], '0\r\n\r\n'),
    outcome: refuse(400, 'transfer-coding-invalid'),
  },
  {
    name: 'TE chunked then x on two lines (TE.TE)',
    bytes: post(['Transfer-Encoding: chunked', 'Transfer-Encoding: x'], '0\r\n\r\n'),
    outcome: refuse(400, 'transfer-coding-invalid'),
  },
  {
    name: 'TE xchunked (TE.TE)',
    bytes: post(['Transfer-Encoding: xchunked'], '0\r\n\r\n'),
    outcome: refuse(400, 'transfer-coding-invalid'),
  },
  {
    name: 'TE chunked with a parameter',
    bytes: post(['Transfer-Encoding: chunked;q=1'], '0\r\n\r\n'),
    outcome: refuse(400, 'transfer-coding-invalid'),
  },
  {
    name: 'TE empty',
    bytes: post(['Transfer-Encoding: '], ''),
    outcome: refuse(400, 'transfer-coding-invalid'),
  },
  {
    name: '"Transfer-Encoding : chunked", whitespace before the colon (TE.TE)',
    bytes: post(['Transfer-Encoding : chunked'], '0\r\n\r\n'),
    outcome: refuse(400, 'header-invalid'),
  },
  {
    name: 'TE with a vertical tab before chunked (TE.TE)',
    bytes: post(['Transfer-Encoding: \x0bchunked'], '0\r\n\r\n'),
    outcome: refuse(400, 'header-invalid'),
  },
  {
    name: 'TE folded onto the next line (TE.TE)',
    bytes: post(['Transfer-Encoding:', ' chunked'], '0\r\n\r\n'),
    outcome: refuse(400, either('header-invalid', 'malformed')),
  },
  {
    name: 'TE CHUNKED in upper case is chunked',
    bytes: post(['Transfer-Encoding: CHUNKED', 'Connection: close'], '3\r\nabc\r\n0\r\n\r\n'),
    outcome: served('POST', '/pets', 'abc'),
  },
  {
    name: 'TE with a tab and an empty list element is chunked',
    bytes: post(['Transfer-Encoding:\t, chunked', 'Connection: close'], '3\r\nabc\r\n0\r\n\r\n'),
    outcome: served('POST', '/pets', 'abc'),
  },
  // --- request smuggling classics ---
  {
    name: 'CL.TE: Content-Length then Transfer-Encoding',
    bytes: post(['Content-Length: 6', 'Transfer-Encoding: chunked'], '0\r\n\r\nG'),
    outcome: refuse(400, either('transfer-coding-invalid', 'content-length-invalid')),
  },
  {
    name: 'TE.CL: Transfer-Encoding then Content-Length',
    bytes: post(
      ['Transfer-Encoding: chunked', 'Content-Length: 3'],
      '8\r\nSMUGGLED\r\n0\r\n\r\nGET /pets HTTP/1.1\r\nHost: t\r\n\r\n',
    ),
    outcome: refuse(400, either('content-length-invalid', 'transfer-coding-invalid')),
  },
  {
    name: 'TE.TE: chunked and an obfuscated second line with Content-Length',
    bytes: post(
      ['Content-Length: 4', 'Transfer-Encoding: chunked', 'Transfer-encoding: cow'],
      '5c\r\nGPOST / HTTP/1.1\r\n\r\n0\r\n\r\n',
    ),
    outcome: refuse(400, either('transfer-coding-invalid', 'content-length-invalid')),
  },
  // --- Content-Length ---
  {
    name: 'Content-Length with a plus sign',
    bytes: post(['Content-Length: +3'], 'abc'),
    outcome: refuse(400, 'content-length-invalid'),
  },
  {
    name: 'Content-Length negative',
    bytes: post(['Content-Length: -3'], 'abc'),
    outcome: refuse(400, 'content-length-invalid'),
  },
  {
    name: 'Content-Length with a space inside',
    bytes: post(['Content-Length: 3 0'], 'abc'),
    outcome: refuse(400, 'content-length-invalid'),
  },
  {
    name: 'Content-Length as a list "3, 3"',
    bytes: post(['Content-Length: 3, 3'], 'abc'),
    outcome: refuse(400, 'content-length-invalid'),
  },
  {
    name: 'Content-Length twice, identical',
    bytes: post(['Content-Length: 3', 'Content-Length: 3'], 'abc'),
    outcome: refuse(400, 'content-length-invalid'),
  },
  {
    name: 'Content-Length twice, differing',
    bytes: post(['Content-Length: 3', 'Content-Length: 4'], 'abcd'),
    outcome: refuse(400, 'content-length-invalid'),
  },
  {
    name: 'Content-Length in hex',
    bytes: post(['Content-Length: 0x3'], 'abc'),
    outcome: refuse(400, 'content-length-invalid'),
  },
  {
    name: 'Content-Length past 2^64',
    bytes: post(['Content-Length: 99999999999999999999999'], 'abc'),
    outcome: refuse(400, 'content-length-invalid'),
  },
  {
    name: 'Content-Length empty',
    bytes: post(['Content-Length: '], ''),
    outcome: refuse(400, 'content-length-invalid'),
  },
  {
    name: 'Content-Length with trailing whitespace (OWS) is a length',
    bytes: post(['Content-Length: 3 ', 'Connection: close'], 'abc'),
    outcome: served('POST', '/pets', 'abc'),
  },
  // --- header lines ---
  {
    name: 'obs-fold (a continuation line)',
    bytes: get(['X-A: b', ' c', 'Connection: close']),
    outcome: refuse(400, either('header-invalid', 'malformed')),
  },
  {
    name: 'bare LF line endings',
    bytes: `GET /pets HTTP/1.1\nHost: t\nX-Mark: ${MARK}\n\n`,
    outcome: refuse(400, either('request-line-invalid', 'malformed')),
  },
  {
    name: 'a bare LF after a header value',
    bytes: `GET /pets HTTP/1.1\r\nHost: t\nX-Mark: ${MARK}\r\n\r\n`,
    outcome: refuse(400, either('malformed', 'header-invalid')),
  },
  {
    name: 'a bare CR after a header value',
    bytes: `GET /pets HTTP/1.1\r\nHost: t\rX-Mark: ${MARK}\r\n\r\n`,
    outcome: refuse(400, either('malformed', 'header-invalid')),
  },
  {
    name: 'whitespace before the colon',
    bytes: get(['X-A : b']),
    outcome: refuse(400, 'header-invalid'),
  },
  {
    name: 'an invalid character in a header name',
    bytes: get(['X(A): b']),
    outcome: refuse(400, 'header-invalid'),
  },
  {
    name: 'a header name with a space inside',
    bytes: get(['X A: b']),
    outcome: refuse(400, 'header-invalid'),
  },
  {
    name: 'NUL in a header value',
    bytes: get(['X-A: b\x00c']),
    outcome: refuse(400, 'header-invalid'),
  },
  {
    name: 'CR inside a header value',
    bytes: get(['X-A: b\rc']),
    outcome: refuse(400, either('malformed', 'header-invalid')),
  },
  {
    name: 'a control character in a header value',
    bytes: get(['X-A: b\x01c']),
    outcome: refuse(400, 'header-invalid'),
  },
  {
    name: 'whitespace before the first header line',
    bytes: http(['GET /pets HTTP/1.1', ' Host: t', `X-Mark: ${MARK}`]),
    outcome: refuse(400, either('header-invalid', 'malformed')),
  },
  // --- Host (issue 12, defect 6) ---
  {
    name: 'Host twice',
    bytes: get(['Host: u']),
    outcome: refuse(400, 'host-repeated'),
  },
  {
    name: 'Host twice in other cases (HOST, hOsT)',
    bytes: http(['GET /pets HTTP/1.1', 'HOST: t', 'hOsT: t', `X-Mark: ${MARK}`]),
    outcome: refuse(400, 'host-repeated'),
  },
  {
    name: 'no Host on HTTP/1.1',
    bytes: http(['GET /pets HTTP/1.1', `X-Mark: ${MARK}`]),
    outcome: refuse(400, 'host-missing'),
  },
  {
    name: 'a Host with user info',
    bytes: http(['GET /pets HTTP/1.1', 'Host: evil.example@127.0.0.1', `X-Mark: ${MARK}`]),
    outcome: refuse(400, 'host-invalid'),
  },
  {
    name: 'no Host on HTTP/1.0 is allowed',
    bytes: http(['GET /pets HTTP/1.0', `X-Mark: ${MARK}`]),
    outcome: served('GET', '/pets'),
  },
  // --- chunked bodies ---
  {
    name: 'a chunk size past 64 bits',
    bytes: post(['Transfer-Encoding: chunked'], 'FFFFFFFFFFFFFFFFFF\r\nabc\r\n0\r\n\r\n'),
    outcome: refuse(400, 'chunk-invalid'),
  },
  {
    name: 'a negative chunk size',
    bytes: post(['Transfer-Encoding: chunked'], '-3\r\nabc\r\n0\r\n\r\n'),
    outcome: refuse(400, 'chunk-invalid'),
  },
  {
    name: 'a chunk size with a space after it',
    bytes: post(['Transfer-Encoding: chunked'], '3 \r\nabc\r\n0\r\n\r\n'),
    outcome: refuse(400, 'chunk-invalid'),
  },
  {
    name: 'a chunk size that is not hex',
    bytes: post(['Transfer-Encoding: chunked'], 'xyz\r\nabc\r\n0\r\n\r\n'),
    outcome: refuse(400, 'chunk-invalid'),
  },
  {
    name: 'chunk data not ended by CRLF',
    bytes: post(['Transfer-Encoding: chunked'], '3\r\nabcX0\r\n\r\n'),
    outcome: refuse(400, either('chunk-invalid', 'malformed')),
  },
  {
    name: 'a chunk size line ended by a bare LF',
    bytes: post(['Transfer-Encoding: chunked'], '3\nabc\r\n0\r\n\r\n'),
    outcome: refuse(400, either('malformed', 'chunk-invalid')),
  },
  {
    name: 'a huge chunk extension (20 KB)',
    bytes: post(['Transfer-Encoding: chunked'], `3;${'e'.repeat(20_000)}\r\nabc\r\n0\r\n\r\n`),
    outcome: refuse(400, 'chunk-invalid'),
  },
  {
    name: 'NUL in a chunk extension',
    bytes: post(['Transfer-Encoding: chunked'], '3;\x00\r\nabc\r\n0\r\n\r\n'),
    outcome: refuse(400, either('chunk-invalid', 'malformed')),
  },
  {
    name: 'a small chunk extension is ignored',
    bytes: post(['Transfer-Encoding: chunked', 'Connection: close'], '3;ext=1\r\nabc\r\n0\r\n\r\n'),
    outcome: served('POST', '/pets', 'abc'),
  },
  {
    name: 'trailer fields are read and dropped',
    bytes: post(
      ['Transfer-Encoding: chunked', 'Connection: close'],
      '3\r\nabc\r\n0\r\nX-Trailer: 1\r\n\r\n',
    ),
    outcome: served('POST', '/pets', 'abc'),
  },
  // --- request line, version, method ---
  {
    name: 'HTTP/0.9 (no version)',
    bytes: 'GET /pets\r\n\r\n',
    outcome: refuse(505, 'http-version'),
  },
  {
    name: 'the HTTP/2 connection preface',
    bytes: 'PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n',
    outcome: refuse(505, 'http-version'),
  },
  {
    name: 'an HTTP/2.0 request line',
    bytes: http(['GET /pets HTTP/2.0', 'Host: t', `X-Mark: ${MARK}`]),
    outcome: refuse(505, 'http-version'),
  },
  {
    name: 'HTTP/1.2',
    bytes: http(['GET /pets HTTP/1.2', 'Host: t', `X-Mark: ${MARK}`]),
    outcome: refuse(400, 'request-line-invalid'),
  },
  {
    name: 'the version in lower case',
    bytes: http(['GET /pets http/1.1', 'Host: t', `X-Mark: ${MARK}`]),
    outcome: refuse(400, 'request-line-invalid'),
  },
  {
    name: 'a method in lower case',
    bytes: http(['get /pets HTTP/1.1', 'Host: t', `X-Mark: ${MARK}`]),
    outcome: refuse(501, 'method-unknown'),
  },
  {
    name: 'an unknown method',
    bytes: http(['FROB /pets HTTP/1.1', 'Host: t', `X-Mark: ${MARK}`]),
    outcome: refuse(501, 'method-unknown'),
  },
  {
    name: 'TRACE (its answer would echo what record sends upstream)',
    bytes: http(['TRACE /pets HTTP/1.1', 'Host: t', `X-Mark: ${MARK}`]),
    outcome: refuse(501, 'method-unknown'),
  },
  {
    name: 'a fragment in the target',
    bytes: http([`GET /pets#${MARK} HTTP/1.1`, 'Host: t']),
    outcome: refuse(400, 'target-invalid'),
  },
  {
    name: 'a tab after the method',
    bytes: http(['GET\t/pets HTTP/1.1', 'Host: t', `X-Mark: ${MARK}`]),
    outcome: refuse(400, 'request-line-invalid'),
  },
  {
    name: 'a space inside the target',
    bytes: http([`GET /pets ${MARK} HTTP/1.1`, 'Host: t']),
    outcome: refuse(400, 'request-line-invalid'),
  },
  {
    name: 'NUL in the target',
    bytes: http([`GET /pets\x00${MARK} HTTP/1.1`, 'Host: t']),
    outcome: refuse(400, 'target-invalid'),
  },
  {
    name: 'raw non-ASCII bytes in the target',
    bytes: http([`GET /p\xc3\xa9ts${MARK} HTTP/1.1`, 'Host: t']),
    outcome: refuse(400, 'target-invalid'),
  },
  {
    name: 'TLS on the plain port (a ClientHello)',
    bytes: `\x16\x03\x01\x00\xa5\x01\x00\x00\xa1\x03\x03${MARK}`,
    outcome: refuse(400, 'request-line-invalid'),
  },
  {
    name: 'an empty line before the request line is ignored (RFC 9112 §2.2)',
    bytes: `\r\n${get(['Connection: close'])}`,
    outcome: served('GET', '/pets'),
  },
  // --- target forms ---
  {
    name: 'absolute-form target',
    bytes: http([`GET http://127.0.0.1:9/${MARK} HTTP/1.1`, 'Host: 127.0.0.1:9']),
    outcome: refuse(400, 'target-form'),
  },
  {
    name: 'authority-form target on GET',
    bytes: http(['GET 127.0.0.1:9 HTTP/1.1', 'Host: 127.0.0.1:9', `X-Mark: ${MARK}`]),
    outcome: refuse(400, 'target-invalid'),
  },
  {
    name: 'asterisk-form on GET',
    bytes: http(['GET * HTTP/1.1', 'Host: t', `X-Mark: ${MARK}`]),
    outcome: refuse(400, 'target-form'),
  },
  {
    name: 'CONNECT host:443 (never a tunnel)',
    bytes: http(['CONNECT 127.0.0.1:443 HTTP/1.1', 'Host: 127.0.0.1:443', `X-Mark: ${MARK}`]),
    outcome: refuse(400, 'connect-refused'),
  },
  {
    name: 'OPTIONS * is answered by tapedeck itself',
    bytes: http(['OPTIONS * HTTP/1.1', 'Host: t', 'Connection: close']),
    outcome: { answers: 204 },
  },
  // --- Upgrade and Expect ---
  {
    name: 'Upgrade: websocket is answered as a plain request, never 101',
    bytes: get([
      'Connection: Upgrade',
      'Upgrade: websocket',
      'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==',
      'Sec-WebSocket-Version: 13',
    ]),
    outcome: served('GET', '/pets'),
  },
  {
    name: 'Upgrade: h2c is answered as a plain request, never 101',
    bytes: get([
      'Connection: Upgrade, HTTP2-Settings',
      'Upgrade: h2c',
      'HTTP2-Settings: AAMAAABkAAQCAAAAAAIAAAAA',
    ]),
    outcome: served('GET', '/pets'),
  },
  {
    name: 'an expectation other than 100-continue',
    bytes: post(['Expect: teapot', 'Content-Length: 3'], 'abc'),
    outcome: refuse(417, 'expectation-unsupported'),
  },
];

/** The upstream must not have seen anything, nor a byte of the marked request. */
function expectUntouched(target: FrontDoorTarget): void {
  expect(target.upstream?.connections() ?? 0, 'connections to the upstream').toBe(0);
}

async function check(target: FrontDoorTarget, c: Case): Promise<RawResult> {
  const { outcome } = c;
  if ('refuse' in outcome) {
    const result = await rawRequest(target.port, c.bytes);
    expectRefusal(result, outcome.refuse, outcome.reason, c.name);
    expect(result.text, 'the answer never echoes the request').not.toContain(MARK);
    expectUntouched(target);
    return result;
  }
  if ('answers' in outcome) {
    const result = await rawRequest(target.port, c.bytes);
    expect(result.responses.map((r) => r.status)).toEqual([outcome.answers]);
    expect(frontDoorReason(result.responses[0]!)).toBeUndefined();
    expectUntouched(target);
    return result;
  }
  const result = await rawRequest(target.port, c.bytes, { responses: 1 });
  const answer = result.responses[0];
  expect(
    answer,
    `an answer to ${c.name}: ${JSON.stringify(result.text.slice(0, 200))}`,
  ).toBeDefined();
  expect(answer!.status).not.toBe(101);
  expect(frontDoorReason(answer!), 'a layer answered, not the front door').toBeUndefined();
  // GET /pets is a recorded hit on replay, an echo on record and documented on the mock.
  if (outcome.served.method === 'GET') expect(answer!.status).toBe(200);
  if (target.kind === 'record') {
    const seen = target.upstream!.requests;
    expect(seen.map((r) => [r.method, r.url])).toEqual([
      [outcome.served.method, outcome.served.url],
    ]);
    expect(seen[0]!.body.toString('latin1')).toBe(outcome.served.body ?? '');
    // What reaches the upstream is re-framed by tapedeck: never the client's framing headers.
    const names = seen[0]!.rawHeaders.filter((_, i) => i % 2 === 0).map((n) => n.toLowerCase());
    expect(names).not.toContain('transfer-encoding');
    expect(names).not.toContain('upgrade');
    expect(names).not.toContain('http2-settings');
    expect(names).not.toContain('expect');
  }
  return result;
}

describe.each(SERVER_KINDS)('%s: message framing through raw sockets', (kind) => {
  it.each(CASES)('$name', async (c) => {
    const target = await startTarget(kind);
    await check(target, c);
  });

  it('answers two pipelined requests in one write, in order', async () => {
    const target = await startTarget(kind);
    const result = await rawRequest(
      target.port,
      `${get([])}${http(['GET /pets?second=1 HTTP/1.1', 'Host: t', 'Connection: close'])}`,
    );
    expect(result.closed).toBe(true);
    const statuses = result.responses.map((r) => r.status);
    expect(statuses).toHaveLength(2);
    expect(statuses[0]).toBe(200);
    if (kind === 'record') {
      expect(result.responses.map((r) => (r.json() as { url: string }).url)).toEqual([
        '/pets',
        '/pets?second=1',
      ]);
    }
  });

  it('answers 50 pipelined requests in one write, all of them, in order', async () => {
    const target = await startTarget(kind);
    const requests = Array.from({ length: 50 }, (_, i) =>
      http([`GET /pets?n=${i} HTTP/1.1`, 'Host: t', ...(i === 49 ? ['Connection: close'] : [])]),
    );
    const result = await rawRequest(target.port, requests.join(''));
    expect(result.closed).toBe(true);
    expect(result.responses).toHaveLength(50);
    for (const response of result.responses) expect(frontDoorReason(response)).toBeUndefined();
    if (kind === 'record') {
      expect(result.responses.map((r) => (r.json() as { url: string }).url)).toEqual(
        Array.from({ length: 50 }, (_, i) => `/pets?n=${i}`),
      );
    }
  });

  it('answers a good request, then refuses a malformed one pipelined after it, and closes', async () => {
    const target = await startTarget(kind);
    const result = await rawRequest(
      target.port,
      `${get([])}${post(['Content-Length: +3'], 'abc')}`,
    );
    expect(result.responses.map((r) => r.status)).toEqual([200, 400]);
    expect(frontDoorReason(result.responses[1]!)).toBe('content-length-invalid');
    expect(result.closed).toBe(true);
    if (kind === 'record') expect(target.upstream!.requests.map((r) => r.url)).toEqual(['/pets']);
  });

  it('never answers what follows a refused request on the same connection (no smuggling)', async () => {
    const target = await startTarget(kind);
    const result = await rawRequest(
      target.port,
      `${post(['Transfer-Encoding: gzip, chunked'], '0\r\n\r\n')}${get(['Connection: close'])}`,
    );
    expectRefusal(result, 501, 'transfer-coding-unsupported', 'gzip, chunked then GET');
    expectUntouched(target);
  });

  it('delivers a refusal whole when garbage follows it in the same write', async () => {
    const target = await startTarget(kind);
    const result = await rawRequest(
      target.port,
      `${post(['Transfer-Encoding: gzip, chunked'], '0\r\n\r\n')}\x00\x01 GARBAGE\r\n\r\n`,
    );
    expectRefusal(result, 501, 'transfer-coding-unsupported', 'gzip, chunked then garbage');
    expectUntouched(target);
  });

  it('never lets a refusal reach the pipeline: not served, not a miss, not recorded', async () => {
    const target = await startTarget(kind);
    for (const bytes of [
      post(['Transfer-Encoding: gzip, chunked'], '0\r\n\r\n'),
      post(['Transfer-Encoding: identity, chunked'], '0\r\n\r\n'),
      http(['POST /pets HTTP/1.0', 'Host: t', 'Transfer-Encoding: chunked'], '0\r\n\r\n'),
      get(['Host: u']),
      get(Array.from({ length: 150 }, (_, i) => `X-${i}: v`)),
      http([`GET /pets?${'q'.repeat(9_000)} HTTP/1.1`, 'Host: t']),
    ]) {
      const result = await rawRequest(target.port, bytes);
      expect(frontDoorReason(result.responses[0]!)).toBeDefined();
      expect(result.responses[0]!.headers['x-tapedeck-miss']).toBeUndefined();
    }
    expectUntouched(target);
    if (target.summary !== undefined) {
      const summary = target.summary();
      expect(summary.served).toBe(0);
      expect(summary.misses).toEqual([]);
      expect(summary.recorded).toEqual([]);
    }
  });

  it('refuses CONNECT and sends nothing through afterwards', async () => {
    const target = await startTarget(kind);
    const connection = await openRaw(target.port);
    await connection.write(http(['CONNECT 127.0.0.1:443 HTTP/1.1', 'Host: 127.0.0.1:443']));
    // What a tunnel would carry: a TLS ClientHello. It must go nowhere.
    await connection.write('\x16\x03\x01\x00\x05hello').catch(() => undefined);
    const result = await connection.done;
    expectRefusal(result, 400, 'connect-refused', 'CONNECT');
    expectUntouched(target);
  });
});
