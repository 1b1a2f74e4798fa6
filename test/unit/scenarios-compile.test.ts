import { describe, expect, it } from 'vitest';
import { NodeBodyCodec } from '../../src/adapters/http/body-codec.js';
import type { IncomingRequest } from '../../src/core/http/reply.js';
import { PRESETS } from '../../src/core/sandbox/profile/presets/index.js';
import { nestedRepetitionCheck } from '../../src/core/sandbox/profile/load.js';
import {
  chanceFires,
  compileCatalogue,
  pathSegments,
} from '../../src/core/sandbox/scenarios/compile.js';
import { triggerInput } from '../../src/core/sandbox/scenarios/input.js';
import { loadCatalogue } from '../../src/core/sandbox/scenarios/load.js';
import type { ScenarioDecl } from '../../src/core/sandbox/scenarios/types.js';

const codec = new NodeBodyCodec();
const decode = codec.decode.bind(codec);
const CREATE = 'POST /v1/payment_intents';
const CONFIRM = 'POST /v1/payment_intents/{intent}/confirm';

function scenario(name: string, over: Partial<ScenarioDecl>): ScenarioDecl {
  return {
    name,
    description: `${name} for tests`,
    operations: [CREATE],
    triggers: [],
    outcome: { error: { status: 402, message: 'declined' } },
    ...over,
  };
}

function compiled(
  scenarios: readonly ScenarioDecl[],
  preset?: readonly ScenarioDecl[],
): ReturnType<typeof compileCatalogue> {
  return compileCatalogue(
    loadCatalogue({
      config: scenarios,
      dir: undefined,
      preset: preset === undefined ? undefined : { name: 'stripe', scenarios: preset },
      recheckSafety: nestedRepetitionCheck,
    }),
  );
}

function request(
  o: {
    path?: string;
    query?: string;
    headers?: Record<string, string | string[]>;
    body?: string;
  } = {},
): IncomingRequest {
  const rawQuery = o.query ?? '';
  const path = o.path ?? '/v1/payment_intents';
  return {
    method: 'POST',
    path,
    rawQuery,
    target: rawQuery === '' ? path : `${path}?${rawQuery}`,
    headers: o.headers ?? {},
    rawBody: o.body === undefined ? undefined : new TextEncoder().encode(o.body),
    signal: new AbortController().signal,
  };
}

const form = (body: string, ops: readonly string[] = [CREATE]) =>
  triggerInput(
    request({ body, headers: { 'content-type': 'application/x-www-form-urlencoded' } }),
    ops,
    decode,
  );
const json = (body: unknown, ops: readonly string[] = [CREATE]) =>
  triggerInput(
    request({ body: JSON.stringify(body), headers: { 'content-type': 'application/json' } }),
    ops,
    decode,
  );

describe('pathSegments', () => {
  it('reads bracket, dotted and JSON-path notation alike', () => {
    expect(pathSegments('payment_method_data[card][number]')).toEqual([
      'payment_method_data',
      'card',
      'number',
    ]);
    expect(pathSegments('payment_method_data.card.number')).toEqual([
      'payment_method_data',
      'card',
      'number',
    ]);
    expect(pathSegments('$.items[0].price')).toEqual(['items', '0', 'price']);
    expect(pathSegments("$['metadata'].order")).toEqual(['metadata', 'order']);
    expect(pathSegments('expand[]')).toEqual(['expand']);
  });
});

