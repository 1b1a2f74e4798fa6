/**
 * Raw TCP conversations with a server, for what no HTTP client will send: malformed framing,
 * smuggling attempts, pipelined requests, a head trickled byte by byte. Everything is awaited as
 * socket events; the only timer is a guard that ends a conversation the server never ends (so a
 * hang fails the test instead of stalling it).
 */
import { connect, type Socket } from 'node:net';
import { defer } from './cleanup.js';

/** One response read off the wire. */
export interface RawResponse {
  readonly status: number;
  /** The status line's reason phrase. */
  readonly reason: string;
  /** Lower-cased names; repeated fields joined with `, `. */
  readonly headers: Readonly<Record<string, string>>;
  /** The body, de-chunked when it was chunked (latin1). */
  readonly body: string;
  /** The body as JSON, or undefined when it is not JSON. */
  json(): unknown;
}

export interface RawResult {
  /** Every byte the server sent, as latin1. */
  readonly text: string;
  /** The responses in it, interim (1xx) ones included, in order. */
  readonly responses: readonly RawResponse[];
  /** The server closed the connection (false: the guard ended it, or `responses` were read). */
  readonly closed: boolean;
  /** Milliseconds from the first write to the close (or to the guard). */
  readonly elapsedMs: number;
}

export interface RawOptions {
  /** End the conversation once this many final (non-1xx) responses are complete. */
  readonly responses?: number;
  /** Give up (and destroy the socket) after this long; a guard, never a wait. Default 5 s. */
  readonly guardMs?: number;
}

/**
 * Parses as many complete responses as `data` holds. `closed`: the server has closed the
 * connection, so bytes after a body of declared length that start no response are a wrong
 * Content-Length (a body longer than it says), and throw.
 */
export function parseResponses(data: Buffer, closed = false): RawResponse[] {
  const out: RawResponse[] = [];
  let at = 0;
  for (;;) {
    const headEnd = data.indexOf('\r\n\r\n', at, 'latin1');
    if (headEnd === -1) return out;
    const lines = data.toString('latin1', at, headEnd).split('\r\n');
    const statusLine = /^HTTP\/1\.[01] (\d{3}) ?(.*)$/.exec(lines[0]!);
    if (statusLine === null) return out;
    const headers: Record<string, string> = {};
    for (const line of lines.slice(1)) {
      const colon = line.indexOf(':');
      const name = line.slice(0, colon).toLowerCase();
      const value = line.slice(colon + 1).trim();
      headers[name] = headers[name] === undefined ? value : `${headers[name]}, ${value}`;
    }
    const status = Number(statusLine[1]);
    let bodyStart = headEnd + 4;
    let body = '';
    if (status >= 200 && status !== 204 && status !== 304) {
      if (headers['transfer-encoding']?.toLowerCase() === 'chunked') {
        const chunks: string[] = [];
        for (;;) {
          const sizeEnd = data.indexOf('\r\n', bodyStart, 'latin1');
          if (sizeEnd === -1) return out;
          const size = parseInt(data.toString('latin1', bodyStart, sizeEnd), 16);
          if (data.length < sizeEnd + 2 + size + 2) return out;
          chunks.push(data.toString('latin1', sizeEnd + 2, sizeEnd + 2 + size));
          bodyStart = sizeEnd + 2 + size + 2;
          if (size === 0) break;
        }
        body = chunks.join('');
      } else if (headers['content-length'] !== undefined) {
        const length = Number(headers['content-length']);
        if (data.length < bodyStart + length) return out;
        body = data.toString('latin1', bodyStart, bodyStart + length);
        bodyStart += length;
        if (
          closed &&
          data.length > bodyStart &&
          !data.toString('latin1', bodyStart).startsWith('HTTP/1.')
        ) {
          throw new Error(
            `${data.length - bodyStart} bytes follow the ${length} bytes the Content-Length declares: ${JSON.stringify(data.toString('latin1', bodyStart, bodyStart + 40))}`,
          );
        }
      } else {
        // Read until close.
        body = data.toString('latin1', bodyStart);
        bodyStart = data.length;
      }
    }
    out.push({
      status,
      reason: statusLine[2]!,
      headers,
      body,
      json: () => {
        try {
          return JSON.parse(body) as unknown;
        } catch {
          return undefined;
        }
      },
    });
    at = bodyStart;
  }
}

