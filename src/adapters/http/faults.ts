// Over 450 lines: every wire fault and the bounds on them (caps, drains, shutdown) share one
// WireFaults per server; split, the caps would have to be threaded through each writer.
/**
 * Wire faults (issue 14's scenario outcomes, `WireFault` in core/http/reply.ts), written with the
 * socket in hand: an answer late, never, slow, cut short or cut in half, or the connection reset
 * or closed before any byte. Each fault is what a client meets from a real network or a real
 * gateway, so the bytes and the TCP events are the real ones (a RST is a RST, not a 502).
 *
 * The waits (a delay, a hold, a slow body's pauses) are node timers registered with the server's
 * `WireFaults`: closing the server ends them at once (a held connection is destroyed, a delayed
 * or slow answer goes out whole), so no fault keeps a server from closing or a timer dangling.
 *
 * Bounds. A fault that waits holds a socket and its buffers, and any tenant can ask for one, so
 * a server lets only `maxConcurrent` of them (delay, hold, slow) wait at once, and one owner
 * (`FaultReply.owner`, the tenant) only `maxConcurrentPerOwner`. Past a cap the fault is not
 * applied, and says so — never a fault that looks real but is not:
 * - a `hold` answers at once 503 in plain text naming the limit, with `x-tapedeck-fault-limited:
 *   1`. Not the inner answer: a hold stands for "no answer", and a client told its request
 *   succeeded (an `at: after` hold ran it) would learn the opposite of what the scenario meant.
 *   Not a hang-up either: that is another fault (`close`), indistinguishable from a real one. A
 *   503 is what an overloaded gateway says, and the header tells it from the API's own 503.
 * - a `delay` or a `slow` body sends its answer whole, at once, with the same header: the
 *   content is the one asked for, only the timing is missing, and the header says it is.
 * Each refusal counts in `WireFaults.refused`, for an operator to see. A slow body's whole
 * write is bounded by `maxWaitMs` too (1 MB at 1 B/s would take days): past it the rest goes at
 * once. A write that waits for a client that has stopped reading (`drained`, a slow body's or a
 * streamed answer's) is bounded by `drainTimeoutMs`; past it the response is destroyed, as a
 * real server's send timeout does. Shutdown ends the faults' own timers at once, but not such a
 * write: its bytes are an answer in flight, which closeGracefully lets finish within its grace
 * (cutting one would drop the rest of a slow body from a client that reads), then destroys.
 * The 503 carries no Retry-After: a slot frees when another fault ends, at no time known.
 */
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { performance } from 'node:perf_hooks';
import { TapedeckError } from '../../core/errors.js';
import { HEADER_FAULT_LIMITED } from '../../core/http/index.js';
import type { FaultReply, Reply, SimpleReply } from '../../core/ports/index.js';

/**
 * The longest a fault waits, whatever it was asked for: the catalogue bounds `timeout` at 120 s
 * and `latency` at 60 s; this is the adapter's own guard against a reply built elsewhere.
 */
export const MAX_FAULT_WAIT_MS = 120_000;

/** How often a slow body sends a chunk (at most; slower for rates under 10 bytes a second). */
export const SLOW_TICK_MS = 100;

/** The bounds on one server's fault waits (createHttpServer's `faults` option). */
export interface FaultLimits {
  /** Most faults that wait (delay, hold, slow) in progress at once on the server. */
  readonly maxConcurrent: number;
  /** Most of those at once for one owner (`FaultReply.owner`); faults without one are not counted here. */
  readonly maxConcurrentPerOwner: number;
  /** The longest one wait lasts, and the longest a whole slow body takes (then the rest at once). */
  readonly maxWaitMs: number;
  /** The longest a write waits for a client that has stopped reading; then the response is destroyed. */
  readonly drainTimeoutMs: number;
}

export const FAULT_LIMITS: FaultLimits = Object.freeze({
  maxConcurrent: 256,
  maxConcurrentPerOwner: 32,
  maxWaitMs: MAX_FAULT_WAIT_MS,
  drainTimeoutMs: MAX_FAULT_WAIT_MS,
});

function limitsOf(given: Partial<FaultLimits> | undefined): FaultLimits {
  const limits: FaultLimits = { ...FAULT_LIMITS, ...given };
  for (const [name, value] of Object.entries(limits) as [keyof FaultLimits, number][]) {
    const whole = name === 'maxConcurrent' || name === 'maxConcurrentPerOwner';
    if (!Number.isFinite(value) || value < 0 || (whole && !Number.isInteger(value))) {
      throw new TapedeckError(
        'TD_CONFIG_INVALID',
        `The fault limit ${name} must be ${whole ? 'a whole number' : 'a number of milliseconds'} from 0, not ${String(value)}.`,
      );
    }
  }
  return limits;
}

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

