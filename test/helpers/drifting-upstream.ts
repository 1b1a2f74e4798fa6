/**
 * The planted-drift corpus: a real HTTP upstream (127.0.0.1, port 0) that plays version v1 of an
 * API or version v2, where v2 differs from v1 in known, planted ways. Every answer also carries
 * values that change on every call (timestamps, request ids, a counter no built-in rule knows),
 * so a correct drift job must report the planted changes and nothing else.
 *
 * `PLANTED` is the truth the corpus test scores the report against.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import { send } from './client.js';
import { startUpstream, type SeenRequest, type TestUpstream } from './upstream.js';

export type ApiVersion = 'v1' | 'v2';

export interface DriftingUpstream extends TestUpstream {
  version: ApiVersion;
  /** The bearer token /api/whoami accepts (and echoes back in a body field and a header). */
  readonly token: string;
}

/** One request of the corpus: which cassette records it, and what v2 plants in its answer. */
export interface CorpusStep {
  readonly cassette: string;
  readonly method: string;
  /** Path; `{order}`/`{refund}` are filled from the previous answer's id while recording. */
  readonly path: string;
  readonly body?: unknown;
  readonly auth?: boolean;
  /** Non-noise findings v2 must produce: `kind` at `path` ('' for status, header name for headers). */
  readonly planted: readonly { readonly kind: string; readonly path: string }[];
  /** When v2 cannot be checked, why. */
  readonly unchecked?: string;
}

/** The corpus, in recording order. */
export const CORPUS: readonly CorpusStep[] = [
  // accounts
  {
    cassette: 'accounts',
    method: 'GET',
    path: '/api/users/42',
    planted: [{ kind: 'field-removed', path: '/nickname' }],
  },
  {
    cassette: 'accounts',
    method: 'GET',
    path: '/api/users/42/profile',
    planted: [
      { kind: 'field-removed', path: '/display_name' },
      { kind: 'field-added', path: '/displayName' },
    ],
  },
  {
    cassette: 'accounts',
    method: 'GET',
    path: '/api/settings',
    planted: [{ kind: 'field-added', path: '/theme' }],
  },
  { cassette: 'accounts', method: 'GET', path: '/api/whoami', auth: true, planted: [] },
  // catalog
  {
    cassette: 'catalog',
    method: 'GET',
    path: '/api/products/77',
    planted: [{ kind: 'type-changed', path: '/price' }],
  },
  {
    cassette: 'catalog',
    method: 'GET',
    path: '/api/catalog.json',
    planted: [
      { kind: 'content-type-changed', path: 'content-type' },
      { kind: 'body-changed', path: '' },
    ],
  },
  {
    cassette: 'catalog',
    method: 'GET',
    path: '/api/terms',
    planted: [{ kind: 'header-changed', path: 'cache-control' }],
  },
  {
    cassette: 'catalog',
    method: 'GET',
    path: '/api/tags',
    planted: [{ kind: 'array-reordered', path: '/tags' }],
  },
  // payments
  {
    cassette: 'payments',
    method: 'GET',
    path: '/api/payments/pay_5001',
    // One value of an enum-like field says nothing about its vocabulary: a plain value change.
    planted: [{ kind: 'value-changed', path: '/status' }],
  },
  {
    cassette: 'payments',
    method: 'GET',
    path: '/api/shipments',
    planted: [
      { kind: 'enum-value-added', path: '/items/*/status' },
      { kind: 'value-changed', path: '/items/2/status' },
    ],
  },
  {
    cassette: 'payments',
    method: 'GET',
    path: '/api/invoices',
    planted: [
      { kind: 'enum-value-removed', path: '/items/*/status' },
      { kind: 'value-changed', path: '/items/2/status' },
    ],
  },
  {
    cassette: 'payments',
    method: 'GET',
    path: '/api/receipts/rcp_9001',
    planted: [{ kind: 'status-class-changed', path: '' }],
  },
  {
    cassette: 'payments',
    method: 'GET',
    path: '/api/exports/exp_3001',
    planted: [{ kind: 'status-changed', path: '' }],
  },
  // faults: v2 cannot be checked
  { cassette: 'faults', method: 'GET', path: '/api/slow', planted: [], unchecked: 'timeout' },
  {
    cassette: 'faults',
    method: 'GET',
    path: '/api/limited',
    planted: [],
    unchecked: 'rate-limited',
  },
  { cassette: 'faults', method: 'GET', path: '/api/reset', planted: [], unchecked: 'network' },
  {
    cassette: 'faults',
    method: 'GET',
    path: '/api/flaky',
    planted: [],
    unchecked: 'upstream-unavailable',
  },
  // a flow marked replayable: create an order, then read it by the id the server created
  {
    cassette: 'orders-flow',
    method: 'POST',
    path: '/api/orders',
    body: { sku: 'sku_77', quantity: 2 },
    planted: [],
  },
  { cassette: 'orders-flow', method: 'GET', path: '/api/orders/{order}', planted: [] },
  // a flow not marked replayable: skipped, and the step that depends on it cannot be checked
  {
    cassette: 'refunds-flow',
    method: 'POST',
    path: '/api/refunds',
    body: { payment: 'pay_5001' },
    planted: [],
    unchecked: 'unsafe-method',
  },
  {
    cassette: 'refunds-flow',
    method: 'GET',
    path: '/api/refunds/{refund}',
    planted: [],
    unchecked: 'flow-broken',
  },
  // the same request recorded twice: noise is learned from the recording too
  { cassette: 'health', method: 'GET', path: '/api/health', planted: [] },
  { cassette: 'health', method: 'GET', path: '/api/health', planted: [] },
];

