/**
 * Wire faults seen from the client (issue 14): a real node:http server from the node-server
 * adapter answers `FaultReply`s, and undici and node:http clients meet the delay, the hold, the
 * reset, the close, the slow body, the cut body and the half body as a client meets them from a
 * real network. Then the bounds: the caps on concurrent faults per server and per owner, the
 * slow body's total time, the wait for a client that stopped reading, and shutdown. Times are
 * measured with performance.now(); nothing sleeps to wait.
 */
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { EventEmitter, once } from 'node:events';
import { connect, type Socket } from 'node:net';
import { performance } from 'node:perf_hooks';
import { Readable } from 'node:stream';
import type { Server } from 'node:http';
import { fetch, request as undiciRequest, Agent } from 'undici';
import { afterEach, describe, expect, it } from 'vitest';
import { faultsOf, WireFaults, type FaultLimits } from '../../src/adapters/http/faults.js';
import { closeGracefully, createHttpServer, listen } from '../../src/adapters/http/node-server.js';
import type { Reply, WireFault } from '../../src/core/ports/index.js';
import { gatewayReply } from '../../src/core/sandbox/scenarios/gateway.js';
import { defer, runCleanups } from '../helpers/cleanup.js';
import { CollectingLogger } from '../helpers/logger.js';

afterEach(runCleanups);

interface Served {
  readonly url: string;
  readonly server: Server;
  /** The reply for a path; set by the test before it sends. */
  readonly replies: Map<string, Reply>;
  /** The abort signal of the last request per path (it aborts when the client leaves). */
  readonly signals: Map<string, AbortSignal>;
  /** Emits the path of each request as the handler receives it. */
  readonly arrivals: EventEmitter;
}

async function serve(faults?: Partial<FaultLimits>): Promise<Served> {
  const replies = new Map<string, Reply>();
  const signals = new Map<string, AbortSignal>();
  const arrivals = new EventEmitter();
  const server = createHttpServer(
    (request) => {
      signals.set(request.path, request.signal);
      arrivals.emit(request.path);
      const reply = replies.get(request.path);
      if (reply === undefined) return Promise.reject(new Error(`no reply for ${request.path}`));
      return Promise.resolve(reply);
    },
    {
      maxBodyBytes: 1024 * 1024,
      logger: new CollectingLogger(),
      ...(faults === undefined ? {} : { faults }),
    },
  );
  const url = await listen(server, '127.0.0.1', 0);
  defer(() => closeGracefully(server, 10_000));
  return { url, server, replies, signals, arrivals };
}

/** A fresh undici agent per test, closed after it: no connection is shared between tests. */
function agent(): Agent {
  const dispatcher = new Agent();
  defer(() => dispatcher.destroy());
  return dispatcher;
}

/** A JSON body of about `bytes` bytes (ASCII, so characters are bytes). */
function jsonBody(bytes: number): string {
  const pad = 'x'.repeat(Math.max(0, bytes - '{"pad":""}'.length));
  return JSON.stringify({ pad });
}

const simple = (body: string, status = 200): Reply => ({
  kind: 'simple',
  status,
  headers: [['content-type', 'application/json']],
  body,
});

const fault = (wire: WireFault, inner: Reply = simple('{"ok":true}'), owner?: string): Reply => ({
  kind: 'fault',
  fault: wire,
  inner,
  ...(owner === undefined ? {} : { owner }),
});

/** A body that arrives in pieces, as an upstream's does. */
function chunks(text: string, size: number): AsyncIterable<Uint8Array> {
  const bytes = Buffer.from(text);
  const pieces: Buffer[] = [];
  for (let i = 0; i < bytes.byteLength; i += size) pieces.push(bytes.subarray(i, i + size));
  return Readable.from(pieces);
}

/** What a node:http client saw: the response head (if any), the body bytes, and the error (if any). */
interface NodeOutcome {
  readonly response?: IncomingMessage;
  readonly body: Buffer;
  readonly error?: NodeJS.ErrnoException;
  /** The response's body stream was cut before its end ('aborted'). */
  readonly aborted: boolean;
  readonly timedOut: boolean;
}