/** Why a wait ended: its time passed, the client left or took the bytes, or the server is closing. */
export type Wake = 'elapsed' | 'gone' | 'drained' | 'shutdown';

/** A fault's slot among the server's waiting faults, or why it got none. */
export type Admission =
  | { readonly admitted: true; readonly release: () => void }
  | { readonly admitted: false; readonly scope: 'server' | 'owner'; readonly limit: number };

/**
 * The waits in progress on one server, and the faults allowed to wait. `endAll` (from
 * closeGracefully) wakes every fault's wait with 'shutdown', and any that starts afterwards
 * wakes at once: the server's close is never held up by a fault, which is the plan's "never
 * past server shutdown".
 */
export class WireFaults {
  readonly limits: FaultLimits;
  /** Faults not applied because a cap was reached, since the server was made. */
  refused = 0;
  /** Shutdown wakers of the waits `endAll` ends. */
  private readonly waiting = new Set<() => void>();
  /** Waits for a client to take bytes (`drained`), which shutdown leaves to closeGracefully's grace. */
  private readonly draining = new Set<() => void>();
  private admitted = 0;
  private readonly byOwner = new Map<string, number>();
  private ending = false;

  constructor(limits?: Partial<FaultLimits>) {
    this.limits = limitsOf(limits);
  }

  /**
   * A slot for a fault that waits on `res`, held until `release` (which may be called more than
   * once) or until the response closes, whichever is first: a client that leaves frees its slot
   * at once. Refused when the server's or the owner's cap is reached.
   */
  admit(owner: string | undefined, res: ServerResponse): Admission {
    const { maxConcurrent, maxConcurrentPerOwner } = this.limits;
    const mine = owner === undefined ? 0 : (this.byOwner.get(owner) ?? 0);
    if (this.admitted >= maxConcurrent || (owner !== undefined && mine >= maxConcurrentPerOwner)) {
      this.refused += 1;
      return this.admitted >= maxConcurrent
        ? { admitted: false, scope: 'server', limit: maxConcurrent }
        : { admitted: false, scope: 'owner', limit: maxConcurrentPerOwner };
    }
    this.admitted += 1;
    if (owner !== undefined) this.byOwner.set(owner, mine + 1);
    let held = true;
    const release = () => {
      if (!held) return;
      held = false;
      res.off('close', release);
      this.admitted -= 1;
      if (owner === undefined) return;
      const left = (this.byOwner.get(owner) ?? 1) - 1;
      if (left === 0) this.byOwner.delete(owner);
      else this.byOwner.set(owner, left);
    };
    if (res.destroyed) release();
    else res.once('close', release);
    return { admitted: true, release };
  }

  /** Waits `ms` (bounded), or until the response closes (the client left) or the server closes. */
  pause(ms: number, res: ServerResponse): Promise<Wake> {
    return this.wait(clampWait(ms, this.limits.maxWaitMs), res, false);
  }

  /**
   * Resolves true once `res` can take more bytes; false when it never will, because the client
   * left or took nothing for `drainTimeoutMs` (the response is then destroyed: a client that
   * stopped reading cannot be sent the rest). Shutdown does not cut it short: bytes already
   * going out are an answer in flight, which closeGracefully gives its grace (then destroys).
   */
  async drained(res: ServerResponse): Promise<boolean> {
    if (res.destroyed) return false;
    if (!res.writableNeedDrain) return true;
    const wake = await this.wait(this.limits.drainTimeoutMs, res, true);
    if (wake === 'drained') return true;
    if (!res.destroyed) res.destroy();
    return false;
  }

  /** The waits in progress, a fault's or a write's (for tests and shutdown logs). */
  get size(): number {
    return this.waiting.size + this.draining.size;
  }

  /** The faults holding a slot now. */
  get active(): number {
    return this.admitted;
  }

  /** Ends every fault's wait now and every later one at once: the server is closing. */
  endAll(): void {
    this.ending = true;
    for (const wake of [...this.waiting]) wake();
  }

  /** A timed wait; a drain wait (`drain`) also ends on 'drain', and never at shutdown. */
  private wait(ms: number, res: ServerResponse, drain: boolean): Promise<Wake> {
    if (res.destroyed) return Promise.resolve('gone');
    if (!drain && this.ending) return Promise.resolve('shutdown');
    const registry = drain ? this.draining : this.waiting;
    return new Promise((resolve) => {
      const done = (wake: Wake) => {
        clearTimeout(timer);
        res.off('close', onClose);
        res.off('drain', onDrain);
        registry.delete(onShutdown);
        resolve(wake);
      };
      const onClose = () => done('gone');
      const onDrain = () => done('drained');
      const onShutdown = () => done('shutdown');
      const timer = setTimeout(() => done('elapsed'), ms);
      // The socket keeps the process alive while it is open; the timer alone never should.
      timer.unref();
      res.once('close', onClose);
      if (drain) res.once('drain', onDrain);
      registry.add(onShutdown);
    });
  }
}

