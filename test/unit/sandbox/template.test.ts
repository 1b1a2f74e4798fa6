import { describe, expect, it } from 'vitest';
import type { NamedCassette } from '../../../src/core/cassette/model.js';
import {
  buildTemplates,
  minimalInstance,
  recordedTemplate,
} from '../../../src/core/sandbox/state/template.js';
import { widgetsModel, widgetsProfile } from './widgets-model.js';
import { stripeSpec } from './stripe-spec.js';

describe('templates', () => {
  it('the minimal instance has required fields only, never made-up words', () => {
    const document = {};
    const schema = {
      type: 'object',
      required: ['email', 'count', 'flag', 'kind', 'tags', 'meta', 'nick', 'low'],
      properties: {
        email: { type: 'string', format: 'email' },
        count: { type: 'integer' },
        low: { type: 'integer', minimum: 5 },
        flag: { type: 'boolean' },
        kind: { type: 'string', enum: ['a', 'b'] },
        tags: { type: 'array', items: { type: 'string' } },
        meta: { type: 'object', additionalProperties: { type: 'string' } },
        nick: { type: 'string', nullable: true },
        optional: { type: 'string' },
      },
    };
    expect(minimalInstance(document, schema)).toEqual({
      email: '',
      count: 0,
      low: 5,
      flag: false,
      kind: 'a',
      tags: [],
      meta: {},
      nick: null,
    });
  });

  it('a Stripe customer starts from its schema with nulls, not placeholders', () => {
    const spec = stripeSpec();
    const customer = minimalInstance(
      spec.responseDocument,
      {
        $ref: '#/components/schemas/customer',
      },
      0,
      { nullables: true },
    );
    expect(customer).toMatchObject({
      object: 'customer',
      email: null,
      name: null,
      livemode: false,
    });
    expect(JSON.stringify(customer)).not.toMatch(/"string"/);
    // An optional map is there and empty, as Stripe answers (`customer.metadata.plan` reads).
    expect(customer).toMatchObject({ metadata: {} });
  });

  it('a recorded create keeps what the server filled in and resets what the request set', () => {
    const template = recordedTemplate(
      {
        id: 'wid_rec',
        name: 'Recorded Name',
        color: 'red',
        size: 9,
        status: 'draft',
        metadata: { who: 'partner' },
      },
      ['name', 'metadata', 'color'],
      undefined,
    );
    expect(template).toEqual({
      id: 'wid_rec',
      name: null,
      color: null,
      size: 9,
      status: 'draft',
      metadata: {},
    });
  });

  it("a recorded create resets what names the recorded object: its secret, its charges' list", () => {
    const template = recordedTemplate(
      {
        id: 'pi_rec1234567',
        object: 'payment_intent',
        amount: 2000,
        client_secret: 'pi_rec1234567_secret_abc',
        charges: {
          object: 'list',
          data: [{ id: 'ch_1', payment_intent: 'pi_rec1234567' }],
          url: '/v1/charges?payment_intent=pi_rec1234567',
        },
        capture_method: 'automatic',
      },
      ['amount'],
      undefined,
    );
    expect(template).toEqual({
      id: 'pi_rec1234567',
      object: 'payment_intent',
      amount: null,
      client_secret: null,
      charges: {},
      capture_method: 'automatic',
    });
  });

  it('recordings win over the schema, per type', () => {
    const profile = widgetsProfile();
    const model = widgetsModel(profile);
    const cassette: NamedCassette = {
      name: 'widgets',
      cassette: {
        version: 1,
        interactions: [
          {
            request: {
              method: 'POST',
              path: '/v1/widgets',
              query: {},
              headers: { 'content-type': 'application/json' },
              body: { encoding: 'json', json: { name: 'Partner secret name' } },
            },
            response: {
              status: 200,
              headers: {},
              body: {
                encoding: 'json',
                json: { id: 'wid_x', object: 'widget', name: 'Partner secret name', size: 7 },
              },
            },
            latencyMs: 1,
            recordedAt: '2026-01-01T00:00:00.000Z',
          },
        ],
      },
    } as unknown as NamedCassette;
    const templates = buildTemplates({ model, cassettes: [cassette] });
    expect(templates.template('widgets')).toEqual({
      id: 'wid_x',
      object: 'widget',
      name: null,
      size: 7,
    });
  });
});
