/**
 * Defects an independent review of the front door found (issue 12), each through real sockets:
 *
 * - a raw answer (one node's parser gave up on) declared a Content-Length in UTF-16 units while
 *   its "§" went out as two UTF-8 bytes: one byte more than declared (the raw-socket helper now
 *   fails on bytes after a declared body); it now carries a Date header too;
 * - a head too large for node's parser, sent in two writes, was answered 414 when the second
 *   packet happened to look like "word space text": it is 431;
 * - a declared Content-Length over maxBodyBytes, or a chunked body passing it, were refused
 *   without a log line (only the decoded-size 413 logged one);
 * - a client uploading a too-large body mostly saw ECONNRESET or EPIPE instead of its 413: the
 *   server closed with the upload unread. It now lingers (reads and discards) before closing;
 * - a stack of content codings (60 gzip layers, 172 KB on the wire) froze the server for
 *   seconds: more than MAX_CONTENT_CODINGS is refused with 415 before the body is read.
 */
import { once } from 'node:events';
import { mkdirSync } from 'node:fs';
import { connect } from 'node:net';
import { Readable } from 'node:stream';
import { request as undiciRequest } from 'undici';
import { afterEach, describe, expect, it } from 'vitest';
import { LINGER_BYTES } from '../../src/adapters/http/linger.js';
import { MAX_CONTENT_CODINGS } from '../../src/core/http/framing.js';
import { defer, runCleanups } from '../helpers/cleanup.js';
import { openRaw, parseResponses, rawRequest } from '../helpers/raw-socket.js';
import { layout, startTapedeck } from '../helpers/tapedeck.js';
import { tempDir } from '../helpers/tmp.js';
import { startUpstream } from '../helpers/upstream.js';
import { expectRefusal, frontDoorReason, SERVER_KINDS, startTarget } from './raw-socket-servers.js';

afterEach(runCleanups);

const http = (lines: readonly string[], body = ''): string =>
  `${lines.join('\r\n')}\r\n\r\n${body}`;

const MiB = 1024 * 1024;

/** A turn of the event loop: the server (in this process) reads what was written before it. */
const turns = async (n: number) => {
  for (let i = 0; i < n; i++) await new Promise((resolve) => setImmediate(resolve));
};

describe.each(SERVER_KINDS)('%s: raw answers', (kind) => {
  it('declares the Content-Length of the bytes it sends ("§" is two bytes), with a Date', async () => {
    const target = await startTarget(kind);
    // A signed Content-Length: node's parser refuses it, so the answer is written as raw bytes.
    const result = await rawRequest(
      target.port,
      http(['POST /a HTTP/1.1', 'Host: x', 'Content-Length: +1'], 'A'),
    );
    expectRefusal(result, 400, 'content-length-invalid', 'signed length');
    const answer = result.responses[0]!;
    expect(Buffer.from(answer.body, 'latin1').toString('utf8')).toContain('§');
    expect(Number(answer.headers['content-length'])).toBe(Buffer.byteLength(answer.body, 'latin1'));
    expect(new Date(answer.headers['date']!).getTime()).not.toBeNaN();
  });

  it('answers a head over the parser limit sent in two writes with 431, not 414', async () => {
    const target = await startTarget(kind);
    const connection = await openRaw(target.port);
    await connection.write(`GET /short HTTP/1.1\r\nHost: x\r\nX-A: ${'a'.repeat(16_000)}`);
    // The server reads the first write alone; the second then overflows node's parser.
    await turns(5);
    await connection.write(`foo ${'b'.repeat(12_000)}\r\n\r\n`).catch(() => undefined);
    const result = await connection.done;
    expectRefusal(result, 431, 'header-bytes', 'two writes');
  });
});

describe('a target over the parser limit on a kept-alive connection', () => {
  it('is still 414 when it starts the second request', async () => {
    const target = await startTarget('replay');
    const connection = await openRaw(target.port);
    await connection.write(http(['GET /pets HTTP/1.1', 'Host: x']));
    expect((await connection.responses(1)).responses[0]!.status).toBe(200);
    await connection
      .write(http([`GET /${'u'.repeat(64 * 1024)} HTTP/1.1`, 'Host: x']))
      .catch(() => undefined);
    const result = await connection.done;
    expect(result.responses.map((r) => r.status)).toEqual([200, 414]);
    expect(frontDoorReason(result.responses[1]!)).toBe('url-bytes');
  });
});

