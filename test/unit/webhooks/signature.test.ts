import { Webhook } from 'standardwebhooks';
import Stripe from 'stripe';
import { describe, expect, it } from 'vitest';
import { systemSigner as signer } from '../../../src/adapters/system/signer.js';
import {
  SCHEMES,
  base64Decode,
  base64Encode,
  githubDeliveryGuid,
} from '../../../src/core/webhooks/signature.js';
import type { SigningInput } from '../../../src/core/webhooks/types.js';

const utf8 = new TextEncoder();
const nowS = (): number => Math.floor(Date.now() / 1000);
const headersOf = (pairs: readonly (readonly [string, string])[]): Record<string, string> =>
  Object.fromEntries(pairs);

const body = '{"id":"evt_1","type":"customer.created","data":{"id":"cus_1"}}';
const input = (secrets: readonly string[], timestampS = nowS(), text = body): SigningInput => ({
  messageId: 'evt_1',
  timestampS,
  body: utf8.encode(text),
  secrets,
  endpointId: 'we_1',
});

describe('base64 and secrets', () => {
  it('round-trips every length and refuses what is not base64', () => {
    for (let n = 0; n < 40; n++) {
      const bytes = Uint8Array.from({ length: n }, (_, i) => (i * 37 + n) & 0xff);
      const text = base64Encode(bytes);
      expect(text).toBe(Buffer.from(bytes).toString('base64'));
      expect(base64Decode(text)).toEqual(bytes);
    }
    expect(base64Decode('ab$c')).toBeUndefined();
    expect(base64Decode('abcde')).toBeUndefined();
  });

  it('new secrets are whsec_ and pass their own scheme check', () => {
    const random = signer.randomBytes(32);
    const standard = SCHEMES.standard.newSecret(random);
    expect(standard).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    expect(SCHEMES.standard.checkSecret(standard)).toBeUndefined();
    for (const name of ['stripe', 'github'] as const) {
      const secret = SCHEMES[name].newSecret(random);
      expect(secret).toMatch(/^whsec_[A-Za-z0-9]{32}$/);
      expect(SCHEMES[name].checkSecret(secret)).toBeUndefined();
    }
    expect(SCHEMES.stripe.newSecret(random)).not.toBe(
      SCHEMES.stripe.newSecret(signer.randomBytes(32)),
    );
  });

  it('a caller’s secret: 24 to 64 bytes for standard, whsec_ for stripe', () => {
    const b64 = (n: number) => `whsec_${Buffer.alloc(n, 7).toString('base64')}`;
    expect(SCHEMES.standard.checkSecret(b64(24))).toBeUndefined();
    expect(SCHEMES.standard.checkSecret(b64(64))).toBeUndefined();
    expect(SCHEMES.standard.checkSecret(b64(23))).toMatch(/24 to 64 bytes; it has 23/);
    expect(SCHEMES.standard.checkSecret(b64(65))).toMatch(/it has 65/);
    expect(SCHEMES.standard.checkSecret('whsec_not*base64')).toMatch(/base64/);
    expect(SCHEMES.standard.checkSecret(Buffer.alloc(32).toString('base64'))).toMatch(/whsec_/);
    expect(SCHEMES.stripe.checkSecret('sk_test_123')).toMatch(/whsec_/);
    expect(SCHEMES.github.checkSecret("It's a Secret to Everybody")).toBeUndefined();
    expect(SCHEMES.github.checkSecret('short')).toMatch(/16 to 256/);
  });
});

describe('standard: verified by the standardwebhooks package', () => {
  const older = SCHEMES.standard.newSecret(signer.randomBytes(32));
  const newer = SCHEMES.standard.newSecret(signer.randomBytes(32));

  it('during an overlap both signatures verify, with either secret', () => {
    const headers = headersOf(SCHEMES.standard.sign(input([newer, older]), signer));
    expect(headers['webhook-id']).toBe('evt_1');
    expect(headers['webhook-signature']?.split(' ')).toHaveLength(2);
    expect(new Webhook(older).verify(body, headers)).toEqual(JSON.parse(body));
    expect(new Webhook(newer).verify(body, headers)).toEqual(JSON.parse(body));
    const at = { nowS: nowS(), toleranceS: 300 };
    for (const secret of [older, newer])
      expect(SCHEMES.standard.verify(headers, utf8.encode(body), [secret], at, signer)).toEqual({
        ok: true,
      });
    const stranger = SCHEMES.standard.newSecret(signer.randomBytes(32));
    expect(() => new Webhook(stranger).verify(body, headers)).toThrow();
    expect(SCHEMES.standard.verify(headers, utf8.encode(body), [stranger], at, signer)).toEqual({
      ok: false,
      reason: 'mismatch',
    });
  });

  it('a changed body is refused by both', () => {
    const headers = headersOf(SCHEMES.standard.sign(input([newer]), signer));
    const changed = body.replace('cus_1', 'cus_2');
    expect(() => new Webhook(newer).verify(changed, headers)).toThrow(/signature/i);
    const at = { nowS: nowS(), toleranceS: 300 };
    expect(SCHEMES.standard.verify(headers, utf8.encode(changed), [newer], at, signer)).toEqual({
      ok: false,
      reason: 'mismatch',
    });
  });

  it('a 10-minute-old timestamp is refused by both; so is one 10 minutes ahead', () => {
    const old = headersOf(SCHEMES.standard.sign(input([newer], nowS() - 600), signer));
    expect(() => new Webhook(newer).verify(body, old)).toThrow(/too old/i);
    const at = { nowS: nowS(), toleranceS: 300 };
    expect(SCHEMES.standard.verify(old, utf8.encode(body), [newer], at, signer)).toEqual({
      ok: false,
      reason: 'too-old',
    });
    const ahead = headersOf(SCHEMES.standard.sign(input([newer], nowS() + 600), signer));
    expect(() => new Webhook(newer).verify(body, ahead)).toThrow(/too new/i);
    expect(SCHEMES.standard.verify(ahead, utf8.encode(body), [newer], at, signer)).toEqual({
      ok: false,
      reason: 'too-new',
    });
  });

  it('a delivery without its headers is missing', () => {
    const at = { nowS: nowS(), toleranceS: 300 };
    expect(SCHEMES.standard.verify({}, utf8.encode(body), [newer], at, signer)).toEqual({
      ok: false,
      reason: 'missing',
    });
  });
});

