/**
 * Inference from the spec on the two real descriptions: Stripe's (vendored, 2022-04) and
 * GitHub's (@octokit/openapi). Roles, types by item-schema identity, views, tombstones, ids,
 * lifecycles from the profile, and what is left to cassette and spec, with the reason.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { PRESETS } from '../../../src/core/sandbox/profile/presets/index.js';
import { inferModel } from '../../../src/core/sandbox/state/infer.js';
import type { ModelRoute, ResourceModel } from '../../../src/core/sandbox/state/model.js';
import { githubSpec, stripeSpec } from './specs.js';

function routesOf(model: ResourceModel, type: string): string[] {
  return model.routes
    .filter((r) => r.type === type)
    .map((r) => `${r.role}${r.action === undefined ? '' : `:${r.action}`} ${r.method} ${r.path}`)
    .sort();
}

function route(model: ResourceModel, method: string, path: string): ModelRoute | undefined {
  return model.routes.find((r) => r.method === method && r.path === path);
}

describe('Stripe (vendored spec, stripe profile)', () => {
  let model: ResourceModel;
  beforeAll(() => {
    const spec = stripeSpec();
    const started = performance.now();
    model = inferModel({
      spec,
      cassettes: [],
      profile: PRESETS.stripe,
      overrides: {},
      notResources: [],
    });
    const ms = performance.now() - started;
    // Measured, not asserted (2 shared cores): inference is one pass over the operations.
    console.log(
      `infer-spec: Stripe ${spec.model.operations.length} operations → ${model.types.size} types, ${model.routes.length} routes, ${model.notModelled.length} not modelled in ${ms.toFixed(1)} ms`,
    );
  });

  it('customers: every CRUD role, a tombstone on delete, filters that are item fields', () => {
    expect(routesOf(model, 'customers')).toEqual([
      'create POST /v1/customers',
      'delete DELETE /v1/customers/{customer}',
      'list GET /v1/customers',
      'retrieve GET /v1/customers/{customer}',
      'update POST /v1/customers/{customer}',
    ]);
    const customers = model.types.get('customers')!;
    expect(customers).toMatchObject({
      object: 'customer',
      schemaPointer: '#/components/schemas/customer',
      idField: 'id',
      idShape: { kind: 'random', prefix: 'cus_', length: 14, alphabet: 'base62' },
      idSource: 'profile',
      deleteStyle: 'tombstone',
      tombstone: ['deleted', 'id', 'object'],
      timestamps: { created: { unit: 'unix-s', on: 'create' } },
      constants: { object: 'customer', livemode: false },
    });
    expect(customers.serverOwned).toEqual(
      expect.arrayContaining(['id', 'object', 'created', 'livemode']),
    );
    expect(customers.source).toEqual(['spec', 'profile']);
    const list = route(model, 'GET', '/v1/customers')!;
    expect(list.filters).toEqual(expect.arrayContaining(['email', 'created']));
    expect(list.filters).not.toContain('limit');
    expect(list.filters).not.toContain('starting_after');
    expect(route(model, 'DELETE', '/v1/customers/{customer}')).toMatchObject({
      idParam: 'customer',
      successStatus: 200,
      body: 'form',
      parents: [],
    });
  });

  it('payment_intents: actions below the item, the declared lifecycle, references to other types', () => {
    expect(routesOf(model, 'payment_intents')).toEqual(
      expect.arrayContaining([
        'action:cancel POST /v1/payment_intents/{intent}/cancel',
        'action:capture POST /v1/payment_intents/{intent}/capture',
        'action:confirm POST /v1/payment_intents/{intent}/confirm',
        'create POST /v1/payment_intents',
        'list GET /v1/payment_intents',
        'retrieve GET /v1/payment_intents/{intent}',
        'update POST /v1/payment_intents/{intent}',
      ]),
    );
    const intents = model.types.get('payment_intents')!;
    expect(intents.deleteStyle).toBe('remove');
    expect(intents.idShape).toEqual({
      kind: 'random',
      prefix: 'pi_',
      length: 24,
      alphabet: 'base62',
    });
    expect(intents.lifecycle?.field).toBe('status');
    expect(Object.keys(intents.lifecycle?.actions ?? {})).toEqual(['confirm', 'cancel']);
    expect(intents.references).toEqual(
      expect.arrayContaining([
        { field: 'customer', type: 'customers' },
        { field: 'payment_method', type: 'payment_methods' },
      ]),
    );
  });

  it('refunds: one type by item schema, the charge’s refunds a view, the create declaration', () => {
    const refunds = model.types.get('refunds')!;
    expect(refunds.object).toBe('refund');
    expect(refunds.lifecycle?.create?.requireOneOf).toEqual(['payment_intent', 'charge']);
    expect(refunds.lifecycle?.initial).toEqual([{ state: 'succeeded' }]);
    expect(refunds.references).toEqual(
      expect.arrayContaining([
        { field: 'charge', type: 'charges' },
        { field: 'payment_intent', type: 'payment_intents' },
      ]),
    );
    expect(route(model, 'GET', '/v1/charges/{charge}/refunds')).toMatchObject({
      role: 'list',
      type: 'refunds',
      view: { field: 'charge', param: 'charge' },
    });
    expect(route(model, 'POST', '/v1/refunds')).toMatchObject({ role: 'create', type: 'refunds' });
    // Application fee refunds are another schema (fee_refund), so another type.
    expect(route(model, 'GET', '/v1/application_fees/{id}/refunds')?.type).not.toBe('refunds');
  });

  it('payment_methods: the customer’s payment methods a view, attach inferred, detach declared, fixtures', () => {
    expect(route(model, 'GET', '/v1/customers/{customer}/payment_methods')).toMatchObject({
      role: 'list',
      type: 'payment_methods',
      view: { field: 'customer', param: 'customer' },
      parents: [],
    });
    expect(route(model, 'POST', '/v1/payment_methods/{payment_method}/attach')).toMatchObject({
      role: 'action',
      action: 'attach',
      idParam: 'payment_method',
    });
    const methods = model.types.get('payment_methods')!;
    expect(Object.keys(methods.lifecycle?.actions ?? {})).toEqual(['detach']);
    expect(methods.lifecycle?.field).toBeUndefined();
    expect(methods.fixtures?.map((f) => (f as { id: string }).id)).toEqual([
      'pm_card_visa',
      'pm_card_mastercard',
      'pm_card_visa_chargeDeclined',
      'pm_card_chargeDeclined',
      'pm_card_visa_chargeDeclinedInsufficientFunds',
      'pm_card_chargeDeclinedInsufficientFunds',
      'pm_card_chargeDeclinedExpiredCard',
      'pm_card_chargeDeclinedIncorrectCvc',
      'pm_card_chargeDeclinedProcessingError',
    ]);
    expect(route(model, 'GET', '/v1/payment_methods')?.filters).toEqual(
      expect.arrayContaining(['customer', 'type']),
    );
  });

  it('nested collections have typed parents; sub-paths that are no resource are named with a reason', () => {
    expect(route(model, 'POST', '/v1/customers/{customer}/tax_ids')).toMatchObject({
      role: 'create',
      type: 'tax_ids',
      parents: [{ param: 'customer', type: 'customers', field: 'customer' }],
    });
    const reasons = new Map(model.notModelled.map((n) => [`${n.method} ${n.path}`, n.reason]));
    expect(reasons.get('GET /v1/customers/search')).toBe('search, not a resource');
    expect(reasons.get('GET /v1/payment_intents/search')).toBe('search, not a resource');
    expect(reasons.get('GET /v1/account')).toBe('a singleton, not a collection');
    expect(reasons.get('POST /v1/files')).toBe('multipart body');
    expect(reasons.get('GET /v1/invoices/upcoming')).toBe('upcoming, not a resource');
    for (const r of model.routes) expect(reasons.has(`${r.method} ${r.path}`)).toBe(false);
  });

  it('an object below an item is no list: the charge’s dispute (one array member) is not a view', () => {
    // GET /v1/charges/{charge}/dispute answers one dispute (whose only array is its
    // balance_transactions): a view would answer `{object: list, data: []}` in its place.
    expect(route(model, 'GET', '/v1/charges/{charge}/dispute')).toBeUndefined();
    expect(route(model, 'POST', '/v1/charges/{charge}/dispute')).toBeUndefined();
    const reasons = new Map(model.notModelled.map((n) => [`${n.method} ${n.path}`, n.reason]));
    expect(reasons.has('GET /v1/charges/{charge}/dispute')).toBe(true);
    expect(reasons.has('POST /v1/charges/{charge}/dispute')).toBe(true);
    // Real lists and views are untouched.
    expect(route(model, 'GET', '/v1/charges/{charge}/refunds')).toMatchObject({
      role: 'list',
      view: { field: 'charge', param: 'charge' },
    });
    expect(route(model, 'GET', '/v1/disputes')).toMatchObject({ role: 'list', type: 'disputes' });
  });

  it('subscriptions: DELETE cancels (a declared `delete` action), the subscription stays', () => {
    // Stripe answers DELETE /v1/subscriptions/{id} with the canceled subscription, not a stub.
    for (const path of [
      '/v1/subscriptions/{subscription_exposed_id}',
      '/v1/customers/{customer}/subscriptions/{subscription_exposed_id}',
    ])
      expect(route(model, 'DELETE', path)).toMatchObject({ role: 'action', action: 'delete' });
    expect(model.types.get('subscriptions')!.lifecycle!.actions['delete']!.set).toMatchObject({
      status: 'canceled',
    });
    // Without the declaration it is a delete, as inferred.
    const bare = inferModel({
      spec: stripeSpec(),
      cassettes: [],
      profile: { ...PRESETS.stripe, resources: { ...PRESETS.stripe.resources, overrides: {} } },
      overrides: {},
      notResources: [],
    });
    expect(route(bare, 'DELETE', '/v1/subscriptions/{subscription_exposed_id}')).toMatchObject({
      role: 'delete',
    });
  });

  it('a body field is a reference only when the object keeps it: `source` takes tokens', () => {
    // `source=tok_visa` on a customer or a charge is a token, kept nowhere under that name
    // (customer has no `source`; charge.source is the expanded payment source): no check.
    const fields = (type: string) => model.types.get(type)!.references.map((r) => r.field);
    expect(fields('customers')).not.toContain('source');
    expect(fields('charges')).not.toContain('source');
    // Expandable ids the object keeps are still checked.
    expect(fields('charges')).toEqual(expect.arrayContaining(['customer', 'payment_intent']));
    expect(fields('payment_intents')).toEqual(
      expect.arrayContaining(['customer', 'payment_method']),
    );
    expect(fields('refunds')).toEqual(expect.arrayContaining(['charge', 'payment_intent']));
    expect(fields('prices')).toContain('product');
    expect(fields('subscription_items')).toEqual(expect.arrayContaining(['price', 'subscription']));
  });

  it('config wins over the profile; notResources and notResource take routes out', () => {
    const corrected = inferModel({
      spec: stripeSpec(),
      cassettes: [],
      profile: PRESETS.stripe,
      overrides: { customers: { id: { prefix: 'cust_' } }, coupons: { notResource: true } },
      notResources: ['GET /v1/customers'],
    });
    const customers = corrected.types.get('customers')!;
    expect(customers.idShape).toEqual({
      kind: 'random',
      prefix: 'cust_',
      length: 14,
      alphabet: 'base62',
    });
    expect(customers.idSource).toBe('config');
    expect(customers.source).toEqual(['spec', 'profile', 'config']);
    expect(route(corrected, 'GET', '/v1/customers')).toBeUndefined();
    expect(corrected.notModelled).toContainEqual({
      method: 'GET',
      path: '/v1/customers',
      reason: 'listed in sandbox.notResources',
    });
    expect(corrected.types.has('coupons')).toBe(false);
    expect(corrected.notModelled).toContainEqual({
      method: 'POST',
      path: '/v1/coupons',
      reason: 'coupons is marked notResource (config)',
    });
    expect(model.types.get('promotion_codes')!.references).toContainEqual({
      field: 'coupon',
      type: 'coupons',
    });
    expect(
      corrected.types.get('promotion_codes')!.references.some((r) => r.type === 'coupons'),
    ).toBe(false);
  });
});

describe('GitHub (@octokit/openapi, github profile)', () => {
  let model: ResourceModel;
  beforeAll(() => {
    const spec = githubSpec();
    const started = performance.now();
    model = inferModel({
      spec,
      cassettes: [],
      profile: PRESETS.github,
      overrides: {},
      notResources: [],
    });
    console.log(
      `infer-spec: GitHub ${spec.model.operations.length} operations → ${model.types.size} types in ${(performance.now() - started).toFixed(1)} ms`,
    );
  });

  it('objects the client names (labels/{name}, teams/{team_slug}) are not modelled, with the reason', () => {
    // A label created as `bug` is read at labels/bug; the sandbox draws ids, so it would 404.
    for (const [method, path] of [
      ['POST', '/repos/{owner}/{repo}/labels'],
      ['GET', '/repos/{owner}/{repo}/labels/{name}'],
      ['GET', '/orgs/{org}/teams/{team_slug}'],
    ] as const) {
      expect(route(model, method, path), path).toBeUndefined();
      expect(model.notModelled).toContainEqual({
        method,
        path,
        reason: expect.stringMatching(/addressed by the (name|slug) the client chooses/),
      });
    }
    expect(route(model, 'POST', '/repos/{owner}/{repo}/issues')).toBeDefined();
  });

  it('issues: by number, numbered per repository, owner/repo as scopes, lock and unlock actions', () => {
    expect(routesOf(model, 'issues')).toEqual([
      'action:lock PUT /repos/{owner}/{repo}/issues/{issue_number}/lock',
      'action:unlock DELETE /repos/{owner}/{repo}/issues/{issue_number}/lock',
      'create POST /repos/{owner}/{repo}/issues',
      'list GET /repos/{owner}/{repo}/issues',
      'retrieve GET /repos/{owner}/{repo}/issues/{issue_number}',
      'update PATCH /repos/{owner}/{repo}/issues/{issue_number}',
    ]);
    const issues = model.types.get('issues')!;
    expect(issues.idField).toBe('number');
    expect(issues.idShape).toEqual({ kind: 'sequence', scope: 'parent', start: 1 });
    expect(issues.timestamps).toMatchObject({
      created_at: { unit: 'iso', on: 'create' },
      updated_at: { unit: 'iso', on: 'write' },
    });
    expect(issues.serverOwned).toEqual(expect.arrayContaining(['number', 'id', 'node_id', 'url']));
    expect(route(model, 'POST', '/repos/{owner}/{repo}/issues')).toMatchObject({
      successStatus: 201,
      body: 'json',
      parents: [{ param: 'owner' }, { param: 'repo' }],
    });
    expect(route(model, 'PUT', '/repos/{owner}/{repo}/issues/{issue_number}/lock')).toMatchObject({
      successStatus: 204,
      idParam: 'issue_number',
    });
    expect(route(model, 'GET', '/repos/{owner}/{repo}/issues')?.filters).toContain('state');
  });

  it('issues/comments beside {issue_number} is a collection of comments, not an issue', () => {
    expect(route(model, 'GET', '/repos/{owner}/{repo}/issues/comments')).toMatchObject({
      role: 'list',
      type: 'issues_comments',
    });
    expect(route(model, 'GET', '/repos/{owner}/{repo}/issues/comments/{comment_id}')).toMatchObject(
      {
        role: 'retrieve',
        type: 'issues_comments',
        idParam: 'comment_id',
      },
    );
    expect(
      route(model, 'POST', '/repos/{owner}/{repo}/issues/{issue_number}/comments'),
    ).toMatchObject({
      role: 'create',
      type: 'issues_comments',
      parents: [{ param: 'owner' }, { param: 'repo' }, { param: 'issue_number', type: 'issues' }],
    });
  });

  it('paths that link issues to issues create no issue', () => {
    const reasons = new Map(model.notModelled.map((n) => [`${n.method} ${n.path}`, n.reason]));
    expect(reasons.get('POST /repos/{owner}/{repo}/issues/{issue_number}/sub_issues')).toBe(
      'links objects of one type to each other, not a resource',
    );
    expect(
      route(model, 'POST', '/repos/{owner}/{repo}/issues/{issue_number}/assignees'),
    ).toBeUndefined();
  });

  it('without the profile’s override, an `issue_number` parameter still names `number`', () => {
    const standard = inferModel({
      spec: githubSpec(),
      cassettes: [],
      profile: PRESETS.standard,
      overrides: {},
      notResources: [],
    });
    expect(standard.types.get('issues')?.idField).toBe('number');
    expect(standard.types.get('issues')?.idShape).toEqual({
      kind: 'sequence',
      scope: 'tenant',
      start: 1,
    });
  });
});
