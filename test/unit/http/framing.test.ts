import { describe, expect, it } from 'vitest';
import {
  checkHead,
  codingLabel,
  expectationAnswer,
  MAX_CONTENT_CODINGS,
  FRONT_DOOR_DEFAULTS,
  frontDoorBytes,
  frontDoorReply,
  transferEncodingAnswer,
  type FrontDoorLimits,
  type RequestHead,
} from '../../../src/core/http/framing.js';
import {
  nodeHeaderSize,
  nodeHeadersCount,
  parseErrorAnswer,
  timeoutCheckInterval,
  urlRanOver,
} from '../../../src/core/http/node-parser.js';
import { PROBLEM_TYPE_BASE } from '../../../src/core/errors.js';

const limits: FrontDoorLimits = {
  maxHeaderCount: FRONT_DOOR_DEFAULTS.maxHeaderCount,
  maxHeaderBytes: FRONT_DOOR_DEFAULTS.maxHeaderBytes,
  maxUrlBytes: FRONT_DOOR_DEFAULTS.maxUrlBytes,
  maxBodyBytes: 1024,
};

const head = (over: Partial<RequestHead> = {}): RequestHead => ({
  method: 'GET',
  target: '/pets',
  httpVersion: '1.1',
  rawHeaders: ['Host', 't'],
  ...over,
});

describe('the front door: transfer codings (RFC 9112 §6)', () => {
  it.each([
    [['chunked'], undefined],
    [['Chunked'], undefined],
    [[' chunked '], undefined],
    [[', chunked'], undefined],
    [['gzip, chunked'], 501],
    [['identity, chunked'], 501],
    [['x', 'chunked'], 501],
    [['chunked, chunked'], 400],
    [['chunked', 'chunked'], 400],
    [['chunked;q=1'], 400],
    [['gzip'], 400],
    [['chunked, gzip'], 400],
    [[''], 400],
  ])('%j on HTTP/1.1 -> %s', (values, status) => {
    expect(transferEncodingAnswer(values, '1.1')?.status).toBe(status);
  });

  it('refuses any Transfer-Encoding on HTTP/1.0, even chunked, as faulty framing', () => {
    expect(transferEncodingAnswer(['chunked'], '1.0')).toMatchObject({
      status: 400,
      reason: 'transfer-coding-http10',
      close: true,
    });
  });
});