describe('triggerInput', () => {
  it('parses a form body in bracket notation into nested objects, once', () => {
    const input = form(
      'amount=666&payment_method_data[card][number]=4000000000000002&confirm=true',
    );
    expect(input.body).toEqual({
      amount: '666',
      payment_method_data: { card: { number: '4000000000000002' } },
      confirm: 'true',
    });
  });

  it('a body that cannot be read gives no body, never an exception', () => {
    const broken = triggerInput(
      request({ body: '{"amount":', headers: { 'content-type': 'application/json' } }),
      [CREATE],
      decode,
    );
    expect(broken.body).toBeUndefined();
    const undecodable = triggerInput(request({ body: 'x' }), [CREATE], () => {
      throw new Error('bad gzip');
    });
    expect(undecodable.body).toBeUndefined();
  });

  it('keeps the query (repeated parameters as lists) and the lower-cased headers', () => {
    const input = triggerInput(
      request({ query: 'expand[]=a&expand[]=b', headers: { 'x-test': ['1', '2'] } }),
      [CREATE],
      decode,
    );
    expect(input.query).toEqual({ 'expand[]': ['a', 'b'] });
    expect(input.headers).toEqual({ 'x-test': ['1', '2'] });
  });
});

describe('matchValues', () => {
  it('equals compares as text: a form field "666" equals 666, a JSON true equals true', () => {
    const catalogue = compiled([
      scenario('amount', { triggers: [{ value: { in: 'body', path: 'amount', equals: 666 } }] }),
    ]);
    expect(catalogue.matchValues(form('amount=666'))?.scenario.name).toBe('amount');
    expect(catalogue.matchValues(json({ amount: 666 }))?.scenario.name).toBe('amount');
    expect(catalogue.matchValues(json({ amount: 667 }))).toBeUndefined();
  });

  it('oneOf, prefix, regex and range each fire, and say which test fired (never the value)', () => {
    const catalogue = compiled([
      scenario('one', {
        triggers: [{ value: { in: 'body', path: 'pm', oneOf: ['pm_a', 'pm_b'] } }],
      }),
      scenario('pre', { triggers: [{ value: { in: 'body', path: 'pm', prefix: 'tok_fail' } }] }),
      scenario('re', {
        triggers: [{ value: { in: 'body', path: 'email', regex: '@fail\\.test$' } }],
      }),
      scenario('rng', {
        triggers: [{ value: { in: 'body', path: 'amount', range: { min: 100, max: 199 } } }],
      }),
    ]);
    expect(catalogue.matchValues(form('pm=pm_b'))).toMatchObject({
      scenario: { name: 'one' },
      by: { kind: 'value', in: 'body', path: 'pm', test: 'oneOf' },
    });
    expect(catalogue.matchValues(form('pm=tok_failure'))?.by).toEqual({
      kind: 'value',
      in: 'body',
      path: 'pm',
      test: 'prefix',
    });
    expect(catalogue.matchValues(json({ email: 'a@fail.test' }))?.scenario.name).toBe('re');
    expect(catalogue.matchValues(form('amount=150'))?.scenario.name).toBe('rng');
    expect(catalogue.matchValues(form('amount=199'))?.scenario.name).toBe('rng');
    expect(catalogue.matchValues(form('amount=200'))).toBeUndefined();
    expect(catalogue.matchValues(form('amount=abc'))).toBeUndefined();
    expect(catalogue.matchValues(form('pm=tok_fai'))).toBeUndefined();
  });

  it('reads the same field by bracket, dotted and JSON-path notation, in JSON and form bodies', () => {
    for (const path of [
      'payment_method_data[card][number]',
      'payment_method_data.card.number',
      '$.payment_method_data.card.number',
    ]) {
      const catalogue = compiled([
        scenario('card', {
          triggers: [{ value: { in: 'body', path, equals: '4000000000000002' } }],
        }),
      ]);
      expect(
        catalogue.matchValues(form('payment_method_data[card][number]=4000000000000002'))?.scenario
          .name,
        path,
      ).toBe('card');
      expect(
        catalogue.matchValues(json({ payment_method_data: { card: { number: 4000000000000002 } } }))
          ?.scenario.name,
        path,
      ).toBe('card');
    }
    const indexed = compiled([
      scenario('item', {
        triggers: [{ value: { in: 'body', path: '$.items[1].price', equals: 'price_x' } }],
      }),
    ]);
    expect(
      indexed.matchValues(json({ items: [{ price: 'a' }, { price: 'price_x' }] }))?.scenario.name,
    ).toBe('item');
    expect(indexed.matchValues(json({ items: [{ price: 'price_x' }] }))).toBeUndefined();
  });

  it('header names are case-insensitive; a repeated header or query parameter matches on any value', () => {
    const catalogue = compiled([
      scenario('hdr', {
        triggers: [{ value: { in: 'header', path: 'X-Test-Mode', equals: 'fail' } }],
      }),
      scenario('qry', { triggers: [{ value: { in: 'query', path: 'expand[]', equals: 'fail' } }] }),
    ]);
    const header = triggerInput(
      request({ headers: { 'x-test-mode': ['ok', 'fail'] } }),
      [CREATE],
      decode,
    );
    expect(catalogue.matchValues(header)?.scenario.name).toBe('hdr');
    const query = triggerInput(request({ query: 'expand[]=a&expand[]=fail' }), [CREATE], decode);
    expect(catalogue.matchValues(query)?.scenario.name).toBe('qry');
  });

  it('`and` conditions must all hold too', () => {
    const catalogue = compiled([
      scenario('both', {
        triggers: [
          {
            value: {
              in: 'body',
              path: 'payment_method',
              equals: 'pm_x',
              and: [
                { in: 'body', path: 'confirm', equals: true },
                { in: 'header', path: 'X-Region', prefix: 'eu' },
              ],
            },
          },
        ],
      }),
    ]);
    const input = (body: string, region: string) =>
      triggerInput(
        request({
          body,
          headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-region': region },
        }),
        [CREATE],
        decode,
      );
    expect(
      catalogue.matchValues(input('payment_method=pm_x&confirm=true', 'eu-west'))?.scenario.name,
    ).toBe('both');
    expect(
      catalogue.matchValues(input('payment_method=pm_x&confirm=false', 'eu-west')),
    ).toBeUndefined();
    expect(catalogue.matchValues(input('payment_method=pm_x&confirm=true', 'us'))).toBeUndefined();
  });

  it('the first that holds in catalogue order wins, across fields and tests; a failing `and` lets the next one fire', () => {
    const catalogue = compiled([
      scenario('first', {
        triggers: [
          {
            value: {
              in: 'body',
              path: 'b',
              prefix: 'x',
              and: [{ in: 'body', path: 'c', equals: 1 }],
            },
          },
        ],
      }),
      scenario('second', { triggers: [{ value: { in: 'body', path: 'a', equals: 'x1' } }] }),
      scenario('third', { triggers: [{ value: { in: 'body', path: 'b', equals: 'x1' } }] }),
    ]);
    expect(catalogue.matchValues(json({ a: 'x1', b: 'x1', c: 1 }))?.scenario.name).toBe('first');
    expect(catalogue.matchValues(json({ a: 'x1', b: 'x1' }))?.scenario.name).toBe('second');
    expect(catalogue.matchValues(json({ b: 'x1' }))?.scenario.name).toBe('third');
  });

  it('a scenario fires only for its operations (or `*`); resource triggers never fire on the request', () => {
    const catalogue = compiled([
      scenario('create-only', { triggers: [{ value: { in: 'body', path: 'a', equals: 1 } }] }),
      scenario('everywhere', {
        operations: ['*'],
        triggers: [{ value: { in: 'body', path: 'b', equals: 1 } }],
      }),
    ]);
    expect(catalogue.matchValues(json({ a: 1 }, ['GET /v1/customers']))).toBeUndefined();
    expect(
      catalogue.matchValues(json({ a: 1 }, ['GetPaymentIntents', CREATE]))?.scenario.name,
    ).toBe('create-only');
    expect(catalogue.matchValues(json({ b: 1 }, ['GET /v1/customers']))?.scenario.name).toBe(
      'everywhere',
    );
    const stripe = compiled([], PRESETS.stripe.scenarios);
    expect(
      stripe.matchValues(json({ payment_method: 'pm_card_chargeDeclined' }, [CONFIRM])),
    ).toBeUndefined();
  });

  it('200 magic values cost one lookup: the index is built per operation set and finds the right one', () => {
    const many = Array.from({ length: 200 }, (_, i) =>
      scenario(`magic-${i}`, {
        triggers: [{ value: { in: 'body', path: 'amount', equals: 1000 + i } }],
      }),
    );
    const catalogue = compiled(many);
    expect(catalogue.matchValues(form('amount=1137'))?.scenario.name).toBe('magic-137');
    expect(catalogue.matchValues(form('amount=999'))).toBeUndefined();
  });
});

