/**
 * The front door's limits through raw sockets, on record, replay and mock alike: header count
 * and size (431), target length (414), declared and streamed body size (413, with
 * `Expect: 100-continue` answered at once), and the headers, body and keep-alive timeouts
 * (408, close). Timeouts are configured small (hundreds of ms) and awaited as socket events.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { resolveConfig } from '../../src/app/config/config.js';
import { isTapedeckError } from '../../src/core/errors.js';
import { runCleanups } from '../helpers/cleanup.js';
import { openRaw, rawRequest } from '../helpers/raw-socket.js';
import { layout, startTapedeck } from '../helpers/tapedeck.js';
import { tempDir } from '../helpers/tmp.js';
import { startUpstream } from '../helpers/upstream.js';
import {
  expectRefusal,
  frontDoorReason,
  SERVER_KINDS,
  serverFlags,
  startTarget,
  type FrontDoorTarget,
} from './raw-socket-servers.js';

afterEach(runCleanups);

const http = (lines: readonly string[], body = ''): string =>
  `${lines.join('\r\n')}\r\n\r\n${body}`;

/** GET `target` with `extra` header lines after Host, closing after the answer. */
const get = (target: string, extra: readonly string[] = []): string =>
  http([`GET ${target} HTTP/1.1`, 'Host: t', ...extra, 'Connection: close']);

/** `n` distinct header lines. */
const headerLines = (n: number): string[] => Array.from({ length: n }, (_, i) => `X-H${i}: v`);

function expectServed(
  target: FrontDoorTarget,
  result: { responses: readonly { status: number }[] },
) {
  const answer = result.responses.find((r) => r.status >= 200);
  expect(answer, 'an answer').toBeDefined();
  expect(frontDoorReason(answer as never), 'a layer answered, not the front door').toBeUndefined();
  if (target.kind === 'record') expect(target.upstream!.requests).toHaveLength(1);
}

function expectUntouched(target: FrontDoorTarget): void {
  expect(target.upstream?.connections() ?? 0, 'connections to the upstream').toBe(0);
}

describe.each(SERVER_KINDS)('%s: header and target limits', (kind) => {
  it('takes 100 header fields (the default cap) and refuses 101 with 431', async () => {
    const target = await startTarget(kind);
    // Host and Connection count: 98 more make 100.
    expectServed(target, await rawRequest(target.port, get('/pets', headerLines(98))));
    const refused = await startTarget(kind);
    const result = await rawRequest(refused.port, get('/pets', headerLines(99)));
    expectRefusal(result, 431, 'header-count', '101 headers');
    expectUntouched(refused);
  });

  it('refuses 1,500 header fields with 431 and forwards none of them', async () => {
    const target = await startTarget(kind);
    const result = await rawRequest(target.port, get('/pets', headerLines(1_500)));
    expectRefusal(result, 431, 'header-count', '1,500 headers');
    expectUntouched(target);
  });

  it('reads the cap from server.maxHeaderCount', async () => {
    const target = await startTarget(kind, serverFlags({ maxHeaderCount: 5 }));
    expectServed(target, await rawRequest(target.port, get('/pets', headerLines(3))));
    const result = await rawRequest(target.port, get('/pets', headerLines(4)));
    expectRefusal(result, 431, 'header-count', '6 headers over a cap of 5');
  });

  it('refuses a 17 KiB header with 431, not 400 (default server.maxHeaderBytes 16 KiB)', async () => {
    const target = await startTarget(kind);
    const result = await rawRequest(target.port, get('/pets', [`X-Big: ${'b'.repeat(17 * 1024)}`]));
    expectRefusal(result, 431, 'header-bytes', '17 KiB header');
    expectUntouched(target);
  });

  it('refuses 64 KiB of headers, past the parser limit itself, with 431', async () => {
    const target = await startTarget(kind);
    const result = await rawRequest(
      target.port,
      get(
        '/pets',
        Array.from({ length: 8 }, (_, i) => `X-Big${i}: ${'b'.repeat(8 * 1024)}`),
      ),
    );
    expectRefusal(result, 431, 'header-bytes', '64 KiB of headers');
    expectUntouched(target);
  });

  it('takes headers just within server.maxHeaderBytes', async () => {
    const target = await startTarget(kind, serverFlags({ maxHeaderBytes: 2048 }));
    // Host: t (5) + Connection: close (15) + X-Pad (5) + value = 2048.
    const ok = await rawRequest(target.port, get('/pets', [`X-Pad: ${'p'.repeat(2048 - 25)}`]));
    expectServed(target, ok);
    const over = await rawRequest(target.port, get('/pets', [`X-Pad: ${'p'.repeat(2049 - 25)}`]));
    expectRefusal(over, 431, 'header-bytes', 'one byte over');
  });

  it('refuses a 17 KiB URL with 414, not 400 (default server.maxUrlBytes 8 KiB)', async () => {
    const target = await startTarget(kind);
    const result = await rawRequest(target.port, get(`/pets?q=${'u'.repeat(17 * 1024)}`));
    expectRefusal(result, 414, 'url-bytes', '17 KiB URL');
    expectUntouched(target);
  });

  it('refuses a 64 KiB URL, past the parser limit itself, with 414', async () => {
    const target = await startTarget(kind);
    const result = await rawRequest(target.port, get(`/pets?q=${'u'.repeat(64 * 1024)}`));
    expectRefusal(result, 414, 'url-bytes', '64 KiB URL');
    expectUntouched(target);
  });

  it('takes a URL of exactly server.maxUrlBytes', async () => {
    const target = await startTarget(kind, serverFlags({ maxUrlBytes: 1024 }));
    const prefix = '/pets?q=';
    expectServed(
      target,
      await rawRequest(target.port, get(prefix + 'u'.repeat(1024 - prefix.length))),
    );
    const over = await rawRequest(target.port, get(prefix + 'u'.repeat(1025 - prefix.length)));
    expectRefusal(over, 414, 'url-bytes', 'one byte over');
  });
});

