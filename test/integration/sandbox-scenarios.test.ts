/**
 * Issue 14 end to end: a catalogue in the config of a real `tapedeck sandbox` on Stripe's spec
 * (stripe profile, SQLite state), every trigger type and every outcome kind through a real
 * socket (undici `fetch`; `node:http` for the faults that never answer).
 */
import { request as httpRequest } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ScenarioDecl } from '../../src/core/sandbox/scenarios/types.js';
import { startSandbox, stripeSpecFile, type RunningSandbox } from '../helpers/sandbox.js';

const DECLINE = {
  status: 402,
  type: 'card_error',
  code: 'card_declined',
  message: 'Your card was declined.',
  extra: { decline_code: 'generic_decline' },
};

const CATALOGUE: ScenarioDecl[] = [
  {
    name: 'by-header',
    description: 'Only by header.',
    operations: ['POST /v1/customers'],
    triggers: [],
    outcome: { error: DECLINE },
  },
  {
    name: 'json-path',
    description: 'A JSON body path.',
    operations: ['POST /v1/customers'],
    triggers: [{ value: { in: 'body', path: '$.metadata.magic', equals: 'teapot' } }],
    outcome: { inline: { status: 418, headers: { 'x-teapot': 'yes' }, body: { teapot: true } } },
  },
  {
    name: 'form-bracket',
    description: 'A form field in bracket notation.',
    operations: ['PostCustomers'],
    triggers: [{ value: { in: 'body', path: 'metadata[magic]', equals: 'gateway' } }],
    outcome: { fault: 'gateway', status: 503, server: 'envoy', retryAfter: 7 },
  },
  {
    name: 'query-docs',
    description: 'A query parameter.',
    operations: ['GET /v1/customers'],
    triggers: [{ value: { in: 'query', path: 'magic', oneOf: ['docs', 'documented'] } }],
    outcome: { documented: { status: 200 } },
  },
  {
    name: 'header-500',
    description: 'A header value.',
    operations: ['*'],
    triggers: [{ value: { in: 'header', path: 'x-magic', equals: 'server-error' } }],
    outcome: { fault: 'server-error', message: 'Something broke on our side.' },
  },
  {
    name: 'prefix-429',
    description: 'A prefix.',
    operations: ['POST /v1/customers'],
    triggers: [{ value: { in: 'body', path: 'description', prefix: 'ratelimit-' } }],
    outcome: { fault: 'rate-limited', retryAfter: 3 },
  },
  {
    name: 'regex-reset',
    description: 'A regex.',
    operations: ['POST /v1/customers'],
    triggers: [{ value: { in: 'body', path: 'email', regex: '^reset\\+[0-9]+@example\\.com$' } }],
    outcome: { fault: 'reset' },
  },
  {
    name: 'range-close',
    description: 'A range.',
    operations: ['POST /v1/payment_intents'],
    triggers: [{ value: { in: 'body', path: 'amount', range: { min: 666, max: 666 } } }],
    outcome: { fault: 'close' },
  },
  {
    name: 'state-decline',
    description:
      'A state outcome: the payment intent is created, then declined in the same change.',
    operations: ['POST /v1/payment_intents', 'POST /v1/payment_intents/{intent}/confirm'],
    triggers: [{ value: { in: 'body', path: 'description', equals: 'decline-me' } }],
    outcome: {
      state: {
        action: 'decline',
        from: ['requires_payment_method', 'requires_confirmation'],
        set: {
          status: 'requires_payment_method',
          last_payment_error: { type: 'card_error', code: 'card_declined' },
        },
        event: 'payment_intent.payment_failed',
        error: DECLINE,
        embed: 'payment_intent',
      },
    },
  },
  {
    name: 'slow',
    description: 'Latency around the answer.',
    operations: ['GET /v1/customers/{customer}'],
    triggers: [{ value: { in: 'header', path: 'x-magic', equals: 'slow' } }],
    outcome: { fault: 'latency', ms: 30 },
  },
  ...(['slow-body', 'truncated', 'malformed', 'timeout-before'] as const).map(
    (name): ScenarioDecl => ({
      name,
      description: `The ${name} fault, by header.`,
      operations: ['GET /v1/customers'],
      triggers: [],
      outcome:
        name === 'slow-body'
          ? { fault: 'slow-body', bytesPerSecond: 100_000 }
          : name === 'truncated'
            ? { fault: 'truncated', fraction: 0.5 }
            : name === 'malformed'
              ? { fault: 'malformed' }
              : { fault: 'timeout', ms: 50 },
    }),
  ),
  {
    name: 'every-third',
    description: 'Every third request.',
    operations: ['GET /v1/products'],
    triggers: [{ every: 3 }],
    outcome: { inline: { status: 503, body: 'third' } },
  },
  {
    name: 'every-second-or-third',
    description: 'Every second and every third request: one count, two tests.',
    operations: ['GET /v1/coupons'],
    triggers: [{ every: 2 }, { every: 3 }],
    outcome: { inline: { status: 503, body: 'counted' } },
  },
  {
    name: 'seeded-chance',
    description: 'A seeded chance.',
    operations: ['GET /v1/prices'],
    triggers: [{ chance: { probability: 0.5, seed: 42 } }],
    outcome: { inline: { status: 500, body: 'chance' } },
  },
  {
    name: 'armed-charges',
    description: 'While armed.',
    operations: ['GET /v1/charges'],
    triggers: [{ armed: true }],
    outcome: { error: { status: 400, code: 'armed', message: 'Armed.' } },
  },
];