describe('the front door: the head', () => {
  it('lets a plain request through', () => {
    expect(checkHead(head(), limits)).toBeUndefined();
  });

  it.each([
    ['HTTP/0.9', head({ httpVersion: '0.9', rawHeaders: [] }), 505, 'http-version'],
    ['HTTP/2.0', head({ httpVersion: '2.0' }), 505, 'http-version'],
    ['no Host on 1.1', head({ rawHeaders: [] }), 400, 'host-missing'],
    [
      'Host twice, any case',
      head({ rawHeaders: ['Host', 't', 'HOST', 't'] }),
      400,
      'host-repeated',
    ],
    ['Host with user info', head({ rawHeaders: ['Host', 'a@b'] }), 400, 'host-invalid'],
    ['absolute-form', head({ target: 'http://x/' }), 400, 'target-form'],
    ['asterisk on GET', head({ target: '*' }), 400, 'target-form'],
    ['OPTIONS *', head({ method: 'OPTIONS', target: '*' }), 204, 'server-options'],
    ['TRACE', head({ method: 'TRACE' }), 501, 'method-unknown'],
    ['a fragment', head({ target: '/a#b' }), 400, 'target-invalid'],
    [
      'a declared body over maxBodyBytes',
      head({ method: 'POST', rawHeaders: ['Host', 't', 'Content-Length', '1025'] }),
      413,
      'body-too-large',
    ],
  ])('%s', (_name, request, status, reason) => {
    expect(checkHead(request, limits)).toMatchObject({ status, reason });
  });

  it('takes no Host on HTTP/1.0', () => {
    expect(checkHead(head({ httpVersion: '1.0', rawHeaders: [] }), limits)).toBeUndefined();
  });

  it('counts header fields against maxHeaderCount; node is told one more, to see overflow', () => {
    const fields = (n: number) => Array.from({ length: n }, (_, i) => [`X-${i}`, 'v']).flat();
    expect(checkHead(head({ rawHeaders: ['Host', 't', ...fields(99)] }), limits)).toBeUndefined();
    expect(checkHead(head({ rawHeaders: ['Host', 't', ...fields(100)] }), limits)).toMatchObject({
      status: 431,
      reason: 'header-count',
    });
    expect(nodeHeadersCount(limits)).toBe(101);
  });

  it('counts header bytes as node does (names and values, no separators)', () => {
    const value = (n: number) => 'v'.repeat(n);
    // Host (4) + t (1) + X (1) + value.
    const at = head({ rawHeaders: ['Host', 't', 'X', value(limits.maxHeaderBytes - 6)] });
    expect(checkHead(at, limits)).toBeUndefined();
    const over = head({ rawHeaders: ['Host', 't', 'X', value(limits.maxHeaderBytes - 5)] });
    expect(checkHead(over, limits)).toMatchObject({ status: 431, reason: 'header-bytes' });
  });

  it('refuses a target over maxUrlBytes with 414, and node gets room for both limits', () => {
    const target = `/${'u'.repeat(limits.maxUrlBytes)}`;
    expect(checkHead(head({ target }), limits)).toMatchObject({ status: 414, reason: 'url-bytes' });
    expect(checkHead(head({ target: target.slice(0, -1) }), limits)).toBeUndefined();
    expect(nodeHeaderSize(limits)).toBeGreaterThan(limits.maxUrlBytes + limits.maxHeaderBytes);
  });

  it('checks the version before the limits, and the limits before the framing', () => {
    const many = Array.from({ length: 200 }, (_, i) => [`X-${i}`, 'v']).flat();
    expect(checkHead(head({ httpVersion: '2.0', rawHeaders: many }), limits)?.status).toBe(505);
    expect(
      checkHead(head({ rawHeaders: [...many, 'Transfer-Encoding', 'gzip, chunked'] }), limits)
        ?.status,
    ).toBe(431);
  });
});

describe('the front door: Expect (RFC 9110 §10.1.1)', () => {
  it.each([
    ['100-continue', '1.1', 'continue'],
    ['100-Continue', '1.1', 'continue'],
    ['100-continue', '1.0', 'ignore'],
  ])('%s on %s -> %s', (value, version, verdict) => {
    expect(expectationAnswer(value, version)).toBe(verdict);
  });

  it.each([['teapot'], ['100-continue, teapot'], [['100-continue', '100-continue']]])(
    '%j -> 417',
    (value) => {
      expect(expectationAnswer(value, '1.1')).toMatchObject({
        status: 417,
        reason: 'expectation-unsupported',
      });
    },
  );
});