/**
 * A value that differs on every call, the same sequence in every run (no Math.random): a
 * counter scrambled by a multiplier coprime to 1e9, so no two of the first 1e9 calls agree.
 */
let calls = 0;
function changing(modulus: number): number {
  calls += 1;
  return (calls * 2654435761) % modulus;
}

/** What every JSON answer carries that changes on every call. */
function volatile(): Record<string, unknown> {
  return {
    generated_at: new Date().toISOString(),
    request_id: `req_${randomBytes(6).toString('hex')}`,
    // No built-in rule knows this name: only learning (two calls, or the recording) finds it.
    session_seq: changing(1e9),
  };
}

function json(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
) {
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'x-request-id': randomUUID(),
    etag: `"${randomBytes(4).toString('hex')}"`,
    ...headers,
  });
  res.end(JSON.stringify(body));
}

/** Starts the corpus upstream in version v1. */
export async function startDriftingUpstream(token: string): Promise<DriftingUpstream> {
  const orders = new Map<string, unknown>();
  const refunds = new Map<string, unknown>();
  let nextOrder = 1001;
  let nextRefund = 3001;
  const state = { version: 'v1' as ApiVersion };

  const handler = (req: SeenRequest, res: ServerResponse) => {
    const v2 = state.version === 'v2';
    const url = new URL(req.url, 'http://x');
    const route = `${req.method} ${url.pathname}`;
    const order = /^GET \/api\/orders\/([^/]+)$/.exec(route);
    const refund = /^GET \/api\/refunds\/([^/]+)$/.exec(route);
    if (order) {
      const found = orders.get(order[1]!);
      if (found === undefined) return json(res, 404, { error: 'no such order' });
      return json(res, 200, { ...(found as object), updated_at: new Date().toISOString() });
    }
    if (refund) {
      const found = refunds.get(refund[1]!);
      return found === undefined
        ? json(res, 404, { error: 'no such refund' })
        : json(res, 200, found);
    }
    switch (route) {
      case 'GET /api/users/42':
        return json(res, 200, {
          id: 'usr_42',
          name: 'Ada',
          ...(v2 ? {} : { nickname: 'ada' }),
          plan: 'pro',
          created_at: '2024-01-02T03:04:05Z',
          ...volatile(),
        });
      case 'GET /api/users/42/profile':
        return json(res, 200, {
          id: 'usr_42',
          ...(v2 ? { displayName: 'Ada L.' } : { display_name: 'Ada L.' }),
          locale: 'en-GB',
          ...volatile(),
        });
      case 'GET /api/settings':
        return json(res, 200, {
          notifications: true,
          language: 'en',
          ...(v2 ? { theme: 'dark' } : {}),
          ...volatile(),
        });
      case 'GET /api/whoami': {
        const auth = req.headers.authorization;
        if (auth !== `Bearer ${token}`) return json(res, 401, { error: 'bad credentials' });
        // Echoes the credential, as some APIs do: drift must never show it.
        return json(
          res,
          200,
          { user: 'usr_42', seen: auth.slice('Bearer '.length), ...volatile() },
          { 'x-seen-token': auth.slice('Bearer '.length) },
        );
      }
      case 'GET /api/products/77':
        return json(res, 200, {
          id: 'prd_77',
          title: 'Widget',
          price: v2 ? '19.99' : 1999,
          currency: 'EUR',
          ...volatile(),
        });
      case 'GET /api/catalog.json':
        if (v2) {
          res.writeHead(200, {
            'content-type': 'text/html; charset=utf-8',
            'x-request-id': randomUUID(),
            etag: `"${randomBytes(4).toString('hex')}"`,
          });
          return res.end('<html><body>Catalog moved</body></html>');
        }
        return json(res, 200, { sections: ['tools', 'garden'], ...volatile() });
      case 'GET /api/terms':
        return json(
          res,
          200,
          { version: 3, text: 'Be nice.' },
          { 'cache-control': v2 ? 'no-store' : 'public, max-age=3600' },
        );
      case 'GET /api/tags': {
        const tags = [
          { id: 'tag_a', label: 'alpha' },
          { id: 'tag_b', label: 'beta' },
          { id: 'tag_c', label: 'gamma' },
        ];
        return json(res, 200, { tags: v2 ? [...tags].reverse() : tags, ...volatile() });
      }
      case 'GET /api/payments/pay_5001':
        return json(res, 200, {
          id: 'pay_5001',
          amount: 1200,
          status: v2 ? 'settled' : 'captured',
          ...volatile(),
        });
      case 'GET /api/shipments':
        return json(res, 200, {
          items: [
            { id: 'shp_1', status: 'pending' },
            { id: 'shp_2', status: 'shipped' },
            { id: 'shp_3', status: v2 ? 'on_hold' : 'pending' },
          ],
          ...volatile(),
        });
      case 'GET /api/invoices':
        return json(res, 200, {
          items: [
            { id: 'inv_1', status: 'paid' },
            { id: 'inv_2', status: 'paid' },
            { id: 'inv_3', status: v2 ? 'paid' : 'void' },
          ],
          ...volatile(),
        });
      case 'GET /api/receipts/rcp_9001':
        return v2
          ? json(res, 404, { error: 'not found' })
          : json(res, 200, { id: 'rcp_9001', total: 1200, ...volatile() });
      case 'GET /api/exports/exp_3001':
        return json(res, v2 ? 202 : 200, { id: 'exp_3001', ready: true, ...volatile() });
      case 'GET /api/slow':
        if (v2) return; // never answers: the client's timeout decides
        return json(res, 200, { ok: true, ...volatile() });
      case 'GET /api/limited':
        if (v2) {
          res.writeHead(429, { 'retry-after': '1', 'content-type': 'application/json' });
          return res.end('{"error":"slow down"}');
        }
        return json(res, 200, { ok: true, ...volatile() });
      case 'GET /api/reset':
        if (v2) {
          res.socket?.destroy();
          return;
        }
        return json(res, 200, { ok: true, ...volatile() });
      case 'GET /api/flaky':
        if (v2) {
          res.writeHead(503, { 'content-type': 'text/plain' });
          return res.end('maintenance');
        }
        return json(res, 200, { ok: true, ...volatile() });
      case 'POST /api/orders': {
        const id = `ord_${nextOrder++}`;
        const input = JSON.parse(req.body.toString('utf8')) as { sku: string; quantity: number };
        const created = { id, sku: input.sku, quantity: input.quantity, status: 'created' };
        orders.set(id, created);
        return json(res, 201, { ...created, ...volatile() });
      }
      case 'POST /api/refunds': {
        const id = `ref_${nextRefund++}`;
        const created = { id, status: 'pending' };
        refunds.set(id, created);
        return json(res, 201, created);
      }
      case 'GET /api/health':
        return json(res, 200, {
          ok: true,
          uptime_s: changing(1e6),
          ...volatile(),
        });
      default:
        return json(res, 404, { error: `no route ${route}` });
    }
  };
  const upstream = await startUpstream(handler);
  return Object.defineProperty({ ...upstream, token } as DriftingUpstream, 'version', {
    get: () => state.version,
    set: (v: ApiVersion) => {
      state.version = v;
    },
    enumerable: true,
  });
}

/**
 * Records the corpus through a running record proxy (`startTapedeck('record', …)`): every step
 * in order, each into its cassette, filling `{order}`/`{refund}` from the id the previous
 * answer created.
 */
export async function recordCorpus(proxyUrl: string, token: string): Promise<void> {
  let lastId = '';
  for (const step of CORPUS) {
    const path = step.path.replace(/\{order\}|\{refund\}/, lastId);
    const response = await send(proxyUrl, path, {
      method: step.method,
      headers: {
        'x-tapedeck-cassette': step.cassette,
        accept: 'application/json',
        ...(step.auth === true ? { authorization: `Bearer ${token}` } : {}),
        ...(step.body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      ...(step.body === undefined ? {} : { body: JSON.stringify(step.body) }),
    });
    if (response.status >= 500) throw new Error(`recording ${path} failed: ${response.text()}`);
    if (step.method === 'POST') lastId = (response.json() as { id: string }).id;
  }
}
