import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { once } from 'node:events';
import type { HeaderMap } from '../../core/cassette/model.js';
import { isTapedeckError, TapedeckError, type ErrorCode } from '../../core/errors.js';
import {
  bodyTooLarge,
  checkHead,
  connectAnswer,
  expectationAnswer,
  FRONT_DOOR_DEFAULTS,
  frontDoorBytes,
  frontDoorReply,
  type FrontDoorAnswer,
  type FrontDoorLimits,
  type FrontDoorSettings,
  type RequestHead,
} from '../../core/http/framing.js';
import {
  nodeHeaderSize,
  nodeHeadersCount,
  packetPrefixBytes,
  parseErrorAnswer,
  timeoutCheckInterval,
} from '../../core/http/node-parser.js';
import { HEADER_ERROR, headersFromRaw } from '../../core/http/index.js';
import { problemReply } from '../../core/http/problem.js';
import type {
  IncomingRequest,
  Logger,
  Reply,
  RequestHandler,
  SimpleReply,
} from '../../core/ports/index.js';
import { faultsOf, type FaultLimits } from './faults.js';
import { lingerAfterAnswer } from './linger.js';
import { hasBody, OVER_LIMIT, readBody } from './request-body.js';
import { writeRecorded, writeReply } from './write-reply.js';

export interface HttpServerOptions {
  /** Largest request body accepted, in bytes; larger ones get 413. */
  readonly maxBodyBytes: number;
  readonly logger: Logger;
  /** The front door's limits and timeouts (the `server` config section); defaults when absent. */
  readonly server?: Partial<FrontDoorSettings>;
  /**
   * The bounds on wire faults' waits (faults.ts: concurrent faults per server and per owner,
   * the longest wait, the longest wait for a client to read); FAULT_LIMITS when absent. Not a
   * config-file setting: the defaults are the product's, a test passes small ones.
   */
  readonly faults?: Partial<FaultLimits>;
}

const ERROR_STATUS: Partial<Record<ErrorCode, number>> = {
  TD_BAD_REQUEST: 400,
  TD_CASSETTE_NAME_INVALID: 400,
  TD_BODY_TOO_LARGE: 413,
  TD_UPSTREAM_UNREACHABLE: 502,
  TD_UPSTREAM_TIMEOUT: 504,
  // The recorder cannot write the cassette (full disk, read-only folder): try again later.
  TD_CASSETTE_WRITE_FAILED: 503,
};

/** An error answer: problem+json with the code and message, never a stack or a secret. */
export function errorReply(error: TapedeckError): SimpleReply {
  return problemReply(
    {
      code: error.code,
      title: error.message,
      status: ERROR_STATUS[error.code] ?? 500,
      extra: { code: error.code, ...(error.hint ? { hint: error.hint } : {}) },
    },
    [[HEADER_ERROR, error.code]],
  );
}

/**
 * A request as the pipeline sees it. A class (prototype getter) rather than an object literal
 * with a getter, which V8 builds through a slow path: this object is made once per request.
 * The abort signal for "the client went away" is made only when a layer asks for it (the
 * upstream layer does; a replay answer never does): one per request cost 6% of replay's CPU.
 */
class NodeIncomingRequest implements IncomingRequest {
  readonly method: string;
  readonly path: string;
  readonly rawQuery: string;
  rawBody: Uint8Array | undefined = undefined;
  private controller: AbortController | undefined;

  constructor(
    readonly target: string,
    method: string | undefined,
    readonly headers: HeaderMap,
    private readonly res: ServerResponse,
  ) {
    this.method = method ?? 'GET';
    const q = target.indexOf('?');
    this.path = q === -1 ? target : target.slice(0, q);
    this.rawQuery = q === -1 ? '' : target.slice(q + 1);
  }

  get signal(): AbortSignal {
    if (this.controller === undefined) {
      const controller = new AbortController();
      this.controller = controller;
      const { res } = this;
      if (res.destroyed && !res.writableFinished) controller.abort();
      else {
        res.once('close', () => {
          if (!res.writableFinished) controller.abort();
        });
      }
    }
    return this.controller.signal;
  }
}