describe.each(SERVER_KINDS)('%s: content codings', (kind) => {
  it(`refuses more than ${MAX_CONTENT_CODINGS} content codings with 415 before reading the body`, async () => {
    const target = await startTarget(kind);
    const result = await rawRequest(
      target.port,
      http(
        [
          'POST /pets HTTP/1.1',
          'Host: t',
          `Content-Encoding: ${Array(3000).fill('gzip').join(',')}`,
          'Content-Type: application/json',
          'Content-Length: 2',
        ],
        '{}',
      ),
    );
    expectRefusal(result, 415, 'content-codings', 'stacked codings');
    const body = result.responses[0]!.json() as { title: string };
    expect(body.title).toBe(
      'The request body has more than 3 content codings; tapedeck removes at most 3.',
    );
    expect(result.responses[0]!.headers['x-tapedeck-error']).toBe('TD_BAD_REQUEST');
    expect(target.upstream?.connections() ?? 0).toBe(0);
  });
});

describe('front-door refusals of a body are logged once', () => {
  it('logs a declared, a chunked and a stacked-coding refusal as request.refused (method only)', async () => {
    const dirs = layout(tempDir());
    const up = await startUpstream((_req, res) => res.end('{}'));
    const tapedeck = await startTapedeck('record', {
      ...dirs,
      target: up.url,
      flags: [{ pointer: '/maxBodyBytes', value: 1000, flag: 'test' }],
    });
    const declared = await rawRequest(
      tapedeck.port,
      http(['POST /hidden-path-a HTTP/1.1', 'Host: x', 'Content-Length: 5000']),
    );
    expectRefusal(declared, 413, 'body-too-large', 'declared');
    const chunked = await rawRequest(
      tapedeck.port,
      http(
        ['PUT /hidden-path-b HTTP/1.1', 'Host: x', 'Transfer-Encoding: chunked'],
        `7d0\r\n${'a'.repeat(2000)}\r\n0\r\n\r\n`,
      ),
    );
    expectRefusal(chunked, 413, 'body-too-large', 'chunked');
    const stacked = await rawRequest(
      tapedeck.port,
      http(['PATCH /hidden-path-c HTTP/1.1', 'Host: x', 'Content-Encoding: gzip, gzip, br, gzip']),
    );
    expectRefusal(stacked, 415, 'content-codings', 'stacked');
    const lines = tapedeck.logger.lines.filter((l) => l.event === 'request.refused');
    expect(lines.map((l) => l.message)).toEqual([
      'a POST request was answered 413: The request body is larger than 1000 bytes. Nothing was sent upstream or recorded.',
      'a PUT request was answered 413: The request body is larger than 1000 bytes. Nothing was sent upstream or recorded.',
      'a PATCH request was answered 415: The request body has more than 3 content codings; tapedeck removes at most 3. Nothing was sent upstream or recorded.',
    ]);
    expect(lines.map((l) => l.fields['code'])).toEqual([
      'TD_BODY_TOO_LARGE',
      'TD_BODY_TOO_LARGE',
      'TD_BAD_REQUEST',
    ]);
    expect(JSON.stringify(tapedeck.logger.lines)).not.toContain('hidden-path');
    expect(up.requests).toEqual([]);
  });
});

