/**
 * Issue 15's event facts from a real Stripe sandbox (vendored spec, stripe profile): the preset's
 * trigger flows, sent as form bodies step by step, make the events they are named for; an update
 * carries `previous` (Stripe's previous_attributes); a plain Idempotency-Key rides on the events
 * as sent, one that is not a plain token does not. The events are read as `apply` receives them.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { JsonValue } from '../../src/core/json.js';
import type {
  ChangeResult,
  RuntimeState,
  SandboxEvent,
  StateChange,
} from '../../src/core/ports/index.js';
import { STRIPE_TRIGGERS } from '../../src/core/sandbox/profile/presets/stripe-triggers.js';
import { resolveStep, unresolvedReferences } from '../../src/core/webhooks/triggers.js';
import { startSandbox, stripeSpecFile, type RunningSandbox } from '../helpers/sandbox.js';

let sandbox: RunningSandbox;
let key: string;
const applied: SandboxEvent[] = [];

function capture(state: RuntimeState): RuntimeState {
  const resources = state.resources;
  const wrapped = new Proxy(resources, {
    get(target, name) {
      if (name === 'apply')
        return async (tenant: string, change: StateChange, at: number): Promise<ChangeResult> => {
          const result = await target.apply(tenant, change, at);
          if (result.ok) applied.push(...(change.events ?? []));
          return result;
        };
      const value = Reflect.get(target, name, target) as unknown;
      return typeof value === 'function' ? (value as () => unknown).bind(target) : value;
    },
  });
  return { ...state, resources: wrapped, close: () => state.close() };
}

beforeAll(async () => {
  sandbox = await startSandbox({ spec: stripeSpecFile(), profile: 'stripe', wrapState: capture });
  key = await sandbox.createTenant('acme');
}, 120_000);

afterAll(async () => {
  await sandbox?.stop();
});

/** Stripe's form encoding: nested objects as `a[b]=c`, booleans as text. */
function form(value: JsonValue, prefix = ''): string[] {
  if (value === null || typeof value !== 'object')
    return [`${encodeURIComponent(prefix)}=${encodeURIComponent(String(value))}`];
  return Object.entries(value).flatMap(([name, item]) =>
    form(item, prefix === '' ? name : `${prefix}[${name}]`),
  );
}

async function send(
  method: string,
  path: string,
  body?: JsonValue,
  headers: Record<string, string> = {},
): Promise<{ status: number; json: JsonValue }> {
  const response = await fetch(`${sandbox.url}${path}`, {
    method,
    headers: {
      authorization: `Bearer ${key}`,
      ...(body === undefined ? {} : { 'content-type': 'application/x-www-form-urlencoded' }),
      ...headers,
    },
    ...(body === undefined ? {} : { body: form(body).join('&') }),
  });
  return { status: response.status, json: (await response.json()) as JsonValue };
}

async function runFlow(event: string): Promise<{ statuses: number[]; events: string[] }> {
  const flow = STRIPE_TRIGGERS.find((t) => t.event === event)!;
  const results = new Map<string, JsonValue>();
  const statuses: number[] = [];
  const before = applied.length;
  for (const declared of flow.steps) {
    expect(unresolvedReferences(declared, results)).toEqual([]);
    const step = resolveStep(declared, results);
    const answer = await send(step.method, step.path, step.body, step.headers);
    statuses.push(answer.status);
    if (step.name !== undefined) results.set(step.name, answer.json);
  }
  return { statuses, events: applied.slice(before).map((e) => e.type) };
}

describe('the stripe preset’s trigger flows make their events', () => {
  it('payment_intent.succeeded', async () => {
    const run = await runFlow('payment_intent.succeeded');
    expect(run.statuses).toEqual([200]);
    expect(run.events).toContain('payment_intent.succeeded');
  });

  it('payment_intent.payment_failed (the card_declined scenario fires)', async () => {
    const run = await runFlow('payment_intent.payment_failed');
    expect(run.statuses).toEqual([402]);
    expect(run.events).toContain('payment_intent.payment_failed');
  });

  it('payment_intent.canceled', async () => {
    const run = await runFlow('payment_intent.canceled');
    expect(run.statuses).toEqual([200, 200]);
    expect(run.events).toEqual(['payment_intent.created', 'payment_intent.canceled']);
  });

  it('charge.refunded', async () => {
    const run = await runFlow('charge.refunded');
    expect(run.statuses).toEqual([200, 200]);
    expect(run.events).toContain('charge.refunded');
  });
});

describe('event facts', () => {
  it('an update carries the fields it changed, as they were; a declared action does not', async () => {
    const created = await send('POST', '/v1/customers', { name: 'Ada', email: 'ada@example.com' });
    const id = (created.json as { id: string }).id;
    const before = applied.length;
    const updated = await send('POST', `/v1/customers/${id}`, {
      name: 'Ada Lovelace',
      email: 'ada@example.com',
    });
    expect(updated.status).toBe(200);
    const event = applied.slice(before).find((e) => e.type === 'customer.updated')!;
    expect(event.previous).toMatchObject({ name: 'Ada' });
    expect(event.previous).not.toHaveProperty('email');
    const canceled = await runFlow('payment_intent.canceled');
    const cancel = applied.findLast((e) => e.type === 'payment_intent.canceled');
    expect(canceled.events).toContain('payment_intent.canceled');
    expect(cancel?.previous).toBeUndefined();
  });

  it('a plain Idempotency-Key is on the events as sent; any other is not', async () => {
    let before = applied.length;
    await send('POST', '/v1/customers', { name: 'Key' }, { 'idempotency-key': 'order-1234' });
    let events = applied.slice(before);
    expect(events.map((e) => e.type)).toEqual(['customer.created']);
    expect(events[0]?.idempotencyKey).toBe('order-1234');
    expect(events[0]?.idempotencyKeyHash).toMatch(/^[0-9a-f]{64}$/);

    before = applied.length;
    await send(
      'POST',
      '/v1/customers',
      { name: 'Odd' },
      { 'idempotency-key': 'a key/with spaces' },
    );
    events = applied.slice(before);
    expect(events.map((e) => e.type)).toEqual(['customer.created']);
    expect(events[0]?.idempotencyKeyHash).toMatch(/^[0-9a-f]{64}$/);
    expect(events[0]).not.toHaveProperty('idempotencyKey');

    before = applied.length;
    await send('POST', '/v1/customers', { name: 'None' });
    expect(applied.slice(before)[0]).not.toHaveProperty('idempotencyKey');
  });
});