describe('the Stripe preset', () => {
  const stripe = compiled([], PRESETS.stripe.scenarios);

  it('declines a create confirmed with a declining payment method, not one left unconfirmed', () => {
    expect(
      stripe.matchValues(
        form('amount=100&currency=usd&payment_method=pm_card_visa_chargeDeclined&confirm=true'),
      ),
    ).toMatchObject({
      scenario: { name: 'card_declined' },
      by: { in: 'body', path: 'payment_method', test: 'oneOf' },
    });
    expect(
      stripe.matchValues(
        form(
          'amount=100&currency=usd&payment_method=pm_card_chargeDeclinedInsufficientFunds&confirm=true',
        ),
      )?.scenario.name,
    ).toBe('insufficient_funds');
    expect(
      stripe.matchValues(form('amount=100&payment_method=pm_card_chargeDeclined')),
    ).toBeUndefined();
    expect(
      stripe.matchValues(form('amount=100&payment_method=pm_card_visa&confirm=true')),
    ).toBeUndefined();
  });

  it('declines at the confirm through the resource trigger on the intent’s payment method', () => {
    const input = form('', [CONFIRM, 'PostPaymentIntentsIntentConfirm']);
    const triggers = stripe.resourceTriggers(input.operations);
    expect(triggers.map((t) => t.scenario.name)).toEqual([
      'card_declined',
      'insufficient_funds',
      'expired_card',
      'incorrect_cvc',
      'processing_error',
    ]);
    const intent = {
      id: 'pi_1',
      status: 'requires_confirmation',
      payment_method: 'pm_card_chargeDeclinedExpiredCard',
    };
    const fired = triggers.find((t) => stripe.holdsOn(t.trigger, intent, input) !== undefined);
    expect(fired?.scenario.name).toBe('expired_card');
    expect(stripe.holdsOn(fired!.trigger, intent, input)).toEqual({
      kind: 'value',
      in: 'resource',
      path: 'payment_method',
      test: 'oneOf',
    });
    expect(
      stripe.holdsOn(fired!.trigger, { ...intent, payment_method: 'pm_card_visa' }, input),
    ).toBeUndefined();
  });

  it('knows its scenarios by name, and which apply', () => {
    const declined = stripe.byName('card_declined')!;
    expect(stripe.appliesTo(declined, [CONFIRM])).toBe(true);
    expect(stripe.appliesTo(declined, ['GET /v1/customers'])).toBe(false);
    expect(stripe.byName('nope')).toBeUndefined();
    expect(stripe.any([CREATE])).toBe(true);
    expect(stripe.any(['GET /v1/customers'])).toBe(false);
  });
});

