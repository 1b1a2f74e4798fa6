import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { once } from 'node:events';
import type { HeaderMap } from '../../core/cassette/model.js';
import { isTapedeckError, TapedeckError, type ErrorCode } from '../../core/errors.js';
import { firstHeaderValue, HEADER_ERROR, headersFromRaw } from '../../core/http/index.js';
import { isValidHostHeader } from '../../core/http/forwarded.js';
import { problemReply } from '../../core/http/problem.js';
import type {
  IncomingRequest,
  Logger,
  Reply,
  RequestHandler,
  SimpleReply,
} from '../../core/ports/index.js';
import { writeRecorded, writeReply } from './write-reply.js';

export interface HttpServerOptions {
  /** Largest request body accepted, in bytes; larger ones get 413. */
  readonly maxBodyBytes: number;
  readonly logger: Logger;
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
 * RFC 9112 §3.2: a request with more than one Host line, or a Host that is not `host[:port]`
 * (user info as in `evil.example@127.0.0.1`, a path, spaces), gets a 400. Nothing upstream is
 * built from the Host any more (core/http/forwarded.ts), but a server that accepted such a value
 * would hand it to whatever reads it later. A missing Host on HTTP/1.1 is refused by node:http
 * itself (`requireHostHeader`). The value is not echoed: it is whatever the client sent.
 */
function checkHost(headers: HeaderMap): void {
  const host = headers['host'];
  if (host === undefined) return;
  if (typeof host !== 'string' || !isValidHostHeader(host)) {
    throw new TapedeckError(
      'TD_BAD_REQUEST',
      typeof host === 'string'
        ? 'The Host header is not a valid host[:port] (RFC 9110 §7.2): no user info, path or spaces.'
        : 'The request has more than one Host header (RFC 9112 §3.2).',
      { hint: 'Send one Host header naming the server, such as 127.0.0.1:8080.' },
    );
  }
}

/** From our own header map: touching `req.headers` would make Node build a second one. */
function hasBody(headers: HeaderMap): boolean {
  const length = firstHeaderValue(headers, 'content-length');
  return headers['transfer-encoding'] !== undefined || (length !== undefined && length !== '0');
}

async function readBody(
  req: IncomingMessage,
  headers: HeaderMap,
  limit: number,
): Promise<Uint8Array> {
  const declared = Number(firstHeaderValue(headers, 'content-length') ?? 0);
  if (declared > limit) throw tooLarge(limit);
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.byteLength;
    if (size > limit) throw tooLarge(limit);
    chunks.push(chunk);
  }
  return chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks);
}

function tooLarge(limit: number): TapedeckError {
  return new TapedeckError('TD_BODY_TOO_LARGE', `The request body is larger than ${limit} bytes.`, {
    hint: 'Raise maxBodyBytes in tapedeck.config.json if this is expected.',
  });
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

/**
 * A node:http server around a request handler. Build, then listen: the caller decides the
 * port. Request bodies are read in full (up to `maxBodyBytes`); replies are written by kind.
 */
export function createHttpServer(handler: RequestHandler, options: HttpServerOptions): Server {
  const server = createServer({ keepAliveTimeout: 5_000, requestTimeout: 60_000 }, (req, res) => {
    const respond = async () => {
      let reply: Reply;
      try {
        const target = req.url ?? '/';
        if (!target.startsWith('/')) {
          // Absolute-form targets (`GET http://other.host/ HTTP/1.1`) would let a client aim the
          // proxy elsewhere; tapedeck only ever serves origin-form paths.
          throw new TapedeckError(
            'TD_BAD_REQUEST',
            'The request target must be a path starting with "/".',
          );
        }
        const headers = headersFromRaw(req.rawHeaders);
        checkHost(headers);
        const incoming = new NodeIncomingRequest(target, req.method, headers, res);
        // Most requests have no body: skip the async read (and its microtasks) for them.
        if (hasBody(incoming.headers))
          incoming.rawBody = await readBody(req, incoming.headers, options.maxBodyBytes);
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
        }
        reply = errorReply(failure);
      }
      try {
        await writeReply(req, res, reply);
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
    void respond();
  });
  server.on('clientError', (error: NodeJS.ErrnoException, socket: Socket) => {
    // Malformed HTTP gets a 400 and a closed connection, never a crash.
    if (socket.writable && error.code !== 'ECONNRESET')
      socket.end('HTTP/1.1 400 Bad Request\r\nconnection: close\r\ncontent-length: 0\r\n\r\n');
    else socket.destroy();
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
 * connections at once), and forces the rest closed after `graceMs`.
 */
export async function closeGracefully(server: Server, graceMs = 10_000): Promise<void> {
  if (!server.listening) return;
  const closed = new Promise<void>((resolve) => server.close(() => resolve()));
  // Keep-alive connections become idle as their last response ends; close them as they do.
  const sweep = setInterval(() => server.closeIdleConnections(), 25);
  server.closeIdleConnections();
  const timer = setTimeout(() => server.closeAllConnections(), graceMs);
  timer.unref();
  await closed;
  clearInterval(sweep);
  clearTimeout(timer);
}
