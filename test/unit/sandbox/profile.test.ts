/**
 * The API profile: presets that validate, files that fail with their file and JSON pointer,
 * `extends`, live patterns through the ReDoS check, and the one function that shapes every
 * made-up answer (template, the spec's documented error, or problem+json).
 */
import { describe, expect, it } from 'vitest';
import { isTapedeckError } from '../../../src/core/errors.js';
import { profileErrors } from '../../../src/core/sandbox/profile/answer.js';
import { nestedRepetitionCheck, resolveProfile } from '../../../src/core/sandbox/profile/load.js';
import { PRESETS } from '../../../src/core/sandbox/profile/presets/index.js';
import { apiProfileSchema, ERROR_KINDS } from '../../../src/core/sandbox/profile/schema.js';
import { compileValidator } from '../../../src/core/validation.js';
import { newId } from '../../../src/core/sandbox/state/ids.js';
import type { CompiledSpec } from '../../../src/core/mock/openapi/compiled.js';
import { learnProfile } from '../../../src/core/sandbox/profile/learn.js';
import { inferModel } from '../../../src/core/sandbox/state/infer.js';
import { githubSpec, stripeSpec } from './specs.js';

const files = (map: Record<string, unknown>) => (file: string) => {
  const value = map[file];
  if (value === undefined) throw new Error(`ENOENT: ${file}`);
  return typeof value === 'string' ? value : JSON.stringify(value);
};

function loadError(run: () => unknown): { code: string; message: string; hint: string } {
  try {
    run();
  } catch (error) {
    if (!isTapedeckError(error)) throw error;
    return { code: error.code, message: error.message, hint: error.hint ?? '' };
  }
  throw new Error('expected the profile to be refused');
}