describe('holdsOn', () => {
  it('a resource trigger reads the object, its `and` conditions read the request for other sources', () => {
    const catalogue = compiled([
      scenario('stateful', {
        operations: [CONFIRM],
        triggers: [
          {
            value: {
              in: 'resource',
              path: 'metadata[mode]',
              equals: 'fail',
              and: [
                { in: 'header', path: 'x-confirm', equals: 'yes' },
                { in: 'resource', path: 'amount', range: { min: 10 } },
              ],
            },
          },
        ],
        outcome: {
          state: { action: 'payment_failed', set: { status: 'requires_payment_method' } },
        },
      }),
    ]);
    const [only] = catalogue.resourceTriggers([CONFIRM]);
    const object = { amount: 50, metadata: { mode: 'fail' } };
    const yes = triggerInput(request({ headers: { 'x-confirm': 'yes' } }), [CONFIRM], decode);
    const no = triggerInput(request(), [CONFIRM], decode);
    expect(catalogue.holdsOn(only!.trigger, object, yes)?.kind).toBe('value');
    expect(catalogue.holdsOn(only!.trigger, object, no)).toBeUndefined();
    expect(catalogue.holdsOn(only!.trigger, { ...object, amount: 5 }, yes)).toBeUndefined();
    expect(catalogue.resourceTriggers([CREATE])).toEqual([]);
  });
});

