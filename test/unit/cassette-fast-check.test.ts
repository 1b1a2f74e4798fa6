import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseCassette } from '../../src/core/cassette/codec.js';
import { isValidCassetteV1 } from '../../src/core/cassette/fast-check.js';
import { cassetteSchemaV1 } from '../../src/core/cassette/schema.js';
import { compileValidator } from '../../src/core/validation.js';
import { assertProperty } from '../helpers/property.js';

const schema = compileValidator(cassetteSchemaV1);

function valid(): Record<string, unknown> {
  return {
    $schema: 'https://tapedeck.dev/schemas/cassette-v1.schema.json',
    version: 1,
    meta: {
      recordedWith: 'tapedeck test',
      target: 'http://127.0.0.1:1',
      replayable: true,
      keyId: 'tdp_abcdefghijklmnopqrstuvwx',
    },
    interactions: [
      {
        request: {
          method: 'POST',
          path: '/v1/orders',
          query: { page: '2', tag: ['a', 'b'] },
          headers: { 'content-type': 'application/json', accept: ['a', 'b'] },
          body: { encoding: 'json', json: { amount: 12, nested: [1, { x: null }] } },
        },
        response: {
          status: 201,
          headers: { 'content-type': 'text/plain' },
          body: { encoding: 'text', text: 'created' },
        },
        latencyMs: 1.5,
        recordedAt: '2026-11-21T09:00:00.000Z',
        replayable: false,
      },
      {
        request: { method: 'GET', path: '/', query: {}, headers: {} },
        response: {
          status: 200,
          headers: {},
          body: { encoding: 'base64', base64: 'AAEC/w==' },
        },
        latencyMs: 0,
        recordedAt: '2026-11-21T09:00:00+01:00',
      },
      {
        request: { method: 'HEAD', path: '/p', query: {}, headers: {} },
        response: {
          status: 200,
          headers: {},
          body: { encoding: 'json', json: [], format: 'pretty', indent: 4, trailingNewline: true },
        },
        latencyMs: 3,
        recordedAt: '2026-11-21T09:00:00Z',
      },
    ],
    webhooks: [
      {
        type: 'payment_intent.succeeded',
        receivedAt: '2026-11-21T09:00:01.000Z',
        headers: { 'content-type': 'application/json', 'user-agent': ['Stripe/1.0'] },
        body: { encoding: 'json', json: { id: 'evt_1', type: 'payment_intent.succeeded' } },
      },
      {
        // 200 characters as ajv counts them (code points), 400 UTF-16 units.
        type: '\u{1F4B3}'.repeat(200),
        receivedAt: '2026-11-21T09:00:02+01:00',
        headers: {},
        body: { encoding: 'text', text: 'ok' },
      },
    ],
  };
}

/** Every location (as a key path) of a JSON document, the root included. */
function locations(doc: unknown, at: (string | number)[] = []): (string | number)[][] {
  const out = [at];
  if (Array.isArray(doc)) doc.forEach((v, i) => out.push(...locations(v, [...at, i])));
  else if (doc !== null && typeof doc === 'object')
    for (const [k, v] of Object.entries(doc)) out.push(...locations(v, [...at, k]));
  return out;
}

/** Values the schema cares about: wrong types, edge numbers, strings that fail its patterns. */
const edgy = fc.oneof(
  fc.constantFrom(
    null,
    true,
    0,
    -1,
    2,
    10,
    11,
    99,
    100,
    599,
    600,
    1.5,
    Number.POSITIVE_INFINITY,
    '',
    '/',
    'GET',
    'get',
    'x',
    'json',
    'text',
    'base64',
    'pretty',
    'tdp_aaaaaaaaaaaaaaaaaaaaaaaa',
    'AA==',
    'A=A',
    '2026-11-21T09:00:00Z',
    '2026-11-21 09:00:00',
    'Content-Type',
    [],
    ['a'],
    [1],
    {},
    { encoding: 'json' },
    { encoding: 'json', json: 1 },
  ),
  fc.jsonValue({ maxDepth: 2 }),
);

