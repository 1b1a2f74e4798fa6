/**
 * Wire faults (issue 14's scenario outcomes, `WireFault` in core/http/reply.ts), written with the
 * socket in hand: an answer late, never, slow, cut short or cut in half, or the connection reset
 * or closed before any byte. Each fault is what a client meets from a real network or a real
 * gateway, so the bytes and the TCP events are the real ones (a RST is a RST, not a 502).
 *
 * The waits (a delay, a hold, a slow body's pauses) are node timers registered with the server's
 * `WireFaults`: closing the server ends them at once (a held connection is destroyed, a delayed
 * or slow answer goes out whole), so no fault keeps a server from closing or a timer dangling.
 */
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { FaultReply, Reply } from '../../core/ports/index.js';

/**
 * The longest a fault waits, whatever it was asked for: the catalogue bounds `timeout` at 120 s
 * and `latency` at 60 s; this is the adapter's own guard against a reply built elsewhere.
 */
export const MAX_FAULT_WAIT_MS = 120_000;

/** How often a slow body sends a chunk (at most; slower for rates under 10 bytes a second). */
export const SLOW_TICK_MS = 100;

/** An answer as bytes on the wire: what the faults that send one cut, slow or break. */
export interface WireAnswer {
  readonly status: number;
  readonly reason: string;
  /** Flat [name, value, …], without Content-Length and Transfer-Encoding (a fault sets the framing). */
  readonly headers: readonly string[];
  readonly body: Buffer;
}

/** What write-reply.ts lends the faults: an answer's bytes, and writing an answer whole. */
export interface ReplyWriter {
  readonly answerOf: (req: IncomingMessage, reply: Reply) => Promise<WireAnswer>;
  readonly write: (
    req: IncomingMessage,
    res: ServerResponse,
    reply: Reply,
    faults: WireFaults,
  ) => Promise<void>;
}

/** Why a fault's wait ended: its time passed, the client left, or the server is closing. */
export type Wake = 'elapsed' | 'gone' | 'shutdown';

/**
 * The waits in progress on one server. `endAll` (from closeGracefully) wakes every one with
 * 'shutdown', and any wait that starts afterwards wakes at once: the server's close is never
 * held up by a fault, which is the plan's "never past server shutdown".
 */
export class WireFaults {
  private readonly waiting = new Set<() => void>();
  private ending = false;

  /** Waits `ms` (bounded), or until the response closes (the client left) or the server closes. */
  pause(ms: number, res: ServerResponse): Promise<Wake> {
    if (res.destroyed) return Promise.resolve('gone');
    if (this.ending) return Promise.resolve('shutdown');
    return new Promise((resolve) => {
      const done = (wake: Wake) => {
        clearTimeout(timer);
        res.off('close', onClose);
        this.waiting.delete(onShutdown);
        resolve(wake);
      };
      const onClose = () => done('gone');
      const onShutdown = () => done('shutdown');
      const timer = setTimeout(() => done('elapsed'), clampWait(ms));
      // The socket keeps the process alive while it is open; the timer alone never should.
      timer.unref();
      res.once('close', onClose);
      this.waiting.add(onShutdown);
    });
  }

  /** The waits in progress (for tests and shutdown logs). */
  get size(): number {
    return this.waiting.size;
  }

  /** Ends every wait now and every later one at once: the server is closing. */
  endAll(): void {
    this.ending = true;
    for (const wake of [...this.waiting]) wake();
  }
}

const byServer = new WeakMap<Server, WireFaults>();

/** The faults of a server, made on first use (createHttpServer makes them; closeGracefully ends them). */
export function faultsOf(server: Server): WireFaults {
  let faults = byServer.get(server);
  if (faults === undefined) {
    faults = new WireFaults();
    byServer.set(server, faults);
  }
  return faults;
}

function clampWait(ms: number): number {
  return Number.isFinite(ms) ? Math.min(Math.max(0, ms), MAX_FAULT_WAIT_MS) : MAX_FAULT_WAIT_MS;
}

/** Statuses that never carry a body (RFC 9110 §6.4.1), and HEAD, whose answer has none. */
function bodyless(status: number, method: string): boolean {
  return method === 'HEAD' || status === 204 || status === 304 || (status >= 100 && status < 200);
}

/**
 * A TCP reset before any byte: the client reads ECONNRESET. `resetAndDestroy` (node ≥ 18.3)
 * sets SO_LINGER to 0 and closes; without it (a socket that is not TCP, a pipe) the best left is
 * an ordinary close.
 */
function reset(socket: Socket): void {
  if (typeof socket.resetAndDestroy === 'function' && !socket.destroyed) socket.resetAndDestroy();
  else socket.destroy();
}

/**
 * A FIN before any byte: the client sees the connection closed with no answer ("socket hang
 * up", undici's "other side closed"), not a reset. `destroySoon` ends the writable side (the
 * FIN) and destroys the socket once that is flushed, so nothing lingers half-open.
 */
function close(socket: Socket): void {
  if (socket.destroyed) return;
  socket.destroySoon();
}