function nodeGet(url: string, timeoutMs?: number): Promise<NodeOutcome> {
  return new Promise((resolve) => {
    let response: IncomingMessage | undefined;
    const parts: Buffer[] = [];
    let aborted = false;
    let timedOut = false;
    let settled = false;
    const settle = (error?: NodeJS.ErrnoException) => {
      if (settled) return;
      settled = true;
      resolve({
        ...(response === undefined ? {} : { response }),
        body: Buffer.concat(parts),
        ...(error === undefined ? {} : { error }),
        aborted,
        timedOut,
      });
    };
    const req = httpRequest(url, {
      agent: false,
      ...(timeoutMs === undefined ? {} : { timeout: timeoutMs }),
    });
    req.on('timeout', () => {
      timedOut = true;
      req.destroy(new Error('client timeout'));
    });
    req.on('error', (error) => settle(error));
    req.on('response', (res) => {
      response = res;
      res.on('data', (chunk: Buffer) => parts.push(chunk));
      res.on('aborted', () => {
        aborted = true;
      });
      res.on('error', (error) => settle(error));
      res.on('end', () => settle());
      res.on('close', () => settle());
    });
    req.end();
  });
}

const errorCode = (error: unknown): string | undefined => {
  let e = error as { code?: string; cause?: unknown } | undefined;
  while (e !== undefined && e !== null) {
    if (typeof e.code === 'string') return e.code;
    e = e.cause as typeof e;
  }
  return undefined;
};

describe('delay', () => {
  it('answers the inner reply whole after the delay (undici fetch)', async () => {
    const s = await serve();
    s.replies.set('/late', fault({ kind: 'delay', ms: 300 }, simple('{"late":true}')));
    const start = performance.now();
    const res = await fetch(`${s.url}/late`, { dispatcher: agent() });
    const elapsed = performance.now() - start;
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ late: true });
    // Timers fire on whole milliseconds: allow the rounding, never an early answer.
    expect(elapsed).toBeGreaterThanOrEqual(299);
  });

  it('delays a recorded and a streamed inner reply (node:http)', async () => {
    const s = await serve();
    s.replies.set(
      '/recorded',
      fault(
        { kind: 'delay', ms: 150 },
        {
          kind: 'recorded',
          response: {
            status: 201,
            headers: { 'content-type': 'application/json' },
            body: { encoding: 'json', json: { id: 'r1' } },
          },
          extraHeaders: [['x-tapedeck-layer', 'cassette']],
          delayMs: 0,
        },
      ),
    );
    s.replies.set(
      '/stream',
      fault(
        { kind: 'delay', ms: 150 },
        {
          kind: 'stream',
          status: 200,
          headers: [['content-type', 'text/plain']],
          body: chunks('streamed body', 4),
        },
      ),
    );
    for (const [path, status, text] of [
      ['/recorded', 201, '{"id":"r1"}'],
      ['/stream', 200, 'streamed body'],
    ] as const) {
      const start = performance.now();
      const outcome = await nodeGet(`${s.url}${path}`);
      expect(performance.now() - start).toBeGreaterThanOrEqual(149);
      expect(outcome.error).toBeUndefined();
      expect(outcome.response?.statusCode).toBe(status);
      expect(outcome.body.toString()).toBe(text);
    }
  });
});

describe('delay and slow at shutdown', () => {
  it('answers at once when the server closes: a delayed answer, and the rest of a slow body', async () => {
    const s = await serve();
    s.replies.set('/late', fault({ kind: 'delay', ms: 60_000 }, simple('{"late":true}')));
    const body = jsonBody(1_000);
    s.replies.set('/slow', fault({ kind: 'slow', bytesPerSecond: 10 }, simple(body)));
    const arrived = Promise.all([once(s.arrivals, '/late'), once(s.arrivals, '/slow')]);
    const late = nodeGet(`${s.url}/late`);
    const slow = nodeGet(`${s.url}/slow`);
    await arrived;
    const closeStart = performance.now();
    await closeGracefully(s.server, 10_000);
    expect(performance.now() - closeStart).toBeLessThan(1_000);
    const [lateOutcome, slowOutcome] = await Promise.all([late, slow]);
    expect(lateOutcome.error).toBeUndefined();
    expect(lateOutcome.body.toString()).toBe('{"late":true}');
    expect(slowOutcome.error).toBeUndefined();
    expect(slowOutcome.body.toString()).toBe(body);
  });
});

