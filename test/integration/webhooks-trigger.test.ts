import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openSqliteState } from '../../src/adapters/state/sqlite/index.js';
import {
  runTrigger,
  triggerRequest,
  triggerTenantLayer,
  type TriggerDeps,
  type TriggerRunner,
} from '../../src/app/webhooks/trigger.js';
import type {
  EventStore,
  IncomingRequest,
  RuntimeState,
  StoredEvent,
} from '../../src/core/ports/index.js';
import { STANDARD } from '../../src/core/sandbox/profile/presets/standard.js';
import type { ResourceModel } from '../../src/core/sandbox/state/model.js';
import type { ResolvedTenant } from '../../src/core/sandbox/tenant.js';
import type { TriggerDecl, TriggerStep } from '../../src/core/webhooks/types.js';
import { firstKey, newTenant } from '../contract/tenant-store.contract.js';
import { tempDir } from '../helpers/tmp.js';

/** No routes of its own: the flows here are declared. */
const NO_MODEL = { types: new Map(), routes: [], notModelled: [] } as unknown as ResourceModel;

const CANCEL: TriggerDecl = {
  event: 'payment_intent.canceled',
  description: 'Create an intent, then cancel it.',
  steps: [
    {
      name: 'pi',
      method: 'POST',
      path: '/v1/payment_intents',
      body: { amount: 2000, currency: 'usd' },
    },
    { method: 'POST', path: '/v1/payment_intents/{steps.pi.id}/cancel' },
  ],
};

/** A tenant's event log the fake API below appends to, as `ResourceStore.apply` would. */
class EventLog implements EventStore {
  readonly events: StoredEvent[] = [];
  append(tenant: string, type: string, id: string): void {
    this.events.push({
      seq: this.events.length + 1,
      id: `evt_${this.events.length + 1}`,
      type,
      at: 0,
      resourceType: 'payment_intents',
      resourceId: id,
      data: { id, tenant },
    });
  }
  list(tenant: string, afterSeq: number, limit: number): Promise<StoredEvent[]> {
    return Promise.resolve(
      this.events
        .filter((e) => (e.data as { tenant: string }).tenant === tenant && e.seq > afterSeq)
        .slice(0, limit),
    );
  }
  lastSeq(tenant: string): Promise<number> {
    return Promise.resolve(
      Math.max(
        0,
        ...this.events
          .filter((e) => (e.data as { tenant: string }).tenant === tenant)
          .map((e) => e.seq),
      ),
    );
  }
}

