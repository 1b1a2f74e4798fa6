/**
 * Wire faults seen from the client (issue 14): a real node:http server from the node-server
 * adapter answers `FaultReply`s, and undici and node:http clients meet the delay, the hold, the
 * reset, the close, the slow body, the cut body and the half body as a client meets them from a
 * real network. Times are measured with performance.now(); nothing sleeps to wait.
 */
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { EventEmitter, once } from 'node:events';
import { performance } from 'node:perf_hooks';
import { Readable } from 'node:stream';
import type { Server } from 'node:http';
import { fetch, request as undiciRequest, Agent } from 'undici';
import { afterEach, describe, expect, it } from 'vitest';
import { faultsOf } from '../../src/adapters/http/faults.js';
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

async function serve(): Promise<Served> {
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
    { maxBodyBytes: 1024 * 1024, logger: new CollectingLogger() },
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

const fault = (wire: WireFault, inner: Reply = simple('{"ok":true}')): Reply => ({
  kind: 'fault',
  fault: wire,
  inner,
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
