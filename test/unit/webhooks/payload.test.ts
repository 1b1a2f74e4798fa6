import { describe, expect, it } from 'vitest';
import type { WebhookSample } from '../../../src/core/cassette/model.js';
import { CompiledSpec } from '../../../src/core/mock/openapi/compiled.js';
import type { StoredEvent } from '../../../src/core/ports/events.js';
import { PRESETS } from '../../../src/core/sandbox/profile/presets/index.js';
import { learnProfile } from '../../../src/core/sandbox/profile/learn.js';
import { inferModel } from '../../../src/core/sandbox/state/infer.js';
import { payloadSource } from '../../../src/core/webhooks/payload.js';
import { stripeSpec } from '../sandbox/specs.js';

const AT = Date.UTC(2024, 0, 15, 12, 30, 0);

const intent = {
  id: 'pi_3MtwBwLkdIwHu7ix28a3tqPa',
  object: 'payment_intent',
  amount: 2000,
  amount_received: 2000,
  currency: 'usd',
  created: Math.floor(AT / 1000),
  livemode: false,
  payment_method: 'pm_card_visa',
  status: 'succeeded',
};

const event = (over: Partial<StoredEvent> = {}): StoredEvent => ({
  seq: 7,
  id: 'evt_1NG8Du2eZvKYlo2CUI79vXWy',
  type: 'payment_intent.succeeded',
  at: AT,
  resourceType: 'payment_intents',
  resourceId: intent.id,
  data: intent,
  ...over,
});

const json = (value: unknown) => `${JSON.stringify(value, null, 2)}\n`;

describe('payloads: the three envelopes', () => {
  it('standard: id, type, timestamp (tenant clock), data', async () => {
    const source = payloadSource({ profile: PRESETS.standard, samples: [] });
    const body = source.render(event({ type: 'payment_intent.created' }), {
      objectName: 'payment_intent',
      pendingWebhooks: 1,
    });
    expect(body).toEqual({
      id: 'evt_1NG8Du2eZvKYlo2CUI79vXWy',
      type: 'payment_intent.created',
      timestamp: '2024-01-15T12:30:00.000Z',
      data: intent,
    });
    await expect(json(body)).toMatchFileSnapshot('../../golden/webhook-standard.json');
  });

  it('stripe: Stripe’s event object, api_version from the spec, the key as sent', async () => {
    const source = payloadSource({ profile: PRESETS.stripe, samples: [], spec: stripeSpec() });
    const body = source.render(event({ idempotencyKey: 'order-1234' }), {
      objectName: 'payment_intent',
      pendingWebhooks: 2,
    }) as Record<string, unknown>;
    expect(body['api_version']).toBe('2020-08-27');
    expect(body['created']).toBe(Math.floor(AT / 1000));
    expect(body['pending_webhooks']).toBe(2);
    expect(body['request']).toEqual({ id: null, idempotency_key: 'order-1234' });
    // Not an *.updated event: no previous_attributes.
    expect(body['data']).toEqual({ object: intent });
    await expect(json(body)).toMatchFileSnapshot('../../golden/webhook-stripe.json');
  });

  it('github: action and the object under its own name, no previous outside *.updated', async () => {
    const source = payloadSource({ profile: PRESETS.github, samples: [] });
    const issue = { id: 1, number: 3, title: 'Found a bug', state: 'open' };
    const body = source.render(
      event({ type: 'issue.created', resourceType: 'issues', resourceId: '3', data: issue }),
      { objectName: 'issue', pendingWebhooks: 1 },
    );
    expect(body).toEqual({ action: 'created', issue });
    await expect(json(body)).toMatchFileSnapshot('../../golden/webhook-github.json');
  });
});

describe('payloads: the Stripe envelope against the vendored spec', () => {
  const spec = stripeSpec();
  const profile = learnProfile(
    PRESETS.stripe,
    spec,
    inferModel({ spec, cassettes: [], profile: PRESETS.stripe, overrides: {}, notResources: [] }),
  );
  const source = payloadSource({ profile, samples: [], spec });
  const problems = (value: unknown) =>
    spec.validators.validateResponseValue({ schemaPointer: '/components/schemas/event' }, value);

  it('validates against components.schemas.event, with and without a request', () => {
    const facts = { objectName: 'payment_intent', pendingWebhooks: 1 };
    expect(problems(source.render(event(), facts))).toEqual([]);
    expect(problems(source.render(event({ idempotencyKey: 'k-1' }), facts))).toEqual([]);
    const updated = event({ type: 'payment_intent.updated', previous: { status: 'processing' } });
    const body = source.render(updated, facts) as { data: Record<string, unknown> };
    expect(body.data['previous_attributes']).toEqual({ status: 'processing' });
    expect(problems(body)).toEqual([]);
  });

  it('a check that can fail: a string `created` is a problem', () => {
    const body = source.render(event(), { objectName: 'payment_intent', pendingWebhooks: 1 });
    expect(problems({ ...(body as object), created: 'yesterday' })).not.toEqual([]);
  });
});