type Mutation = { pick: number; kind: 'set' | 'delete' | 'add'; value: unknown; key: string };

const mutation: fc.Arbitrary<Mutation> = fc.record({
  pick: fc.nat(),
  kind: fc.constantFrom('set', 'delete', 'add'),
  value: edgy,
  key: fc.constantFrom(
    'body',
    'json',
    'format',
    'indent',
    'trailingNewline',
    'encoding',
    'replayable',
    'extra',
    'Upper',
    'ok-name',
    '$schema',
    'meta',
    '__proto__',
    'keyId',
    'type',
    'receivedAt',
    'webhooks',
  ),
});

function mutate(doc: Record<string, unknown>, m: Mutation): void {
  const all = locations(doc);
  const path = all[m.pick % all.length]!;
  if (path.length === 0) {
    if (m.kind === 'add')
      Object.defineProperty(doc, m.key, {
        value: m.value,
        enumerable: true,
        writable: true,
        configurable: true,
      });
    return;
  }
  let parent: unknown = doc;
  for (const step of path.slice(0, -1)) parent = (parent as Record<string, unknown>)[step];
  const last = path[path.length - 1]!;
  const target = parent as Record<string | number, unknown>;
  if (m.kind === 'set') target[last] = m.value;
  else if (m.kind === 'delete') {
    if (Array.isArray(target)) target.splice(last as number, 1);
    else delete target[last];
  } else {
    const child = target[last];
    if (child !== null && typeof child === 'object' && !Array.isArray(child))
      Object.defineProperty(child, m.key, {
        value: m.value,
        enumerable: true,
        writable: true,
        configurable: true,
      });
  }
}

describe('isValidCassetteV1 (the fast check before the schema)', () => {
  it('was written against the current schema', () => {
    // isValidCassetteV1 in src/core/cassette/fast-check.ts restates cassetteSchemaV1 as code. When the
    // schema changes, restate the change there too (and in the documents below), then update
    // this fingerprint.
    const fingerprint = createHash('sha256').update(JSON.stringify(cassetteSchemaV1)).digest('hex');
    expect(fingerprint).toBe('f401fa7ad729672c5c9f04beadd2a3cd330f277cc812ad5f79b83945a86deb5d');
  });

  it('accepts valid cassettes, so loads skip the schema validator', () => {
    expect(schema(valid()).ok).toBe(true);
    expect(isValidCassetteV1(valid())).toBe(true);
    expect(isValidCassetteV1({ version: 1, interactions: [] })).toBe(true);
  });

  it('never accepts a document the schema rejects', () => {
    let rejected = 0;
    assertProperty(
      fc.property(fc.array(mutation, { minLength: 1, maxLength: 3 }), (mutations) => {
        // Through JSON and back, as a file would be (no undefined, no prototype tricks).
        const doc = valid();
        for (const m of mutations) mutate(doc, m);
        const parsed = JSON.parse(JSON.stringify(doc)) as unknown;
        const fast = isValidCassetteV1(parsed);
        const full = schema(parsed).ok;
        if (!full) rejected++;
        if (fast) expect(full).toBe(true);
        // And the other way round, for what JSON can express here: no reason to fall back.
        if (full) expect(fast).toBe(true);
      }),
      { numRuns: 3000 },
    );
    // The generator does reach invalid documents (else the property says nothing).
    expect(rejected).toBeGreaterThan(500);
  });

  it('leaves the explaining to the schema: errors still name the JSON pointer', () => {
    const doc = valid();
    ((doc['interactions'] as unknown[])[1] as { response: { status: number } }).response.status =
      700;
    expect(() => parseCassette(JSON.stringify(doc), 'cassettes/x.json')).toThrow(
      /cassettes\/x\.json[\s\S]*\/interactions\/1\/response\/status/,
    );
  });
});