describe('hold', () => {
  it("sends nothing: the client's own timeout fires, and the server still closes at once", async () => {
    const s = await serve();
    s.replies.set('/held', fault({ kind: 'hold', ms: 5_000 }));
    const start = performance.now();
    const outcome = await nodeGet(`${s.url}/held`, 200);
    const elapsed = performance.now() - start;
    expect(outcome.timedOut).toBe(true);
    expect(outcome.response).toBeUndefined();
    expect(elapsed).toBeGreaterThanOrEqual(199);
    expect(elapsed).toBeLessThan(2_000);

    // undici: the request's own deadline ends it, with nothing received.
    const undiciStart = performance.now();
    const failure = await fetch(`${s.url}/held`, {
      dispatcher: agent(),
      signal: AbortSignal.timeout(200),
    }).then(
      () => undefined,
      (error: unknown) => error,
    );
    expect((failure as Error).name).toBe('TimeoutError');
    expect(performance.now() - undiciStart).toBeLessThan(2_000);

    const closeStart = performance.now();
    await closeGracefully(s.server, 10_000);
    expect(performance.now() - closeStart).toBeLessThan(1_000);
    expect(faultsOf(s.server).size).toBe(0);
  });

  it('ends a connection still held when the server closes, long before the hold or the grace', async () => {
    const s = await serve();
    s.replies.set('/held', fault({ kind: 'hold', ms: 60_000 }));
    const arrived = once(s.arrivals, '/held');
    const pending = nodeGet(`${s.url}/held`);
    // The server has the request (its handler ran) before it is closed.
    await arrived;
    const closeStart = performance.now();
    await closeGracefully(s.server, 10_000);
    expect(performance.now() - closeStart).toBeLessThan(1_000);
    const outcome = await pending;
    expect(outcome.response).toBeUndefined();
    expect(outcome.error?.message).toBe('socket hang up');
    expect(faultsOf(s.server).size).toBe(0);
  });
});

describe('reset and close', () => {
  it('reset: the client reads ECONNRESET before any byte (node:http, undici)', async () => {
    const s = await serve();
    s.replies.set('/reset', fault({ kind: 'reset' }));
    const outcome = await nodeGet(`${s.url}/reset`);
    expect(outcome.response).toBeUndefined();
    expect(outcome.error?.code).toBe('ECONNRESET');
    expect(outcome.error?.message).not.toBe('socket hang up');

    const failure = await fetch(`${s.url}/reset`, { dispatcher: agent() }).then(
      () => undefined,
      (error: unknown) => error,
    );
    expect(errorCode(failure)).toBe('ECONNRESET');
  });

  it('close: the connection ends with no answer, a hang-up rather than a reset', async () => {
    const s = await serve();
    s.replies.set('/close', fault({ kind: 'close' }));
    const outcome = await nodeGet(`${s.url}/close`);
    expect(outcome.response).toBeUndefined();
    expect(outcome.error?.message).toBe('socket hang up');

    const failure = await undiciRequest(`${s.url}/close`, { dispatcher: agent() }).then(
      () => undefined,
      (error: unknown) => error,
    );
    expect(errorCode(failure)).toBe('UND_ERR_SOCKET');
    expect((failure as Error).message).toBe('other side closed');
  });
});

describe('slow', () => {
  it('sends the head at once and the body at the rate asked', async () => {
    const s = await serve();
    const body = jsonBody(2_000);
    s.replies.set('/slow', fault({ kind: 'slow', bytesPerSecond: 4_000 }, simple(body)));
    const start = performance.now();
    const {
      statusCode,
      headers,
      body: stream,
    } = await undiciRequest(`${s.url}/slow`, {
      dispatcher: agent(),
    });
    const headAt = performance.now() - start;
    const text = await stream.text();
    const elapsed = performance.now() - start;
    expect(statusCode).toBe(200);
    expect(headers['content-length']).toBe('2000');
    expect(text).toBe(body);
    expect(headAt).toBeLessThan(200);
    // 2,000 B at 4,000 B/s: half a second of ticks (five of 400 B), well under two.
    expect(elapsed).toBeGreaterThanOrEqual(400);
    expect(elapsed).toBeLessThan(2_000);
  });

  it('stops when the client leaves', async () => {
    const s = await serve();
    s.replies.set('/slow', fault({ kind: 'slow', bytesPerSecond: 10 }, simple(jsonBody(1_000))));
    const req = httpRequest(`${s.url}/slow`, { agent: false });
    req.on('error', () => {});
    req.end();
    const [res] = (await once(req, 'response')) as [IncomingMessage];
    expect(res.headers['content-length']).toBe('1000');
    const signal = s.signals.get('/slow')!;
    req.destroy();
    if (!signal.aborted) await once(signal, 'abort');
    // Every listener of the response's close has run: the slow body's wait is gone with it.
    expect(faultsOf(s.server).size).toBe(0);
  });
});