const byServer = new WeakMap<Server, WireFaults>();

/**
 * The faults of a server, made on first use with `limits` (createHttpServer makes them with its
 * `faults` option, so later calls get those; closeGracefully ends them).
 */
export function faultsOf(server: Server, limits?: Partial<FaultLimits>): WireFaults {
  let faults = byServer.get(server);
  if (faults === undefined) {
    faults = new WireFaults(limits);
    byServer.set(server, faults);
  }
  return faults;
}

function clampWait(ms: number, max: number): number {
  return Number.isFinite(ms) ? Math.min(Math.max(0, ms), max) : max;
}

/** Statuses that never carry a body (RFC 9110 §6.4.1), and HEAD, whose answer has none. */
export function bodyless(status: number, method: string): boolean {
  return method === 'HEAD' || status === 204 || status === 304 || (status >= 100 && status < 200);
}

/** The 503 a `hold` past a cap answers with, at once (see the header comment). */
function limitedReply(refusal: Extract<Admission, { admitted: false }>): SimpleReply {
  const whose = refusal.scope === 'server' ? 'on this server' : 'for one tenant';
  return {
    kind: 'simple',
    status: 503,
    headers: [
      ['content-type', 'text/plain; charset=utf-8'],
      [HEADER_FAULT_LIMITED, '1'],
    ],
    body:
      `tapedeck: the sandbox's concurrent-fault limit was reached (${refusal.limit} waiting faults ${whose}), ` +
      `so this request's hold fault was not applied. Try again once fewer faults are in progress.\n`,
  };
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

/**
 * Status and headers at once (with the whole body's Content-Length), then the body a chunk per
 * tick. The first chunk waits a tick too, so the body takes length/rate seconds, not one tick
 * less. A client that leaves stops it; the server closing, or the whole write reaching
 * `maxWaitMs`, sends the rest at once.
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
  const deadline = performance.now() + faults.limits.maxWaitMs;
  let offset = 0;
  while (offset < body.byteLength) {
    const left = deadline - performance.now();
    // The tick that reaches the bound carries the rest of the body with it.
    const last = left <= tickMs;
    const wake = left > 0 ? await faults.pause(Math.min(tickMs, Math.ceil(left)), res) : 'elapsed';
    if (wake === 'gone') return;
    const end =
      wake === 'shutdown' || last ? body.byteLength : Math.min(body.byteLength, offset + chunk);
    const more = res.write(body.subarray(offset, end));
    offset = end;
    // The last chunk is drained too before the end: an answer ended but not yet flushed is one
    // closeGracefully's sweep of idle connections would cut.
    if (!more && !(await faults.drained(res))) return;
  }
  res.end();
}

/** An answer whole and at once, marked as a fault that was not applied (a slow body past a cap). */
function writeLimited(res: ServerResponse, answer: WireAnswer): void {
  res.writeHead(answer.status, answer.reason, [
    ...answer.headers,
    HEADER_FAULT_LIMITED,
    '1',
    'content-length',
    String(answer.body.byteLength),
  ]);
  res.end(answer.body);
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
      const slot = faults.admit(reply.owner, res);
      if (!slot.admitted) {
        // The answer at once, without its delay: the header says the fault was not applied.
        res.setHeader(HEADER_FAULT_LIMITED, '1');
      } else {
        const wake = await faults.pause(fault.ms, res);
        slot.release();
        if (wake === 'gone') return;
      }
      await writer.write(req, res, reply.inner, faults);
      return;
    }
    case 'hold': {
      const slot = faults.admit(reply.owner, res);
      if (!slot.admitted) {
        await writer.write(req, res, limitedReply(slot), faults);
        return;
      }
      await faults.pause(fault.ms, res);
      slot.release();
      if (!res.destroyed) res.destroy();
      return;
    }
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
    case 'slow': {
      const slot = faults.admit(reply.owner, res);
      if (!slot.admitted) {
        writeLimited(res, answer);
        return;
      }
      try {
        await writeSlow(res, answer, fault.bytesPerSecond, faults);
      } finally {
        slot.release();
      }
      return;
    }
    case 'truncate':
      writeTruncated(res, answer, fault.fraction);
      return;
    case 'malform':
      writeMalformed(res, answer);
      return;
  }
}
