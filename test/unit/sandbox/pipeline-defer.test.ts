import { describe, expect, it } from 'vitest';
import { AdminRouter, type AdminRoute } from '../../../src/app/layers/admin/router.js';
import type { DeferredOutcome, Layer } from '../../../src/app/pipeline/context.js';
import { runPipeline } from '../../../src/app/pipeline/run.js';
import type { IncomingRequest, JournalEntry } from '../../../src/core/ports/index.js';
import type { ResolvedTenant } from '../../../src/core/sandbox/tenant.js';

const clock = { now: () => 1_000, monotonic: () => 5 };

function incoming(path = '/x'): IncomingRequest {
  return {
    method: 'POST',
    target: path,
    path,
    rawQuery: '',
    headers: {},
    rawBody: undefined,
    signal: new AbortController().signal,
  };
}

const tenant = { id: 't1', name: 'acme' } as ResolvedTenant;

function run(layers: Layer[], journal: JournalEntry[] = []) {
  return runPipeline({
    layers,
    clock,
    journal: { record: (e) => journal.push(e) },
    stats: { answered: () => undefined },
  });
}

describe('deferred hooks', () => {
  it('run after the answering layer, last registered first, before the reply leaves', async () => {
    const order: string[] = [];
    const seen: DeferredOutcome[] = [];
    const journal: JournalEntry[] = [];
    const handler = run(
      [
        {
          name: 'tenant',
          handle(context) {
            context.setTenant(tenant);
            context.defer(async (outcome) => {
              await Promise.resolve();
              order.push('first registered');
              seen.push(outcome);
            });
            return undefined;
          },
        },
        {
          name: 'idempotency',
          handle(context) {
            context.defer(() => void order.push('second registered'));
            return undefined;
          },
        },
        {
          name: 'state',
          handle() {
            order.push('state answered');
            return {
              reply: { kind: 'simple', status: 201, headers: [], body: 'made' },
              remember: false,
            };
          },
        },
        {
          name: 'miss',
          closes: true,
          handle: () => ({ reply: { kind: 'simple', status: 599, headers: [], body: '' } }),
        },
      ],
      journal,
    );
    const reply = await handler(incoming());
    expect(reply).toMatchObject({ status: 201 });
    expect(order).toEqual(['state answered', 'second registered', 'first registered']);
    expect(seen[0]).toMatchObject({ layer: 'state', answer: { remember: false } });
    expect(journal[0]).toMatchObject({ layer: 'state', tenant: 't1' });
  });

  it('run with the error when a layer throws, and the error still reaches the server', async () => {
    const seen: DeferredOutcome[] = [];
    const boom = new Error('store down');
    const handler = run([
      {
        name: 'idempotency',
        handle(context) {
          context.defer((outcome) => void seen.push(outcome));
          return undefined;
        },
      },
      {
        name: 'state',
        handle: () => Promise.reject(boom),
      },
      {
        name: 'miss',
        closes: true,
        handle: () => ({ reply: { kind: 'simple', status: 599, headers: [], body: '' } }),
      },
    ]);
    await expect(handler(incoming())).rejects.toBe(boom);
    expect(seen).toEqual([{ error: boom }]);
  });

  it('refuses a second tenant, and journals no tenant when none was set', async () => {
    const journal: JournalEntry[] = [];
    const twice = run([
      {
        name: 'tenant',
        handle(context) {
          context.setTenant(tenant);
          context.setTenant(tenant);
          return undefined;
        },
      },
      {
        name: 'miss',
        closes: true,
        handle: () => ({ reply: { kind: 'simple', status: 599, headers: [], body: '' } }),
      },
    ]);
    await expect(twice(incoming())).rejects.toMatchObject({ code: 'TD_INTERNAL' });
    const plain = run(
      [
        {
          name: 'miss',
          closes: true,
          handle: () => ({ reply: { kind: 'simple', status: 599, headers: [], body: '' } }),
        },
      ],
      journal,
    );
    await plain(incoming());
    expect(journal[0]).not.toHaveProperty('tenant');
  });
});

describe('admin routes with :param segments', () => {
  const route = (method: AdminRoute['method'], path: string): AdminRoute => ({
    method,
    path,
    usage: `${method} ${path}`,
    handle: () => ({ kind: 'simple', status: 200, headers: [], body: path }),
  });
  const router = new AdminRouter([
    [
      route('GET', 'tenants'),
      route('GET', 'tenants/:name'),
      route('DELETE', 'tenants/:name/keys/:hint'),
    ],
    [route('GET', 'tenants/:name/clock')],
  ]);

  it('matches literal paths first, then parameters, percent-decoded', () => {
    expect(router.match('GET', 'tenants')).toMatchObject({
      route: { path: 'tenants' },
      params: {},
    });
    expect(router.match('GET', 'tenants/acme')).toMatchObject({ params: { name: 'acme' } });
    expect(router.match('GET', 'tenants/acme/clock')).toMatchObject({
      route: { path: 'tenants/:name/clock' },
      params: { name: 'acme' },
    });
    expect(router.match('DELETE', 'tenants/a%20b/keys/sk_test_%E2%80%A6DELp')).toMatchObject({
      params: { name: 'a b', hint: 'sk_test_…DELp' },
    });
  });

  it('misses empty or badly encoded segments, other methods and lengths', () => {
    expect(router.match('GET', 'tenants/')).toBeUndefined();
    expect(router.match('GET', 'tenants/%E2%80')).toBeUndefined();
    expect(router.match('POST', 'tenants/acme')).toBeUndefined();
    expect(router.match('GET', 'tenants/acme/keys')).toBeUndefined();
  });

  it('refuses two routes for one endpoint, whatever their parameter names', () => {
    expect(
      () => new AdminRouter([[route('GET', 'tenants/:name')], [route('GET', 'tenants/:id')]]),
    ).toThrow(/Two admin routes/);
  });
});