describe('a client uploading a body over maxBodyBytes gets its 413 (lingering close)', () => {
  const upload = 8 * MiB;
  /** 8 MiB in 64 KiB pieces, with no length: sent chunked. */
  const stream = () =>
    Readable.from(
      (function* () {
        for (let sent = 0; sent < upload; sent += 64 * 1024) yield Buffer.alloc(64 * 1024, 0x61);
      })(),
    );

  async function start() {
    const dirs = layout(tempDir());
    mkdirSync(dirs.cassettes, { recursive: true });
    return startTapedeck('replay', {
      ...dirs,
      flags: [{ pointer: '/maxBodyBytes', value: 1000, flag: 'test' }],
    });
  }

  it.each([
    ['a declared Content-Length', () => Buffer.alloc(upload, 0x61)],
    ['a chunked body', stream],
  ] as const)('undici request, %s, five times in a row', async (_label, body) => {
    const tapedeck = await start();
    for (let i = 0; i < 5; i++) {
      const reply = await undiciRequest(`${tapedeck.url}/upload`, {
        method: 'POST',
        body: body(),
      });
      const problem = (await reply.body.json()) as { code?: string; reason?: string };
      expect(reply.statusCode, `attempt ${i + 1}`).toBe(413);
      expect(problem).toMatchObject({ code: 'TD_BODY_TOO_LARGE', reason: 'body-too-large' });
    }
  });

  it.each([
    ['a declared Content-Length', () => ({ body: Buffer.alloc(upload, 0x61) })],
    [
      'a chunked body',
      () => ({ body: Readable.toWeb(stream()) as ReadableStream<Uint8Array>, duplex: 'half' }),
    ],
  ] as const)('fetch, %s, five times in a row', async (_label, init) => {
    const tapedeck = await start();
    for (let i = 0; i < 5; i++) {
      const reply = await fetch(`${tapedeck.url}/upload`, {
        method: 'POST',
        ...(init() as RequestInit),
      });
      const problem = (await reply.json()) as { code?: string; reason?: string };
      expect(reply.status, `attempt ${i + 1}`).toBe(413);
      expect(problem).toMatchObject({ code: 'TD_BODY_TOO_LARGE', reason: 'body-too-large' });
    }
  });

  it('stops reading an upload after LINGER_BYTES', async () => {
    const tapedeck = await start();
    const socket = connect({ host: '127.0.0.1', port: tapedeck.port, allowHalfOpen: true });
    defer(() => socket.destroy());
    socket.on('error', () => undefined);
    let gone = false;
    const closed = new Promise<void>((resolve) =>
      socket.on('close', () => {
        gone = true;
        resolve();
      }),
    );
    await once(socket, 'connect');
    socket.write(http(['POST /up HTTP/1.1', 'Host: x', `Content-Length: ${1024 * MiB}`]));
    // Far more than LINGER_BYTES: the server cuts the connection long before 1 GiB is sent.
    const piece = Buffer.alloc(256 * 1024, 0x61);
    let sent = 0;
    while (!gone && sent < 256 * MiB) {
      // A write the reset cuts off may never call back: the close ends the wait as well.
      const written = await Promise.race([
        new Promise<boolean>((resolve) => socket.write(piece, (error) => resolve(!error))),
        closed.then(() => false),
      ]);
      if (!written) break;
      sent += piece.length;
    }
    await closed;
    expect(sent).toBeGreaterThan(LINGER_BYTES);
    expect(sent).toBeLessThan(256 * MiB);
  });

  const size = 2 * MiB;
  const piece = Buffer.alloc(64 * 1024, 0x61);
  it.each([
    ['a declared Content-Length', `Content-Length: ${size}`, piece, ''],
    [
      'a chunked body',
      'Transfer-Encoding: chunked',
      Buffer.concat([Buffer.from('10000\r\n'), piece, Buffer.from('\r\n')]),
      '0\r\n\r\n',
    ],
  ] as const)(
    'reads the rest of an upload with %s after its 413, then closes without a reset',
    async (_label, framing, unit, last) => {
      const tapedeck = await start();
      // Half-open allowed: the client goes on sending after the server's FIN, as uploaders do.
      const socket = connect({ host: '127.0.0.1', port: tapedeck.port, allowHalfOpen: true });
      defer(() => socket.destroy());
      const errors: string[] = [];
      socket.on('error', (error: NodeJS.ErrnoException) =>
        errors.push(error.code ?? error.message),
      );
      const received: Buffer[] = [];
      const answered = new Promise<void>((resolve) => {
        socket.on('data', (chunk: Buffer) => {
          received.push(chunk);
          if (parseResponses(Buffer.concat(received)).length > 0) resolve();
        });
      });
      const closed = once(socket, 'close');
      await once(socket, 'connect');
      // The first 64 KiB are over the limit (1000): the 413 comes before the rest is sent.
      socket.write(
        Buffer.concat([Buffer.from(http(['POST /up HTTP/1.1', 'Host: x', framing])), unit]),
      );
      await answered;
      // The client only notices the answer once its upload is written.
      for (let sent = piece.length; sent < size && !socket.destroyed; sent += piece.length)
        await new Promise<void>((resolve) => socket.write(unit, () => resolve()));
      socket.end(last);
      await closed;
      expect(errors, 'the server read the upload instead of resetting it').toEqual([]);
      const responses = parseResponses(Buffer.concat(received), true);
      expect(responses.map((r) => r.status)).toEqual([413]);
      expect(frontDoorReason(responses[0]!)).toBe('body-too-large');
    },
  );
});
