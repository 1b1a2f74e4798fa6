/**
 * Inference from recordings alone (id-like segments → `{id}`, roles from the recorded bodies),
 * and what recordings add to a spec's model (id shapes learned from observed ids).
 */
import { describe, expect, it } from 'vitest';
import type { Interaction, NamedCassette } from '../../../src/core/cassette/model.js';
import type { JsonValue } from '../../../src/core/json.js';
import { PRESETS } from '../../../src/core/sandbox/profile/presets/index.js';
import { inferModel } from '../../../src/core/sandbox/state/infer.js';
import { templateOf } from '../../../src/core/sandbox/state/infer-recordings.js';
import { stripeSpec } from './specs.js';

function exchange(
  method: string,
  target: string,
  status: number,
  json?: JsonValue,
  request?: { form?: boolean },
): Interaction {
  const [path, query = ''] = target.split('?');
  return {
    request: {
      method,
      path: path!,
      query: Object.fromEntries(new URLSearchParams(query)),
      headers:
        request?.form === true ? { 'content-type': 'application/x-www-form-urlencoded' } : {},
      ...(request?.form === true ? { body: { encoding: 'text' as const, text: 'name=a' } } : {}),
    },
    response: {
      status,
      headers: { 'content-type': 'application/json' },
      ...(json === undefined ? {} : { body: { encoding: 'json' as const, json } }),
    },
    latencyMs: 1,
    recordedAt: '2026-01-01T00:00:00.000Z',
  };
}

const w1 = {
  id: 'wid_Abc123Def456',
  object: 'widget',
  created: 1700000000,
  name: 'a',
  status: 'active',
};
const w2 = { ...w1, id: 'wid_Xyz789Ghi012', name: 'b' };

const widgets: NamedCassette = {
  name: 'widgets',
  cassette: {
    version: 1,
    interactions: [
      exchange('POST', '/v1/widgets', 200, w1, { form: true }),
      exchange('GET', `/v1/widgets/${w1.id}`, 200, w1),
      exchange('GET', '/v1/widgets?status=active&limit=2', 200, {
        object: 'list',
        data: [w2, w1],
        has_more: false,
      }),
      exchange('POST', `/v1/widgets/${w1.id}/archive`, 200, { ...w1, status: 'archived' }),
      exchange('DELETE', `/v1/widgets/${w2.id}`, 200, {
        id: w2.id,
        object: 'widget',
        deleted: true,
      }),
      exchange('GET', '/v1/widgets/search?query=a', 200, { object: 'search_result', data: [w1] }),
      exchange('GET', '/v1/widgets/wid_Nope00000000', 404, {
        error: { message: 'No such widget' },
      }),
    ],
  },
};

const issues: NamedCassette = {
  name: 'issues',
  cassette: {
    version: 1,
    interactions: [
      exchange('POST', '/repos/octo/hello/issues', 201, {
        id: 9001,
        number: 1,
        title: 'x',
        created_at: '2026-01-01T00:00:00Z',
      }),
      exchange('POST', '/repos/octo/hello/issues', 201, {
        id: 9002,
        number: 2,
        title: 'y',
        created_at: '2026-01-01T00:00:00Z',
      }),
      exchange('GET', '/repos/octo/hello/issues/2', 200, {
        id: 9002,
        number: 2,
        title: 'y',
        created_at: '2026-01-01T00:00:00Z',
      }),
    ],
  },
};