describe('counted', () => {
  it('lists every/chance triggers of the scenarios for these operations, in catalogue order', () => {
    const catalogue = compiled([
      scenario('flaky', {
        operations: ['*'],
        triggers: [{ chance: { probability: 0.1, seed: 7 } }],
      }),
      scenario('third', { triggers: [{ every: 3 }, { armed: true }] }),
    ]);
    expect(catalogue.counted([CREATE]).map((c) => [c.scenario.name, c.trigger])).toEqual([
      ['flaky', { chance: { probability: 0.1, seed: 7 } }],
      ['third', { every: 3 }],
    ]);
    expect(catalogue.counted(['GET /v1/customers']).map((c) => c.scenario.name)).toEqual(['flaky']);
  });
});

/** mulberry32: a small seeded generator, so the property checks are reproducible. */
function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

describe('chanceFires', () => {
  it('is deterministic: the same (seed, tenant, scenario, n) always gives the same answer', () => {
    const random = mulberry32(14);
    for (let i = 0; i < 500; i++) {
      const p = random();
      const seed = Math.floor(random() * 1000);
      const tenant = `ten_${Math.floor(random() * 50)}`;
      const n = 1 + Math.floor(random() * 10_000);
      expect(chanceFires(p, seed, tenant, 'flaky', n)).toBe(
        chanceFires(p, seed, tenant, 'flaky', n),
      );
    }
  });

  it('fires at about the probability over a run, and independently per tenant, scenario and seed', () => {
    const random = mulberry32(2024);
    for (let round = 0; round < 8; round++) {
      const p = 0.05 + random() * 0.9;
      const seed = Math.floor(random() * 1e6);
      const tenant = `ten_${round}`;
      const runs = 20_000;
      let fired = 0;
      for (let n = 1; n <= runs; n++) if (chanceFires(p, seed, tenant, 'flaky', n)) fired++;
      // Four standard deviations of a binomial: fails by chance about once in 15,000 runs.
      const sd = Math.sqrt(runs * p * (1 - p));
      expect(Math.abs(fired - runs * p), `p=${p}`).toBeLessThan(4 * sd);
    }
    const sequence = (seed: number, tenant: string, name: string) =>
      Array.from({ length: 200 }, (_, i) => chanceFires(0.5, seed, tenant, name, i + 1));
    const base = sequence(1, 'ten_a', 'flaky');
    expect(sequence(1, 'ten_b', 'flaky')).not.toEqual(base);
    expect(sequence(1, 'ten_a', 'other')).not.toEqual(base);
    expect(sequence(2, 'ten_a', 'flaky')).not.toEqual(base);
    expect(sequence(1, 'ten_a', 'flaky')).toEqual(base);
  });

  it('never fires at 0 and always fires at 1', () => {
    for (let n = 1; n <= 1000; n++) {
      expect(chanceFires(0, 1, 't', 's', n)).toBe(false);
      expect(chanceFires(1, 1, 't', 's', n)).toBe(true);
    }
  });
});
