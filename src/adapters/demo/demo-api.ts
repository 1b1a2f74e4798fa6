import { createServer, type Server } from 'node:http';
import { gzipSync } from 'node:zlib';
import { closeGracefully, listen } from '../http/node-server.js';

/**
 * A tiny shop API that `tapedeck demo` (and the tests and benchmarks) record from: JSON lists,
 * a gzip-encoded answer, a POST that creates an order and redirects to it, a binary body, a
 * 404, and a credential in both directions to show redaction.
 */
const PRODUCTS = [
  { id: 'p_1', name: 'Hammer', category: 'tools', price: 1299 },
  { id: 'p_2', name: 'Screwdriver set', category: 'tools', price: 2450 },
  { id: 'p_3', name: 'Work gloves', category: 'apparel', price: 899 },
];
const LOGO = Buffer.from(
  '89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c489',
  'hex',
);

export function createDemoApi(): Server {
  const orders = new Map<string, unknown>();
  let nextOrder = 1;
  return createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://demo.invalid');
    const send = (status: number, body: unknown, headers: Record<string, string> = {}) => {
      let bytes = Buffer.from(JSON.stringify(body));
      const out: Record<string, string> = { 'content-type': 'application/json', ...headers };
      if (/\bgzip\b/.test(req.headers['accept-encoding'] ?? '') && bytes.byteLength > 64) {
        bytes = gzipSync(bytes);
        out['content-encoding'] = 'gzip';
      }
      res.writeHead(status, { ...out, 'content-length': String(bytes.byteLength) });
      res.end(bytes);
    };
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const path = url.pathname;
      if (req.method === 'GET' && path === '/v1/health') {
        res.writeHead(200, { 'content-type': 'text/plain' });
        res.end('ok\n');
      } else if (req.method === 'GET' && path === '/v1/products') {
        const category = url.searchParams.get('category');
        const limit = Number(url.searchParams.get('limit') ?? 10);
        send(200, {
          data: PRODUCTS.filter((p) => category === null || p.category === category).slice(
            0,
            limit,
          ),
        });
      } else if (req.method === 'GET' && path.startsWith('/v1/products/')) {
        const product = PRODUCTS.find((p) => p.id === path.slice('/v1/products/'.length));
        if (product) send(200, product);
        else send(404, { error: { code: 'not_found', message: 'No such product' } });
      } else if (req.method === 'POST' && path === '/v1/orders') {
        if (req.headers.authorization !== 'Bearer demo-secret-token') {
          send(401, {
            error: { code: 'unauthorized', message: 'Send Authorization: Bearer <key>' },
          });
          return;
        }
        let input: unknown;
        try {
          input = JSON.parse(Buffer.concat(chunks).toString('utf8'));
        } catch {
          send(400, { error: { code: 'bad_json', message: 'Body must be JSON' } });
          return;
        }
        const id = `ord_${nextOrder++}`;
        const order = { id, status: 'created', items: (input as { items?: unknown }).items ?? [] };
        orders.set(id, order);
        send(201, order, {
          location: `http://${req.headers.host ?? 'demo.invalid'}/v1/orders/${id}`,
          'set-cookie': 'demo_session=s3cr3t-session-value; Path=/; HttpOnly',
        });
      } else if (req.method === 'GET' && path.startsWith('/v1/orders/')) {
        const order = orders.get(path.slice('/v1/orders/'.length));
        if (order) send(200, order);
        else send(404, { error: { code: 'not_found', message: 'No such order' } });
      } else if (req.method === 'GET' && path === '/v1/logo.png') {
        res.writeHead(200, {
          'content-type': 'image/png',
          'content-length': String(LOGO.byteLength),
        });
        res.end(LOGO);
      } else {
        send(404, {
          error: { code: 'not_found', message: `No route ${req.method ?? ''} ${path}` },
        });
      }
    });
  });
}

export async function startDemoApi(
  host = '127.0.0.1',
  port = 0,
): Promise<{ url: string; close: () => Promise<void> }> {
  const server = createDemoApi();
  const url = await listen(server, host, port);
  return { url, close: () => closeGracefully(server, 1_000) };
}

export interface DemoExchange {
  readonly label: string;
  readonly status: number;
  readonly body: Buffer;
  readonly layer: string | null;
}

/** The demo's client flow; run once through `record` and once against `replay`. */
export async function runDemoFlow(baseUrl: string): Promise<DemoExchange[]> {
  const steps: { label: string; path: string; init?: RequestInit }[] = [
    {
      label: 'GET  /v1/products?category=tools&limit=2',
      path: '/v1/products?category=tools&limit=2',
    },
    {
      label: 'GET  /v1/products/p_2 (gzip)',
      path: '/v1/products/p_2',
      init: { headers: { 'accept-encoding': 'gzip' } },
    },
    { label: 'GET  /v1/products/p_9 (404)', path: '/v1/products/p_9' },
    {
      label: 'POST /v1/orders (with a credential)',
      path: '/v1/orders',
      init: {
        method: 'POST',
        headers: { authorization: 'Bearer demo-secret-token', 'content-type': 'application/json' },
        body: JSON.stringify({ items: [{ product: 'p_1', quantity: 2 }] }),
        redirect: 'manual',
      },
    },
    { label: 'GET  /v1/orders/ord_1', path: '/v1/orders/ord_1' },
    { label: 'GET  /v1/logo.png (binary)', path: '/v1/logo.png' },
    { label: 'GET  /v1/health (text)', path: '/v1/health' },
  ];
  const results: DemoExchange[] = [];
  for (const step of steps) {
    const response = await fetch(`${baseUrl}${step.path}`, step.init);
    results.push({
      label: step.label,
      status: response.status,
      body: Buffer.from(await response.arrayBuffer()),
      layer: response.headers.get('x-tapedeck-layer'),
    });
  }
  return results;
}
