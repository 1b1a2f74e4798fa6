import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { NodeBodyCodec } from '../../src/adapters/http/body-codec.js';
import { toRecordedRequest } from '../../src/app/pipeline/request.js';
import type { HeaderMap } from '../../src/core/cassette/model.js';
import { headersFromRaw } from '../../src/core/http/index.js';
import { compileMatchConfig, DEFAULT_MATCH_OPTIONS } from '../../src/core/matching/config.js';
import { fastKey, normalizeRequest } from '../../src/core/matching/normalize.js';
import type { IncomingRequest } from '../../src/core/ports/index.js';
import { LearnedValues } from '../../src/core/redaction/learned.js';
import { redactorWith } from '../helpers/redaction.js';
import { assertProperty, rerunHint } from '../helpers/property.js';

const codec = new NodeBodyCodec();
const TOKEN = 'Zq8xK2mP9vR4tY7wA1sD3fG6';

/** Pieces that exercise every reason to leave the fast lane, and plenty that do not. */
const word = fc.constantFrom(
  'orders',
  'v1',
  'items',
  'a',
  'ORD-42',
  'jane@corp.io',
  'sk_live_51Habcdefghijkl',
  'x%20y',
  'a+b',
  TOKEN,
  'tdp_aaaaaaaaaaaaaaaaaaaaaaaa',
  '550e8400-e29b-41d4-a716-446655440000',
  '4012888888881881',
  '',
  'café',
  '{"password":"hunter22"}',
  '[1,2,3,4,5,6]',
  btoa('token sk_live_51Habcdefghijkl'),
  'c2VjcmV0LXZhbHVlLW5vdC1hLWtleQ',
);
const name = fc.constantFrom(
  'limit',
  'q',
  'api_key',
  'token_type',
  'page',
  'ctx',
  'password',
  'signing_key',
  'email',
  'cursor',
);

const request = fc.record({
  method: fc.constantFrom('GET', 'get', 'DELETE', 'HEAD'),
  segments: fc.array(word, { minLength: 0, maxLength: 4 }),
  query: fc.array(fc.tuple(name, word), { maxLength: 4 }),
  auth: fc.constantFrom(
    undefined,
    `Bearer ${TOKEN}`,
    'Bearer other-token-value-123',
    'Basic dXNlcjpwYXNz',
  ),
  extra: fc.constantFrom<Record<string, string>>(
    {},
    { 'x-trace': 'abc' },
    { 'x-ctx': `v1:${TOKEN}` },
    { accept: 'application/json' },
  ),
});

interface Generated {
  readonly method: string;
  readonly segments: readonly string[];
  readonly query: readonly (readonly [string, string])[];
  readonly auth: string | undefined;
  readonly extra: Record<string, string>;
}

function incoming(r: Generated): IncomingRequest {
  const path = `/${r.segments.join('/')}`;
  const rawQuery = r.query.map(([n, v]) => `${n}=${v}`).join('&');
  const raw: string[] = ['host', 'localhost', 'user-agent', 'test'];
  if (r.auth !== undefined) raw.push('authorization', r.auth);
  for (const [k, v] of Object.entries(r.extra)) raw.push(k, v);
  const headers: HeaderMap = headersFromRaw(raw);
  return {
    method: r.method,
    target: `${path}${rawQuery === '' ? '' : `?${rawQuery}`}`,
    path,
    rawQuery,
    headers,
    rawBody: undefined,
    signal: new AbortController().signal,
  };
}

describe('the replay fast lane', () => {
  const config = compileMatchConfig({ ...DEFAULT_MATCH_OPTIONS, ignoreQuery: ['cursor'] });
  const redactor = redactorWith();

  function fast(i: IncomingRequest): string | undefined {
    const key = fastKey(i.method, i.path, i.rawQuery, config, (t, n) => redactor.clean(t, n));
    return key !== undefined && !redactor.headerSecretIn(i.headers, [i.path, i.rawQuery])
      ? key
      : undefined;
  }

  it('gives exactly the key of the full pipeline (convert, redact, normalize) whenever it answers', () => {
    let taken = 0;
    assertProperty(
      fc.property(request, (r) => {
        const i = incoming(r);
        const full = normalizeRequest(
          redactor.redactRequest(toRecordedRequest(i, codec)).value,
          config,
        ).key;
        const key = fast(i);
        if (key !== undefined) {
          taken++;
          expect(key).toBe(full);
        }
      }),
      { numRuns: 3000 },
    );
    // The lane must actually be taken for ordinary requests, or this test proves nothing: about
    // one generated request in ten is lane-eligible. The run is seeded, so the count is fixed
    // (317 with the default seed); a seed given by TAPEDECK_SEED may land a little under the
    // floor by chance (299 with seed 6), which the message says.
    expect(taken, `lane taken ${taken} times of 3,000 (${rerunHint()})`).toBeGreaterThan(300);
  });

  it('is taken for ordinary requests, with or without credentials', () => {
    const plain = incoming({
      method: 'GET',
      segments: ['v1', 'orders'],
      query: [['limit', '10']],
      auth: `Bearer ${TOKEN}`,
      extra: {},
    });
    expect(fast(plain)).toBe(
      normalizeRequest(redactor.redactRequest(toRecordedRequest(plain, codec)).value, config).key,
    );
  });

  it('steps aside when a header secret reappears in the query', () => {
    const echoed = incoming({
      method: 'GET',
      segments: ['me'],
      query: [['ctx', TOKEN]],
      auth: `Bearer ${TOKEN}`,
      extra: {},
    });
    expect(fast(echoed)).toBeUndefined();
  });

  it('steps aside when headers are matched or a rule looks at paths', () => {
    const plain = incoming({
      method: 'GET',
      segments: ['v1'],
      query: [],
      auth: undefined,
      extra: {},
    });
    const withHeaders = compileMatchConfig({ ...DEFAULT_MATCH_OPTIONS, headers: ['accept'] });
    expect(
      fastKey(plain.method, plain.path, plain.rawQuery, withHeaders, () => true),
    ).toBeUndefined();
    const ruled = redactorWith([
      { id: 'p', target: 'path', pattern: '^/v1/([^/]+)', action: 'mask' },
    ]);
    expect(ruled.clean('/v1')).toBe(false);
  });
});