describe('stripe: verified by stripe-node', () => {
  const stripe = new Stripe('sk_test_x', { apiVersion: '2020-08-27' });
  const older = SCHEMES.stripe.newSecret(signer.randomBytes(32));
  const newer = SCHEMES.stripe.newSecret(signer.randomBytes(32));

  it('constructEvent accepts either secret of an overlap', () => {
    const headers = headersOf(SCHEMES.stripe.sign(input([newer, older]), signer));
    const header = headers['stripe-signature']!;
    expect(header.match(/v1=/g)).toHaveLength(2);
    for (const secret of [older, newer]) {
      const event = stripe.webhooks.constructEvent(body, header, secret);
      expect(event.id).toBe('evt_1');
      const at = { nowS: nowS(), toleranceS: 300 };
      expect(SCHEMES.stripe.verify(headers, utf8.encode(body), [secret], at, signer).ok).toBe(true);
    }
    expect(() => stripe.webhooks.constructEvent(body.replace('1', '2'), header, newer)).toThrow();
  });

  it('generateTestHeaderString agrees byte for byte', () => {
    const timestamp = 1_700_000_000;
    const ours = headersOf(SCHEMES.stripe.sign(input([newer], timestamp), signer));
    expect(ours['stripe-signature']).toBe(
      stripe.webhooks.generateTestHeaderString({ payload: body, secret: newer, timestamp }),
    );
  });

  it('an old timestamp is refused by both; one ahead is not (stripe checks the past only)', () => {
    const old = headersOf(SCHEMES.stripe.sign(input([newer], nowS() - 600), signer));
    expect(() => stripe.webhooks.constructEvent(body, old['stripe-signature']!, newer)).toThrow(
      /tolerance/i,
    );
    const at = { nowS: nowS(), toleranceS: 300 };
    expect(SCHEMES.stripe.verify(old, utf8.encode(body), [newer], at, signer)).toEqual({
      ok: false,
      reason: 'too-old',
    });
    const ahead = headersOf(SCHEMES.stripe.sign(input([newer], nowS() + 600), signer));
    expect(stripe.webhooks.constructEvent(body, ahead['stripe-signature']!, newer).id).toBe(
      'evt_1',
    );
    expect(SCHEMES.stripe.verify(ahead, utf8.encode(body), [newer], at, signer)).toEqual({
      ok: true,
    });
    expect(SCHEMES.stripe.verify({}, utf8.encode(body), [newer], at, signer)).toEqual({
      ok: false,
      reason: 'missing',
    });
  });
});

describe('github: the documented example', () => {
  // https://docs.github.com/en/webhooks/using-webhooks/validating-webhook-deliveries
  const secret = "It's a Secret to Everybody";
  const payload = 'Hello, World!';
  const expected = 'sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17';

  it('signs the payload with the newest secret only', () => {
    const headers = headersOf(
      SCHEMES.github.sign(input([secret, 'an older secret, not sent'], 0, payload), signer),
    );
    expect(headers['x-hub-signature-256']).toBe(expected);
    expect(headers['x-github-hook-id']).toBe('we_1');
    const at = { nowS: nowS(), toleranceS: 300 };
    expect(SCHEMES.github.verify(headers, utf8.encode(payload), [secret], at, signer)).toEqual({
      ok: true,
    });
    expect(
      SCHEMES.github.verify(headers, utf8.encode(`${payload}!`), [secret], at, signer),
    ).toEqual({ ok: false, reason: 'mismatch' });
  });

  it('X-GitHub-Delivery is a GUID fixed by endpoint and event (a redelivery keeps it)', () => {
    const guid = githubDeliveryGuid('we_1', 'evt_1', signer);
    expect(guid).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(githubDeliveryGuid('we_1', 'evt_1', signer)).toBe(guid);
    expect(githubDeliveryGuid('we_2', 'evt_1', signer)).not.toBe(guid);
    expect(githubDeliveryGuid('we_1', 'evt_2', signer)).not.toBe(guid);
    const first = headersOf(SCHEMES.github.sign(input([secret], 1), signer));
    const later = headersOf(SCHEMES.github.sign(input([secret], 9_999), signer));
    expect(later['x-github-delivery']).toBe(first['x-github-delivery']);
  });
});

describe('signature headers are named for the redactor', () => {
  it('every header that carries a signature is listed, lower-cased', () => {
    for (const scheme of Object.values(SCHEMES)) {
      const names = scheme
        .sign(input(['whsec_' + Buffer.alloc(32, 1).toString('base64')]), signer)
        .map(([n]) => n);
      for (const name of names) expect(name).toBe(name.toLowerCase());
      expect(names.filter((n) => scheme.signatureHeaders.includes(n))).toHaveLength(1);
    }
  });
});
