/**
 * A TCP relay in front of a server that loses one answer on the way back: once the server has
 * answered a request the test picks (its first response bytes reached the relay), the relay
 * destroys the client's socket instead of passing the answer on. The server did the work; the
 * client saw a dropped connection, as after a network blip, and retries on its own.
 *
 *   const relay = await dropRelay(sandbox.url, { drop: (head) => head.startsWith('POST /v1/customers ') });
 *   new Stripe(key, { port: relay.port, maxNetworkRetries: 2, … });
 *
 * Requests on one connection are answered in order (HTTP/1.1 without pipelining, as node's
 * clients send them), so the answer after a picked request's head is its answer.
 */
import { connect, createServer, type Socket } from 'node:net';

export interface DropRelayOptions {
  /** Given the request head (request line and headers, as sent): whether to lose its answer. */
  readonly drop: (head: string) => boolean;
  /** How many answers to lose at most; 1 by default. */
  readonly times?: number;
}

export interface DropRelay {
  readonly url: string;
  readonly port: number;
  /** How many answers were lost so far. */
  readonly dropped: number;
  close(): Promise<void>;
}

export async function dropRelay(target: string, options: DropRelayOptions): Promise<DropRelay> {
  const { hostname, port: targetPort } = new URL(target);
  const limit = options.times ?? 1;
  let dropped = 0;
  const sockets = new Set<Socket>();
  const server = createServer((client) => {
    sockets.add(client);
    const upstream = connect(Number(targetPort), hostname);
    sockets.add(upstream);
    let pending = '';
    /** Whether the answer now coming back is to be lost: the verdict on the latest request. */
    let losing = false;
    client.on('data', (chunk: Buffer) => {
      // Only request heads matter here: find each `\r\n\r\n` and judge the head before it.
      pending += chunk.toString('latin1');
      for (let end = pending.indexOf('\r\n\r\n'); end !== -1; end = pending.indexOf('\r\n\r\n')) {
        const head = pending.slice(0, end);
        const lengthMatch = /\r\ncontent-length:\s*(\d+)/i.exec(head);
        const length = lengthMatch === null ? 0 : Number(lengthMatch[1]);
        if (pending.length < end + 4 + length) break;
        pending = pending.slice(end + 4 + length);
        losing = dropped < limit && options.drop(head);
      }
      upstream.write(chunk);
    });
    upstream.on('data', (chunk: Buffer) => {
      if (losing) {
        losing = false;
        dropped++;
        client.destroy();
        upstream.destroy();
        return;
      }
      client.write(chunk);
    });
    const closeBoth = () => {
      client.destroy();
      upstream.destroy();
    };
    client.on('error', closeBoth);
    upstream.on('error', closeBoth);
    client.on('close', () => {
      sockets.delete(client);
      upstream.destroy();
    });
    upstream.on('close', () => {
      sockets.delete(upstream);
      client.destroy();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address !== null ? address.port : 0;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    get dropped() {
      return dropped;
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}