let sandbox: RunningSandbox;
let key: string;

beforeAll(async () => {
  sandbox = await startSandbox({
    spec: stripeSpecFile(),
    profile: 'stripe',
    flags: [
      { pointer: '/sandbox/scenarios', value: CATALOGUE, flag: 'test' },
      { pointer: '/sandbox/presetScenarios', value: false, flag: 'test' },
    ],
  });
  key = await sandbox.createTenant('acme');
}, 120_000);

afterAll(async () => {
  await sandbox?.stop();
});

function call(
  method: string,
  path: string,
  options: { form?: Record<string, string>; json?: unknown; headers?: Record<string, string> } = {},
) {
  const headers: Record<string, string> = {
    authorization: `Bearer ${key}`,
    ...(options.form === undefined ? {} : { 'content-type': 'application/x-www-form-urlencoded' }),
    ...(options.json === undefined ? {} : { 'content-type': 'application/json' }),
    ...(options.headers ?? {}),
  };
  const body =
    options.form !== undefined
      ? new URLSearchParams(options.form).toString()
      : options.json !== undefined
        ? JSON.stringify(options.json)
        : undefined;
  return fetch(`${sandbox.url}${path}`, {
    method,
    headers,
    ...(body === undefined ? {} : { body }),
  });
}

/** What a raw node:http client sees of a request: an answer, or how the connection ended. */
function raw(
  path: string,
  form: Record<string, string>,
): Promise<{ status?: number; error?: string; closedEarly?: boolean }> {
  const body = new URLSearchParams(form).toString();
  return new Promise((resolve) => {
    const req = httpRequest(
      `${sandbox.url}${path}`,
      {
        method: 'POST',
        agent: false,
        headers: {
          authorization: `Bearer ${key}`,
          'content-type': 'application/x-www-form-urlencoded',
          'content-length': Buffer.byteLength(body),
        },
      },
      (res) => {
        res.resume();
        res.on('end', () => resolve({ status: res.statusCode! }));
        res.on('error', (e: NodeJS.ErrnoException) => resolve({ error: e.code ?? e.message }));
      },
    );
    req.on('error', (e: NodeJS.ErrnoException) => resolve({ error: e.code ?? e.message }));
    req.end(body);
  });
}

