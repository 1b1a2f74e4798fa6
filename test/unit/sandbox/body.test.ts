import { describe, expect, it } from 'vitest';
import type { Body } from '../../../src/core/cassette/model.js';
import { coerce } from '../../../src/core/sandbox/state/coerce.js';
import { itemFields, readBody } from '../../../src/core/sandbox/state/body.js';
import { itemSchemaOf } from '../../../src/core/sandbox/state/template.js';
import { stripeSpec } from './stripe-spec.js';

const form = (text: string): Body => ({ encoding: 'text', text });
const FORM = 'application/x-www-form-urlencoded';

function stripeFields(method: string, path: string, text: string, schema: string) {
  const spec = stripeSpec();
  const route = spec.router.route(method, path);
  if (route.kind !== 'operation') throw new Error(`${method} ${path} is not in the spec`);
  const read = readBody(form(text), FORM, route.operation, spec.requestDocument);
  if (!read.ok) throw new Error(read.message);
  return { raw: read.value, fields: itemFields(read.value, itemSchemaOf(spec, schema), {}) };
}

describe('request bodies → item fields', () => {
  it('reads bracket forms by the operation, then keeps only what a payment method holds', () => {
    const { raw, fields } = stripeFields(
      'POST',
      '/v1/payment_methods',
      'type=card&card[number]=4242424242424242&card[exp_month]=12&card[exp_year]=2030&card[cvc]=123&metadata[order]=1&expand[]=customer',
      '#/components/schemas/payment_method',
    );
    expect(raw).toMatchObject({
      card: { number: '4242424242424242', cvc: '123' },
      expand: ['customer'],
    });
    expect(fields).toEqual({
      type: 'card',
      card: { exp_month: 12, exp_year: 2030 },
      metadata: { order: '1' },
    });
    expect(JSON.stringify(fields)).not.toContain('4242');
  });

  it('coerces numbers, keeps expandable ids, drops create-only parameters', () => {
    const { fields } = stripeFields(
      'POST',
      '/v1/payment_intents',
      'amount=2000&currency=usd&customer=cus_1&payment_method=pm_card_visa&confirm=false&metadata[a]=1',
      '#/components/schemas/payment_intent',
    );
    expect(fields).toEqual({
      amount: 2000,
      currency: 'usd',
      customer: 'cus_1',
      payment_method: 'pm_card_visa',
      metadata: { a: '1' },
    });
  });

  it('keeps an empty string where the schema allows one (Stripe unsets), for merge to read', () => {
    const { fields } = stripeFields(
      'POST',
      '/v1/customers/cus_1',
      'metadata[plan]=&description=&name=Jenny',
      '#/components/schemas/customer',
    );
    expect(fields).toEqual({ metadata: { plan: '' }, description: '', name: 'Jenny' });
  });

  it('tries anyOf members in order', () => {
    const document = {};
    const schema = { anyOf: [{ type: 'integer' }, { type: 'boolean' }, { type: 'string' }] };
    expect(coerce('12', { schema, document })).toBe(12);
    expect(coerce('true', { schema, document })).toBe(true);
    expect(coerce('x', { schema, document })).toBe('x');
  });

  it('drops an object or array where the schema holds a scalar (nothing unfiltered is kept)', () => {
    const document = {};
    const schema = {
      type: 'object',
      properties: { name: { type: 'string' }, tags: { type: 'array', items: { type: 'string' } } },
    };
    const fields = coerce(
      { name: { number: '4000056655665556', cvc: '123' }, tags: { 0: { cvc: '1' } } },
      { schema, document },
    );
    expect(fields).toEqual({});
    expect(coerce({ name: ['a'] }, { schema, document })).toEqual({});
  });

  it('parses JSON, refuses broken JSON in one line, and reads merge-patch', () => {
    expect(readBody({ encoding: 'text', text: '{"a":1}' }, 'application/json')).toEqual({
      ok: true,
      value: { a: 1 },
      mergePatch: false,
    });
    expect(readBody({ encoding: 'text', text: '{"a":' }, 'application/json')).toMatchObject({
      ok: false,
      message: 'is not valid JSON',
    });
    expect(
      readBody({ encoding: 'json', json: { a: null } }, 'application/merge-patch+json'),
    ).toMatchObject({ mergePatch: true });
    expect(readBody(undefined, 'application/json')).toMatchObject({ ok: true, value: undefined });
  });

  it('refuses JSON the codec kept as bytes (too deep, not UTF-8) instead of reading no body', () => {
    const deep = Buffer.from(`${'['.repeat(1200)}${']'.repeat(1200)}`).toString('base64');
    for (const type of ['application/json', 'application/merge-patch+json']) {
      expect(readBody({ encoding: 'base64', base64: deep }, type)).toMatchObject({ ok: false });
    }
  });

  it('without a schema keeps the fields the template has', () => {
    expect(itemFields({ name: 'a', other: 1 }, undefined, { name: '', id: '' })).toEqual({
      name: 'a',
    });
    expect(itemFields({ name: 'a', other: 1 }, undefined, {})).toEqual({ name: 'a', other: 1 });
  });
});