describe('runTrigger', () => {
  let state: RuntimeState;
  let log: EventLog;
  let sent: { tenant: string; step: TriggerStep }[];

  /** A tiny payment-intent API: create emits `.created`, cancel `.canceled` (or 404). */
  const api =
    (cancelStatus = 200): TriggerRunner =>
    (tenant, step) => {
      sent.push({ tenant, step });
      if (step.path === '/v1/payment_intents') {
        log.append(tenant, 'payment_intent.created', 'pi_123');
        return Promise.resolve({ status: 200, body: { id: 'pi_123' } });
      }
      if (step.path === '/v1/payment_intents/pi_123/cancel' && cancelStatus === 200) {
        log.append(tenant, 'payment_intent.canceled', 'pi_123');
        return Promise.resolve({ status: 200, body: { id: 'pi_123', status: 'canceled' } });
      }
      return Promise.resolve({ status: cancelStatus === 200 ? 404 : cancelStatus, body: {} });
    };

  function deps(run: TriggerRunner, declared: readonly TriggerDecl[] = [CANCEL]): TriggerDeps {
    return {
      state: { tenants: state.tenants, events: log },
      model: NO_MODEL,
      profile: STANDARD,
      declared,
      run,
    };
  }

  beforeEach(async () => {
    state = openSqliteState(tempDir());
    log = new EventLog();
    sent = [];
    await state.tenants.create(newTenant('ten_1', 1000, { name: 'acme' }), firstKey('ten_1'));
    // An earlier event of the tenant: not part of the trigger's report.
    log.append('ten_1', 'customer.created', 'cus_1');
  });

  afterEach(async () => {
    await state.close();
  });

  it("runs the declared flow, filling a step from an earlier one's answer, and reports the events", async () => {
    const report = await runTrigger(deps(api()), 'acme', 'payment_intent.canceled');
    expect(sent.map((s) => [s.tenant, s.step.path])).toEqual([
      ['ten_1', '/v1/payment_intents'],
      ['ten_1', '/v1/payment_intents/pi_123/cancel'],
    ]);
    expect(report).toEqual({
      tenant: 'acme',
      event: 'payment_intent.canceled',
      description: 'Create an intent, then cancel it.',
      steps: [
        { name: 'pi', method: 'POST', path: '/v1/payment_intents', status: 200 },
        { method: 'POST', path: '/v1/payment_intents/pi_123/cancel', status: 200 },
      ],
      events: [
        { id: 'evt_2', type: 'payment_intent.created' },
        { id: 'evt_3', type: 'payment_intent.canceled' },
      ],
    });
  });

  it('is TD_TRIGGER_FAILED when a step is refused, listing what was emitted', async () => {
    await expect(
      runTrigger(deps(api(402)), 'acme', 'payment_intent.canceled'),
    ).rejects.toMatchObject({
      code: 'TD_TRIGGER_FAILED',
      message: expect.stringContaining(
        'answered 402; events emitted: payment_intent.created',
      ) as string,
      details: { events: [{ type: 'payment_intent.created' }] },
    });
  });

  it('is TD_TRIGGER_FAILED when the flow emits only other events, or there is no flow', async () => {
    const createOnly: TriggerDecl = { event: 'payment_intent.canceled', steps: [CANCEL.steps[0]!] };
    await expect(
      runTrigger(deps(api(), [createOnly]), 'acme', 'payment_intent.canceled'),
    ).rejects.toMatchObject({
      code: 'TD_TRIGGER_FAILED',
      message: expect.stringContaining(
        'emitted payment_intent.created, not "payment_intent.canceled"',
      ) as string,
    });
    await expect(runTrigger(deps(api(), []), 'acme', 'invoice.paid')).rejects.toMatchObject({
      code: 'TD_TRIGGER_FAILED',
    });
    expect(sent).toHaveLength(1);
  });

  it('refuses a malformed event name and an unknown tenant before running anything', async () => {
    await expect(runTrigger(deps(api()), 'acme', 'not an event')).rejects.toMatchObject({
      code: 'TD_USAGE',
      details: { field: 'event' },
    });
    await expect(
      runTrigger(deps(api()), 'nobody', 'payment_intent.canceled'),
    ).rejects.toMatchObject({
      code: 'TD_TENANT_NOT_FOUND',
    });
    expect(sent).toEqual([]);
  });
});

describe('triggerRequest and triggerTenantLayer', () => {
  it('sends a body in the form encoding Stripe routes read, or as JSON', () => {
    const step: TriggerStep = {
      method: 'post',
      path: '/v1/payment_intents?expand=latest_charge',
      body: {
        amount: 2000,
        metadata: { order: 'a b' },
        payment_method_types: ['card'],
        skip: null,
      },
    };
    const form = triggerRequest(step, { bodyFormat: 'form' });
    expect(form).toMatchObject({
      method: 'POST',
      path: '/v1/payment_intents',
      rawQuery: 'expand=latest_charge',
      headers: { 'content-type': ['application/x-www-form-urlencoded'] },
    });
    expect(new TextDecoder().decode(form.rawBody)).toBe(
      'amount=2000&metadata%5Border%5D=a+b&payment_method_types%5B0%5D=card',
    );
    const json = triggerRequest(step, { bodyFormat: 'json' });
    expect(JSON.parse(new TextDecoder().decode(json.rawBody))).toEqual(step.body);
    expect(triggerRequest({ method: 'GET', path: '/x' }, { bodyFormat: 'json' }).rawBody).toBe(
      undefined,
    );
  });

  it('sets the tenant the trigger registered for the request, and refuses any other request', async () => {
    const tenants = new WeakMap<IncomingRequest, ResolvedTenant>();
    const layer = triggerTenantLayer(tenants);
    const known = triggerRequest({ method: 'GET', path: '/x' }, { bodyFormat: 'json' });
    const tenant = { id: 'ten_1', name: 'acme' } as unknown as ResolvedTenant;
    tenants.set(known, tenant);
    let set: ResolvedTenant | undefined;
    const context = (incoming: IncomingRequest) =>
      ({ incoming, setTenant: (t: ResolvedTenant) => (set = t) }) as never;
    expect(await layer.handle(context(known))).toBeUndefined();
    expect(set).toBe(tenant);
    const other = triggerRequest({ method: 'GET', path: '/x' }, { bodyFormat: 'json' });
    const refused = await layer.handle(context(other));
    expect(refused?.reply).toMatchObject({ status: 500 });
  });
});