describe('scenario triggers', () => {
  it('fires by Prefer: scenario= and by x-tapedeck-scenario, in the API’s error shape', async () => {
    for (const headers of [
      { prefer: 'respond-async, scenario=by-header' },
      { 'x-tapedeck-scenario': 'by-header' },
    ]) {
      const res = await call('POST', '/v1/customers', {
        form: { email: 'a@example.com' },
        headers,
      });
      expect(res.status).toBe(402);
      expect(res.headers.get('x-tapedeck-layer')).toBe('scenario');
      expect(res.headers.get('x-tapedeck-scenario')).toBe('by-header');
      const body = (await res.json()) as { error: Record<string, unknown> };
      expect(body.error).toMatchObject({
        type: 'card_error',
        code: 'card_declined',
        decline_code: 'generic_decline',
        message: 'Your card was declined.',
      });
    }
  });

  it('refuses an unknown scenario name, and one that does not apply, naming the known ones', async () => {
    const unknown = await call('POST', '/v1/customers', {
      form: {},
      headers: { 'x-tapedeck-scenario': 'no-such-thing' },
    });
    expect(unknown.status).toBe(400);
    expect(unknown.headers.get('x-tapedeck-error')).toBe('scenario-unknown');
    const text = await unknown.text();
    expect(text).toContain('by-header');
    expect(text).not.toContain('no-such-thing');
    const wrong = await call('GET', '/v1/customers', { headers: { prefer: 'scenario=by-header' } });
    expect(wrong.status).toBe(400);
    expect(wrong.headers.get('x-tapedeck-error')).toBe('scenario-not-applicable');
    expect(await wrong.text()).toContain('does not apply');
    // A template's {param} is shown as it is, not taken for a placeholder.
    const templated = await call('GET', '/v1/customers', {
      headers: { 'x-tapedeck-scenario': 'state-decline' },
    });
    expect(((await templated.json()) as { error: { message: string } }).error.message).toContain(
      '/v1/payment_intents/{intent}/confirm',
    );
  });

  it('reads a JSON body path', async () => {
    const res = await call('POST', '/v1/customers', { json: { metadata: { magic: 'teapot' } } });
    expect(res.status).toBe(418);
    expect(res.headers.get('x-teapot')).toBe('yes');
    expect(res.headers.get('x-tapedeck-scenario')).toBe('json-path');
    expect(await res.json()).toEqual({ teapot: true });
  });

  it('reads a form field in bracket notation (a gateway page)', async () => {
    const res = await call('POST', '/v1/customers', { form: { 'metadata[magic]': 'gateway' } });
    expect(res.status).toBe(503);
    expect(res.headers.get('server')).toBe('envoy');
    expect(res.headers.get('retry-after')).toBe('7');
    expect(res.headers.get('x-tapedeck-scenario')).toBe('form-bracket');
  });

  it('reads a query parameter (the spec’s documented answer)', async () => {
    const res = await call('GET', '/v1/customers?magic=documented');
    expect(res.status).toBe(200);
    expect(res.headers.get('x-tapedeck-layer')).toBe('scenario');
    const body = (await res.json()) as { object?: string };
    expect(body.object).toBe('list');
  });

  it('reads a header value (a 500 in the API’s shape)', async () => {
    const res = await call('GET', '/v1/customers', { headers: { 'x-magic': 'server-error' } });
    expect(res.status).toBe(500);
    const body = (await res.json()) as { error: { message: string; type: string } };
    expect(body.error.message).toBe('Something broke on our side.');
    expect(body.error.type).toBe('api_error');
  });

  it('reads a prefix (a 429 with Retry-After)', async () => {
    const res = await call('POST', '/v1/customers', { form: { description: 'ratelimit-now' } });
    expect(res.status).toBe(429);
    expect(res.headers.get('retry-after')).toBe('3');
    // Rate limits are off here: no policy is claimed that the sandbox does not enforce.
    expect(res.headers.get('ratelimit-policy')).toBeNull();
    const body = (await res.json()) as { error: { code: string } };
    expect(body.error.code).toBe('rate_limit');
  });

  it('reads a regex (a reset before anything ran)', async () => {
    const outcome = await raw('/v1/customers', { email: 'reset+1@example.com' });
    expect(outcome.status).toBeUndefined();
    expect(outcome.error).toBeDefined();
    const list = await call('GET', '/v1/customers');
    const customers = (await list.json()) as { data: { email: string }[] };
    expect(customers.data.some((c) => c.email === 'reset+1@example.com')).toBe(false);
  });

  it('reads a range: amount=666 closes the connection', async () => {
    const outcome = await raw('/v1/payment_intents', { amount: '666', currency: 'usd' });
    expect(outcome.status).toBeUndefined();
    expect(outcome.error).toBeDefined();
    // 665 is outside the range: created.
    const ok = await call('POST', '/v1/payment_intents', {
      form: { amount: '665', currency: 'usd' },
    });
    expect(ok.status).toBe(200);
  });

  it('fires every third request of the tenant to the operation', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 6; i++) statuses.push((await call('GET', '/v1/products')).status);
    expect(statuses).toEqual([200, 200, 503, 200, 200, 503]);
  });

  it('counts a request once however many counted triggers its scenario has', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 8; i++) statuses.push((await call('GET', '/v1/coupons')).status);
    // n = 1 … 8: fires on 2, 3, 4, 6, 8.
    expect(statuses).toEqual([200, 503, 503, 503, 200, 503, 200, 503]);
  });

  it('fires a seeded chance the same way for the same tenant and request numbers', async () => {
    const { chanceFires } = await import('../../src/core/sandbox/scenarios/compile.js');
    const tenants = (await (await sandbox.admin('GET', 'tenants')).json()) as {
      tenants: { id: string; name: string }[];
    };
    const id = tenants.tenants.find((t) => t.name === 'acme')!.id;
    const expected: number[] = [];
    const got: number[] = [];
    for (let n = 1; n <= 12; n++) {
      expected.push(chanceFires(0.5, 42, id, 'seeded-chance', n) ? 500 : 200);
      got.push((await call('GET', '/v1/prices')).status);
    }
    expect(got).toEqual(expected);
    expect(new Set(got).size).toBe(2);
  });

  it('fires the next N requests while armed through the admin API', async () => {
    const armed = await sandbox.admin('POST', 'tenants/acme/scenarios', {
      scenario: 'armed-charges',
      count: 2,
    });
    expect(armed.status).toBe(201);
    const statuses: number[] = [];
    for (let i = 0; i < 3; i++) statuses.push((await call('GET', '/v1/charges')).status);
    expect(statuses).toEqual([400, 400, 200]);
  });
});