describe.each(SERVER_KINDS)('%s: body size and Expect', (kind) => {
  const bigLength = 100 * 1024 * 1024; // over the default maxBodyBytes (50 MiB)

  it('answers Expect: 100-continue with a too-large Content-Length with 413 at once, never 100', async () => {
    const target = await startTarget(kind);
    // Only the head: a client that waits for 100 Continue sends nothing more.
    const result = await rawRequest(
      target.port,
      http([
        'POST /pets HTTP/1.1',
        'Host: t',
        'Content-Type: application/json',
        `Content-Length: ${bigLength}`,
        'Expect: 100-continue',
      ]),
    );
    expect(result.responses.map((r) => r.status)).toEqual([413]);
    expect(result.text).not.toContain('100 Continue');
    expectRefusal(result, 413, 'body-too-large', '100-continue over maxBodyBytes');
    expect(result.responses[0]!.headers['x-tapedeck-error']).toBe('TD_BODY_TOO_LARGE');
    expectUntouched(target);
  });

  it('answers Expect: 100-continue within the limit with 100, then the answer', async () => {
    const target = await startTarget(kind);
    const connection = await openRaw(target.port);
    await connection.write(
      http([
        'POST /pets HTTP/1.1',
        'Host: t',
        'Content-Type: application/json',
        'Content-Length: 14',
        'Expect: 100-continue',
        'Connection: close',
      ]),
    );
    await new Promise<void>((resolve) => {
      const seen = (chunk: Buffer) => {
        if (chunk.toString('latin1').startsWith('HTTP/1.1 100 Continue\r\n')) {
          connection.socket.off('data', seen);
          resolve();
        }
      };
      connection.socket.on('data', seen);
    });
    await connection.write('{"name":"Rex"}');
    const result = await connection.done;
    expect(result.responses[0]!.status).toBe(100);
    expectServed(target, result);
    if (kind === 'record')
      expect(target.upstream!.requests[0]!.body.toString()).toBe('{"name":"Rex"}');
  });

  it('ignores Expect: 100-continue on HTTP/1.0 (RFC 9110 §10.1.1) and answers', async () => {
    const target = await startTarget(kind);
    const result = await rawRequest(
      target.port,
      http(['GET /pets HTTP/1.0', 'Host: t', 'Expect: 100-continue']),
    );
    expect(result.text).not.toContain('100 Continue');
    expectServed(target, result);
  });

  it('refuses a declared Content-Length over maxBodyBytes at once, with 413, and closes', async () => {
    const target = await startTarget(kind);
    const result = await rawRequest(
      target.port,
      http(['POST /pets HTTP/1.1', 'Host: t', `Content-Length: ${bigLength}`], 'first bytes'),
    );
    expectRefusal(result, 413, 'body-too-large', 'declared length');
    expectUntouched(target);
  });

  it('refuses a chunked body once it passes maxBodyBytes, with 413, and closes', async () => {
    const target = await startTarget(kind, [{ pointer: '/maxBodyBytes', value: 64, flag: 'test' }]);
    const result = await rawRequest(
      target.port,
      http(
        ['POST /pets HTTP/1.1', 'Host: t', 'Transfer-Encoding: chunked'],
        `50\r\n${'y'.repeat(80)}\r\n`,
      ),
    );
    expectRefusal(result, 413, 'body-too-large', 'chunked over the limit');
    expectUntouched(target);
  });
});