describe('truncate', () => {
  it('promises the whole body, sends half, and the read fails (undici fetch)', async () => {
    const s = await serve();
    s.replies.set('/cut', fault({ kind: 'truncate', fraction: 0.5 }, simple(jsonBody(1_000))));
    const res = await fetch(`${s.url}/cut`, { dispatcher: agent() });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-length')).toBe('1000');
    const failure = await res.text().then(
      () => undefined,
      (error: unknown) => error,
    );
    expect((failure as Error).message).toBe('terminated');
    expect(errorCode(failure)).toBe('UND_ERR_SOCKET');
  });

  it('cuts a recorded and a streamed body short (node:http)', async () => {
    const s = await serve();
    const body = jsonBody(1_000);
    s.replies.set(
      '/recorded',
      fault(
        { kind: 'truncate', fraction: 0.25 },
        {
          kind: 'recorded',
          response: {
            status: 200,
            headers: { 'content-type': 'application/json' },
            body: { encoding: 'text', text: body },
          },
          extraHeaders: [],
          delayMs: 0,
        },
      ),
    );
    s.replies.set(
      '/stream',
      fault(
        { kind: 'truncate', fraction: 1 },
        {
          kind: 'stream',
          status: 200,
          headers: [
            ['content-type', 'application/json'],
            ['content-length', '1000'],
          ],
          body: chunks(body, 64),
        },
      ),
    );
    for (const [path, sent] of [
      ['/recorded', 250],
      // A fraction of 1 still leaves the last byte out: a truncation is always short.
      ['/stream', 999],
    ] as const) {
      const outcome = await nodeGet(`${s.url}${path}`);
      expect(outcome.response?.statusCode).toBe(200);
      expect(outcome.response?.headers['content-length']).toBe('1000');
      expect(outcome.body.byteLength).toBe(sent);
      expect(outcome.aborted || outcome.error !== undefined).toBe(true);
      expect(outcome.error?.message).toBe('aborted');
    }
  });
});

describe('malform', () => {
  it('sends the first half of the body, framed correctly', async () => {
    const s = await serve();
    const body = JSON.stringify({ id: 'pi_123', amount: 2000, currency: 'usd', status: 'ok' });
    s.replies.set('/half', fault({ kind: 'malform' }, simple(body)));
    const res = await fetch(`${s.url}/half`, { dispatcher: agent() });
    expect(res.status).toBe(200);
    const bytes = Buffer.from(await res.arrayBuffer());
    expect(res.headers.get('content-length')).toBe(String(bytes.byteLength));
    expect(bytes.toString()).toBe(body.slice(0, Math.floor(body.length / 2)));
    expect(() => JSON.parse(bytes.toString()) as unknown).toThrow(SyntaxError);

    // The connection stays usable: the framing was right, only the content is broken.
    const outcome = await nodeGet(`${s.url}/half`);
    expect(outcome.error).toBeUndefined();
    expect(Number(outcome.response?.headers['content-length'])).toBe(outcome.body.byteLength);
  });
});

const NGINX_502 =
  '<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n' +
  '<center><h1>502 Bad Gateway</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n';

