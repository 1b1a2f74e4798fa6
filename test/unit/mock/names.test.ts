import { describe, expect, it } from 'vitest';
import { fakeForName, nameTokens } from '../../../src/core/mock/generate/names.js';
import { seededRng } from '../../../src/core/mock/generate/random.js';

const str = (name: string, seed = 1): unknown => fakeForName(name, 'string', seededRng(seed, name));

describe('fakeForName', () => {
  it('splits camelCase, snake_case and kebab-case names alike', () => {
    expect(nameTokens('createdAt')).toEqual(['created', 'at']);
    expect(nameTokens('created_at')).toEqual(['created', 'at']);
    expect(nameTokens('Created-At')).toEqual(['created', 'at']);
    expect(nameTokens('customerID')).toEqual(['customer', 'id']);
    expect(nameTokens('HTTPStatus')).toEqual(['http', 'status']);
  });

  it.each([
    ['email', /^[a-z]+\.[a-z]+\d+@example\.com$/],
    ['billingEmail', /@example\.com$/],
    ['first_name', /^[A-Z][a-z]+$/],
    ['lastName', /^[A-Z][a-z]+$/],
    ['name', /^[A-Z][a-z]+ [A-Z][a-z]+$/],
    ['phone', /^\+1-555-01\d\d$/],
    ['mobile_number', /^\+1-555-01\d\d$/],
    ['created_at', /^202[56]-\d\d-\d\dT\d\d:\d\d:\d\dZ$/],
    ['updatedAt', /^202[56]-\d\d-\d\dT\d\d:\d\d:\d\dZ$/],
    ['birth_date', /^\d{4}-\d\d-\d\d$/],
    ['customer_id', /^customer_[a-z0-9]{14}$/],
    ['id', /^id_[a-z0-9]{14}$/],
    ['uuid', /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/],
    ['website_url', /^https:\/\/example\.com\//],
    ['avatar', /^https:\/\/example\.com\/images\/.+\.png$/],
    ['city', /^[A-Z][a-z]+$/],
    ['country', /^[A-Z]{2}$/],
    ['currency', /^[A-Z]{3}$/],
    ['locale', /^[a-z]{2}-[A-Z]{2}$/],
    ['timezone', /^(UTC|[A-Z][a-z]+\/[A-Za-z_]+)$/],
    ['postal_code', /^\d{5}$/],
    ['description', /^[A-Z][a-z ]+\.$/],
    ['ip_address', /^192\.0\.2\.\d{1,3}$/],
    ['hostname', /\.example\.com$/],
    ['card_number', /^4242424242424242$/],
    ['status', /^[a-z]+$/],
  ])('%s looks right', (name, shape) => {
    for (let seed = 0; seed < 5; seed++) expect(str(name, seed)).toMatch(shape);
  });

  it('gives people names to people and thing names to things', () => {
    expect(str('customer_name')).toMatch(/^[A-Z][a-z]+ [A-Z][a-z]+$/);
    expect(['Alex', 'Sam', 'Jordan', 'Taylor', 'Casey', 'Riley', 'Morgan', 'Avery']).toContain(
      (str('Customer_name') as string).split(' ')[0],
    );
    expect(['Alex', 'Sam', 'Jordan', 'Taylor', 'Casey', 'Riley', 'Morgan', 'Avery']).not.toContain(
      (str('Product_name') as string).split(' ')[0],
    );
  });

  it('gives numbers that fit the name', () => {
    const rng = seededRng(3);
    const epoch = Date.UTC(2026, 0, 1) / 1000;
    const created = fakeForName('created', 'integer', rng) as number;
    expect(Math.abs(created - epoch)).toBeLessThanOrEqual(180 * 86400);
    expect(fakeForName('age', 'integer', rng)).toBeGreaterThanOrEqual(18);
    expect(Number.isInteger(fakeForName('amount', 'integer', rng))).toBe(true);
    const price = fakeForName('price', 'number', rng) as number;
    expect(Math.round(price * 100)).toBeCloseTo(price * 100, 6);
    expect(fakeForName('exp_month', 'integer', rng)).toBeLessThanOrEqual(12);
    expect(Number.isInteger(fakeForName('latitude', 'integer', rng))).toBe(true);
    expect(fakeForName('deleted', 'boolean', rng)).toBe(false);
    expect(typeof fakeForName('is_default', 'boolean', rng)).toBe('boolean');
  });

  it('answers undefined when the name says nothing', () => {
    expect(str('foo')).toBeUndefined();
    expect(str('')).toBeUndefined();
    expect(fakeForName('widget', 'integer', seededRng(1))).toBeUndefined();
    expect(fakeForName('widget', 'boolean', seededRng(1))).toBeUndefined();
  });

  it('never produces values that look like live secrets or real contact data', () => {
    for (let seed = 0; seed < 20; seed++) {
      for (const name of [
        'password',
        'api_key',
        'secret',
        'access_token',
        'client_secret',
        'signing_key',
      ]) {
        const value = str(name, seed) as string;
        expect(value).toMatch(/^example-/);
        expect(value).not.toMatch(/^(sk|pk|rk)_(live|test)_/);
      }
      expect(str('email', seed)).toMatch(/@example\.com$/);
      expect(str('phone', seed)).toMatch(/^\+1-555-01/);
    }
  });

  it('is deterministic for the rng state', () => {
    for (const name of ['email', 'created_at', 'customer_id', 'city']) {
      expect(str(name, 42)).toBe(str(name, 42));
    }
  });
});

describe('fakeForName: bank, shipping and address fields', () => {
  it.each([
    ['routing_number', /^(110000000|021000021|026009593|011000015)$/],
    ['account_number', /^000\d{9}$/],
    ['tracking_number', /^1Z999AA1\d{10}$/],
    ['invoice_number', /^INV-\d{6}$/],
    ['fingerprint', /^[a-z0-9]{16}$/],
    ['carrier', /^(UPS|FedEx|DHL|USPS)$/],
    ['bank_name', /Bank|Credit Union/],
    ['invoice_prefix', /^[A-Z0-9]{8}$/],
    ['address_state', /^[A-Z]{2}$/],
    ['province', /^[A-Z]{2}$/],
  ])('%s looks like one', (name, pattern) => {
    expect(str(name)).toMatch(pattern);
  });

  it('keeps an order state a status word, and card and phone numbers as they were', () => {
    expect(str('state')).toMatch(/^(active|pending|completed|archived)$/);
    expect(str('card_number')).toBe('4242424242424242');
    expect(str('phone_number')).toMatch(/^\+1-555-01\d\d$/);
  });
});