describe('the fast lane with rule files', () => {
  it('is still taken when the rules only look at other places, and gives the full key', () => {
    const redactor = redactorWith([
      { id: 'fwd', target: 'header', name: 'x-forwarded-for', action: 'mask' },
      { id: 'card', target: 'json', path: '$..card.number', action: 'mask' },
    ]);
    const config = compileMatchConfig(DEFAULT_MATCH_OPTIONS);
    const plain = incoming({
      method: 'GET',
      segments: ['v1', 'orders'],
      query: [['limit', '10']],
      auth: undefined,
      extra: { accept: 'application/json' },
    });
    const key = fastKey(plain.method, plain.path, plain.rawQuery, config, (t, n) =>
      redactor.clean(t, n),
    );
    expect(key).toBeDefined();
    expect(redactor.headerSecretIn(plain.headers, [plain.path, plain.rawQuery])).toBe(false);
    expect(key).toBe(
      normalizeRequest(redactor.redactRequest(toRecordedRequest(plain, codec)).value, config).key,
    );
  });
});

describe('the fast lane with values learned while recording', () => {
  const config = compileMatchConfig({ ...DEFAULT_MATCH_OPTIONS, ignoreQuery: ['cursor'] });
  const redactor = redactorWith();
  // As if the recordings held the pseudonyms of two of the generated words (a cookie value the
  // recorder learned and then met in a path or query): under this key, replay learns them too.
  const learned = new LearnedValues([
    ...redactor.pseudonymsOf('ORD-42x').slice(0, 1),
    redactor.pseudonymsOf('orders')[0]!,
    redactor.pseudonymsOf('other-token-value-123')[0]!,
  ]);

  function fast(i: IncomingRequest): string | undefined {
    const key = fastKey(
      i.method,
      i.path,
      i.rawQuery,
      config,
      (t, n) =>
        redactor.clean(t, n) &&
        !learned.recognizes(t, redactor.pseudonymsOf, n === undefined && t === i.path),
    );
    if (key === undefined || redactor.headerSecretIn(i.headers, [i.path, i.rawQuery]))
      return undefined;
    for (const v of Object.values(i.headers))
      for (const s of typeof v === 'string' ? [v] : v)
        if (learned.recognizes(s, redactor.pseudonymsOf)) return undefined;
    return key;
  }

  it('gives exactly the key of the full pipeline, learned values included, whenever it answers', () => {
    let taken = 0;
    let learnedSeen = 0;
    assertProperty(
      fc.property(request, (r) => {
        const i = incoming(r);
        const redacted = redactor.redactRequest(
          toRecordedRequest(i, codec),
          undefined,
          learned,
        ).value;
        if (redacted.path.includes(redactor.pseudonymsOf('orders')[0]!)) learnedSeen++;
        const full = normalizeRequest(redacted, config).key;
        const key = fast(i);
        if (key !== undefined) {
          taken++;
          expect(key).toBe(full);
        }
      }),
      { numRuns: 3000 },
    );
    // Both kinds of request occur: the lane is taken, and learned values are redacted.
    expect(taken, rerunHint()).toBeGreaterThan(100);
    expect(learnedSeen, rerunHint()).toBeGreaterThan(100);
  });

  it('redacts a learned path segment, which the lane then leaves to the full pipeline', () => {
    const i = incoming({
      method: 'GET',
      segments: ['v1', 'orders'],
      query: [],
      auth: undefined,
      extra: {},
    });
    expect(fast(i)).toBeUndefined();
    const redacted = redactor.redactRequest(toRecordedRequest(i, codec), undefined, learned).value;
    expect(redacted.path).toBe(`/v1/${redactor.pseudonymsOf('orders')[0]!}`);
    // Without the learned values (or under another key) the same path is left as it is.
    expect(redactor.redactRequest(toRecordedRequest(i, codec)).value.path).toBe('/v1/orders');
  });
});