const CLOUDFRONT_504 = `<!DOCTYPE HTML PUBLIC "-//W3C//DTD HTML 4.01 Transitional//EN" "http://www.w3.org/TR/html4/loose.dtd">
<HTML><HEAD><META HTTP-EQUIV="Content-Type" CONTENT="text/html; charset=iso-8859-1">
<TITLE>ERROR: The request could not be satisfied</TITLE>
</HEAD><BODY>
<H1>504 ERROR</H1>
<H2>The request could not be satisfied.</H2>
<HR noshade size="1px">
CloudFront wasn't able to get an answer from the origin in time.
We can't connect to the server for this app or website at this time. There might be too much traffic or a configuration error. Try again later, or contact the app or website owner.
<BR clear="all">
If you provide content to customers through CloudFront, you can find steps to troubleshoot and help prevent this error by reviewing the CloudFront documentation.
<BR clear="all">
<HR noshade size="1px">
<PRE>
Generated by cloudfront (CloudFront)
Request ID: dGFwZWRlY2stc2FuZGJveC1nYXRld2F5LWZhdWx0LWNsb3VkZnJvbg==
</PRE>
<ADDRESS>
</ADDRESS>
</BODY></HTML>`;

describe('gateway answers', () => {
  it('nginx: its error pages, byte for byte, over the wire', async () => {
    const s = await serve();
    s.replies.set('/502', gatewayReply(502));
    s.replies.set('/503', gatewayReply(503, 'nginx', 30));
    s.replies.set('/504', gatewayReply(504, 'nginx'));
    const res = await fetch(`${s.url}/502`, { dispatcher: agent() });
    expect(res.status).toBe(502);
    expect(res.headers.get('content-type')).toBe('text/html');
    expect(res.headers.get('server')).toBe('nginx');
    expect(res.headers.get('x-tapedeck-layer')).toBe('scenario');
    expect(res.headers.get('retry-after')).toBeNull();
    expect(await res.text()).toBe(NGINX_502);

    const unavailable = await fetch(`${s.url}/503`, { dispatcher: agent() });
    expect(unavailable.status).toBe(503);
    expect(unavailable.headers.get('retry-after')).toBe('30');
    expect(await unavailable.text()).toBe(
      NGINX_502.replaceAll('502 Bad Gateway', '503 Service Temporarily Unavailable'),
    );
    expect(gatewayReply(504).body).toBe(
      NGINX_502.replaceAll('502 Bad Gateway', '504 Gateway Time-out'),
    );
  });

  it('envoy: its plain-text local replies', () => {
    const unavailable = gatewayReply(503, 'envoy', 5);
    expect(unavailable.status).toBe(503);
    expect(unavailable.body).toBe(
      'upstream connect error or disconnect/reset before headers. reset reason: connection failure',
    );
    expect(unavailable.headers).toEqual([
      ['server', 'envoy'],
      ['content-type', 'text/plain'],
      ['retry-after', '5'],
      ['x-tapedeck-layer', 'scenario'],
    ]);
    expect(gatewayReply(504, 'envoy').body).toBe('upstream request timeout');
    expect(gatewayReply(502, 'envoy').body).toBe(
      'upstream connect error or disconnect/reset before headers. reset reason: protocol error',
    );
  });

  it('cloudfront: its error page and the x-cache header', async () => {
    const s = await serve();
    s.replies.set('/504', gatewayReply(504, 'cloudfront'));
    const res = await fetch(`${s.url}/504`, { dispatcher: agent() });
    expect(res.status).toBe(504);
    expect(res.headers.get('server')).toBe('CloudFront');
    expect(res.headers.get('x-cache')).toBe('Error from cloudfront');
    expect(res.headers.get('content-type')).toBe('text/html');
    expect(res.headers.get('x-amz-cf-id')).toBe(
      'dGFwZWRlY2stc2FuZGJveC1nYXRld2F5LWZhdWx0LWNsb3VkZnJvbg==',
    );
    expect(await res.text()).toBe(CLOUDFRONT_504);
    expect(gatewayReply(502, 'cloudfront').body).toContain('<H1>502 ERROR</H1>');
  });
});

/** A request left open (a held fault): `end()` destroys it, as a client giving up does. */
function openGet(url: string): {
  readonly outcome: Promise<NodeOutcome>;
  readonly end: () => void;
} {
  const req = httpRequest(url, { agent: false });
  const outcome = new Promise<NodeOutcome>((resolve) => {
    const empty = { body: Buffer.alloc(0), aborted: false, timedOut: false };
    req.on('response', (response) => {
      response.resume();
      response.on('close', () => resolve({ ...empty, response }));
    });
    req.on('error', (error) => resolve({ ...empty, error }));
  });
  req.end();
  return { outcome, end: () => req.destroy() };
}