describe('the front door: parser errors', () => {
  it.each([
    ['HPE_INVALID_HEADER_TOKEN', 400, 'header-invalid'],
    ['HPE_UNEXPECTED_SPACE', 400, 'header-invalid'],
    ['HPE_INVALID_CONTENT_LENGTH', 400, 'content-length-invalid'],
    ['HPE_UNEXPECTED_CONTENT_LENGTH', 400, 'content-length-invalid'],
    ['HPE_INVALID_TRANSFER_ENCODING', 400, 'transfer-coding-invalid'],
    ['HPE_INVALID_CHUNK_SIZE', 400, 'chunk-invalid'],
    ['HPE_CHUNK_EXTENSIONS_OVERFLOW', 400, 'chunk-invalid'],
    ['HPE_STRICT', 400, 'chunk-invalid'],
    ['HPE_CR_EXPECTED', 400, 'malformed'],
    ['HPE_LF_EXPECTED', 400, 'malformed'],
    ['HPE_INVALID_VERSION', 400, 'request-line-invalid'],
    ['HPE_INVALID_CONSTANT', 400, 'request-line-invalid'],
    ['HPE_INVALID_URL', 400, 'target-invalid'],
    ['HPE_PAUSED_H2_UPGRADE', 505, 'http-version'],
    ['HPE_SOMETHING_NEW', 400, 'malformed'],
    [undefined, 400, 'malformed'],
  ])('%s -> %s %s', (code, status, reason) => {
    expect(parseErrorAnswer(code, 'GET / HTTP/1.1\r\n', limits, false)).toMatchObject({
      status,
      reason,
      close: true,
    });
  });

  it('tells a headers timeout from a body timeout', () => {
    expect(parseErrorAnswer('ERR_HTTP_REQUEST_TIMEOUT', '', limits, false)).toMatchObject({
      status: 408,
      reason: 'headers-timeout',
    });
    expect(parseErrorAnswer('ERR_HTTP_REQUEST_TIMEOUT', '', limits, true)).toMatchObject({
      status: 408,
      reason: 'body-timeout',
    });
  });

  it('answers an unknown method token with 501, and bytes that are no method with 400', () => {
    expect(parseErrorAnswer('HPE_INVALID_METHOD', 'FROB / HTTP/1.1', limits, false)?.status).toBe(
      501,
    );
    expect(parseErrorAnswer('HPE_INVALID_METHOD', '\x16\x03\x01', limits, false)?.status).toBe(400);
  });

  it('answers nothing to a peer that is gone', () => {
    expect(parseErrorAnswer('ECONNRESET', '', limits, false)).toBeUndefined();
  });

  it('tells a target that overflowed node from headers that did', () => {
    const long = 'u'.repeat(limits.maxUrlBytes + 1);
    expect(urlRanOver(`GET /${long} HTTP/1.1\r\n`, limits.maxUrlBytes)).toBe(true);
    // The packet ended inside the target: the target is what ran over.
    expect(urlRanOver('GET /uuuu', limits.maxUrlBytes)).toBe(true);
    expect(urlRanOver('GET /short HTTP/1.1\r\nX-Big: bbbb', limits.maxUrlBytes)).toBe(false);
    // A packet from the middle of the headers.
    expect(urlRanOver('bbbbbbbbbbbbbbbb', limits.maxUrlBytes)).toBe(false);
    expect(parseErrorAnswer('HPE_HEADER_OVERFLOW', `GET /${long}`, limits, false)?.status).toBe(
      414,
    );
    expect(parseErrorAnswer('HPE_HEADER_OVERFLOW', 'bbbb', limits, false)?.status).toBe(431);
  });

  it('reads a later packet of a head as headers, even when it looks like "word space text"', () => {
    // The second packet of a head sent in two writes (review probe p16): mid-header-value bytes.
    const mid = `foo ${'b'.repeat(limits.maxUrlBytes + 10)}\r\n\r\n`;
    expect(urlRanOver(mid, limits.maxUrlBytes)).toBe(false);
    expect(parseErrorAnswer('HPE_HEADER_OVERFLOW', mid, limits, false)?.status).toBe(431);
    // Even a request line is not one when the packet does not start the request.
    const line = `GET /${'u'.repeat(limits.maxUrlBytes + 1)}`;
    expect(parseErrorAnswer('HPE_HEADER_OVERFLOW', line, limits, false, false)?.status).toBe(431);
    expect(parseErrorAnswer('HPE_HEADER_OVERFLOW', line, limits, false, true)?.status).toBe(414);
    expect(urlRanOver(`OPTIONS *${'u'.repeat(limits.maxUrlBytes)}`, limits.maxUrlBytes)).toBe(true);
    expect(urlRanOver(`GET http://h/${'u'.repeat(limits.maxUrlBytes)}`, limits.maxUrlBytes)).toBe(
      true,
    );
  });
});