/**
 * `bytesPerSecond` as a tick and a chunk: a tick of SLOW_TICK_MS with rate/10 bytes, or for
 * rates under 10 B/s one byte per 1/rate seconds, so the rate holds at both ends.
 */
export function slowPace(bytesPerSecond: number): {
  readonly tickMs: number;
  readonly chunk: number;
} {
  const rate = Number.isFinite(bytesPerSecond) && bytesPerSecond > 0 ? bytesPerSecond : 1;
  const tickMs = Math.max(SLOW_TICK_MS, Math.ceil(1000 / rate));
  return { tickMs, chunk: Math.max(1, Math.floor((rate * tickMs) / 1000)) };
}

/** Resolves when the response can take more bytes, or when the client has gone. */
function drained(res: ServerResponse): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      res.off('drain', done);
      res.off('close', done);
      resolve();
    };
    res.once('drain', done);
    res.once('close', done);
  });
}

/**
 * Status and headers at once (with the whole body's Content-Length), then the body a chunk per
 * tick. The first chunk waits a tick too, so the body takes length/rate seconds, not one tick
 * less. A client that leaves stops it; the server closing sends the rest at once.
 */
async function writeSlow(
  res: ServerResponse,
  answer: WireAnswer,
  bytesPerSecond: number,
  faults: WireFaults,
): Promise<void> {
  const { body } = answer;
  res.writeHead(answer.status, answer.reason, [
    ...answer.headers,
    'content-length',
    String(body.byteLength),
  ]);
  res.flushHeaders();
  const { tickMs, chunk } = slowPace(bytesPerSecond);
  let offset = 0;
  while (offset < body.byteLength) {
    const wake = await faults.pause(tickMs, res);
    if (wake === 'gone') return;
    const end = wake === 'shutdown' ? body.byteLength : Math.min(body.byteLength, offset + chunk);
    const more = res.write(body.subarray(offset, end));
    offset = end;
    if (!more) await drained(res);
    if (res.destroyed) return;
  }
  res.end();
}

/**
 * The whole body's Content-Length, `fraction` of the bytes (at least one byte short), then the
 * connection closed: the client's read of the body fails (undici "terminated", node:http
 * "aborted"). An empty body promises one byte and sends none, so it is cut short too.
 */
function writeTruncated(res: ServerResponse, answer: WireAnswer, fraction: number): void {
  const { body } = answer;
  const promised = Math.max(1, body.byteLength);
  const share = Number.isFinite(fraction) ? Math.min(Math.max(0, fraction), 1) : 0.5;
  const sent = Math.min(Math.floor(share * body.byteLength), promised - 1);
  res.writeHead(answer.status, answer.reason, [
    ...answer.headers,
    'content-length',
    String(promised),
  ]);
  if (sent > 0) res.write(body.subarray(0, sent));
  else res.flushHeaders();
  // Ending the socket itself (not the response, which would wait for the promised bytes) sends
  // what is written, then the FIN; destroySoon then destroys it once flushed.
  const socket = res.socket;
  if (socket === null) res.destroy();
  else socket.destroySoon();
}

/** The first half of the body, framed as the whole answer: correct HTTP, invalid content. */
function writeMalformed(res: ServerResponse, answer: WireAnswer): void {
  const half = answer.body.subarray(0, Math.floor(answer.body.byteLength / 2));
  res.writeHead(answer.status, answer.reason, [
    ...answer.headers,
    'content-length',
    String(half.byteLength),
  ]);
  res.end(half);
}

/** Writes a fault reply. Never throws for a client that left: there is no one to tell. */
export async function writeFault(
  req: IncomingMessage,
  res: ServerResponse,
  reply: FaultReply,
  faults: WireFaults,
  writer: ReplyWriter,
): Promise<void> {
  const { fault } = reply;
  switch (fault.kind) {
    case 'delay': {
      const wake = await faults.pause(fault.ms, res);
      if (wake === 'gone') return;
      await writer.write(req, res, reply.inner, faults);
      return;
    }
    case 'hold':
      await faults.pause(fault.ms, res);
      if (!res.destroyed) res.destroy();
      return;
    case 'reset':
      if (res.socket === null) res.destroy();
      else reset(res.socket);
      return;
    case 'close':
      if (res.socket === null) res.destroy();
      else close(res.socket);
      return;
    case 'slow':
    case 'truncate':
    case 'malform':
      break;
  }
  const answer = await writer.answerOf(req, reply.inner);
  if (res.destroyed) return;
  const method = req.method ?? 'GET';
  if (bodyless(answer.status, method)) {
    // Nothing to slow or cut: the answer goes out as it is.
    const headers =
      method === 'HEAD'
        ? [...answer.headers, 'content-length', String(answer.body.byteLength)]
        : answer.headers;
    res.writeHead(answer.status, answer.reason, headers as string[]);
    res.end();
    return;
  }
  switch (fault.kind) {
    case 'slow':
      await writeSlow(res, answer, fault.bytesPerSecond, faults);
      return;
    case 'truncate':
      writeTruncated(res, answer, fault.fraction);
      return;
    case 'malform':
      writeMalformed(res, answer);
      return;
  }
}