/** Resolves once the server has seen the client of `path` leave (its response closed). */
async function leftServer(s: Served, path: string): Promise<void> {
  const signal = s.signals.get(path)!;
  if (!signal.aborted) await once(signal, 'abort');
}

/**
 * A client that reads the head of the answer, then stops reading (the socket paused, still
 * open): its kernel buffers fill, and the server's writes stop draining.
 */
async function stalledGet(url: string, path: string): Promise<Socket> {
  const { port } = new URL(url);
  const socket = connect(Number(port), '127.0.0.1');
  defer(() => socket.destroy());
  socket.on('error', () => {});
  await once(socket, 'connect');
  socket.write(`GET ${path} HTTP/1.1\r\nhost: 127.0.0.1\r\n\r\n`);
  // Past the head: body bytes have come, so the server is writing (a slow body's first chunk).
  // A listener, not `for await`, which would destroy the socket when left.
  await new Promise<void>((resolve) => {
    let received = '';
    const onData = (data: Buffer) => {
      received += data.toString('latin1', 0, 1024);
      if (!/\r\n\r\n[\s\S]*aa/.test(received)) return;
      socket.off('data', onData);
      socket.pause();
      resolve();
    };
    socket.on('data', onData);
  });
  return socket;
}

/**
 * A body far larger than a loopback connection's buffers, one 1 MB buffer repeated; `ended`
 * says its reader let go before the end (`return`, as leaving a `for await` early calls).
 */
function bigStream(megabytes: number, ended = { done: false }): AsyncIterable<Uint8Array> {
  const piece = Buffer.alloc(1024 * 1024, 0x61);
  let sent = 0;
  return {
    [Symbol.asyncIterator]: () => ({
      next: () => {
        sent += 1;
        return Promise.resolve(
          sent <= megabytes
            ? { done: false, value: piece }
            : { done: true as const, value: undefined },
        );
      },
      return: () => {
        ended.done = true;
        return Promise.resolve({ done: true as const, value: undefined });
      },
    }),
  };
}