/** What node's `clientError` carries besides the code: the bytes its parser was reading. */
interface ParseError extends NodeJS.ErrnoException {
  readonly rawPacket?: Buffer;
}

/**
 * Node attaches the response it is writing to its socket as `_httpMessage` (internal, stable
 * since node 0.x, and what node's own `clientError` default checks): an error on a socket whose
 * response has started cannot be answered without corrupting that response.
 */
interface SocketWithResponse extends Socket {
  _httpMessage?: ServerResponse | null;
}

/** The Date header's value for an answer written as raw bytes (node adds it to the others). */
const httpDate = (): string => new Date().toUTCString();

/** Writes a front-door answer through node's response (the request was parsed). */
function writeAnswer(req: IncomingMessage, res: ServerResponse, answer: FrontDoorAnswer): void {
  if (answer.code === undefined) {
    // `OPTIONS *`: a success with no body, so no Content-Length either (RFC 9110 §8.6).
    res.writeHead(answer.status);
    res.end();
    return;
  }
  void writeReply(req, res, frontDoorReply(answer)).catch(() => res.destroy());
}

/** The head of a request as the front door reads it. */
function headOf(req: IncomingMessage): RequestHead {
  return {
    method: req.method ?? 'GET',
    target: req.url ?? '/',
    httpVersion: req.httpVersion,
    rawHeaders: req.rawHeaders,
  };
}

/**
 * A node:http server around a request handler. Build, then listen: the caller decides the
 * port. Before a request reaches the handler, the front door (core/http/framing.ts) refuses
 * what node's parser let through and tapedeck does not accept, and answers what the parser
 * refused with the status RFC 9112 names, never a blanket 400. Request bodies are read in full
 * (up to `maxBodyBytes`); replies are written by kind.
 */
