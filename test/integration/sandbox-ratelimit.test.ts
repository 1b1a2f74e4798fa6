/**
 * Production-like rate limits through a real sandbox server (issue 14): a burst, then the API's
 * own 429 with Retry-After and its headers (Stripe: none; standard: the IETF draft's pair;
 * GitHub: x-ratelimit-*); a frozen tenant clock refills only when advanced through the admin
 * API; and real clients that honour Retry-After — undici's RetryAgent waits as told and then
 * succeeds — or, like the Stripe SDK, give up on a rate_limit as they do against Stripe.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Stripe from 'stripe';
import { Agent, request, RetryAgent, type Dispatcher } from 'undici';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { FlagValue } from '../../src/app/config/config.js';
import { startSandbox, stripeSpecFile, type RunningSandbox } from '../helpers/sandbox.js';

/** A small spec of one resource, for the standard and GitHub profiles. */
const WIDGETS = {
  openapi: '3.0.3',
  info: { title: 'Widgets (rate-limit fixture)', version: '1.0.0' },
  paths: {
    '/widgets': {
      get: {
        operationId: 'listWidgets',
        responses: {
          '200': {
            description: 'Widgets.',
            content: {
              'application/json': {
                schema: { type: 'array', items: { $ref: '#/components/schemas/Widget' } },
              },
            },
          },
        },
      },
      post: {
        operationId: 'createWidget',
        requestBody: {
          content: { 'application/json': { schema: { $ref: '#/components/schemas/Widget' } } },
        },
        responses: {
          '201': {
            description: 'Created.',
            content: { 'application/json': { schema: { $ref: '#/components/schemas/Widget' } } },
          },
        },
      },
    },
    '/widgets/{id}': {
      get: {
        operationId: 'getWidget',
        parameters: [{ name: 'id', in: 'path', required: true, schema: { type: 'string' } }],
        responses: {
          '200': {
            description: 'A widget.',
            content: { 'application/json': { schema: { $ref: '#/components/schemas/Widget' } } },
          },
        },
      },
    },
  },
  components: {
    schemas: {
      Widget: {
        type: 'object',
        required: ['id'],
        properties: { id: { type: 'string' }, name: { type: 'string' } },
      },
    },
  },
};

let specDir: string;
let widgetsSpec: string;

beforeAll(() => {
  specDir = mkdtempSync(join(tmpdir(), 'tapedeck-ratelimit-spec-'));
  widgetsSpec = join(specDir, 'widgets.json');
  writeFileSync(widgetsSpec, JSON.stringify(WIDGETS));
});

afterAll(() => rmSync(specDir, { recursive: true, force: true }));

const rateLimits = (value: FlagValue['value']): FlagValue => ({
  pointer: '/sandbox/rateLimits',
  value,
  flag: 'test',
});

const get = (s: RunningSandbox, key: string, path: string) =>
  fetch(`${s.url}${path}`, { headers: { authorization: `Bearer ${key}` } });

/** Freezes the tenant clock, so real time passing while the test runs never refills. */
async function freeze(s: RunningSandbox, tenant: string): Promise<void> {
  expect((await s.admin('POST', `tenants/${tenant}/clock`, { freeze: true })).status).toBe(200);
}

/** The IETF draft's `"name";k=v;…` (one item), parsed back. */
function sfItem(text: string | null): { name: string; params: Record<string, number> } {
  const match = /^"((?:[^"\\]|\\.)*)"((?:;[a-z]+=\d+)*)$/.exec(text ?? '');
  expect(match, `a Structured Field item: ${text}`).not.toBeNull();
  const params: Record<string, number> = {};
  for (const p of match![2]!.split(';').slice(1)) {
    const [k, v] = p.split('=');
    params[k!] = Number(v);
  }
  return { name: match![1]!.replace(/\\(.)/g, '$1'), params };
}

interface JournalEntry {
  readonly layer: string;
  readonly path: string;
  readonly status: number;
  readonly at: number;
}

async function journal(s: RunningSandbox): Promise<JournalEntry[]> {
  const response = await s.admin('GET', 'journal?limit=1000');
  const { entries } = (await response.json()) as { entries: JournalEntry[] };
  return entries.filter((e) => !e.path.startsWith('/__tapedeck/')).reverse();
}