describe('recordings alone', () => {
  const model = inferModel({
    cassettes: [widgets, issues],
    profile: PRESETS.standard,
    overrides: {},
    notResources: [],
  });

  it('templates id-like segments and ids the API answered with', () => {
    expect(templateOf(['v1', 'widgets', 'wid_Abc123Def456'], new Set())).toBe('/v1/widgets/{id}');
    expect(
      templateOf(['v1', 'customers', 'cus_A1b2C3d4', 'sources', 'src_Z9y8X7w6'], new Set()),
    ).toBe('/v1/customers/{id1}/sources/{id2}');
    expect(templateOf(['things', 'blue-7'], new Set(['blue-7']))).toBe('/things/{id}');
    expect(templateOf(['v1', 'widgets', 'search'], new Set())).toBe('/v1/widgets/search');
    // Two-word prefixes (Stripe's checkout sessions), as Stripe issues them.
    expect(
      templateOf(['v1', 'checkout', 'sessions', 'cs_test_a1YS1URlnyQCN5fUUduORoQ7Pw41'], new Set()),
    ).toBe('/v1/checkout/sessions/{id}');
    expect(templateOf(['v1', 'payment_methods', 'pm_card_visa'], new Set())).toBe(
      '/v1/payment_methods/pm_card_visa',
    );
    // Collection names with an underscore are words, not ids (all lower case, no digit).
    for (const collection of [
      'payment_intents',
      'setup_intents',
      'test_clocks',
      'webhook_endpoints',
    ])
      expect(templateOf(['v1', collection, 'pi_3MtwBwLkdIwHu7ix28a3tqPa'], new Set())).toBe(
        `/v1/${collection}/{id}`,
      );
  });

  it('a widget type: roles from bodies, learned id shape, constants, timestamps, a tombstone', () => {
    expect(model.from).toBe('recordings');
    expect(
      model.routes
        .filter((r) => r.type === 'widgets')
        .map(
          (r) => `${r.role}${r.action === undefined ? '' : `:${r.action}`} ${r.method} ${r.path}`,
        ),
    ).toEqual([
      'list GET /v1/widgets',
      'create POST /v1/widgets',
      'delete DELETE /v1/widgets/{id}',
      'retrieve GET /v1/widgets/{id}',
      'action:archive POST /v1/widgets/{id}/archive',
    ]);
    expect(model.types.get('widgets')).toMatchObject({
      object: 'widget',
      idField: 'id',
      idShape: { kind: 'random', prefix: 'wid_', length: 12, alphabet: 'base62' },
      idSource: 'recordings',
      constants: { object: 'widget' },
      timestamps: { created: { unit: 'unix-s', on: 'create' } },
      deleteStyle: 'tombstone',
      tombstone: ['deleted', 'id', 'object'],
      source: ['recordings'],
    });
    const list = model.routes.find((r) => r.role === 'list' && r.type === 'widgets')!;
    expect(list.filters).toEqual(['status']);
    expect(model.routes.find((r) => r.role === 'create' && r.type === 'widgets')?.body).toBe(
      'form',
    );
  });

  it('search is not a resource; issues are numbered by the id in their path', () => {
    expect(model.notModelled).toContainEqual({
      method: 'GET',
      path: '/v1/widgets/search',
      reason: 'search, not a resource',
    });
    expect(model.types.get('issues')).toMatchObject({
      idField: 'number',
      idShape: { kind: 'sequence', scope: 'tenant', start: 3 },
      timestamps: { created_at: { unit: 'iso', on: 'create' } },
    });
    expect(
      model.routes.find((r) => r.type === 'issues' && r.role === 'create')?.successStatus,
    ).toBe(201);
  });

  it('config can still declare what recordings cannot show (an action with no recording)', () => {
    const declared = inferModel({
      cassettes: [widgets],
      profile: PRESETS.standard,
      overrides: {
        widgets: {
          lifecycle: {
            field: 'status',
            initial: [{ state: 'active' }],
            actions: { restore: { from: ['archived'], set: { status: 'active' } } },
          },
        },
      },
      notResources: ['POST /v1/widgets/{id}/archive'],
    });
    const restore = declared.routes.find((r) => r.action === 'restore');
    expect(restore).toMatchObject({
      method: 'POST',
      path: '/v1/widgets/{id}/restore',
      role: 'action',
      idParam: 'id',
    });
    expect(declared.routes.some((r) => r.action === 'archive')).toBe(false);
    expect(declared.types.get('widgets')?.lifecycle?.initial).toEqual([{ state: 'active' }]);
  });
});

describe('recordings beside a spec', () => {
  it('observed ids teach a type its id shape when the profile does not say it', () => {
    const ids = ['cus_Q1w2E3r4T5y6U7', 'cus_A9s8D7f6G5h4J3'];
    const cassette: NamedCassette = {
      name: 'customers',
      cassette: {
        version: 1,
        interactions: [
          exchange('POST', '/v1/customers', 200, { id: ids[0]!, object: 'customer' }),
          exchange('GET', '/v1/customers', 200, {
            object: 'list',
            data: ids.map((id) => ({ id, object: 'customer' })),
            has_more: false,
            url: '/v1/customers',
          }),
        ],
      },
    };
    const model = inferModel({
      spec: stripeSpec(),
      cassettes: [cassette],
      profile: PRESETS.standard,
      overrides: {},
      notResources: [],
    });
    expect(model.from).toBe('both');
    expect(model.types.get('customers')).toMatchObject({
      idShape: { kind: 'random', prefix: 'cus_', length: 14, alphabet: 'base62' },
      idSource: 'recordings',
      source: ['spec', 'recordings'],
    });
    // The profile's shape wins over the recordings' (precedence config > profile > recordings).
    const stripe = inferModel({
      spec: stripeSpec(),
      cassettes: [cassette],
      profile: PRESETS.stripe,
      overrides: {},
      notResources: [],
    });
    expect(stripe.types.get('customers')?.idSource).toBe('profile');
    expect(stripe.types.get('payment_intents')?.source).toEqual(['spec', 'profile']);
  });
});