export function createHttpServer(handler: RequestHandler, options: HttpServerOptions): Server {
  const settings: FrontDoorSettings = { ...FRONT_DOOR_DEFAULTS, ...options.server };
  const limits: FrontDoorLimits = {
    maxHeaderCount: settings.maxHeaderCount,
    maxHeaderBytes: settings.maxHeaderBytes,
    maxUrlBytes: settings.maxUrlBytes,
    maxBodyBytes: options.maxBodyBytes,
  };
  const server = createServer({
    keepAliveTimeout: settings.keepAliveTimeoutMs,
    headersTimeout: settings.headersTimeoutMs,
    requestTimeout: settings.requestTimeoutMs,
    connectionsCheckingInterval: timeoutCheckInterval(
      settings.headersTimeoutMs,
      settings.requestTimeoutMs,
    ),
    maxHeaderSize: nodeHeaderSize(limits),
    // Checked by checkHead, so a missing Host gets the same problem+json as every refusal.
    requireHostHeader: false,
  });
  // The waits of wire faults on this server's connections: closeGracefully ends them.
  const faults = faultsOf(server, options.faults);
  // Node drops the fields past this count without a word: one more than the cap shows overflow.
  server.maxHeadersCount = nodeHeadersCount(limits);
  // Connections the front door has refused a request on: they close after that answer, and
  // nothing node parsed after it (a pipelined or smuggled request) reaches a layer. A parser in
  // error may also report again as more bytes arrive: it is answered once.
  const closing = new WeakSet<Socket>();
  // Where on each connection the last request ended (socket.bytesRead then): a head too large
  // for node's parser is read as a request line only from a packet that starts there.
  const requestEnds = new WeakMap<Socket, number>();
  const refuse = (
    socket: Socket,
    req: IncomingMessage,
    res: ServerResponse,
    answer: FrontDoorAnswer,
  ) => {
    if (answer.close) closing.add(socket);
    if (answer.status === 413 || answer.status === 415) {
      // Once, like the decoded-size 413: the method only (the path may need redacting).
      options.logger.log(
        'warn',
        'request.refused',
        `a ${req.method ?? 'GET'} request was answered ${answer.status}: ${answer.title} Nothing was sent upstream or recorded.`,
        { ...(answer.code === undefined ? {} : { code: answer.code }) },
      );
      if (!req.complete) lingerAfterAnswer(req);
    }
    writeAnswer(req, res, answer);
  };

  const respond = async (req: IncomingMessage, res: ServerResponse) => {
    let reply: Reply;
    try {
      const headers = headersFromRaw(req.rawHeaders);
      const incoming = new NodeIncomingRequest(req.url ?? '/', req.method, headers, res);
      // Most requests have no body: skip the async read (and its microtasks) for them.
      if (hasBody(incoming.headers)) {
        const socket = req.socket;
        let body: Uint8Array | typeof OVER_LIMIT;
        try {
          body = await readBody(req, options.maxBodyBytes);
        } catch {
          // The client went away mid-body, or its framing broke and `clientError` answered.
          if (!res.headersSent) res.destroy();
          return;
        }
        if (body === OVER_LIMIT) {
          if (!res.headersSent) refuse(socket, req, res, bodyTooLarge(options.maxBodyBytes));
          return;
        }
        // A body cut short (timed out, framing refused) never reaches a layer, nor an upstream.
        if (!req.complete || res.headersSent) return;
        requestEnds.set(socket, socket.bytesRead);
        incoming.rawBody = body;
      }
      reply = await handler(incoming);
    } catch (error) {
      const failure = isTapedeckError(error)
        ? error
        : new TapedeckError('TD_INTERNAL', 'tapedeck failed while answering this request.', {
            cause: error,
          });
      if (failure.code === 'TD_INTERNAL') {
        options.logger.log(
          'error',
          'request.failed',
          `${failure.message} ${String((error as Error).stack ?? error)}`,
          { code: failure.code },
        );
      } else if (failure.code === 'TD_BODY_TOO_LARGE') {
        // The path is not shown: redacting it may need the body that was refused.
        options.logger.log(
          'warn',
          'request.refused',
          `a ${req.method ?? 'GET'} request was answered 413: ${failure.message} Nothing was sent upstream or recorded.`,
          { code: failure.code },
        );
      }
      reply = errorReply(failure);
    }
    try {
      await writeReply(req, res, reply, faults);
    } catch (error) {
      // The client went away or the upstream broke mid-body: nothing sensible can be sent.
      if (!res.headersSent && !res.destroyed) {
        writeRecorded(req, res, {
          kind: 'recorded',
          response: { status: 502, headers: {} },
          extraHeaders: [],
          delayMs: 0,
        });
      } else {
        res.destroy(error as Error);
      }
    }
  };

  /** The front door, then the handler; `expect` says an Expect: 100-continue was accepted. */
  const onRequest = (req: IncomingMessage, res: ServerResponse, expect?: 'continue') => {
    // Parsed after a refusal on this connection: never answered (the connection closes first).
    if (closing.has(req.socket)) return;
    requestEnds.set(req.socket, req.socket.bytesRead);
    const answer = checkHead(headOf(req), limits);
    if (answer !== undefined) {
      refuse(req.socket, req, res, answer);
      return;
    }
    // 100 Continue only once the head is accepted: a client told to go on is never then refused
    // for a Content-Length it declared (413 comes instead of 100, at once).
    if (expect === 'continue') res.writeContinue();
    void respond(req, res);
  };
  server.on('request', onRequest);

  // With a listener, node no longer answers 100 Continue or 417 by itself.
  const onExpectation = (req: IncomingMessage, res: ServerResponse) => {
    const verdict = expectationAnswer(req.headers.expect, req.httpVersion);
    if (verdict === 'continue') onRequest(req, res, 'continue');
    else if (verdict === 'ignore') onRequest(req, res);
    else if (!closing.has(req.socket)) {
      // The head's own problems (a bad Host, a bad coding) come before the expectation's.
      const answer = checkHead(headOf(req), limits);
      refuse(req.socket, req, res, answer ?? verdict);
    }
  };
  server.on('checkContinue', onExpectation);
  server.on('checkExpectation', onExpectation);

  // CONNECT asks for a tunnel; tapedeck never opens one. Node hands over the socket as is.
  server.on('connect', (_req: IncomingMessage, socket: Socket) => {
    socket.on('error', () => socket.destroy());
    if (socket.writable) socket.end(frontDoorBytes(connectAnswer(), httpDate()));
    else socket.destroy();
  });

  server.on('clientError', (error: ParseError, socket: Socket) => {
    // Already refused: that answer is going out and closes the connection; destroying the socket
    // now could cut it off.
    if (closing.has(socket)) return;
    closing.add(socket);
    const inFlight = (socket as SocketWithResponse)._httpMessage ?? undefined;
    // A response whose request is still arriving: the error is in that request's body.
    const reading = inFlight !== undefined && !inFlight.req.complete;
    const packet = error.rawPacket?.toString('latin1', 0, packetPrefixBytes(limits)) ?? '';
    // The packet starts the request when the bytes before it are those of earlier requests.
    const startsRequest =
      error.rawPacket !== undefined &&
      socket.bytesRead - error.rawPacket.byteLength === (requestEnds.get(socket) ?? 0);
    const answer = parseErrorAnswer(error.code, packet, limits, reading, startsRequest);
    if (answer === undefined || !socket.writable) {
      socket.destroy();
      return;
    }
    if (inFlight === undefined) {
      // Never the client's bytes back: the answer is a fixed title and a reason.
      socket.end(frontDoorBytes(answer, httpDate()));
    } else if (reading) {
      // Answer through the response, unless it has started (then nothing can follow it).
      if (inFlight.headersSent) socket.destroy();
      else writeAnswer(inFlight.req, inFlight, answer);
    } else {
      // A later request broke while an earlier one is being answered (pipelining): that
      // answer goes out whole first, then the refusal, then the connection closes.
      inFlight.once('finish', () => {
        if (socket.writable) socket.end(frontDoorBytes(answer, httpDate()));
      });
      inFlight.once('close', () => {
        if (!inFlight.writableFinished) socket.destroy();
      });
    }
  });
  return server;
}

