// What the sandbox benchmarks share (bench/scenarios/sandbox-http.mjs, bench/profile.mjs): the
// vendored Stripe spec, a recorded-looking customer, and `tapedeck sandbox` on the Stripe profile
// with a tenant created through the admin API.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { fetch } from 'undici';
import { BENCH_DIR, startTapedeck } from './servers.mjs';

export const ADMIN_TOKEN = 'bench-admin-token-0123456789abcdef0123456789';
export const CUSTOMER_FORM = 'email=jenny%40example.com&name=Jenny+Rosen&metadata%5Border%5D=1';
export const CUSTOMER_JSON = JSON.stringify({
  email: 'jenny@example.com',
  name: 'Jenny Rosen',
  metadata: { order: '1' },
});
export const FORM = 'application/x-www-form-urlencoded';

/** The vendored Stripe spec, unpacked into the work dir once. */
export function stripeSpec(dir) {
  const file = join(dir, 'stripe.json');
  const gz = readFileSync(join(BENCH_DIR, 'fixtures', 'stripe-openapi-2022-04.json.gz'));
  writeFileSync(file, gunzipSync(gz));
  return file;
}

/** A customer as Stripe answers one (the recorded answers replay serves). */
export function customer(id) {
  return {
    id,
    object: 'customer',
    address: null,
    balance: 0,
    created: 1_700_000_000,
    currency: null,
    default_source: null,
    delinquent: false,
    description: null,
    discount: null,
    email: 'jenny@example.com',
    invoice_prefix: 'B0C1D2E3',
    invoice_settings: { custom_fields: null, default_payment_method: null, footer: null },
    livemode: false,
    metadata: { order: '1' },
    name: 'Jenny Rosen',
    phone: null,
    preferred_locales: [],
    shipping: null,
    tax_exempt: 'none',
  };
}

export async function adminPost(url, path, body) {
  const response = await fetch(`${url}/__tapedeck/${path}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  const text = await response.text();
  if (!response.ok) throw new Error(`POST /__tapedeck/${path}: ${response.status} ${text}`);
  return JSON.parse(text);
}

export async function createCustomer(url, key) {
  const response = await fetch(`${url}/v1/customers`, {
    method: 'POST',
    headers: { authorization: `Bearer ${key}`, 'content-type': FORM },
    body: CUSTOMER_FORM,
  });
  const text = await response.text();
  if (response.status !== 200) throw new Error(`sandbox create: ${response.status} ${text}`);
  return JSON.parse(text).id;
}

/**
 * `tapedeck sandbox` on the Stripe spec, quotas raised so the create phase never meets one.
 * `sandbox` adds to the config's `sandbox` section (a scenario catalogue, for one).
 */
export async function startSandbox(dir, spec, { core = 0, nodeArgs = [], sandbox = {} } = {}) {
  writeFileSync(
    join(dir, 'tapedeck.config.json'),
    JSON.stringify({
      sandbox: {
        spec,
        profile: 'stripe',
        defaultSeed: 'empty',
        quotas: { resources: 100_000_000, requestsPerDay: 1_000_000_000, bytes: 2 ** 40 },
        ...sandbox,
      },
    }),
  );
  return startTapedeck({
    name: 'sandbox',
    core,
    workDir: dir,
    command: 'sandbox',
    args: [],
    nodeArgs,
    env: { TAPEDECK_ADMIN_TOKEN: ADMIN_TOKEN },
  });
}
