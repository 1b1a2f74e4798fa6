/**
 * Where a webhook may go, checked for real: a node:http receiver on port 0, the undici sender
 * with the webhook destinations as its connect-time policy, and an injected resolver standing in
 * for a DNS that changes its answer.
 */
import { once } from 'node:events';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { UndiciWebhookSender } from '../../src/adapters/http/webhook-sender.js';
import type { EgressDecision } from '../../src/core/http/egress.js';
import type { WebhookSendResult } from '../../src/core/ports/index.js';
import {
  resolveWebhookDestinations,
  type WebhookDestinations,
} from '../../src/core/webhooks/destinations.js';
import { SCHEDULES } from '../../src/core/webhooks/schedule.js';
import { classifyAttempt } from '../../src/core/webhooks/status.js';
import { LOOPBACK_SPELLINGS } from '../helpers/loopback-spellings.js';

interface Receiver {
  readonly port: number;
  readonly requests: IncomingMessage[];
  connections(): number;
  close(): Promise<void>;
}

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function receiver(
  handle: (req: IncomingMessage, res: ServerResponse) => void,
  host = '127.0.0.1',
): Promise<Receiver> {
  const requests: IncomingMessage[] = [];
  const sockets = new Set<Socket>();
  let connections = 0;
  const server: Server = createServer((req, res) => {
    requests.push(req);
    handle(req, res);
  });
  server.on('connection', (socket: Socket) => {
    connections++;
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  server.listen(0, host);
  await once(server, 'listening');
  const r: Receiver = {
    port: (server.address() as AddressInfo).port,
    requests,
    connections: () => connections,
    close: async () => {
      for (const s of sockets) s.destroy();
      server.close();
      await once(server, 'close');
    },
  };
  cleanups.push(() => r.close());
  return r;
}

function sender(destinations: WebhookDestinations, resolver?: (n: string) => Promise<string[]>) {
  const s = new UndiciWebhookSender({
    destinations,
    ...(resolver === undefined ? {} : { resolver }),
  });
  cleanups.push(() => s.close());
  return s;
}

const body = new TextEncoder().encode('{"id":"evt_1","type":"customer.created"}');

function post(s: UndiciWebhookSender, url: string, maxResponseBytes = 65_536) {
  return s.send({
    url,
    headers: [['content-type', 'application/json']],
    body,
    timeoutMs: 10_000,
    maxResponseBytes,
  });
}

/** The destinations with every connect-time check it is asked about written down. */
function watched(d: WebhookDestinations): { d: WebhookDestinations; asked: string[] } {
  const asked: string[] = [];
  const check = d.checkAddress.bind(d);
  d.checkAddress = (address: string, port: number): EgressDecision => {
    asked.push(address);
    return check(address, port);
  };
  return { d, asked };
}

/** The names of this machine, as a resolver says them (a trailing dot is the same name). */
const localResolver = (name: string): Promise<string[]> => {
  const n = name.toLowerCase().replace(/\.$/, '');
  return Promise.resolve(n === 'localhost' || n.endsWith('.localhost') ? ['127.0.0.1'] : []);
};

describe('webhook destinations on the wire', () => {
  it.each(LOOPBACK_SPELLINGS)('registers and delivers to %s', async (spelling) => {
    const v6 = spelling.includes('[::1]');
    const r = await receiver((_req, res) => res.end('ok'), v6 ? '::1' : '127.0.0.1');
    const url = `${spelling.replace('PORT', String(r.port))}/hooks`;
    const d = await resolveWebhookDestinations({ allowedHosts: [] }, localResolver);
    const registered = d.checkUrl(url);
    const result = await post(sender(d, localResolver), registered);
    expect(result).toMatchObject({ kind: 'answered', status: 200 });
    expect(r.requests).toHaveLength(1);
  });

  it.each(['http://10.0.0.1/hooks', 'http://169.254.169.254/latest', 'http://[fd00:ec2::254]/'])(
    'refuses %s at registration',
    async (url) => {
      const d = await resolveWebhookDestinations({ allowedHosts: [] }, localResolver);
      expect(() => d.checkUrl(url)).toThrow(
        expect.objectContaining({ code: 'TD_WEBHOOK_REFUSED' }),
      );
    },
  );

  // NAT64, IPv4-compatible and IPv4-translated: they embed 127.0.0.1 but do not reach it.
  const EMBEDDING = ['[64:ff9b::7f00:1]', '[::127.0.0.1]', '[::ffff:0:7f00:1]'];

  it.each(EMBEDDING)('refuses http://%s:PORT at registration: no loopback', async (host) => {
    const r = await receiver((_req, res) => res.end('ok'));
    const d = await resolveWebhookDestinations({ allowedHosts: [] }, localResolver);
    expect(() => d.checkUrl(`http://${host}:${r.port}/hooks`)).toThrow(
      expect.objectContaining({ code: 'TD_WEBHOOK_REFUSED' }),
    );
  });

  it.each(EMBEDDING)(
    'refuses an allowed name that resolves to %s at connect time, and connects nowhere',
    async (host) => {
      const r = await receiver((_req, res) => res.end('ok'));
      // The name had that very address at start too: a name never unlocks a reserved one.
      const d = await resolveWebhookDestinations({ allowedHosts: ['hooks.test'] }, () =>
        Promise.resolve([host.slice(1, -1)]),
      );
      const url = d.checkUrl(`http://hooks.test:${r.port}/hooks`);
      const { asked } = watched(d);
      const result = await post(
        sender(d, () => Promise.resolve([host.slice(1, -1)])),
        url,
      );
      expect(result).toMatchObject({ kind: 'failed', error: 'refused' });
      expect(result.kind === 'failed' && result.message).toContain('a reserved address');
      expect(asked).toEqual([host.slice(1, -1)]);
      expect(r.connections()).toBe(0);
    },
  );

  it.each([
    ['a public address at start', ['93.184.216.34'], 'as resolved at start'],
    ['10.0.0.7 at start too', ['10.0.0.7'], 'a private address'],
  ])(
    'refuses an allowed name that resolves to 10.0.0.7 at connect time (%s)',
    async (_case, atStart, why) => {
      const d = await resolveWebhookDestinations({ allowedHosts: ['hooks.test'] }, () =>
        Promise.resolve(atStart),
      );
      const url = d.checkUrl('http://hooks.test:8080/hooks');
      const { asked } = watched(d);
      const result = await post(
        sender(d, () => Promise.resolve(['10.0.0.7'])),
        url,
      );
      expect(result).toMatchObject({ kind: 'failed', error: 'refused' });
      expect(result.kind === 'failed' && result.message).toContain('10.0.0.7');
      expect(result.kind === 'failed' && result.message).toContain(why);
      expect(asked).toEqual(['10.0.0.7']);
    },
  );

  it('a 302 to http://169.254.169.254/ is a failed attempt, and no second connection is made', async () => {
    const r = await receiver((_req, res) => {
      res.writeHead(302, { location: 'http://169.254.169.254/latest/meta-data/' });
      res.end();
    });
    const d = await resolveWebhookDestinations({ allowedHosts: [] }, localResolver);
    const { asked } = watched(d);
    const result = await post(sender(d), `http://127.0.0.1:${r.port}/hooks`);
    expect(result).toMatchObject({ kind: 'answered', status: 302 });
    expect(result.kind === 'answered' && result.headers['location']).toBe(
      'http://169.254.169.254/latest/meta-data/',
    );
    const verdict = classifyAttempt(result, {
      at: 0,
      attemptsMade: 0,
      schedule: SCHEDULES.sandbox,
      seed: 's',
      maxRetryAfterMs: 3_600_000,
      manual: false,
    });
    expect(verdict).toMatchObject({ outcome: 'retry', status: 'pending', error: 'redirect' });
    expect(r.connections()).toBe(1);
    expect(r.requests).toHaveLength(1);
    expect(asked).not.toContain('169.254.169.254');
  });

  it('cuts a 10 MB answer at maxResponseBytes and closes the connection; the status counts', async () => {
    let finished: boolean | undefined;
    let onClosed!: () => void;
    const closed = new Promise<void>((resolve) => (onClosed = resolve));
    const r = await receiver((_req, res) => {
      res.on('close', () => {
        finished = res.writableFinished;
        onClosed();
      });
      res.writeHead(200, { 'content-type': 'text/plain' });
      const chunk = Buffer.alloc(64 * 1024, 'x');
      let sent = 0;
      const pump = () => {
        while (sent < 10 * 1024 * 1024) {
          sent += chunk.byteLength;
          if (!res.write(chunk)) return void res.once('drain', pump);
        }
        res.end();
      };
      pump();
    });
    const d = await resolveWebhookDestinations({ allowedHosts: [] }, localResolver);
    const result: WebhookSendResult = await post(
      sender(d),
      `http://127.0.0.1:${r.port}/hooks`,
      100_000,
    );
    expect(result).toMatchObject({ kind: 'answered', status: 200 });
    expect(result.kind === 'answered' && result.body.byteLength).toBe(100_000);
    await closed;
    expect(finished).toBe(false);
  });
});