/** An open raw connection: write to it as the test goes, await its close. */
export interface RawConnection {
  readonly socket: Socket;
  write(bytes: string | Buffer): Promise<void>;
  /** Resolves when the server closes (or the guard fires), with all it sent. */
  readonly done: Promise<RawResult>;
  /** Resolves once `n` final responses have arrived, with all it sent so far. */
  responses(n: number): Promise<RawResult>;
}

/** Opens a connection to 127.0.0.1:port; destroyed after the test whatever happens. */
export async function openRaw(port: number, guardMs = 5_000): Promise<RawConnection> {
  const socket = connect({ host: '127.0.0.1', port });
  defer(() => socket.destroy());
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('error', reject);
  });
  const chunks: Buffer[] = [];
  let started: number | undefined;
  const waiters: { n: number; resolve: (r: RawResult) => void; reject: (e: Error) => void }[] = [];
  const result = (closed: boolean): RawResult => {
    const data = Buffer.concat(chunks);
    return {
      text: data.toString('latin1'),
      responses: parseResponses(data, closed),
      closed,
      elapsedMs: started === undefined ? 0 : performance.now() - started,
    };
  };
  let guard: NodeJS.Timeout | undefined;
  const done = new Promise<RawResult>((resolve, reject) => {
    let closedByGuard = false;
    guard = setTimeout(() => {
      closedByGuard = true;
      socket.destroy();
    }, guardMs);
    // A reset after the server's answer (it closed with bytes unread) is still a close.
    socket.on('error', () => {});
    socket.on('close', () => {
      clearTimeout(guard);
      let final: RawResult;
      try {
        final = result(!closedByGuard);
      } catch (error) {
        // What the server sent does not parse (a wrong Content-Length): the test fails on it.
        const failure = error instanceof Error ? error : new Error(String(error));
        for (const waiter of waiters.splice(0)) waiter.reject(failure);
        reject(failure);
        return;
      }
      for (const waiter of waiters.splice(0)) waiter.resolve(final);
      resolve(final);
    });
  });
  socket.on('data', (chunk: Buffer) => {
    chunks.push(chunk);
    if (waiters.length === 0) return;
    const now = result(false);
    const finals = now.responses.filter((r) => r.status >= 200).length;
    for (const waiter of [...waiters]) {
      if (finals >= waiter.n) {
        waiters.splice(waiters.indexOf(waiter), 1);
        waiter.resolve(now);
      }
    }
  });
  return {
    socket,
    done,
    write: (bytes) =>
      new Promise<void>((resolve, reject) => {
        started ??= performance.now();
        if (socket.destroyed) {
          resolve();
          return;
        }
        // Strings are bytes here (latin1), so a test can send any octet, NUL and 0xFF included.
        const buffer = typeof bytes === 'string' ? Buffer.from(bytes, 'latin1') : bytes;
        socket.write(buffer, (error) => (error ? reject(error) : resolve()));
      }),
    responses: (n) =>
      new Promise<RawResult>((resolve, reject) => {
        const now = result(socket.destroyed);
        if (now.responses.filter((r) => r.status >= 200).length >= n || socket.destroyed) {
          resolve(now);
          return;
        }
        waiters.push({ n, resolve, reject });
      }),
  };
}

/**
 * Writes `bytes` (one write, or one write per element, each after the last is flushed) and
 * resolves when the server closes the connection, or once `responses` final answers are read.
 */
export async function rawRequest(
  port: number,
  bytes: string | Buffer | readonly (string | Buffer)[],
  options: RawOptions = {},
): Promise<RawResult> {
  const connection = await openRaw(port, options.guardMs);
  for (const part of typeof bytes === 'string' || Buffer.isBuffer(bytes) ? [bytes] : bytes) {
    // A server that closes after the first part may reset the rest: that is its answer.
    await connection.write(part).catch(() => undefined);
  }
  if (options.responses !== undefined) {
    const result = await connection.responses(options.responses);
    connection.socket.destroy();
    return result;
  }
  return connection.done;
}