describe('bounds: concurrent faults', () => {
  it('past the server cap: a hold answers 503 at once, a delay and a slow body their answer whole, marked', async () => {
    const s = await serve({ maxConcurrent: 2 });
    const faults = faultsOf(s.server);
    for (const path of ['/h1', '/h2', '/h3', '/h4', '/h5'])
      s.replies.set(path, fault({ kind: 'hold', ms: 60_000 }));
    s.replies.set('/late', fault({ kind: 'delay', ms: 60_000 }, simple('{"late":true}')));
    const body = jsonBody(1_000);
    s.replies.set('/slow', fault({ kind: 'slow', bytesPerSecond: 10 }, simple(body)));

    const arrived = Promise.all([once(s.arrivals, '/h1'), once(s.arrivals, '/h2')]);
    const h1 = openGet(`${s.url}/h1`);
    const h2 = openGet(`${s.url}/h2`);
    await arrived;

    // The third hold is refused at once, and says why; the two before it still hold.
    const refused = await fetch(`${s.url}/h3`, { dispatcher: agent() });
    expect(refused.status).toBe(503);
    expect(refused.headers.get('x-tapedeck-fault-limited')).toBe('1');
    expect(refused.headers.get('content-type')).toBe('text/plain; charset=utf-8');
    expect(await refused.text()).toBe(
      "tapedeck: the sandbox's concurrent-fault limit was reached (2 waiting faults on this server), " +
        "so this request's hold fault was not applied. Try again once fewer faults are in progress.\n",
    );
    expect(faults.refused).toBe(1);
    expect(faults.active).toBe(2);

    const start = performance.now();
    const late = await fetch(`${s.url}/late`, { dispatcher: agent() });
    expect(late.status).toBe(200);
    expect(late.headers.get('x-tapedeck-fault-limited')).toBe('1');
    expect(await late.json()).toEqual({ late: true });
    const slow = await fetch(`${s.url}/slow`, { dispatcher: agent() });
    expect(slow.headers.get('x-tapedeck-fault-limited')).toBe('1');
    expect(slow.headers.get('content-length')).toBe('1000');
    expect(await slow.text()).toBe(body);
    // A minute's delay and a hundred seconds' trickle, both skipped.
    expect(performance.now() - start).toBeLessThan(2_000);
    expect(faults.refused).toBe(3);

    // The first hold ends (its client leaves): its slot is free, and the next hold takes it...
    h1.end();
    await leftServer(s, '/h1');
    expect(faults.active).toBe(1);
    const arrivedH4 = once(s.arrivals, '/h4');
    const h4 = openGet(`${s.url}/h4`);
    await arrivedH4;
    // ...which the next refusal shows: the cap is reached again.
    const again = await fetch(`${s.url}/h5`, { dispatcher: agent() });
    expect(again.status).toBe(503);
    await again.text();
    expect(faults.refused).toBe(4);
    expect(faults.active).toBe(2);

    const closeStart = performance.now();
    await closeGracefully(s.server, 10_000);
    expect(performance.now() - closeStart).toBeLessThan(1_000);
    for (const held of [h2, h4]) {
      const outcome = await held.outcome;
      expect(outcome.response).toBeUndefined();
      expect(outcome.error?.message).toBe('socket hang up');
    }
    expect(faults.active).toBe(0);
    expect(faults.size).toBe(0);
  });

  it('past the owner cap: that owner is refused, another owner and faults without one are not', async () => {
    const s = await serve({ maxConcurrent: 10, maxConcurrentPerOwner: 1 });
    const faults = faultsOf(s.server);
    const hold = (owner?: string) => fault({ kind: 'hold', ms: 60_000 }, simple('{}'), owner);
    for (const path of ['/a1', '/a2', '/a3', '/a4']) s.replies.set(path, hold('tenant-a'));
    for (const path of ['/b1', '/b2']) s.replies.set(path, hold('tenant-b'));
    s.replies.set('/none', hold());

    const arrived = Promise.all(['/a1', '/b1', '/none'].map((path) => once(s.arrivals, path)));
    const a1 = openGet(`${s.url}/a1`);
    const b1 = openGet(`${s.url}/b1`);
    const none = openGet(`${s.url}/none`);
    await arrived;

    for (const path of ['/a2', '/b2']) {
      const res = await fetch(`${s.url}${path}`, { dispatcher: agent() });
      expect(res.status).toBe(503);
      expect(res.headers.get('x-tapedeck-fault-limited')).toBe('1');
      expect(await res.text()).toContain('(1 waiting faults for one tenant)');
    }
    expect(faults.refused).toBe(2);
    expect(faults.active).toBe(3);

    // tenant-a's hold ends: tenant-a may hold again, once.
    a1.end();
    await leftServer(s, '/a1');
    expect(faults.active).toBe(2);
    const arrivedA3 = once(s.arrivals, '/a3');
    const a3 = openGet(`${s.url}/a3`);
    await arrivedA3;
    const refused = await fetch(`${s.url}/a4`, { dispatcher: agent() });
    expect(refused.status).toBe(503);
    await refused.text();
    expect(faults.refused).toBe(3);
    expect(faults.active).toBe(3);

    await closeGracefully(s.server, 10_000);
    for (const held of [b1, none, a3]) expect((await held.outcome).response).toBeUndefined();
    expect(faults.active).toBe(0);
  });

  it('refuses limits that are not numbers from 0', () => {
    expect(() => new WireFaults({ maxConcurrent: -1 })).toThrow(
      expect.objectContaining({ code: 'TD_CONFIG_INVALID' }),
    );
    expect(() => new WireFaults({ maxConcurrentPerOwner: 1.5 })).toThrow(
      expect.objectContaining({ code: 'TD_CONFIG_INVALID' }),
    );
    expect(() => new WireFaults({ drainTimeoutMs: Number.NaN })).toThrow(
      expect.objectContaining({ code: 'TD_CONFIG_INVALID' }),
    );
  });
});