/** Listens and resolves with the URL served, e.g. `http://127.0.0.1:8080`. */
export async function listen(server: Server, host: string, port: number): Promise<string> {
  server.listen(port, host);
  try {
    await Promise.race([
      once(server, 'listening'),
      once(server, 'error').then(([error]) => {
        throw error;
      }),
    ]);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new TapedeckError(
      'TD_LISTEN_FAILED',
      `Cannot listen on ${host}:${port} (${code ?? (error as Error).message}).`,
      {
        cause: error,
        hint:
          code === 'EADDRINUSE'
            ? 'Another process uses that port: pick another with --port, or --port 0 for a free one.'
            : 'Check --host and --port.',
      },
    );
  }
  const address = server.address() as AddressInfo;
  const shownHost = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  return `http://${shownHost}:${address.port}`;
}

/**
 * Stops accepting connections, lets in-flight requests finish (closing idle keep-alive
 * connections at once), and forces the rest closed after `graceMs`. Wire faults end at once:
 * a held connection is destroyed, a delayed or slowed answer goes out whole (faults.ts), so a
 * `timeout` scenario holding a connection for two minutes never holds up the close.
 */
export async function closeGracefully(server: Server, graceMs = 10_000): Promise<void> {
  if (!server.listening) return;
  const closed = new Promise<void>((resolve) => server.close(() => resolve()));
  faultsOf(server).endAll();
  // Keep-alive connections become idle as their last response ends; close them as they do.
  const sweep = setInterval(() => server.closeIdleConnections(), 25);
  server.closeIdleConnections();
  const timer = setTimeout(() => server.closeAllConnections(), graceMs);
  timer.unref();
  await closed;
  clearInterval(sweep);
  clearTimeout(timer);
}