describe('scenario outcomes', () => {
  it('a state outcome creates the payment intent, declines it in the same change, and answers the decline', async () => {
    const res = await call('POST', '/v1/payment_intents', {
      form: { amount: '1000', currency: 'usd', description: 'decline-me' },
    });
    expect(res.status).toBe(402);
    expect(res.headers.get('x-tapedeck-layer')).toBe('state');
    expect(res.headers.get('x-tapedeck-scenario')).toBe('state-decline');
    const body = (await res.json()) as {
      error: { decline_code: string; payment_intent: { id: string; status: string } };
    };
    expect(body.error.decline_code).toBe('generic_decline');
    expect(body.error.payment_intent.status).toBe('requires_payment_method');
    const stored = await call('GET', `/v1/payment_intents/${body.error.payment_intent.id}`);
    const intent = (await stored.json()) as {
      status: string;
      last_payment_error: { code: string };
    };
    expect(intent.status).toBe('requires_payment_method');
    expect(intent.last_payment_error.code).toBe('card_declined');
  });

  it('latency delays the downstream answer, which still comes from the state', async () => {
    const created = await call('POST', '/v1/customers', { form: { email: 'slow@example.com' } });
    const { id } = (await created.json()) as { id: string };
    const res = await call('GET', `/v1/customers/${id}`, { headers: { 'x-magic': 'slow' } });
    expect(res.status).toBe(200);
    expect(res.headers.get('x-tapedeck-layer')).toBe('state');
    expect(res.headers.get('x-tapedeck-scenario')).toBe('slow');
  });

  it('slow-body, truncated, malformed and timeout shape or lose the list answer', async () => {
    const named = (name: string) =>
      call('GET', '/v1/customers', { headers: { 'x-tapedeck-scenario': name } });
    const slow = await named('slow-body');
    expect(slow.status).toBe(200);
    expect(((await slow.json()) as { object: string }).object).toBe('list');
    const malformed = await named('malformed');
    expect(malformed.status).toBe(200);
    await expect(malformed.json()).rejects.toThrow();
    const truncated = await named('truncated');
    await expect(truncated.text()).rejects.toThrow();
    await expect(named('timeout-before')).rejects.toThrow();
  });

  it('the journal records the scenario and why it fired, never the value', async () => {
    await call('POST', '/v1/customers', { form: { email: 'reset+99@example.com' } }).catch(
      () => undefined,
    );
    const journal = await sandbox.admin('GET', 'journal?limit=200');
    const text = await journal.text();
    const entries = (JSON.parse(text) as { entries: Record<string, unknown>[] }).entries;
    const regex = entries.find((e) => e['scenario'] === 'regex-reset');
    expect(regex?.['firedBy']).toBe('value body email regex');
    expect(entries.find((e) => e['scenario'] === 'every-third')?.['firedBy']).toMatch(
      /^every 3 \(request \d+\)$/,
    );
    expect(text).not.toContain('reset+99');
    expect(text).not.toContain('decline-me');
  });
});