/** Small timeouts so each case ends in well under a second. */
const TIMEOUTS = serverFlags({
  headersTimeoutMs: 300,
  requestTimeoutMs: 600,
  keepAliveTimeoutMs: 200,
});
/** Generous bounds for a loaded machine: the point is "not 60 s", and not before the timeout. */
const LATE_MS = 3_000;

describe.each(SERVER_KINDS)('%s: timeouts', (kind) => {
  it('answers a silent connection with 408 within server.headersTimeoutMs', async () => {
    const target = await startTarget(kind, TIMEOUTS);
    const started = performance.now();
    const connection = await openRaw(target.port);
    const result = await connection.done;
    const elapsed = performance.now() - started;
    expectRefusal(result, 408, 'headers-timeout', 'silent');
    expect(elapsed).toBeGreaterThanOrEqual(250);
    expect(elapsed).toBeLessThan(LATE_MS);
  });

  it('answers a head trickled a byte at a time with 408 within server.headersTimeoutMs', async () => {
    const target = await startTarget(kind, TIMEOUTS);
    const connection = await openRaw(target.port);
    const head = 'GET /pets HTTP/1.1\r\nHost: t\r\nX-Slow: ' + 'z'.repeat(1_000);
    let at = 0;
    // The client's pace (a byte every 20 ms), not a wait: the test awaits the close.
    const trickle = setInterval(() => {
      if (at < head.length) void connection.write(head[at++]!).catch(() => undefined);
    }, 20);
    const result = await connection.done;
    clearInterval(trickle);
    expectRefusal(result, 408, 'headers-timeout', 'trickled head');
    expect(result.elapsedMs).toBeLessThan(LATE_MS);
    expectUntouched(target);
  });

  it('answers a body that stops arriving with 408 within server.requestTimeoutMs, and forwards nothing', async () => {
    const target = await startTarget(kind, TIMEOUTS);
    const connection = await openRaw(target.port);
    await connection.write(
      http(
        ['POST /pets HTTP/1.1', 'Host: t', 'Content-Type: application/json', 'Content-Length: 10'],
        '{"a"',
      ),
    );
    const result = await connection.done;
    expectRefusal(result, 408, 'body-timeout', 'stalled body');
    expect(result.elapsedMs).toBeGreaterThanOrEqual(450);
    expect(result.elapsedMs).toBeLessThan(LATE_MS);
    expectUntouched(target);
  });

  it('closes an idle keep-alive connection after server.keepAliveTimeoutMs, without a 408', async () => {
    const target = await startTarget(kind, TIMEOUTS);
    const connection = await openRaw(target.port);
    await connection.write(http(['GET /pets HTTP/1.1', 'Host: t']));
    const answered = await connection.responses(1);
    expect(answered.responses[0]!.status).toBe(200);
    const afterAnswer = performance.now();
    const result = await connection.done;
    const idle = performance.now() - afterAnswer;
    expect(result.closed).toBe(true);
    expect(result.responses.map((r) => r.status)).toEqual([200]);
    expect(idle).toBeGreaterThanOrEqual(150);
    expect(idle).toBeLessThan(LATE_MS);
  });
});

describe("record: timeouts are the client's, not the upstream's", () => {
  it('answers a request whose upstream takes longer than server.requestTimeoutMs', async () => {
    const upstream = await startUpstream(
      (_req, res) =>
        new Promise<void>((resolve) => {
          // The upstream's pace: it answers after the client's request timeout has passed.
          setTimeout(() => {
            res.end('late but fine');
            resolve();
          }, 900);
        }),
    );
    const tapedeck = await startTapedeck('record', {
      ...layout(tempDir()),
      target: upstream.url,
      flags: TIMEOUTS,
    });
    const result = await rawRequest(tapedeck.port, get('/slow'));
    expect(result.responses.map((r) => r.status)).toEqual([200]);
    expect(result.responses[0]!.body).toBe('late but fine');
  });
});

describe('server config', () => {
  it('refuses a headers timeout longer than the request timeout, naming both settings', () => {
    let caught: unknown;
    try {
      resolveConfig({
        cwd: tempDir(),
        env: {},
        flags: serverFlags({ headersTimeoutMs: 5_000, requestTimeoutMs: 1_000 }),
      });
    } catch (error) {
      caught = error;
    }
    expect(isTapedeckError(caught) && caught.code).toBe('TD_CONFIG_INVALID');
    expect((caught as Error).message).toMatch(
      /server\.headersTimeoutMs \(5000, from test\).*server\.requestTimeoutMs \(1000, from test\)/,
    );
  });

  it('refuses a header cap of 0 through the schema', () => {
    expect(() =>
      resolveConfig({ cwd: tempDir(), env: {}, flags: serverFlags({ maxHeaderCount: 0 }) }),
    ).toThrow(/\/server\/maxHeaderCount/);
  });
});
