/**
 * Retries, as clients really make them: the Stripe SDK's own network retries (its
 * `stripe-node-retry-…` idempotency key) after the relay lost the sandbox's first answer; a
 * duplicate sent while the first request is still inside the store (held on a gate, never a
 * sleep); and a key forgotten once the tenant clock has passed its retention.
 */
import Stripe from 'stripe';
import { afterEach, describe, expect, it } from 'vitest';
import type { RuntimeState } from '../../src/core/ports/index.js';
import { dropRelay, type DropRelay } from '../helpers/drop-relay.js';
import { gate, type Gate } from '../helpers/gate.js';
import { startSandbox, stripeSpecFile, type RunningSandbox } from '../helpers/sandbox.js';

let sandbox: RunningSandbox | undefined;
let relay: DropRelay | undefined;

afterEach(async () => {
  await relay?.close();
  await sandbox?.stop();
  relay = undefined;
  sandbox = undefined;
});

interface JournalEntry {
  readonly layer: string;
  readonly method: string;
  readonly path: string;
  readonly status: number;
}

async function journal(s: RunningSandbox): Promise<JournalEntry[]> {
  const response = await s.admin('GET', 'journal?limit=1000');
  const { entries } = (await response.json()) as { entries: JournalEntry[] };
  return entries.filter((e) => !e.path.startsWith('/__tapedeck/')).reverse();
}

function post(s: RunningSandbox, key: string, path: string, body: string, idem?: string) {
  return fetch(`${s.url}${path}`, {
    method: 'POST',
    headers: {
      authorization: `Bearer ${key}`,
      'content-type': 'application/x-www-form-urlencoded',
      ...(idem === undefined ? {} : { 'idempotency-key': idem }),
    },
    body,
  });
}

async function customerIds(s: RunningSandbox, key: string): Promise<string[]> {
  const response = await fetch(`${s.url}/v1/customers?limit=100`, {
    headers: { authorization: `Bearer ${key}` },
  });
  expect(response.status).toBe(200);
  return ((await response.json()) as { data: { id: string }[] }).data.map((c) => c.id);
}

/** Holds the next state change (not a seeding) in `apply` until the gate opens. */
function holdingApply(): {
  wrap: (state: RuntimeState) => RuntimeState;
  arm: () => { reached: Promise<void>; release: Gate };
} {
  let armed: { reached: Gate; release: Gate } | undefined;
  const wrap = (state: RuntimeState): RuntimeState => {
    const resources = state.resources;
    const apply: typeof resources.apply = async (tenant, change, at) => {
      const held = armed;
      if (held !== undefined && change.seed === undefined && change.puts.length > 0) {
        armed = undefined;
        held.reached.open();
        await held.release.opened;
      }
      return resources.apply(tenant, change, at);
    };
    return new Proxy(state, {
      get(target, name, receiver) {
        if (name !== 'resources') return Reflect.get(target, name, receiver) as unknown;
        return new Proxy(resources, {
          get(r, member, rr) {
            if (member === 'apply') return apply;
            const value = Reflect.get(r, member, rr) as unknown;
            return typeof value === 'function' ? (value as () => unknown).bind(r) : value;
          },
        });
      },
    });
  };
  return {
    wrap,
    arm: () => {
      armed = { reached: gate(), release: gate() };
      return { reached: armed.reached.opened, release: armed.release };
    },
  };
}

describe('idempotent retries in the sandbox', () => {
  it('the SDK retries a lost answer with its own key: one customer, the stored answer', async () => {
    sandbox = await startSandbox({ spec: stripeSpecFile(), profile: 'stripe' });
    const key = await sandbox.createTenant('acme');
    relay = await dropRelay(sandbox.url, {
      drop: (head) => head.startsWith('POST /v1/customers '),
    });
    const sent: string[] = [];
    const stripe = new Stripe(key, {
      apiVersion: '2020-08-27',
      host: '127.0.0.1',
      port: relay.port,
      protocol: 'http',
      maxNetworkRetries: 2,
      telemetry: false,
    });
    stripe.on('request', (event: { method: string; path: string }) =>
      sent.push(`${event.method} ${event.path}`),
    );
    const customer = await stripe.customers.create({ email: 'retry@example.com' });
    expect(relay.dropped).toBe(1);
    expect(customer.id).toMatch(/^cus_/);
    expect(await customerIds(sandbox, key)).toEqual([customer.id]);
    const entries = await journal(sandbox);
    const creates = entries.filter((e) => e.method === 'POST');
    expect(creates.map((e) => `${e.layer} ${e.status}`)).toEqual(['state 200', 'idempotency 200']);
  }, 60_000);

  it('a duplicate while the first is in flight gets 409 idempotency_key_in_use, then the replay', async () => {
    const hold = holdingApply();
    sandbox = await startSandbox({
      spec: stripeSpecFile(),
      profile: 'stripe',
      wrapState: hold.wrap,
    });
    const key = await sandbox.createTenant('acme');
    // Seeds the tenant first, so the held apply is the create's.
    expect(await customerIds(sandbox, key)).toEqual([]);
    const { reached, release } = hold.arm();
    const first = post(sandbox, key, '/v1/customers', 'email=a%40example.com', 'k-inflight');
    await reached;
    const duplicate = await post(
      sandbox,
      key,
      '/v1/customers',
      'email=a%40example.com',
      'k-inflight',
    );
    expect(duplicate.status).toBe(409);
    const refusal = (await duplicate.json()) as { error: { type: string; code: string } };
    expect(refusal.error).toMatchObject({
      type: 'idempotency_error',
      code: 'idempotency_key_in_use',
    });
    release.open();
    const done = await first;
    expect(done.status).toBe(200);
    const firstBody = await done.text();
    const third = await post(sandbox, key, '/v1/customers', 'email=a%40example.com', 'k-inflight');
    expect(third.status).toBe(200);
    expect(third.headers.get('idempotent-replayed')).toBe('true');
    expect(await third.text()).toBe(firstBody);
    expect(await customerIds(sandbox, key)).toHaveLength(1);
  }, 60_000);

  it('a key is forgotten 24 h later on the tenant clock: the same key creates anew', async () => {
    sandbox = await startSandbox({ spec: stripeSpecFile(), profile: 'stripe' });
    const key = await sandbox.createTenant('acme');
    const a = await post(sandbox, key, '/v1/customers', 'email=x%40example.com', 'k-expiry');
    const idA = ((await a.json()) as { id: string }).id;
    const b = await post(sandbox, key, '/v1/customers', 'email=x%40example.com', 'k-expiry');
    expect(((await b.json()) as { id: string }).id).toBe(idA);
    const advanced = await sandbox.admin('POST', 'tenants/acme/clock', { advance: '23h' });
    expect(advanced.status).toBe(200);
    const within = await post(sandbox, key, '/v1/customers', 'email=x%40example.com', 'k-expiry');
    expect(within.headers.get('idempotent-replayed')).toBe('true');
    await sandbox.admin('POST', 'tenants/acme/clock', { advance: '2h' });
    const c = await post(sandbox, key, '/v1/customers', 'email=x%40example.com', 'k-expiry');
    expect(c.status).toBe(200);
    expect(c.headers.get('idempotent-replayed')).toBeNull();
    const idC = ((await c.json()) as { id: string }).id;
    expect(idC).not.toBe(idA);
    expect(await customerIds(sandbox, key)).toEqual([idC, idA]);
  }, 60_000);
});