describe('the front door: timeouts and answers', () => {
  it('checks timeouts at a tenth of the shorter one, between 10 ms and 1 s', () => {
    expect(timeoutCheckInterval(10_000, 30_000)).toBe(1_000);
    expect(timeoutCheckInterval(300, 600)).toBe(30);
    expect(timeoutCheckInterval(50, 50)).toBe(10);
  });

  it('answers problem+json with the reason, the code in a header, and connection: close', () => {
    const answer = checkHead(head({ httpVersion: '2.0' }), limits)!;
    const reply = frontDoorReply(answer);
    expect(reply.headers).toEqual([
      ['content-type', 'application/problem+json'],
      ['x-tapedeck-error', 'TD_BAD_REQUEST'],
      ['connection', 'close'],
    ]);
    expect(JSON.parse(reply.body)).toEqual({
      type: `${PROBLEM_TYPE_BASE}TD_BAD_REQUEST`,
      title: 'tapedeck serves HTTP/1.1 and HTTP/1.0 only.',
      status: 505,
      code: 'TD_BAD_REQUEST',
      reason: 'http-version',
      hint: 'Send the request as HTTP/1.1 (an HTTP/2 client: disable prior knowledge).',
    });
  });

  it('writes the raw bytes of a whole response for a socket the parser gave up on', () => {
    const bytes = frontDoorBytes(
      parseErrorAnswer('HPE_INVALID_HEADER_TOKEN', '', limits, false)!,
      'Wed, 02 Dec 2026 01:00:00 GMT',
    );
    const raw = Buffer.from(bytes);
    const headEnd = raw.indexOf('\r\n\r\n');
    const headPart = raw.toString('latin1', 0, headEnd);
    const body = raw.subarray(headEnd + 4);
    expect(headPart.split('\r\n')[0]).toBe('HTTP/1.1 400 Bad Request');
    expect(headPart).toContain('\r\ndate: Wed, 02 Dec 2026 01:00:00 GMT\r\n');
    expect(headPart).toContain('\r\nconnection: close');
    // The title holds "§" (two bytes in UTF-8): the length is the bytes written, not the characters.
    expect(body.toString('utf8')).toContain('§');
    expect(headPart).toContain(`\r\ncontent-length: ${body.byteLength}`);
    expect(JSON.parse(body.toString('utf8'))).toMatchObject({
      status: 400,
      reason: 'header-invalid',
    });
  });

  it('refuses more than MAX_CONTENT_CODINGS content codings with 415, never echoing them', () => {
    const withCodings = (...values: string[]) =>
      head({ rawHeaders: ['Host', 't', ...values.flatMap((v) => ['Content-Encoding', v])] });
    expect(MAX_CONTENT_CODINGS).toBe(3);
    expect(checkHead(withCodings('gzip'), limits)).toBeUndefined();
    expect(checkHead(withCodings('gzip, br, deflate'), limits)).toBeUndefined();
    expect(checkHead(withCodings('gzip,', ', gzip'), limits)).toBeUndefined();
    // identity is no coding: the codec drops it, so it does not count here either.
    expect(checkHead(withCodings('gzip, identity, Identity, identity'), limits)).toBeUndefined();
    for (const heads of [
      withCodings('gzip, gzip, gzip, gzip'),
      withCodings('gzip, gzip', 'gzip, gzip'),
      withCodings(Array(3000).fill('gzip').join(',')),
    ]) {
      const answer = checkHead(heads, limits)!;
      expect(answer).toMatchObject({ status: 415, reason: 'content-codings', close: true });
      expect(answer.title).not.toContain('gzip');
    }
    expect(codingLabel(['gzip', 'br'])).toBe('gzip, br');
    expect(codingLabel(Array(3000).fill('gzip'))).toBe('3000 codings');
  });
});
