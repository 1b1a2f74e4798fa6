/**
 * Idempotency keys in the sandbox, over the wire (fetch, stripe profile, Stripe's spec): the
 * stored answer replayed byte for byte; other parameters and another endpoint refused in the
 * profile's shape; bad keys refused and never stored; answers that never executed (a spec
 * refusal) not kept, refusals after execution (a 404) kept; tenants never share a key.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSandbox, stripeSpecFile, type RunningSandbox } from '../helpers/sandbox.js';

let sandbox: RunningSandbox;
let key: string;
let otherKey: string;

beforeAll(async () => {
  sandbox = await startSandbox({ spec: stripeSpecFile(), profile: 'stripe' });
  key = await sandbox.createTenant('acme');
  otherKey = await sandbox.createTenant('globex');
}, 120_000);

afterAll(async () => {
  await sandbox?.stop();
});

function post(path: string, body: string, idem?: string, apiKey = key): Promise<Response> {
  return fetch(`${sandbox.url}${path}`, {
    method: 'POST',
    headers: {
      authorization: `Bearer ${apiKey}`,
      'content-type': 'application/x-www-form-urlencoded',
      ...(idem === undefined ? {} : { 'idempotency-key': idem }),
    },
    body,
  });
}

interface StripeError {
  readonly error: { readonly type: string; readonly code?: string; readonly message: string };
}

describe('idempotency keys', () => {
  it('replays the stored answer byte for byte, marked as replayed', async () => {
    const first = await post('/v1/customers', 'email=a%40example.com&metadata[n]=1', 'k-bytes');
    expect(first.status).toBe(200);
    expect(first.headers.get('x-tapedeck-layer')).toBe('state');
    const bytes = await first.text();
    // The same fields in another order are the same request.
    const second = await post('/v1/customers', 'metadata%5Bn%5D=1&email=a@example.com', 'k-bytes');
    expect(second.status).toBe(200);
    expect(second.headers.get('idempotent-replayed')).toBe('true');
    expect(second.headers.get('x-tapedeck-layer')).toBe('idempotency');
    expect(second.headers.get('content-type')).toBe(first.headers.get('content-type'));
    expect(await second.text()).toBe(bytes);
    // The bare and the sf-string spelling are one key.
    const quoted = await post('/v1/customers', 'email=a%40example.com&metadata[n]=1', '"k-bytes"');
    expect(await quoted.text()).toBe(bytes);
  });

  it('refuses the key with other parameters, naming it', async () => {
    await post('/v1/customers', 'email=b%40example.com', 'k-params');
    const refused = await post('/v1/customers', 'email=c%40example.com', 'k-params');
    expect(refused.status).toBe(400);
    expect(refused.headers.get('x-tapedeck-error')).toBe('idempotency-mismatch');
    const body = (await refused.json()) as StripeError;
    expect(body.error.type).toBe('idempotency_error');
    expect(body.error.message).toContain('k-params');
    expect(body.error.message).not.toContain('c@example.com');
  });

  it('refuses the key on another endpoint, naming both paths', async () => {
    await post('/v1/customers', 'email=d%40example.com', 'k-endpoint');
    const refused = await post('/v1/products', 'name=Gold', 'k-endpoint');
    expect(refused.status).toBe(400);
    expect(refused.headers.get('x-tapedeck-error')).toBe('idempotency-endpoint');
    const body = (await refused.json()) as StripeError;
    expect(body.error.type).toBe('idempotency_error');
    expect(body.error.message).toContain('/v1/customers');
    expect(body.error.message).toContain('/v1/products');
  });

  it('refuses a bad key without storing it, and does not echo an unsafe one', async () => {
    const long = await post('/v1/customers', 'email=e%40example.com', 'x'.repeat(256));
    expect(long.status).toBe(400);
    expect(long.headers.get('x-tapedeck-error')).toBe('idempotency-key-invalid');
    expect(await long.text()).not.toContain('xxxxxxxx');
    // Refused, not stored: the key of 255 characters is new.
    const ok = await post('/v1/customers', 'email=e%40example.com', 'x'.repeat(255));
    expect(ok.status).toBe(200);
    expect(ok.headers.get('idempotent-replayed')).toBeNull();
    const unsafe = 'has <html> in it';
    await post('/v1/customers', 'email=f%40example.com', unsafe);
    const mismatch = await post('/v1/customers', 'email=g%40example.com', unsafe);
    expect(mismatch.status).toBe(400);
    const text = await mismatch.text();
    expect(text).not.toContain('<html>');
    expect(text).toContain('this key');
  });

  it('does not keep an answer that never executed (spec validation), keeps a 404 after execution', async () => {
    const invalid = await post('/v1/customers', 'balance=lots', 'k-invalid');
    expect(invalid.status).toBe(400);
    // Released: the same key with a valid body creates, as a new request.
    const valid = await post('/v1/customers', 'email=h%40example.com', 'k-invalid');
    expect(valid.status).toBe(200);
    expect(valid.headers.get('idempotent-replayed')).toBeNull();

    const missing = await post('/v1/customers/cus_00000000000000', 'name=X', 'k-404');
    expect(missing.status).toBe(404);
    const missingBytes = await missing.text();
    const again = await post('/v1/customers/cus_00000000000000', 'name=X', 'k-404');
    expect(again.status).toBe(404);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    expect(await again.text()).toBe(missingBytes);
  });

  it('keeps two tenants’ identical keys apart', async () => {
    const mine = await post('/v1/customers', 'email=i%40example.com', 'k-shared');
    const theirs = await post('/v1/customers', 'email=i%40example.com', 'k-shared', otherKey);
    expect(theirs.status).toBe(200);
    expect(theirs.headers.get('idempotent-replayed')).toBeNull();
    const a = (await mine.json()) as { id: string };
    const b = (await theirs.json()) as { id: string };
    expect(a.id).not.toBe(b.id);
  });

  it('leaves requests without a key, and GETs, alone', async () => {
    const a = await post('/v1/customers', 'email=j%40example.com');
    const b = await post('/v1/customers', 'email=j%40example.com');
    expect(((await a.json()) as { id: string }).id).not.toBe(
      ((await b.json()) as { id: string }).id,
    );
  });
});
