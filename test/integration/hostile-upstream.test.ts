/**
 * Hostile upstreams (issue 12): raw node:net servers that send broken bytes to `tapedeck record`
 * and to replay's passthrough. For every case the client gets a sane answer — a 502/504
 * problem+json when nothing was sent yet, a destroyed connection when the status line was
 * already sent — the log has one clear line, no half interaction is recorded, and the process
 * carries on (the next request is answered).
 */
import { mkdirSync } from 'node:fs';
import { once } from 'node:events';
import { createServer, type Socket } from 'node:net';
import { gzipSync } from 'node:zlib';
import { afterEach, describe, expect, it } from 'vitest';
import { Agent, request } from 'undici';
import { defer, runCleanups } from '../helpers/cleanup.js';
import { listFiles, readCassette } from '../helpers/files.js';
import { layout, startTapedeck, type RunningTapedeck } from '../helpers/tapedeck.js';
import { tempDir } from '../helpers/tmp.js';

afterEach(runCleanups);

const TIMEOUT_MS = 400;
const MAX_BODY = 64 * 1024;

/** What a raw upstream does once it has read a request's head. */
type Script = (socket: Socket) => void;

/** A TCP server on 127.0.0.1 port 0 that reads each request head and runs `script` on it. */
async function rawUpstream(script: Script): Promise<{ url: string; connections: () => number }> {
  const sockets = new Set<Socket>();
  let connections = 0;
  const server = createServer((socket) => {
    connections++;
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => undefined);
    let head = '';
    const onData = (chunk: Buffer) => {
      head += chunk.toString('latin1');
      if (!head.includes('\r\n\r\n')) return;
      socket.off('data', onData);
      script(socket);
    };
    socket.on('data', onData);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  defer(async () => {
    for (const s of sockets) s.destroy();
    await new Promise((resolve) => server.close(resolve));
  });
  const { port } = server.address() as { port: number };
  return { url: `http://127.0.0.1:${port}`, connections: () => connections };
}

/** The bytes, one every `ms` milliseconds, until the socket closes. */
function trickle(socket: Socket, bytes: string, ms: number): void {
  let i = 0;
  const timer = setInterval(() => {
    if (socket.destroyed || i >= bytes.length) return clearInterval(timer);
    socket.write(bytes[i++]!);
  }, ms);
  socket.on('close', () => clearInterval(timer));
}

const ok = (extra = '', body = 'ok') =>
  `HTTP/1.1 200 OK\r\ncontent-type: text/plain\r\ncontent-length: ${Buffer.byteLength(body, 'latin1')}\r\n${extra}\r\n${body}`;
const end =
  (bytes: string | Buffer): Script =>
  (socket) =>
    socket.end(bytes);

/** What the client saw. */
type Outcome =
  | {
      readonly kind: 'answer';
      readonly status: number;
      readonly headers: Record<string, string | string[] | undefined>;
      readonly body: Buffer;
    }
  /** The status line arrived, then the connection was destroyed before the body ended. */
  | { readonly kind: 'broken'; readonly status: number };

async function fetchOutcome(url: string, onHeaders?: () => void): Promise<Outcome> {
  const agent = new Agent({ keepAliveTimeout: 1_000 });
  defer(() => agent.destroy());
  const response = await request(url, { dispatcher: agent });
  onHeaders?.();
  try {
    const body = Buffer.from(await response.body.arrayBuffer());
    return { kind: 'answer', status: response.statusCode, headers: response.headers, body };
  } catch {
    return { kind: 'broken', status: response.statusCode };
  }
}

/** What the case expects the client to get. */
type Expect =
  | { readonly problem: 502 | 504; readonly code: string }
  | { readonly broken: true }
  | {
      readonly status: number;
      readonly body: string | Buffer;
      readonly recorded: boolean;
      readonly check?: (outcome: Extract<Outcome, { kind: 'answer' }>) => void;
    };

interface Case {
  readonly name: string;
  readonly script: Script;
  readonly expect: Expect;
  /** The log line (warn) the case must leave, or none for a clean answer. */
  readonly log?: RegExp;
  /** Runs once the client has the status line and headers. */
  readonly onClientHeaders?: () => void;
  /** The line is about the recording: passthrough, which keeps nothing, logs nothing. */
  readonly recordOnly?: true;
}

/** The hostile socket of a case that acts again once the client has the status line. */
let pending: Socket | undefined;

const bomb = gzipSync(Buffer.alloc(16 * MAX_BODY));
const cookies = Array.from({ length: 300 }, (_, i) => `set-cookie: c${i}=v${i}; Path=/\r\n`).join(
  '',
);
const manyHeaders = Array.from({ length: 600 }, (_, i) => `x-h${i}: v\r\n`).join('');

const CASES: readonly Case[] = [
  {
    name: 'response headers over 16 KiB',
    script: end(ok(`x-big: ${'a'.repeat(20_000)}\r\n`)),
    expect: { problem: 502, code: 'TD_UPSTREAM_UNREACHABLE' },
    log: /sent an answer that is not valid HTTP \(UND_ERR_HEADERS_OVERFLOW\)/,
  },
  {
    name: 'more response header lines than the cap',
    script: end(ok(manyHeaders)),
    expect: { problem: 502, code: 'TD_UPSTREAM_UNREACHABLE' },
    log: /answered with 60\d header lines, more than 500/,
  },
  {
    name: 'an invalid status line',
    script: end('HTTP/1.1 OK\r\ncontent-length: 2\r\n\r\nok'),
    expect: { problem: 502, code: 'TD_UPSTREAM_UNREACHABLE' },
    log: /sent an answer that is not valid HTTP \(.*Invalid status code/,
  },
  {
    name: 'status 0',
    script: end('HTTP/1.1 000 Zero\r\ncontent-length: 2\r\n\r\nok'),
    expect: { problem: 502, code: 'TD_UPSTREAM_UNREACHABLE' },
    log: /sent an answer that is not valid HTTP \(ERR_ASSERTION\)/,
  },
  {
    name: 'status 999',
    script: end('HTTP/1.1 999 Nine\r\ncontent-length: 2\r\n\r\nok'),
    expect: { problem: 502, code: 'TD_UPSTREAM_UNREACHABLE' },
    log: /answered with status 999, which is not a final HTTP status/,
  },
  {
    name: 'only a 1xx, then close',
    script: end('HTTP/1.1 102 Processing\r\n\r\n'),
    expect: { problem: 502, code: 'TD_UPSTREAM_UNREACHABLE' },
    log: /could not be reached \(UND_ERR_SOCKET\): other side closed\.$/,
  },
  {
    name: '101 Switching Protocols to a request that asked for no upgrade',
    script: end(
      'HTTP/1.1 101 Switching Protocols\r\nupgrade: websocket\r\nconnection: upgrade\r\n\r\n',
    ),
    expect: { problem: 502, code: 'TD_UPSTREAM_UNREACHABLE' },
    log: /sent an answer that is not valid HTTP \(UND_ERR_SOCKET\): bad upgrade\.$/,
  },
  {
    name: 'a Content-Length longer than the body, then close',
    script: end('HTTP/1.1 200 OK\r\ncontent-length: 100\r\n\r\nshort'),
    expect: { broken: true },
    log: /closed the connection before the body ended|Content-Length/,
  },
  {
    name: 'a Content-Length shorter than the bytes sent',
    script: end('HTTP/1.1 200 OK\r\ncontent-type: text/plain\r\ncontent-length: 2\r\n\r\nokEXTRA'),
    expect: { status: 200, body: 'ok', recorded: true },
  },
  {
    name: 'a chunked body broken mid-way',
    script: end('HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n5\r\nhello\r\nzz\r\n'),
    expect: { broken: true },
    log: /the upstream body failed \(.*chunk/i,
  },
  {
    name: 'a body that never ends (the body timeout)',
    script: (socket) => socket.write('HTTP/1.1 200 OK\r\ncontent-length: 100\r\n\r\nstart'),
    expect: { broken: true },
    log: /sent no body bytes within upstream\.timeoutMs \(UND_ERR_BODY_TIMEOUT\)/,
  },
  {
    name: 'no answer at all (the headers timeout)',
    script: () => undefined,
    expect: { problem: 504, code: 'TD_UPSTREAM_TIMEOUT' },
    log: /did not answer in time/,
  },
  {
    name: 'a slowloris status line, a byte every 50 ms',
    script: (socket) => trickle(socket, ok(), 50),
    expect: { problem: 504, code: 'TD_UPSTREAM_TIMEOUT' },
    log: /did not answer in time/,
  },
  {
    name: 'a close before any byte',
    script: (socket) => socket.end(),
    expect: { problem: 502, code: 'TD_UPSTREAM_UNREACHABLE' },
    log: /could not be reached \(UND_ERR_SOCKET\)/,
  },
  {
    name: 'a reset before any byte',
    script: (socket) => socket.resetAndDestroy(),
    expect: { problem: 502, code: 'TD_UPSTREAM_UNREACHABLE' },
    log: /could not be reached \((ECONNRESET|UND_ERR_SOCKET)\)/,
  },
  {
    // The reset waits until the client has the status line: an RST can drop bytes the proxy has
    // not read yet, which would make this "a reset before any byte".
    name: 'a reset (RST) mid-body',
    script: (socket) => {
      pending = socket;
      socket.write('HTTP/1.1 200 OK\r\ncontent-length: 100\r\n\r\nstart');
    },
    onClientHeaders: () => pending?.resetAndDestroy(),
    expect: { broken: true },
    log: /reset the connection mid-body|closed the connection before the body ended/,
  },
  {
    name: 'a gzip body that is not gzip',
    script: end(ok('content-encoding: gzip\r\n', 'not gzip at all')),
    expect: { status: 200, body: 'not gzip at all', recorded: false },
    recordOnly: true,
    log: /the response body does not decode as its Content-Encoding \(gzip\) says; the client got it as sent/,
  },
  {
    name: 'a zip bomb',
    script: (socket) =>
      socket.end(
        Buffer.concat([
          Buffer.from(
            `HTTP/1.1 200 OK\r\ncontent-encoding: gzip\r\ncontent-length: ${bomb.byteLength}\r\n\r\n`,
          ),
          bomb,
        ]),
      ),
    expect: { status: 200, body: bomb, recorded: false },
    recordOnly: true,
    log: new RegExp(`The gzip body decodes to more than ${MAX_BODY} bytes \\(maxBodyBytes\\)`),
  },
  {
    name: 'a body over maxBodyBytes (the copy is dropped, the client gets it all)',
    script: end(ok('', 'x'.repeat(MAX_BODY + 1))),
    expect: { status: 200, body: 'x'.repeat(MAX_BODY + 1), recorded: false },
    recordOnly: true,
    log: new RegExp(
      `the response body is over ${MAX_BODY} bytes \\(maxBodyBytes\\); the client got it whole`,
    ),
  },
  {
    name: 'a huge Set-Cookie list',
    script: end(ok(cookies)),
    expect: {
      status: 200,
      body: 'ok',
      recorded: true,
      check: (o) => expect(o.headers['set-cookie']).toHaveLength(300),
    },
  },
  {
    name: 'header values with obs-text',
    script: end(Buffer.from(ok('x-obs: caf\xe9 \xff\r\n'), 'latin1')),
    expect: {
      status: 200,
      body: 'ok',
      recorded: true,
      check: (o) => expect(o.headers['x-obs']).toBe('caf\xe9 \xff'),
    },
  },
  {
    name: 'Transfer-Encoding gzip, chunked (a transfer coding tapedeck must not pass on)',
    script: end(
      Buffer.concat([
        Buffer.from('HTTP/1.1 200 OK\r\ntransfer-encoding: gzip, chunked\r\n\r\n'),
        Buffer.from(`${gzipSync('hi').byteLength.toString(16)}\r\n`),
        gzipSync('hi'),
        Buffer.from('\r\n0\r\n\r\n'),
      ]),
    ),
    expect: { problem: 502, code: 'TD_UPSTREAM_UNREACHABLE' },
    log: /answered with Transfer-Encoding gzip, chunked: tapedeck removes only chunked/,
  },
  {
    name: 'Transfer-Encoding ", chunked" (empty list elements are ignored, RFC 9110 §5.6.1)',
    script: end(
      'HTTP/1.1 200 OK\r\ncontent-type: text/plain\r\ntransfer-encoding: , chunked\r\n\r\n2\r\nok\r\n0\r\n\r\n',
    ),
    expect: { status: 200, body: 'ok', recorded: true },
  },
  {
    name: 'Transfer-Encoding "chunked, " (undici reads it to the close: not passed on as a body)',
    script: end(
      'HTTP/1.1 200 OK\r\ncontent-type: text/plain\r\ntransfer-encoding: chunked, \r\n\r\n2\r\nok\r\n0\r\n\r\n',
    ),
    expect: { problem: 502, code: 'TD_UPSTREAM_UNREACHABLE' },
    log: /answered with Transfer-Encoding "chunked, ": chunked is not its last element/,
  },
  {
    name: 'Transfer-Encoding "chunked, chunked" (chunked twice is forbidden: one framing would be left in)',
    script: end(
      'HTTP/1.1 200 OK\r\ncontent-type: text/plain\r\ntransfer-encoding: chunked, chunked\r\n\r\n7\r\n2\r\nok\r\n\r\n0\r\n\r\n',
    ),
    expect: { problem: 502, code: 'TD_UPSTREAM_UNREACHABLE' },
    log: /answered with Transfer-Encoding "chunked, chunked": chunked may be applied once only/,
  },
  {
    name: 'Connection: close (not passed on; the next request gets a new connection)',
    script: end(ok('connection: close\r\nx-drop: 1\r\nconnection: x-drop\r\n')),
    expect: {
      status: 200,
      body: 'ok',
      recorded: true,
      check: (o) => {
        expect(o.headers['connection']).not.toBe('close');
        expect(o.headers['x-drop']).toBeUndefined();
      },
    },
  },
  {
    // RFC 9110 §15.2 asks a client to parse 1xx it did not expect; undici refuses a 100 to a
    // request that sent no `Expect: 100-continue` (tapedeck never forwards Expect) as a bad
    // response. The client gets a 502, not a hang; documented in docs/limits.md.
    name: 'an unsolicited 100 Continue before the answer',
    script: end(`HTTP/1.1 100 Continue\r\n\r\n${ok()}`),
    expect: { problem: 502, code: 'TD_UPSTREAM_UNREACHABLE' },
    log: /sent an answer that is not valid HTTP \(UND_ERR_SOCKET\): bad response\.$/,
  },
  {
    name: '103 Early Hints before the answer',
    script: end(`HTTP/1.1 103 Early Hints\r\nlink: </a.css>; rel=preload\r\n\r\n${ok()}`),
    expect: { status: 200, body: 'ok', recorded: true },
  },
  {
    name: 'an HTTP/1.0 answer without a length (read until close)',
    script: end('HTTP/1.0 200 OK\r\ncontent-type: text/plain\r\n\r\nuntil the close'),
    expect: { status: 200, body: 'until the close', recorded: true },
  },
];

type Mode = 'record' | 'passthrough';

async function proxy(mode: Mode, target: string): Promise<RunningTapedeck & { cassettes: string }> {
  const dirs = layout(tempDir());
  mkdirSync(dirs.cassettes, { recursive: true });
  const flags = [
    { pointer: '/upstream/timeoutMs', value: TIMEOUT_MS, flag: 'test' },
    { pointer: '/maxBodyBytes', value: MAX_BODY, flag: 'test' },
    ...(mode === 'passthrough'
      ? [{ pointer: '/replay/onMiss', value: 'passthrough', flag: 'test' } as const]
      : []),
  ];
  const env = { TAPEDECK_REDACTION_KEY: 'hostile-upstream-test-key-0123456789' };
  const running =
    mode === 'record'
      ? await startTapedeck('record', { ...dirs, target, mode: 'all', flags, env })
      : await startTapedeck('replay', { ...dirs, target, flags, env });
  return { ...running, cassettes: dirs.cassettes };
}

/** The warn and error lines a case left (debug and info lines are not about failures). */
function failureLines(tapedeck: RunningTapedeck): string[] {
  return tapedeck.logger.lines
    .filter((l) => l.level === 'warn' || l.level === 'error')
    .map((l) => l.message);
}

describe.each(['record', 'passthrough'] as const)('a hostile upstream, %s', (mode) => {
  it.each(CASES)(
    '$name',
    async ({ script, expect: wanted, log: line, recordOnly, onClientHeaders }) => {
      const log = recordOnly === true && mode === 'passthrough' ? undefined : line;
      let hostile = true;
      const upstream = await rawUpstream((socket) => {
        if (hostile) script(socket);
        else socket.end(ok('', 'after'));
      });
      const tapedeck = await proxy(mode, upstream.url);
      const outcome = await fetchOutcome(`${tapedeck.url}/case`, onClientHeaders);

      if ('problem' in wanted) {
        expect(outcome).toMatchObject({ kind: 'answer', status: wanted.problem });
        const answer = outcome as Extract<Outcome, { kind: 'answer' }>;
        expect(answer.headers['content-type']).toBe('application/problem+json');
        expect(JSON.parse(answer.body.toString())).toMatchObject({ code: wanted.code });
      } else if ('broken' in wanted) {
        expect(outcome).toEqual({ kind: 'broken', status: 200 });
      } else {
        expect(outcome).toMatchObject({ kind: 'answer', status: wanted.status });
        const answer = outcome as Extract<Outcome, { kind: 'answer' }>;
        expect(answer.body.equals(Buffer.from(wanted.body))).toBe(true);
        wanted.check?.(answer);
      }

      // The recording work runs on a later turn: the line may come after the client's answer.
      if (log !== undefined && failureLines(tapedeck).length === 0) {
        await Promise.race([
          tapedeck.logger.waitFor('record.skipped'),
          tapedeck.logger.waitFor('upstream.failed'),
        ]);
      }
      const lines = failureLines(tapedeck);
      if (log === undefined) expect(lines).toEqual([]);
      else {
        expect(lines).toHaveLength(1);
        expect(lines[0]).toMatch(log);
        expect(lines[0]).toMatch(/^(not recorded: )?GET \/case: /);
      }

      // The process carries on: the next request is answered.
      hostile = false;
      const after = await fetchOutcome(`${tapedeck.url}/after`);
      expect(after).toMatchObject({ kind: 'answer', status: 200 });
      await tapedeck.stop();

      const recorded = 'recorded' in wanted && wanted.recorded;
      if (mode === 'passthrough') expect(await listFiles(tapedeck.cassettes)).toEqual([]);
      else {
        const cassette = await readCassette(tapedeck.cassettes);
        expect(cassette.interactions.map((i) => i.request.path)).toEqual(
          recorded ? ['/case', '/after'] : ['/after'],
        );
      }
    },
  );
});
