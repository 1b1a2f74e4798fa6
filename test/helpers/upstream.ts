import { createServer, type IncomingHttpHeaders, type ServerResponse } from 'node:http';
import { once } from 'node:events';
import type { AddressInfo, Socket } from 'node:net';
import { defer } from './cleanup.js';

/** A request as the upstream saw it. */
export interface SeenRequest {
  readonly method: string;
  readonly url: string;
  readonly headers: IncomingHttpHeaders;
  /** Flat [name, value, …] as sent on the wire. */
  readonly rawHeaders: readonly string[];
  readonly body: Buffer;
}

export type UpstreamHandler = (req: SeenRequest, res: ServerResponse) => unknown;

export interface TestUpstream {
  /** `http://127.0.0.1:PORT` */
  readonly url: string;
  readonly port: number;
  /** Every request received, in arrival order. */
  readonly requests: SeenRequest[];
  /** TCP connections accepted so far. */
  readonly connections: () => number;
  /** Stops the server and drops every connection; safe to call twice. */
  close(): Promise<void>;
}

/**
 * A real node:http server on 127.0.0.1, port 0, answering with `handler`. Closed after the test.
 * A handler that throws answers 500 so a broken test never hangs.
 */
export async function startUpstream(handler: UpstreamHandler): Promise<TestUpstream> {
  const requests: SeenRequest[] = [];
  let connections = 0;
  const sockets = new Set<Socket>();
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const seen: SeenRequest = {
        method: req.method ?? '',
        url: req.url ?? '',
        headers: req.headers,
        rawHeaders: req.rawHeaders,
        body: Buffer.concat(chunks),
      };
      requests.push(seen);
      Promise.resolve()
        .then(() => handler(seen, res))
        .catch((error: unknown) => {
          if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain' });
          res.end(`test upstream handler failed: ${String(error)}`);
        });
    });
  });
  server.on('connection', (socket: Socket) => {
    connections++;
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  let closed: Promise<void> | undefined;
  const upstream: TestUpstream = {
    url: `http://127.0.0.1:${port}`,
    port,
    requests,
    connections: () => connections,
    close() {
      closed ??= new Promise<void>((resolve) => {
        server.close(() => resolve());
        for (const socket of sockets) socket.destroy();
      });
      return closed;
    },
  };
  defer(() => upstream.close());
  return upstream;
}

/** A server that must never be contacted: it counts connections and answers nothing useful. */
export async function startSentinel(): Promise<TestUpstream> {
  return startUpstream((_req, res) => {
    res.writeHead(418);
    res.end('the sentinel must never be contacted');
  });
}