describe('payloads: over a recorded sample or the spec’s webhooks', () => {
  const sample: WebhookSample = {
    type: 'payment_intent.succeeded',
    receivedAt: '2024-01-01T00:00:00.000Z',
    headers: { 'content-type': 'application/json' },
    body: {
      encoding: 'json',
      json: {
        id: 'evt_recorded',
        object: 'event',
        account: 'acct_1032D82eZvKYlo2C',
        api_version: '2022-11-15',
        created: 1,
        data: {
          object: { id: 'pi_recorded', object: 'payment_intent', customer: 'cus_recorded' },
          previous_attributes: { status: 'processing' },
        },
        livemode: false,
        pending_webhooks: 9,
        request: { id: 'req_recorded', idempotency_key: 'recorded-key' },
        type: 'payment_intent.succeeded',
      },
    },
  };

  it('the envelope wins, the sample adds what production sends besides, facts are whole', async () => {
    const source = payloadSource({
      profile: PRESETS.stripe,
      samples: [sample],
      spec: stripeSpec(),
    });
    const body = source.render(event(), { objectName: 'payment_intent', pendingWebhooks: 1 });
    expect(body).toMatchObject({
      id: 'evt_1NG8Du2eZvKYlo2CUI79vXWy',
      account: 'acct_1032D82eZvKYlo2C',
      api_version: '2020-08-27',
      pending_webhooks: 1,
      request: { id: null, idempotency_key: null },
    });
    // The resource as in state, not a blend with the recorded one; no stale previous_attributes.
    expect((body as { data: unknown }).data).toEqual({ object: intent });
    await expect(json(body)).toMatchFileSnapshot('../../golden/webhook-stripe-sample.json');
  });

  it('else a callback named for the type, or marked x-tapedeck-event', () => {
    const callback = (example: object) => ({
      '{$request.body#/callbackUrl}': {
        post: { requestBody: { content: { 'application/json': { example } } } },
      },
    });
    const spec = new CompiledSpec({
      file: '/specs/cb.json',
      dialect: 'openapi-3.0',
      files: ['/specs/cb.json'],
      document: {
        openapi: '3.0.3',
        info: { title: 'cb', version: '1' },
        paths: {
          '/subscriptions': {
            post: {
              responses: { '201': { description: 'ok' } },
              callbacks: {
                'job.finished': callback({ from: 'named' }),
                onDone: { ...callback({ from: 'marked' }), 'x-tapedeck-event': 'job.done' },
              },
            },
          },
        },
      },
    });
    const source = payloadSource({ profile: PRESETS.standard, samples: [], spec });
    const facts = { objectName: 'job', pendingWebhooks: 1 };
    expect(source.render(event({ type: 'job.finished' }), facts)).toMatchObject({ from: 'named' });
    expect(source.render(event({ type: 'job.done' }), facts)).toMatchObject({ from: 'marked' });
    expect(source.render(event({ type: 'job.other' }), facts)).not.toHaveProperty('from');
  });

  it('a type without a sample uses the spec’s OpenAPI 3.1 webhooks entry', () => {
    const spec = new CompiledSpec({
      file: '/specs/hooks.json',
      dialect: 'openapi-3.1',
      files: ['/specs/hooks.json'],
      document: {
        openapi: '3.1.0',
        info: { title: 'hooks', version: '1' },
        paths: {},
        webhooks: {
          'order.created': {
            post: {
              requestBody: {
                content: {
                  'application/json': {
                    schema: {
                      type: 'object',
                      required: ['tenant'],
                      properties: { tenant: { type: 'string', enum: ['shop-1'] } },
                    },
                  },
                },
              },
            },
          },
          'order.shipped': {
            post: {
              requestBody: {
                content: {
                  'application/json': { example: { carrier: 'dhl', data: { stale: true } } },
                },
              },
            },
          },
        },
      },
    });
    const source = payloadSource({ profile: PRESETS.standard, samples: [], spec });
    const facts = { objectName: 'order', pendingWebhooks: 1 };
    const order = { id: 'ord_1' };
    expect(source.render(event({ type: 'order.created', data: order }), facts)).toMatchObject({
      tenant: 'shop-1',
      type: 'order.created',
      data: order,
    });
    expect(source.render(event({ type: 'order.shipped', data: order }), facts)).toEqual({
      carrier: 'dhl',
      data: order,
      id: 'evt_1NG8Du2eZvKYlo2CUI79vXWy',
      type: 'order.shipped',
      timestamp: '2024-01-15T12:30:00.000Z',
    });
    expect(source.render(event({ type: 'order.lost', data: order }), facts)).toEqual({
      id: 'evt_1NG8Du2eZvKYlo2CUI79vXWy',
      type: 'order.lost',
      timestamp: '2024-01-15T12:30:00.000Z',
      data: order,
    });
  });
});
