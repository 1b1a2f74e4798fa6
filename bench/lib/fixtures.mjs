// Deterministic test data for the benchmarks: ~1 KB JSON bodies, routes and v1 cassettes.
import { Buffer } from 'node:buffer';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

const WORDS = [
  'anvil',
  'bracket',
  'clamp',
  'drill',
  'esker',
  'flange',
  'gasket',
  'hinge',
  'ingot',
  'jig',
  'kerf',
  'lathe',
  'mallet',
  'nozzle',
  'orbit',
  'pulley',
  'quench',
  'rivet',
  'sprocket',
  'tenon',
];

/** The path of route `i`. */
export function routePath(i) {
  return `/v1/items/${i}`;
}

/**
 * The JSON value served for route `i`: a product-like object whose compact serialization is
 * between 1,000 and 1,100 bytes, different for every `i`.
 */
export function itemJson(i) {
  const word = (k) => WORDS[(i * 7 + k * 3) % WORDS.length];
  const value = {
    id: `item_${String(i).padStart(8, '0')}`,
    object: 'item',
    name: `${word(0)} ${word(1)} ${word(2)}`,
    description: `A ${word(3)} for the ${word(4)}, made to fit every ${word(5)} and ${word(6)}.`,
    price: { amount: 1000 + ((i * 37) % 9000), currency: 'EUR' },
    stock: (i * 13) % 500,
    tags: [word(7), word(8), word(9), word(10)],
    dimensions: { width: 10 + (i % 90), height: 5 + (i % 45), depth: 2 + (i % 20), unit: 'mm' },
    created: '2024-05-01T12:00:00Z',
    updated: '2024-06-15T08:30:00Z',
    links: { self: routePath(i), collection: '/v1/items' },
    variants: [],
  };
  let length = JSON.stringify(value).length;
  for (let k = 0; length < 1000; k++) {
    const variant = { sku: `SKU-${i}-${k}`, colour: word(11 + k), available: k % 2 === 0 };
    value.variants.push(variant);
    length += JSON.stringify(variant).length + (k === 0 ? 0 : 1);
  }
  return value;
}

export function itemBytes(i) {
  return Buffer.from(JSON.stringify(itemJson(i)));
}

/**
 * The body the record scenario's upstream answers with: what an account endpoint of a SaaS API
 * returns, ~1 KB of JSON with nested objects and arrays, and personal data and a credential for
 * redaction to find: an `access_token` and a `refresh_token` (secret field names), five email
 * addresses on ordinary domains (reserved test domains such as example.com are not personal
 * data, so they would be left alone), and a phone number.
 */
export const ACCOUNT_SECRETS = Object.freeze({
  accessToken: 'at_4f9c2e7b1d8a6035e2c9b7f1a4d8e6c3b0a9f7e5',
  refreshToken: 'rt_8b1e5d3c9a7f2046b8d1c5e9a3f7b2d6',
  emails: [
    'margaret.hollis@northwind-logistics.co.uk',
    'j.okafor@lumenfield.io',
    'priya.raman@corvid-analytics.de',
    'billing@northwind-logistics.co.uk',
    'tomas.lindqvist@fjordmail.se',
  ],
  phone: '+44 20 7946 0321',
});

export function accountJson() {
  const { accessToken, refreshToken, emails, phone } = ACCOUNT_SECRETS;
  return {
    object: 'account',
    id: 'acct_7Hq2LmX9',
    access_token: accessToken,
    refresh_token: refreshToken,
    token_type: 'Bearer',
    expires_in: 3600,
    scope: ['projects:read', 'billing:read'],
    owner: {
      id: 'usr_1042',
      name: 'Margaret Hollis',
      email: emails[0],
      phone,
      roles: ['owner', 'admin'],
    },
    members: [
      {
        id: 'usr_1077',
        name: 'James Okafor',
        email: emails[1],
        roles: ['developer'],
        active: true,
      },
      { id: 'usr_1093', name: 'Priya Raman', email: emails[2], roles: ['analyst'], active: true },
      { id: 'usr_1120', name: 'Tomas Lindqvist', email: emails[4], roles: [], active: false },
    ],
    billing: {
      plan: 'team',
      seats: { used: 4, total: 10 },
      contact: emails[3],
      address: { city: 'Leeds', country: 'GB' },
      invoices: [{ id: 'in_3001', total: { amount: 24900, currency: 'GBP' }, status: 'paid' }],
    },
    settings: {
      locale: 'en-GB',
      timezone: 'Europe/London',
      notifications: { weekly_digest: true, incident_alerts: ['email', 'sms'] },
    },
    created: '2023-02-11T09:14:00Z',
  };
}

export function accountBytes() {
  return Buffer.from(JSON.stringify(accountJson()));
}

/** Headers recorded with every response (and sent by the raw baselines). */
export const RESPONSE_HEADERS = Object.freeze({
  'content-type': 'application/json',
  'cache-control': 'no-store',
});

/** The request headers a typical client sends (recorded; not matched by default). */
const REQUEST_HEADERS = Object.freeze({ accept: 'application/json', 'user-agent': 'bench/1.0' });

/**
 * One recorded interaction for route `i` (a GET), in the v1 cassette model. `small` keeps the
 * response body tiny, for the lookup microbenchmark where only the request side matters.
 */
export function interaction(i, { small = false } = {}) {
  return {
    request: { method: 'GET', path: routePath(i), query: {}, headers: { ...REQUEST_HEADERS } },
    response: {
      status: 200,
      headers: { ...RESPONSE_HEADERS },
      body: { encoding: 'json', json: small ? { id: i } : itemJson(i) },
    },
    latencyMs: 1.25,
    recordedAt: '2024-06-15T08:30:00.000Z',
  };
}

/** The request the replay server builds for route `i` (what normalizeRequest sees). */
export function incomingRequest(i) {
  return {
    method: 'GET',
    path: routePath(i),
    query: {},
    headers: { accept: 'application/json', 'user-agent': 'autocannon' },
  };
}

/**
 * Writes `total` interactions for routes 0..total-1 as `cassetteCount` cassettes
 * (`items/part-NNNN.json`) in `dir`, serialized by tapedeck's own `serializeCassette`.
 * `small`: tiny response bodies (`{"id":i}`), for sets whose size is about the index.
 */
export function writeCassettes(tapedeck, dir, total, cassetteCount = 1, { small = false } = {}) {
  const perCassette = Math.ceil(total / cassetteCount);
  let bytes = 0;
  for (let c = 0; c < cassetteCount; c++) {
    const interactions = [];
    for (let i = c * perCassette; i < Math.min(total, (c + 1) * perCassette); i++) {
      interactions.push(interaction(i, { small }));
    }
    if (interactions.length === 0) break;
    const cassette = {
      version: tapedeck.CASSETTE_VERSION,
      meta: { description: `benchmark routes, part ${c}`, recordedWith: 'bench/run.mjs' },
      interactions,
    };
    const text = tapedeck.serializeCassette(cassette);
    const file = join(dir, 'items', `part-${String(c).padStart(4, '0')}.json`);
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, text);
    bytes += text.length;
  }
  return { files: Math.min(cassetteCount, Math.ceil(total / perCassette)), bytes };
}