describe('presets', () => {
  const validate = compileValidator(apiProfileSchema);
  for (const [name, profile] of Object.entries(PRESETS)) {
    it(`${name} validates against schemas/api-profile.schema.json and names every error kind`, () => {
      expect(validate(profile)).toEqual({ ok: true, value: profile });
      expect(Object.keys(profile.errors.kinds).sort()).toEqual([...ERROR_KINDS].sort());
      expect(resolveProfile(name, files({}))).toBe(profile);
    });
  }

  it('stripe declares the payment intent, refund and payment method lifecycles and the test cards', () => {
    const { overrides } = PRESETS.stripe.resources;
    expect(Object.keys(overrides['payment_intents']?.lifecycle?.actions ?? {})).toEqual([
      'confirm',
      'cancel',
    ]);
    expect(overrides['refunds']?.create?.requireOneOf).toEqual(['payment_intent', 'charge']);
    expect(overrides['payment_methods']?.actions?.['detach']?.set).toEqual({ customer: null });
    expect(overrides['payment_methods']?.fixtures?.map((f) => (f as { id: string }).id)).toEqual([
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
  });

  it('an invalid idempotency key is told every rule (the layer refuses empty, long, non-ASCII, repeated)', () => {
    for (const preset of [PRESETS.stripe, PRESETS.standard]) {
      const message = preset.errors.kinds['idempotency-key-invalid'].message;
      expect(message, preset.name).toContain('1 to 255');
      expect(message, preset.name).toContain('printable ASCII');
      expect(message, preset.name).toMatch(/once|one Idempotency-Key header/);
    }
  });

  it('are frozen: a caller cannot change a preset for everyone', () => {
    expect(Object.isFrozen(PRESETS.stripe.errors.kinds['not-found'])).toBe(true);
  });
});

describe('profile files', () => {
  it('extends a preset and changes only what it states', () => {
    const profile = resolveProfile(
      'profiles/acme.json',
      files({
        'profiles/acme.json': {
          name: 'acme',
          extends: 'stripe',
          credentials: { keyPrefix: 'ak_test_' },
          pagination: { maxLimit: 50 },
          errors: { kinds: { 'not-found': { status: 404, message: 'Nothing here' } } },
        },
      }),
    );
    expect(profile.name).toBe('acme');
    expect(profile.credentials.keyPrefix).toBe('ak_test_');
    expect(profile.credentials.locations).toEqual(PRESETS.stripe.credentials.locations);
    expect(profile.pagination).toEqual({ ...PRESETS.stripe.pagination, maxLimit: 50 });
    // A kind is replaced whole (status + message), the others are the preset's.
    expect(profile.errors.kinds['not-found']).toEqual({ status: 404, message: 'Nothing here' });
    expect(profile.errors.kinds.conflict).toEqual(PRESETS.stripe.errors.kinds.conflict);
    expect(profile.errors.template).toEqual(PRESETS.stripe.errors.template);
    expect(profile.resources.overrides).toEqual(PRESETS.stripe.resources.overrides);
  });

  it('extends standard when it names no preset; "template": null drops an inherited template', () => {
    const plain = resolveProfile(
      'p.json',
      files({ 'p.json': '// comments are fine\n{ "name": "plain" }' }),
    );
    expect({ ...plain, name: 'standard' }).toEqual(PRESETS.standard);
    const untemplated = resolveProfile(
      'q.json',
      files({ 'q.json': { name: 'q', extends: 'github', errors: { template: null } } }),
    );
    expect(untemplated.errors.template).toBeUndefined();
    expect(untemplated.errors.kinds).toEqual(PRESETS.github.errors.kinds);
  });

  it('a bad member is named by file and JSON pointer', () => {
    const error = loadError(() =>
      resolveProfile(
        'profiles/acme.json',
        files({ 'profiles/acme.json': { name: 'acme', pagination: { maxLimit: 0 } } }),
      ),
    );
    expect(error.code).toBe('TD_PROFILE_INVALID');
    expect(error.message).toBe('API profile profiles/acme.json: /pagination/maxLimit must be >= 1');
    expect(error.hint).toContain('schemas/api-profile.schema.json');
  });

  it('an unknown member, a bad kind and a bad status are all listed', () => {
    const error = loadError(() =>
      resolveProfile(
        'a.json',
        files({
          'a.json': {
            name: 'a',
            pagnation: {},
            errors: {
              kinds: {
                'not-founds': { status: 404, message: 'x' },
                quota: { status: 200, message: 'x' },
              },
            },
          },
        }),
      ),
    );
    expect(error.message).toContain('API profile a.json does not load:');
    expect(error.message).toContain(
      '/pagnation is not a known property; did you mean "pagination"?',
    );
    expect(error.message).toContain('/errors/kinds');
    expect(error.message).toContain('/errors/kinds/quota/status must be >= 400');
  });

  it('defaultLimit must not exceed maxLimit (what the schema cannot say)', () => {
    const error = loadError(() =>
      resolveProfile(
        'a.json',
        files({ 'a.json': { name: 'a', extends: 'stripe', pagination: { defaultLimit: 500 } } }),
      ),
    );
    expect(error.message).toBe(
      'API profile a.json: /pagination/defaultLimit (500) must be <= /pagination/maxLimit (100)',
    );
  });

  it('live patterns go through the ReDoS check (injected, as recheck is) and must compile', () => {
    const seen: string[] = [];
    const refuse = loadError(() =>
      resolveProfile(
        'a.json',
        files({ 'a.json': { name: 'a', credentials: { livePatterns: ['^live_', '^(a+)+$'] } } }),
        (source) => {
          seen.push(source);
          return source.includes('+)+')
            ? { safe: false, why: 'exponential backtracking' }
            : { safe: true };
        },
      ),
    );
    expect(seen).toEqual(['^live_', '^(a+)+$']);
    expect(refuse.message).toContain(
      '/credentials/livePatterns/1 "^(a+)+$" can backtrack catastrophically (exponential backtracking)',
    );
    const broken = loadError(() =>
      resolveProfile(
        'a.json',
        files({ 'a.json': { name: 'a', credentials: { livePatterns: ['(['] } } }),
      ),
    );
    expect(broken.message).toContain(
      '/credentials/livePatterns/0 is not a valid regular expression',
    );
  });

  it('a key prefix of live credentials is refused: sandbox keys never look like live ones', () => {
    for (const [base, keyPrefix] of [
      ['stripe', 'sk_live_'],
      ['standard', 'rk_live_'],
      ['standard', 'pk_live_'],
      ['github', 'ghp_'],
      ['standard', 'ghs_'],
      ['standard', 'github_pat_'],
      ['standard', 'acme_live_'],
    ] as const) {
      const error = loadError(() =>
        resolveProfile(
          'p.json',
          files({ 'p.json': { name: 'p', extends: base, credentials: { keyPrefix } } }),
        ),
      );
      expect(error.code).toBe('TD_PROFILE_INVALID');
      expect(error.message).toContain(`/credentials/keyPrefix "${keyPrefix}"`);
      expect(error.message).toContain('test prefix');
    }
    // A test prefix of one's own is fine.
    const ok = resolveProfile(
      'p.json',
      files({
        'p.json': { name: 'p', extends: 'stripe', credentials: { keyPrefix: 'acme_test_' } },
      }),
    );
    expect(ok.credentials.keyPrefix).toBe('acme_test_');
  });

  it("a live pattern that matches the profile's own sandbox keys is refused (every key would be)", () => {
    for (const pattern of ['.*', 'test', '^[a-z]+_', '_']) {
      const error = loadError(() =>
        resolveProfile(
          'p.json',
          files({ 'p.json': { name: 'p', credentials: { livePatterns: ['^live_', pattern] } } }),
        ),
      );
      expect(error.message).toContain(`/credentials/livePatterns/1 ${JSON.stringify(pattern)}`);
      expect(error.message).toContain('tdk_test_');
    }
  });

  it('without an injected check, nested repetition is refused by the pure one', () => {
    expect(nestedRepetitionCheck('^(a+)+$', '').safe).toBe(false);
    expect(nestedRepetitionCheck('^(\\w*\\s?)*$', '').safe).toBe(false);
    expect(nestedRepetitionCheck('^[spr]k_live_[0-9a-zA-Z]{24,}$', '').safe).toBe(true);
    expect(nestedRepetitionCheck('^(ab)+c*$', '').safe).toBe(true);
    for (const preset of Object.values(PRESETS))
      for (const p of preset.credentials.livePatterns)
        expect(nestedRepetitionCheck(p, '').safe).toBe(true);
  });

  it('bad JSON and a missing file name the file and the next step', () => {
    const syntax = loadError(() => resolveProfile('a.json', files({ 'a.json': '{ "name": ' })));
    expect(syntax.message).toMatch(/^API profile a\.json: is not valid JSON/);
    const missing = loadError(() => resolveProfile('nope.json', files({})));
    expect(missing.code).toBe('TD_PROFILE_INVALID');
    expect(missing.message).toBe('API profile nope.json is neither a preset nor a readable file.');
    expect(missing.hint).toContain('--profile standard, stripe or github');
  });
});

function parsed(reply: { body: string }): unknown {
  return JSON.parse(reply.body);
}
function header(reply: { headers: readonly (readonly [string, string])[] }, name: string) {
  return reply.headers.find(([n]) => n === name)?.[1];
}

describe('profileErrors: one shape for every made-up answer', () => {
  const stripe = profileErrors(PRESETS.stripe, undefined);
  const customerShape = PRESETS.stripe.ids.byType['customers']!;
  const realId = newId(customerShape, 'seed', 0);

  it('stripe: the template filled, absent placeholders leave their member out', () => {
    const reply = stripe.reply(
      { kind: 'not-found', values: { object: 'customer', id: realId }, idShape: customerShape },
      'state',
    );
    expect(reply.status).toBe(404);
    expect(header(reply, 'content-type')).toBe('application/json');
    expect(header(reply, 'x-tapedeck-layer')).toBe('state');
    expect(header(reply, 'x-tapedeck-error')).toBe('not-found');
    expect(parsed(reply)).toEqual({
      error: {
        type: 'invalid_request_error',
        code: 'resource_missing',
        message: `No such customer: '${realId}'`,
        doc_url: 'https://stripe.com/docs/error-codes/resource-missing',
      },
    });
  });

  it('a credential inside a longer fact (a path) is left out too, live patterns being anchored', () => {
    for (const [profile, secret] of [
      [PRESETS.stripe, 'sk_live_4eC39HqLyjWDarjtT1zdp7dc'],
      [PRESETS.stripe, 'rk_live_4eC39HqLyjWDarjtT1zdp7dc'],
      [PRESETS.github, 'ghp_abcdefghijklmnopqrstuvwxyz0123456789'],
      [PRESETS.standard, 'AKIAIOSFODNN7EXAMPLE'],
      [PRESETS.standard, 'tdk_test_abcdefghijklmnopqrstuvwxyz12'],
    ] as const) {
      const reply = profileErrors(profile, undefined).reply(
        {
          kind: 'idempotency-endpoint',
          values: { key: 'k1', firstPath: `/v1/customers/${secret}/sources`, path: '/v1/refunds' },
        },
        'idempotency',
      );
      expect(reply.body, profile.name).not.toContain(secret);
      const state = profileErrors(profile, undefined).reply(
        { kind: 'invalid-transition', values: { object: 'thing', state: `x ${secret}` } },
        'state',
      );
      expect(state.body, profile.name).not.toContain(secret);
    }
    // A path without one is still named.
    const plain = stripe.reply(
      {
        kind: 'idempotency-endpoint',
        values: { key: 'k1', firstPath: '/v1/customers', path: '/v1/refunds' },
      },
      'idempotency',
    );
    expect(plain.body).toContain("('/v1/customers' vs '/v1/refunds')");
  });

  it('an id that does not have the type’s shape is never echoed', () => {
    for (const id of [
      'cus_<script>',
      'x'.repeat(300),
      'cus_short',
      'sk_test_abcdefghijklmnopqrstuvwxyz1234',
    ]) {
      const reply = stripe.reply(
        { kind: 'not-found', values: { object: 'customer', id }, idShape: customerShape },
        'state',
      );
      expect(parsed(reply)).toMatchObject({ error: { message: 'No such customer' } });
      expect(reply.body).not.toContain(id);
    }
  });

  it('a credential-looking fact is left out wherever it is put; the key is named only when plain', () => {
    const leak = stripe.reply(
      {
        kind: 'idempotency-endpoint',
        values: { firstPath: 'sk_live_abc123', path: '/v1/customers', key: 'k e y' },
      },
      'idempotency',
    );
    expect(leak.body).not.toContain('sk_live_abc123');
    expect(leak.body).not.toContain('k e y');
    expect(parsed(leak)).toMatchObject({
      error: {
        type: 'idempotency_error',
        message: expect.stringContaining(
          'Try using a key other than this key if you meant',
        ) as string,
      },
    });
    const plain = stripe.reply(
      { kind: 'idempotency-mismatch', values: { key: 'order-1' } },
      'idempotency',
    );
    expect(parsed(plain)).toMatchObject({
      error: { message: expect.stringContaining("a key other than 'order-1' if") as string },
    });
  });

  it('a declared forbidden transition brings its code and message; param only when a plain name', () => {
    const reply = stripe.reply(
      {
        kind: 'invalid-transition',
        code: 'payment_intent_unexpected_state',
        message: "This PaymentIntent's status is {state}, so it cannot be confirmed.",
        values: { state: 'succeeded' },
        param: 'payment_method',
      },
      'state',
    );
    expect(reply.status).toBe(400);
    expect(parsed(reply)).toEqual({
      error: {
        type: 'invalid_request_error',
        code: 'payment_intent_unexpected_state',
        message: "This PaymentIntent's status is succeeded, so it cannot be confirmed.",
        param: 'payment_method',
        doc_url: 'https://stripe.com/docs/error-codes/payment-intent-unexpected-state',
      },
    });
  });

  it('quota: the quota named, extra headers after the layer headers', () => {
    const reply = stripe.reply(
      {
        kind: 'quota',
        values: { quota: 'requests per day', limit: 100000 },
        headers: [['retry-after', '3600']],
      },
      'limits',
    );
    expect(reply.headers).toEqual([
      ['content-type', 'application/json'],
      ['x-tapedeck-layer', 'limits'],
      ['x-tapedeck-error', 'quota'],
      ['retry-after', '3600'],
    ]);
    expect(parsed(reply)).toMatchObject({
      error: {
        code: 'sandbox_quota_exceeded',
        message:
          'This sandbox tenant has reached its requests per day quota (100000). Delete objects or ask the provider to raise it.',
      },
    });
  });

  it('github: message, documentation_url and the status as a string', () => {
    const github = profileErrors(PRESETS.github, undefined);
    const reply = github.reply({ kind: 'unauthorized' }, 'tenant');
    expect(reply.status).toBe(401);
    expect(parsed(reply)).toEqual({
      message: 'Bad credentials',
      documentation_url: 'https://docs.github.com/rest',
      status: '401',
    });
  });

  it('server-error: each preset answers a 500 in its own shape, and a given message replaces the template', () => {
    const stripeError = parsed(stripe.reply({ kind: 'server-error' }, 'scenario')) as {
      error: { type: string; message: string };
    };
    expect(stripeError.error.type).toBe('api_error');
    expect(stripeError.error.message).toMatch(/unknown error/);
    const github = profileErrors(PRESETS.github, undefined);
    expect(parsed(github.reply({ kind: 'server-error' }, 'scenario'))).toMatchObject({
      message: 'Server Error',
      status: '500',
    });
    const standard = profileErrors(PRESETS.standard, undefined).reply(
      { kind: 'server-error', message: 'Broke on purpose.' },
      'scenario',
    );
    expect(standard.status).toBe(500);
    expect(parsed(standard)).toMatchObject({ detail: 'Broke on purpose.', code: 'server-error' });
    // A kind whose template has no {message} (GitHub's rate limit) is replaced by the given one.
    const secondary = github.reply(
      { kind: 'rate-limited', status: 403, message: 'You have exceeded a secondary rate limit.' },
      'scenario',
    );
    expect(parsed(secondary)).toMatchObject({
      message: 'You have exceeded a secondary rate limit.',
    });
  });

  it('standard without a spec: RFC 9457 problem+json', () => {
    const standard = profileErrors(PRESETS.standard, undefined);
    const reply = standard.reply({ kind: 'not-found', values: { object: 'widget' } }, 'state');
    expect(header(reply, 'content-type')).toBe('application/problem+json');
    expect(header(reply, 'x-tapedeck-error')).toBe('not-found');
    expect(parsed(reply)).toEqual({
      type: 'https://tapedeck.dev/errors/not-found',
      title: 'Not found',
      status: 404,
      detail: 'No such widget',
      code: 'not-found',
    });
  });

  it("standard with a spec: the spec's documented error, shaped by the facts", () => {
    const standard = profileErrors(PRESETS.standard, stripeSpec());
    const reply = standard.reply(
      { kind: 'reference-missing', values: { object: 'customer' }, param: 'customer' },
      'state',
    );
    expect(reply.status).toBe(400);
    expect(header(reply, 'content-type')).toBe('application/json');
    const body = parsed(reply) as { error: Record<string, unknown> };
    expect(body.error['message']).toBe('No such customer');
    expect(body.error['param']).toBe('customer');
    expect(body.error['type']).toBe('invalid_request_error');
  });
});

describe('learnProfile: what `learn` leaves open, from the spec', () => {
  const learnFrom = (spec: CompiledSpec) =>
    learnProfile(
      PRESETS.standard,
      spec,
      inferModel({
        spec,
        cassettes: [],
        profile: PRESETS.standard,
        overrides: {},
        notResources: [],
      }),
    );

  it('Stripe: cursor pages with starting_after / ending_before in a list envelope', () => {
    const learned = learnFrom(stripeSpec());
    expect(learned.pagination).toEqual({
      ...PRESETS.standard.pagination,
      style: 'cursor-id',
      limitParam: 'limit',
      afterParam: 'starting_after',
      beforeParam: 'ending_before',
      envelope: { object: 'list', data: '{items}', has_more: '{hasMore}', url: '{url}' },
      linkHeader: false,
    });
    expect(learned.errors).toBe(PRESETS.standard.errors);
  });

  it('GitHub: page and per_page (its documented maximum) over bare arrays with Link', () => {
    const learned = learnFrom(githubSpec());
    expect(learned.pagination).toMatchObject({
      style: 'page',
      limitParam: 'per_page',
      pageParam: 'page',
      defaultLimit: 30,
      envelope: null,
      linkHeader: true,
    });
    expect(learned.pagination.afterParam).toBeUndefined();
  });

  it('a profile that states its pagination is left as it is', () => {
    const model = inferModel({
      spec: stripeSpec(),
      cassettes: [],
      profile: PRESETS.stripe,
      overrides: {},
      notResources: [],
    });
    const learned = learnProfile(PRESETS.stripe, stripeSpec(), model);
    expect(learned.pagination).toBe(PRESETS.stripe.pagination);
    expect({ ...learned, webhooks: PRESETS.stripe.webhooks }).toEqual(PRESETS.stripe);
    expect(learnProfile(PRESETS.standard, undefined, model)).toBe(PRESETS.standard);
  });

  it('webhooks.apiVersion "spec" is the spec\'s info.version (null without a spec)', () => {
    const model = inferModel({
      spec: stripeSpec(),
      cassettes: [],
      profile: PRESETS.stripe,
      overrides: {},
      notResources: [],
    });
    expect(PRESETS.stripe.webhooks.apiVersion).toBe('spec');
    expect(learnProfile(PRESETS.stripe, stripeSpec(), model).webhooks.apiVersion).toBe(
      '2020-08-27',
    );
    expect(learnProfile(PRESETS.stripe, undefined, model).webhooks.apiVersion).toBeNull();
    const fixed = { ...PRESETS.stripe, webhooks: { ...PRESETS.stripe.webhooks, apiVersion: 'v9' } };
    expect(learnProfile(fixed, stripeSpec(), model).webhooks.apiVersion).toBe('v9');
  });
});