describe('stripe profile: 25 reads a second in test mode', () => {
  let sandbox: RunningSandbox;
  let key: string;

  beforeAll(async () => {
    sandbox = await startSandbox({
      spec: stripeSpecFile(),
      profile: 'stripe',
      flags: [rateLimits('profile')],
    });
    key = await sandbox.createTenant('acme');
    await freeze(sandbox, 'acme');
  }, 120_000);

  afterAll(() => sandbox.stop());

  it("a burst of 25, then Stripe's own 429 with Retry-After; advancing the frozen clock refills", async () => {
    for (let i = 0; i < 25; i++) {
      const ok = await get(sandbox, key, '/v1/customers');
      expect(ok.status).toBe(200);
      // Stripe sends no rate-limit headers, so neither does its sandbox.
      expect(ok.headers.get('ratelimit')).toBeNull();
      expect(ok.headers.get('x-ratelimit-remaining')).toBeNull();
    }
    const refused = await get(sandbox, key, '/v1/customers');
    expect(refused.status).toBe(429);
    expect(refused.headers.get('retry-after')).toBe('1');
    expect(refused.headers.get('x-tapedeck-layer')).toBe('limits');
    expect(refused.headers.get('x-tapedeck-error')).toBe('rate-limited');
    expect(await refused.json()).toEqual({
      error: {
        type: 'invalid_request_error',
        code: 'rate_limit',
        doc_url: 'https://stripe.com/docs/error-codes/rate-limit',
        message:
          'Request rate limit exceeded. Learn more about rate limits here https://stripe.com/docs/rate-limits.',
      },
    });
    // Writes have their own 25: a read burst leaves them alone.
    const write = await fetch(`${sandbox.url}/v1/customers`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${key}`,
        'content-type': 'application/x-www-form-urlencoded',
      },
      body: 'email=a%40example.com',
    });
    expect(write.status).toBe(200);

    // Frozen: however long the above took, no token came back.
    expect((await get(sandbox, key, '/v1/customers')).status).toBe(429);
    const half = await sandbox.admin('POST', 'tenants/acme/clock', { advance: '40ms' });
    expect(half.status).toBe(200);
    expect((await get(sandbox, key, '/v1/customers')).status).toBe(200); // 1 token per 40 ms
    expect((await get(sandbox, key, '/v1/customers')).status).toBe(429);
    await sandbox.admin('POST', 'tenants/acme/clock', { advance: '1s' });
    for (let i = 0; i < 25; i++)
      expect((await get(sandbox, key, '/v1/customers')).status).toBe(200);
    expect((await get(sandbox, key, '/v1/customers')).status).toBe(429);
  });

  it('counts per tenant: one tenant over its limit leaves another untouched', async () => {
    const other = await sandbox.createTenant('globex');
    await freeze(sandbox, 'globex');
    expect((await get(sandbox, key, '/v1/customers')).status).toBe(429);
    expect((await get(sandbox, other, '/v1/customers')).status).toBe(200);
  });

  it('the Stripe SDK gets a StripeRateLimitError and, as against Stripe, does not retry it', async () => {
    const sdk = await sandbox.createTenant('initech');
    await freeze(sandbox, 'initech');
    const stripe = new Stripe(sdk, {
      apiVersion: '2020-08-27',
      host: '127.0.0.1',
      port: sandbox.port,
      protocol: 'http',
      maxNetworkRetries: 2,
      telemetry: false,
    });
    for (let i = 0; i < 25; i++) await stripe.customers.list({ limit: 1 });
    const before = (await journal(sandbox)).length;
    const error = await stripe.customers.list({ limit: 1 }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(Stripe.errors.StripeRateLimitError);
    expect(error).toMatchObject({ statusCode: 429, code: 'rate_limit' });
    // No Stripe-Should-Retry: true, so the SDK's network retries leave a 429 alone.
    const after = await journal(sandbox);
    expect(after.length - before).toBe(1);
    expect(after.at(-1)).toMatchObject({ layer: 'limits', status: 429 });
  });
});

describe('standard profile: the IETF draft headers', () => {
  let sandbox: RunningSandbox;
  let key: string;

  beforeAll(async () => {
    sandbox = await startSandbox({
      spec: widgetsSpec,
      profile: 'standard',
      flags: [
        rateLimits([{ name: 'burst', limit: 3, windowSeconds: 60 }]),
        {
          pointer: '/sandbox/scenarios',
          value: [
            {
              name: 'limited',
              description: 'A 429 on demand.',
              operations: ['*'],
              triggers: [],
              outcome: { fault: 'rate-limited', retryAfter: 5 },
            },
          ],
          flag: 'test',
        },
      ],
    });
    key = await sandbox.createTenant('acme');
    await freeze(sandbox, 'acme');
  }, 60_000);

  afterAll(() => sandbox.stop());

  it('sends RateLimit-Policy and RateLimit on every answer, then a 429 whose t is Retry-After', async () => {
    const seen: { r: number; t: number }[] = [];
    for (const path of ['/widgets', '/widgets/w_1', '/widgets']) {
      const ok = await get(sandbox, key, path);
      expect(ok.status).toBeLessThan(500);
      expect(ok.headers.get('ratelimit-limit')).toBeNull(); // never the three-header form
      expect(ok.headers.get('ratelimit-remaining')).toBeNull();
      expect(ok.headers.get('ratelimit-reset')).toBeNull();
      expect(sfItem(ok.headers.get('ratelimit-policy'))).toEqual({
        name: 'burst',
        params: { q: 3, w: 60 },
      });
      const item = sfItem(ok.headers.get('ratelimit'));
      expect(item.name).toBe('burst');
      seen.push({ r: item.params['r']!, t: item.params['t']! });
    }
    // One token every 20 s; `t` on a pass is the time to full again.
    expect(seen).toEqual([
      { r: 2, t: 20 },
      { r: 1, t: 40 },
      { r: 0, t: 60 },
    ]);
    const refused = await get(sandbox, key, '/widgets');
    expect(refused.status).toBe(429);
    expect(refused.headers.get('content-type')).toContain('application/problem+json');
    expect(refused.headers.get('retry-after')).toBe('20');
    expect(sfItem(refused.headers.get('ratelimit')).params).toEqual({ r: 0, t: 20 });
    expect(((await refused.json()) as { code: string }).code).toBe('rate-limited');
    // Half the wait on the tenant clock: the rest of it is what Retry-After says now.
    await sandbox.admin('POST', 'tenants/acme/clock', { advance: '10500ms' });
    expect((await get(sandbox, key, '/widgets')).headers.get('retry-after')).toBe('10');
  });

  it("a scenario's 429 names the request's own class, as if its bucket were empty", async () => {
    const other = await sandbox.createTenant('globex');
    const limited = await fetch(`${sandbox.url}/widgets`, {
      headers: { authorization: `Bearer ${other}`, 'x-tapedeck-scenario': 'limited' },
    });
    expect(limited.status).toBe(429);
    expect(limited.headers.get('x-tapedeck-layer')).toBe('scenario');
    expect(limited.headers.get('retry-after')).toBe('5');
    expect(sfItem(limited.headers.get('ratelimit-policy'))).toEqual({
      name: 'burst',
      params: { q: 3, w: 60 },
    });
    expect(sfItem(limited.headers.get('ratelimit')).params).toEqual({ r: 0, t: 5 });
  });
});

describe('github profile: x-ratelimit-* on the tenant clock', () => {
  let sandbox: RunningSandbox;
  let key: string;

  beforeAll(async () => {
    sandbox = await startSandbox({
      spec: widgetsSpec,
      profile: 'github',
      flags: [
        rateLimits([
          { name: 'search', limit: 2, windowSeconds: 60, operations: ['GET /widgets/{id}'] },
          { name: 'core', limit: 5000, windowSeconds: 3600 },
        ]),
      ],
    });
    key = await sandbox.createTenant('acme');
    await freeze(sandbox, 'acme');
  }, 60_000);

  afterAll(() => sandbox.stop());

  it("counts each class apart and names it; the reset is epoch seconds of the tenant's clock", async () => {
    const shown = (await (await sandbox.admin('GET', 'tenants/acme/clock')).json()) as {
      now: string;
    };
    const tenantSeconds = Math.ceil(Date.parse(shown.now) / 1000);
    const core = await get(sandbox, key, '/widgets');
    expect(core.status).toBe(200);
    expect({
      limit: core.headers.get('x-ratelimit-limit'),
      remaining: core.headers.get('x-ratelimit-remaining'),
      used: core.headers.get('x-ratelimit-used'),
      reset: core.headers.get('x-ratelimit-reset'),
      resource: core.headers.get('x-ratelimit-resource'),
    }).toEqual({
      limit: '5000',
      remaining: '4999',
      used: '1',
      reset: String(tenantSeconds + 1), // one token back in 720 ms
      resource: 'core',
    });
    for (const remaining of ['1', '0']) {
      const one = await get(sandbox, key, '/widgets/w_1');
      expect(one.headers.get('x-ratelimit-resource')).toBe('search');
      expect(one.headers.get('x-ratelimit-remaining')).toBe(remaining);
    }
    const refused = await get(sandbox, key, '/widgets/w_1');
    expect(refused.status).toBe(403); // the GitHub profile's rate-limited status
    expect(refused.headers.get('retry-after')).toBe('30');
    expect(refused.headers.get('x-ratelimit-remaining')).toBe('0');
    expect(refused.headers.get('x-ratelimit-reset')).toBe(String(tenantSeconds + 30));
    expect(await refused.json()).toMatchObject({
      message: 'API rate limit exceeded for this sandbox tenant.',
    });
    // Core still has its own tokens.
    expect((await get(sandbox, key, '/widgets')).headers.get('x-ratelimit-remaining')).toBe('4998');
  });
});

describe('off by default', () => {
  it('sends no rate-limit headers and never refuses', async () => {
    const sandbox = await startSandbox({ spec: widgetsSpec, profile: 'standard' });
    try {
      const key = await sandbox.createTenant('acme');
      for (let i = 0; i < 150; i++) {
        const ok = await get(sandbox, key, '/widgets');
        expect(ok.status).toBe(200);
        expect(ok.headers.get('ratelimit')).toBeNull();
      }
    } finally {
      await sandbox.stop();
    }
  }, 60_000);
});

/** One attempt a dispatcher made: when it was sent, and what came back when. */
interface Attempt {
  readonly sentAt: number;
  status?: number;
  retryAfter?: string;
  answeredAt?: number;
}

/** An interceptor that notes every attempt the RetryAgent above it makes. */
function observing(attempts: Attempt[]): Dispatcher.DispatcherComposeInterceptor {
  return (dispatch) => (options, handler) => {
    const attempt: Attempt = { sentAt: performance.now() };
    attempts.push(attempt);
    const noting: Dispatcher.DispatchHandler = {
      onRequestStart: (c, context: unknown) => handler.onRequestStart?.(c, context),
      onRequestUpgrade: (c, status, headers, socket) =>
        handler.onRequestUpgrade?.(c, status, headers, socket),
      onResponseStart(c, statusCode, headers, statusMessage) {
        attempt.status = statusCode;
        attempt.answeredAt = performance.now();
        const retryAfter = headers['retry-after'];
        if (typeof retryAfter === 'string') attempt.retryAfter = retryAfter;
        handler.onResponseStart?.(c, statusCode, headers, statusMessage);
      },
      onResponseData: (c, chunk) => handler.onResponseData?.(c, chunk),
      onResponseEnd: (c, trailers) => handler.onResponseEnd?.(c, trailers),
      onResponseError: (c, error) => handler.onResponseError?.(c, error),
    };
    return dispatch(options, noting);
  };
}

describe("undici's RetryAgent against a real-time tenant", () => {
  let sandbox: RunningSandbox | undefined;
  let agent: Agent | undefined;

  afterEach(async () => {
    await agent?.close();
    await sandbox?.stop();
  });

  it('waits as Retry-After tells it, then succeeds', async () => {
    // Two a burst, one back a second: the agent's first try right after the burst is refused.
    sandbox = await startSandbox({
      spec: widgetsSpec,
      profile: 'standard',
      flags: [rateLimits([{ name: 'default', limit: 2, windowSeconds: 2 }])],
    });
    const key = await sandbox.createTenant('acme');
    expect((await get(sandbox, key, '/widgets')).status).toBe(200);
    expect((await get(sandbox, key, '/widgets')).status).toBe(200);

    const attempts: Attempt[] = [];
    agent = new Agent();
    const retrying = new RetryAgent(agent.compose(observing(attempts)), {
      statusCodes: [429],
      methods: ['GET'],
      maxRetries: 3,
      minTimeout: 1, // without Retry-After it would retry at once: the wait is the header's
      maxTimeout: 10_000,
    });
    const { statusCode, headers, body } = await request(`${sandbox.url}/widgets`, {
      dispatcher: retrying,
      headers: { authorization: `Bearer ${key}` },
    });
    await body.text();
    expect(statusCode).toBe(200);
    expect(sfItem(headers['ratelimit'] as string).params['r']).toBe(0);

    expect(attempts.map((a) => a.status)).toEqual([429, 200]);
    const [told, retried] = attempts as [Attempt, Attempt];
    const seconds = Number(told.retryAfter);
    expect(seconds).toBeGreaterThanOrEqual(1);
    expect(retried.sentAt - told.answeredAt!).toBeGreaterThanOrEqual(seconds * 1000 - 25);
  }, 30_000);
});