describe('bounds: time', () => {
  it("a slow body's whole write ends at maxWaitMs: the rest goes at once", async () => {
    const s = await serve({ maxWaitMs: 300 });
    const body = jsonBody(1_000);
    // 1,000 B at 10 B/s would take 100 s.
    s.replies.set('/slow', fault({ kind: 'slow', bytesPerSecond: 10 }, simple(body)));
    const start = performance.now();
    const outcome = await nodeGet(`${s.url}/slow`);
    const elapsed = performance.now() - start;
    expect(outcome.error).toBeUndefined();
    expect(outcome.body.toString()).toBe(body);
    // It trickled up to the bound (timers round to whole milliseconds), not a tick past it.
    expect(elapsed).toBeGreaterThanOrEqual(299);
    expect(elapsed).toBeLessThan(2_000);
    expect(faultsOf(s.server).active).toBe(0);
  });

  it('a slow body to a client that stopped reading is destroyed after drainTimeoutMs', async () => {
    const s = await serve({ drainTimeoutMs: 200 });
    const faults = faultsOf(s.server);
    // 64 MB in 8 MB ticks: far more than the loopback buffers hold for a client that reads nothing.
    s.replies.set(
      '/stalled',
      fault(
        { kind: 'slow', bytesPerSecond: 80 * 1024 * 1024 },
        { kind: 'stream', status: 200, headers: [], body: bigStream(64) },
      ),
    );
    await stalledGet(s.url, '/stalled');
    const start = performance.now();
    await leftServer(s, '/stalled');
    expect(performance.now() - start).toBeGreaterThanOrEqual(150);
    expect(faults.size).toBe(0);
    expect(faults.active).toBe(0);
  });

  it('a streamed answer to a client that stopped reading is destroyed after drainTimeoutMs, and its source ended', async () => {
    const s = await serve({ drainTimeoutMs: 200 });
    const faults = faultsOf(s.server);
    const ended = { done: false };
    s.replies.set('/stream', {
      kind: 'stream',
      status: 200,
      headers: [['content-type', 'application/octet-stream']],
      body: bigStream(1_024, ended),
    });
    await stalledGet(s.url, '/stream');
    await leftServer(s, '/stream');
    expect(faults.size).toBe(0);
    // The source (an upstream's body) was released, not read to its end.
    expect(ended.done).toBe(true);
  });

  it('at shutdown, the rest of a slow body larger than the socket buffers still arrives whole', async () => {
    const s = await serve();
    const body = 'b'.repeat(16 * 1024 * 1024);
    s.replies.set('/slow', fault({ kind: 'slow', bytesPerSecond: 100_000 }, simple(body)));
    const arrived = once(s.arrivals, '/slow');
    const pending = undiciRequest(`${s.url}/slow`, { dispatcher: agent() });
    await arrived;
    const { body: stream } = await pending;
    const reading = stream.text();
    await closeGracefully(s.server, 10_000);
    // Drained before it is ended: the close's sweep of idle connections never cuts it short.
    expect((await reading).length).toBe(body.length);
  });

  it("shutdown ends the faults' waits at once, and a write to a client that stopped reading at the grace", async () => {
    const s = await serve();
    const faults = faultsOf(s.server);
    s.replies.set('/held', fault({ kind: 'hold', ms: 60_000 }));
    s.replies.set('/late', fault({ kind: 'delay', ms: 60_000 }, simple('{"late":true}')));
    s.replies.set(
      '/stalled',
      fault(
        { kind: 'slow', bytesPerSecond: 80 * 1024 * 1024 },
        { kind: 'stream', status: 200, headers: [], body: bigStream(64) },
      ),
    );
    const arrived = Promise.all([once(s.arrivals, '/held'), once(s.arrivals, '/late')]);
    const held = openGet(`${s.url}/held`);
    const late = nodeGet(`${s.url}/late`);
    await arrived;
    await stalledGet(s.url, '/stalled');
    expect(faults.active).toBe(3);
    const closeStart = performance.now();
    const closing = closeGracefully(s.server, 300);
    // The hold and the delay end before the close does: they never wait for the grace.
    const first = await Promise.race([
      Promise.all([held.outcome, late]).then(() => 'faults'),
      closing.then(() => 'closed'),
    ]);
    expect(first).toBe('faults');
    expect((await held.outcome).error?.message).toBe('socket hang up');
    expect((await late).body.toString()).toBe('{"late":true}');
    // The stalled write is destroyed at the grace, long before its own drain bound (120 s).
    await closing;
    const elapsed = performance.now() - closeStart;
    expect(elapsed).toBeGreaterThanOrEqual(290);
    expect(elapsed).toBeLessThan(2_000);
    await leftServer(s, '/stalled');
    expect(faults.size).toBe(0);
    expect(faults.active).toBe(0);
  });
});
