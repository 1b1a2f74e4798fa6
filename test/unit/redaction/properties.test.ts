/**
 * Property-based tests of the redaction engine (fast-check): idempotence, no nesting hides a
 * canary, non-secret lookalikes survive, pseudonyms are consistent, and the scanner agrees with
 * the redactor. Generated interactions are small; every property runs 100–200 times.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Body, HeaderMap, Interaction } from '../../../src/core/cassette/model.js';
import type { JsonValue } from '../../../src/core/json.js';
import { isSecretField } from '../../../src/core/redaction/detectors.js';
import { isPseudonym, luhnCheckDigit } from '../../../src/core/redaction/pseudonym.js';
import { SecretRegistry } from '../../../src/core/redaction/registry.js';
import type { RedactionRuleSpec } from '../../../src/core/redaction/rules.js';
import { scanInteraction } from '../../../src/core/redaction/scan.js';
import { leakedForms } from '../../helpers/canaries.js';
import { interaction, jsonOf, otherHash, redactorWith } from '../../helpers/redaction.js';
import { assertProperty } from '../../helpers/property.js';

const RUNS = 150;

const RULES: RedactionRuleSpec[] = [
  { id: 'prop/json-blob', target: 'json', path: '$..signing_blob', action: 'pseudonymize' },
  { id: 'prop/json-internal', target: 'json', path: '$..internal_notes', action: 'remove' },
  { id: 'prop/header', target: 'header', name: 'x-partner-secret', action: 'mask' },
  { id: 'prop/query', target: 'query', name: 'sig', action: 'pseudonymize' },
  { id: 'prop/cookie', target: 'cookie', name: 'tracking', action: 'remove' },
  { id: 'prop/form', target: 'form', name: 'ssn', action: 'mask' },
];
const redactor = redactorWith(RULES);
/** Names the rules above act on: never "plain". */
const RULE_NAMES = new Set(['signing_blob', 'internal_notes', 'x-partner-secret', 'sig', 'ssn']);
const builtinOnly = redactorWith();

// ---- arbitraries ----------------------------------------------------------------------------

const chars = (s: string) => fc.constantFrom(...s.split(''));
const LOWER = 'abcdefghijklmnopqrstuvwxyz';
const ALNUM = `${LOWER}ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789`;
const HEX = '0123456789abcdef';
const alnum = (minLength: number, maxLength: number) =>
  fc.string({ unit: chars(ALNUM), minLength, maxLength });
const hexString = (length: number) =>
  fc.string({ unit: chars(HEX), minLength: length, maxLength: length });
const hexLetters = fc.string({ unit: chars('abcdef'), minLength: 1, maxLength: 12 });
/** Sixteen digits starting with 4 that pass Luhn: a Visa card number by shape. */
const cardDigits = fc
  .string({ unit: chars('0123456789'), minLength: 14, maxLength: 14 })
  .map((d) => `4${d}${luhnCheckDigit(`4${d}`)}`);

/** Every canary starts with this marker, which no filler value contains. */
const MARK = 'cnry';
const noMark = (s: string) => !s.toLowerCase().includes(MARK);
/** Names like `toString` crash the multi-maps (see the it.fails at the end); kept out elsewhere. */
const notPrototype = (k: string) => !(k in {});

/** Keys that no name check calls secret (not even "secret-ish" with a random value). */
const plainKey = fc
  .oneof(
    fc.constantFrom('id', 'name', 'data', 'items', 'meta', 'note', 'status', 'count', 'tags'),
    fc.constantFrom('attributes', 'list', 'entries', 'payload', 'extra', 'created', 'owner'),
    fc.string({ unit: chars(`${LOWER}_`), minLength: 1, maxLength: 10 }),
  )
  .filter(
    (k) =>
      !isSecretField(k, 'q8Zr2LxW9mKp4Tn7Vb3CzX1') &&
      !RULE_NAMES.has(k) &&
      notPrototype(k) &&
      noMark(k),
  );

/** Any key: plain ones, secret names, rule names, arbitrary printable text. */
const anyKey = fc.oneof(
  { arbitrary: plainKey, weight: 4 },
  fc.constantFrom('password', 'client_secret', 'token', 'api_key', 'pin', 'access_token'),
  fc.constantFrom('signing_blob', 'internal_notes', 'email', 'session_id', 'secret_key'),
  fc.string({ maxLength: 12 }).filter((k) => notPrototype(k) && noMark(k)),
);

const words = fc.constantFrom('ok', 'pending', 'widget', 'blue', 'eu-west-1', 'hello world');
/** Printable filler; no `%` (the scanner URL-decodes, the redactor does not: see the it.fails). */
const filler = fc.string({ maxLength: 30 }).filter((s) => noMark(s) && !s.includes('%'));
const nonEmptyFiller = filler.filter((s) => s !== '');

function base64Url(text: string): string {
  return Buffer.from(text, 'utf8').toString('base64url');
}

/** A canary: what is planted, and which built-in detector (or name) makes it secret. */
interface Canary {
  readonly kind: 'payment-key' | 'jwt' | 'email' | 'password';
  readonly value: string;
}

const paymentKey = alnum(12, 28).map((s): Canary => ({
  kind: 'payment-key',
  value: `sk_live_${MARK}${s}`,
}));
const jwt = fc.tuple(alnum(10, 20), alnum(20, 43)).map(([sub, sig]): Canary => ({
  kind: 'jwt',
  value: `${base64Url('{"alg":"HS256","typ":"JWT"}')}.${base64Url(JSON.stringify({ sub: `${MARK}${sub}`, iat: 1_700_000_000 }))}.${sig}`,
}));
const email = fc
  .tuple(
    fc.string({ unit: chars(`${LOWER}0123456789`), minLength: 8, maxLength: 14 }),
    fc.constantFrom('corp.io', 'mail.com', 'acme.de', 'bank.co.uk', 'proton.me'),
  )
  .map(([local, domain]): Canary => ({ kind: 'email', value: `${MARK}${local}@${domain}` }));
/** Any characters a password may have, including ones that URL- and JSON-encoding change. */
const password = fc
  .string({ unit: chars(`${ALNUM}!#$&*-_.~+/= "\\`), minLength: 10, maxLength: 24 })
  .map((s): Canary => ({ kind: 'password', value: `${MARK}${s}` }));
const shapedCanary = fc.oneof(paymentKey, jwt, email);
const anyCanary = fc.oneof(paymentKey, jwt, email, password);

/** Shaped secrets mixed into generated values, so redaction has something to do. */
const secretValue = fc.oneof(
  shapedCanary.map((c) => c.value),
  fc.tuple(words, shapedCanary).map(([w, c]) => `${w}: ${c.value} (${w})`),
  fc.constantFrom('+44 20 7946 0958', '4012 8888 8888 1881', 'AKIAIOSFODNN7EXAMPLE'),
);
const anyValue = fc.oneof({ arbitrary: words, weight: 2 }, filler, secretValue);
const urlSafeValue = fc.oneof(
  fc.constantFrom('ok', 'widget', 'eu-west-1'),
  shapedCanary.map((c) => c.value),
);

function jsonTree(
  key: fc.Arbitrary<string>,
  leaf: fc.Arbitrary<JsonValue>,
  maxDepth = 6,
): fc.Arbitrary<JsonValue> {
  const { node } = fc.letrec<{ node: JsonValue; array: JsonValue[]; object: JsonValue }>((tie) => ({
    node: fc.oneof(
      { maxDepth, depthIdentifier: 'json', depthSize: 'small' },
      leaf,
      tie('array'),
      tie('object'),
    ),
    array: fc.array(tie('node'), { maxLength: 4, depthIdentifier: 'json' }),
    object: fc.dictionary(key, tie('node'), {
      maxKeys: 4,
      noNullPrototype: true,
      depthIdentifier: 'json',
    }),
  }));
  return node;
}

const anyLeaf: fc.Arbitrary<JsonValue> = fc.oneof(
  anyValue,
  fc.integer(),
  fc.boolean(),
  fc.constant(null),
);
const anyJson = jsonTree(anyKey, anyLeaf);

/** A credential as clients send it: a token, or a shaped secret. */
const token = fc.oneof(
  alnum(8, 32),
  shapedCanary.map((c) => c.value),
);
const basic = (user: string, password: string) =>
  `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;

/**
 * Credential headers carry credentials; any other header carries anything, a `Bearer …` or a
 * URL included. (Free text in a credential header is redacted whole and then tracked as text:
 * see the common-word it.fails at the end.)
 */
const credentialHeaders = fc.record(
  {
    authorization: fc.oneof(
      token.map((t) => `Bearer ${t}`),
      fc.tuple(words, token).map(([u, p]) => basic(u, p)),
    ),
    'x-api-key': fc.oneof(token, fc.array(token, { minLength: 2, maxLength: 2 })),
    cookie: fc.tuple(token, token).map(([a, b]) => `sid=${a}; tracking=${b}; theme=dark`),
    'set-cookie': fc.array(
      token.map((t) => `session=${t}; Path=/; HttpOnly`),
      { minLength: 1, maxLength: 2 },
    ),
    'x-partner-secret': token,
    // A URL whose query carries values as they are (percent-encoding: see the it.fails below).
    location: fc
      .tuple(urlSafeValue, urlSafeValue)
      .map(([a, b]) => `/next?access_token=${a}&q=${b}`),
  },
  { requiredKeys: [] },
);
const otherValue = fc.oneof(
  anyValue,
  anyValue.map((v) => `Bearer ${v}`),
  fc.tuple(words, anyValue).map(([u, p]) => basic(u, p)),
);
const otherHeaders = fc.dictionary(
  fc.oneof(
    fc.constantFrom('x-request-id', 'user-agent', 'x-trace', 'accept', 'x-session-context'),
    fc.string({ unit: chars(`${LOWER}-`), minLength: 1, maxLength: 12 }).map((s) => `x-${s}`),
  ),
  fc.oneof(otherValue, fc.array(otherValue, { minLength: 1, maxLength: 3 })),
  { maxKeys: 4, noNullPrototype: true },
);
const headers = fc
  .tuple(credentialHeaders, otherHeaders)
  .map(([credentials, other]): HeaderMap => ({ ...other, ...credentials }));
const query = fc.dictionary(
  fc.oneof(anyKey, fc.constant('sig')),
  fc.oneof(anyValue, fc.array(anyValue, { minLength: 1, maxLength: 3 })),
  { maxKeys: 5, noNullPrototype: true },
);

const jsonBody = (json: JsonValue): Body => ({ encoding: 'json', json });
const textBody = (text: string): Body => ({ encoding: 'text', text });

/** A body and the content-type that goes with it. */
const body: fc.Arbitrary<{ body?: Body; contentType?: string }> = fc.oneof(
  fc.constant({}),
  anyJson.map((json) => ({
    body: jsonBody(json),
    contentType: 'application/json',
  })),
  fc.array(anyValue, { maxLength: 4 }).map((lines) => ({
    body: textBody(lines.join('\n')),
    contentType: 'text/plain',
  })),
  // Field names from a vocabulary: form field names are not redacted (see the report).
  fc
    .array(fc.tuple(fc.oneof(plainKey, fc.constant('ssn')), anyValue), { maxLength: 4 })
    .map((pairs) => ({
      body: textBody(new URLSearchParams(pairs).toString()),
      contentType: 'application/x-www-form-urlencoded',
    })),
  // JSON the codec keeps as text (indented by four), searched by parsing.
  anyJson
    .filter((j) => typeof j === 'object' && j !== null)
    .map((json) => ({
      body: textBody(JSON.stringify(json, null, 4)),
      contentType: 'application/json',
    })),
);

function withBody(h: HeaderMap, b: { body?: Body; contentType?: string }) {
  return {
    headers: b.contentType === undefined ? h : { ...h, 'content-type': b.contentType },
    ...(b.body === undefined ? {} : { body: b.body }),
  };
}

const anyInteraction: fc.Arbitrary<Interaction> = fc
  .record({
    method: fc.constantFrom('GET', 'POST', 'PUT', 'PATCH', 'DELETE'),
    segments: fc.array(fc.oneof(words, secretValue, nonEmptyFiller), { maxLength: 4 }),
    query,
    requestHeaders: headers,
    requestBody: body,
    status: fc.constantFrom(200, 201, 302, 400, 404),
    responseHeaders: headers,
    responseBody: body,
  })
  .map((g) =>
    interaction(
      {
        method: g.method,
        path: `/${g.segments.map((s) => encodeURIComponent(s)).join('/')}`,
        query: g.query,
        ...withBody(g.requestHeaders, g.requestBody),
      },
      { status: g.status, ...withBody(g.responseHeaders, g.responseBody) },
    ),
  );

// ---- placing a canary -----------------------------------------------------------------------

type Step = string | number;

/** Paths to every object and array in `node`, the root first. */
function containers(node: JsonValue, at: Step[] = []): Step[][] {
  if (Array.isArray(node))
    return [at, ...node.flatMap((child, i) => containers(child, [...at, i]))];
  if (typeof node === 'object' && node !== null)
    return [at, ...Object.entries(node).flatMap(([k, child]) => containers(child, [...at, k]))];
  return [];
}

function get(node: JsonValue, path: readonly Step[]): JsonValue {
  return path.reduce<JsonValue>((n, step) => (n as Record<Step, JsonValue>)[step]!, node);
}

/**
 * `tree` with `leaf` added at the `choice`-th container: under `key` in an object, or at a
 * position in an array (wrapped as `{key: leaf}` when the key matters, as `password` does).
 */
function place(
  tree: JsonValue,
  choice: number,
  key: string,
  leaf: JsonValue,
  keyMatters: boolean,
): JsonValue {
  const root = structuredClone(tree);
  const targets = containers(root);
  if (targets.length === 0) return [root, { [key]: leaf }];
  const target = get(root, targets[choice % targets.length]!);
  if (Array.isArray(target)) {
    target.splice(choice % (target.length + 1), 0, keyMatters ? { [key]: leaf } : leaf);
  } else {
    (target as Record<string, JsonValue>)[key] = leaf;
  }
  return root;
}

/** Where the JSON holding the canary lives in the interaction. */
type Home =
  | 'request body'
  | 'response body'
  | 'JSON kept as text'
  | 'inside a string of a text body'
  | 'inside a JSON string'
  | 'inside a query value';
const ALL_HOMES: readonly Home[] = [
  'request body',
  'response body',
  'JSON kept as text',
  'inside a string of a text body',
  'inside a JSON string',
  'inside a query value',
];

function housed(home: Home, json: JsonValue): Interaction {
  const request = { method: 'POST', path: '/v1/things' };
  switch (home) {
    case 'request body':
      return interaction({
        ...request,
        headers: { 'content-type': 'application/json' },
        body: { encoding: 'json', json },
      });
    case 'response body':
      return interaction(request, {
        headers: { 'content-type': 'application/json' },
        body: { encoding: 'json', json },
      });
    case 'JSON kept as text':
      return interaction(request, {
        headers: { 'content-type': 'application/json' },
        body: { encoding: 'text', text: JSON.stringify(json, null, 4) },
      });
    case 'inside a string of a text body':
      return interaction(request, {
        headers: { 'content-type': 'text/plain' },
        body: { encoding: 'text', text: `event: update\ndata: ${JSON.stringify(json)}\n\n` },
      });
    case 'inside a JSON string':
      return interaction({
        ...request,
        headers: { 'content-type': 'application/json' },
        body: { encoding: 'json', json: { kind: 'envelope', payload: JSON.stringify(json) } },
      });
    case 'inside a query value':
      return interaction({ ...request, query: { filter: JSON.stringify(json), limit: '10' } });
  }
}

/** A JSON tree with a canary at a random position, housed somewhere in an interaction. */
function canaryInteraction(canaries: fc.Arbitrary<Canary>, homes: readonly Home[]) {
  const plainLeaf: fc.Arbitrary<JsonValue> = fc.oneof(
    words,
    filler,
    fc.integer(),
    fc.boolean(),
    fc.constant(null),
  );
  return fc
    .record({
      tree: jsonTree(plainKey, plainLeaf),
      canary: canaries,
      choice: fc.nat(),
      key: plainKey,
      embedded: fc.boolean(),
      home: fc.constantFrom(...homes),
    })
    .map((g) => {
      const keyed = g.canary.kind === 'password';
      const leaf = !keyed && g.embedded ? `ref ${g.canary.value} sent` : g.canary.value;
      const json = place(g.tree, g.choice, keyed ? 'password' : g.key, leaf, keyed);
      return { canary: g.canary, home: g.home, interaction: housed(g.home, json) };
    });
}

/** Every string in a value (object keys included), unescaped, one per line. */
function strings(node: unknown): string {
  if (typeof node === 'string') return `${node}\n`;
  if (Array.isArray(node)) return node.map(strings).join('');
  if (typeof node === 'object' && node !== null)
    return Object.entries(node)
      .map(([k, v]) => `${k}\n${strings(v)}`)
      .join('');
  return '';
}

/**
 * The forms of the canary found in the redacted interaction or its findings: every encoding of
 * the canary itself, and of the canary JSON-escaped once and twice (JSON inside a string).
 */
function leaks(canary: Canary, value: Interaction, findings: unknown): string[] {
  const haystack = strings(value) + strings(findings);
  const once = JSON.stringify(canary.value).slice(1, -1);
  const twice = JSON.stringify(once).slice(1, -1);
  return [...new Set([canary.value, once, twice])].flatMap((v) =>
    leakedForms(haystack, v).map((form) => `${form} of ${JSON.stringify(v)}`),
  );
}

// ---- properties -------------------------------------------------------------------------------

describe('redaction properties', () => {
  it('is idempotent: a second pass changes nothing and finds nothing', () => {
    assertProperty(
      fc.property(anyInteraction, (x) => {
        const once = redactor.redactInteraction(x).value;
        const twice = redactor.redactInteraction(once);
        expect(twice.value).toEqual(once);
        expect(twice.findings).toEqual([]);
      }),
      { numRuns: RUNS },
    );
  });

  it('leaves no canary at any depth, wherever the JSON lives, in any encoding', () => {
    const homes = ALL_HOMES;
    assertProperty(
      fc.property(canaryInteraction(shapedCanary, homes), ({ canary, interaction: x }) => {
        const { value, findings } = builtinOnly.redactInteraction(x);
        expect(leaks(canary, value, findings)).toEqual([]);
      }),
      { numRuns: 200 },
    );
  });

  it('leaves no value of a password field at any depth of a JSON body', () => {
    const homes: Home[] = ['request body', 'response body', 'JSON kept as text'];
    assertProperty(
      fc.property(canaryInteraction(password, homes), ({ canary, interaction: x }) => {
        const { value, findings } = builtinOnly.redactInteraction(x);
        expect(leaks(canary, value, findings)).toEqual([]);
      }),
      { numRuns: 200 },
    );
  });

  // BUG (engine.ts, Pass.text / Pass.body): JSON embedded in a string is never parsed, so a
  // value is recognised there only by its shape. A `password` field inside JSON that sits in a
  // query value, in a JSON string field or in a line of a text body (SSE, NDJSON, a log line)
  // reaches the cassette as sent, and the scanner (scan.ts) does not look there either.
  it('leaves no password field inside JSON held in a string (query, JSON, text)', () => {
    const homes: Home[] = [
      'inside a string of a text body',
      'inside a JSON string',
      'inside a query value',
    ];
    assertProperty(
      fc.property(canaryInteraction(password, homes), ({ canary, interaction: x }) => {
        const { value, findings } = builtinOnly.redactInteraction(x);
        expect(leaks(canary, value, findings)).toEqual([]);
      }),
      { numRuns: 100 },
    );
  });

  it('keeps non-secret lookalikes under non-secret names, and reports nothing', () => {
    const lookalike: fc.Arbitrary<JsonValue> = fc.oneof(
      fc.uuid({ version: [1, 2, 3, 4, 5] }),
      fc
        .date({ min: new Date('1990-01-01'), max: new Date('2100-01-01'), noInvalidDate: true })
        .map((d) => d.toISOString()),
      fc.integer({ min: 0, max: 4_102_444_800 }),
      fc.integer({ min: 0, max: 4_102_444_800 }).map(String),
      hexString(40),
      hexString(64),
      // Hex that happens to hold a Luhn-valid, Visa-looking run of digits.
      fc.tuple(hexLetters, cardDigits, hexLetters).map(([a, digits, b]) => `${a}${digits}${b}`),
      cardDigits.map((d) => `${d.slice(0, 8)}-${d.slice(8, 12)}-${d.slice(12)}-8abc-def012345678`),
      fc.integer({ min: 1, max: 999_999 }).map((n) => `ORD-2026-${String(n).padStart(6, '0')}`),
      fc
        .tuple(
          fc.string({ unit: chars(`${LOWER}0123456789.`), minLength: 1, maxLength: 12 }),
          fc.constantFrom('example.com', 'example.org', 'example.net', 'shop.test', 'x.example'),
        )
        .map(([l, d]) => `${l.replace(/^\.+|\.+$/g, '') || 'a'}@${d}`),
      fc.integer(),
      words,
      fc.string({ unit: chars(LOWER), minLength: 1, maxLength: 8 }),
    );
    assertProperty(
      fc.property(
        jsonTree(plainKey, lookalike, 4),
        fc.dictionary(plainKey, lookalike.map(String), { maxKeys: 4, noNullPrototype: true }),
        (json, params) => {
          const x = interaction(
            { query: params, headers: { 'x-request-id': String(Object.values(params)[0] ?? 'r') } },
            { headers: { 'content-type': 'application/json' }, body: { encoding: 'json', json } },
          );
          const { value, findings } = redactor.redactInteraction(x);
          expect(value).toEqual(x);
          expect(findings).toEqual([]);
        },
      ),
      { numRuns: RUNS },
    );
  });

  it('gives a secret one pseudonym in every place and interaction of a cassette', () => {
    assertProperty(
      fc.property(alnum(16, 32), alnum(16, 32), (a, b) => {
        fc.pre(a !== b);
        const secret = `${MARK}${a}`;
        const other = `${MARK}${b}`;
        const registry = new SecretRegistry();
        const first = redactor.redactInteraction(
          interaction({
            method: 'POST',
            headers: { authorization: `Bearer ${secret}`, cookie: `sid=${secret}` },
            query: { api_key: secret, access_token: other },
            body: {
              encoding: 'json',
              json: { a: [{ b: { c: [{ password: secret, client_secret: other }] } }] },
            },
          }),
          registry,
        ).value;
        const pseudonym = (first.request.headers['authorization'] as string).slice(7);
        const otherPseudonym = first.request.query['access_token'];
        expect(isPseudonym(pseudonym)).toBe(true);
        expect(first.request.headers['cookie']).toBe(`sid=${pseudonym}`);
        expect(first.request.query['api_key']).toBe(pseudonym);
        const body = jsonOf<{ a: [{ b: { c: [{ password: string; client_secret: string }] } }] }>(
          first.request.body,
        );
        expect(body.a[0].b.c[0].password).toBe(pseudonym);
        expect(body.a[0].b.c[0].client_secret).toBe(otherPseudonym);
        // Different secrets, different pseudonyms.
        expect(otherPseudonym).not.toBe(pseudonym);

        // A later interaction of the same cassette, the secret where no rule looks.
        const later = redactor.redactInteraction(
          interaction(
            { headers: { 'x-context': `v1:${secret}` } },
            { body: { encoding: 'text', text: `token was ${secret}.` } },
          ),
          registry,
        ).value;
        expect(later.request.headers['x-context']).toBe(`v1:${pseudonym}`);
        expect(later.response.body).toEqual({ encoding: 'text', text: `token was ${pseudonym}.` });

        // Another key, another pseudonym; the same key, the same one without the registry.
        const sample = interaction({ query: { api_key: secret } });
        expect(redactor.redactInteraction(sample).value.request.query['api_key']).toBe(pseudonym);
        const underOtherKey = redactorWith(RULES, otherHash).redactInteraction(sample).value;
        expect(underOtherKey.request.query['api_key']).not.toBe(pseudonym);
      }),
      { numRuns: RUNS },
    );
  });

  it('leaves nothing for the scanner to find', () => {
    assertProperty(
      fc.property(anyInteraction, (x) => {
        const registry = new SecretRegistry();
        const { value } = redactor.redactInteraction(x, registry);
        expect(scanInteraction(value, { rules: redactor.rules, registry })).toEqual([]);
      }),
      { numRuns: RUNS },
    );
  });

  it('leaves nothing for the scanner to find when canaries sit at any depth', () => {
    assertProperty(
      fc.property(canaryInteraction(anyCanary, ALL_HOMES), ({ interaction: x }) => {
        const registry = new SecretRegistry();
        const { value } = redactor.redactInteraction(x, registry);
        expect(scanInteraction(value, { rules: redactor.rules, registry })).toEqual([]);
      }),
      { numRuns: RUNS },
    );
  });

  // BUG (engine.ts Pass.text vs scan.ts checkText): the scanner looks one layer down (it
  // URL-decodes values with `%` and base64-decodes base64-looking ones) but the redactor does
  // not, so a percent-encoded email or a base64-wrapped token is left in place and the whole
  // interaction is then blocked by the recorder (fail closed: nothing leaks, the recording is
  // lost with a `record.blocked` warning).
  it('agrees with the scanner on percent-encoded and base64-wrapped canaries', () => {
    const wrapped = fc
      .tuple(shapedCanary, fc.constantFrom('percent', 'base64'))
      .map(([c, how]) =>
        how === 'percent'
          ? `/u/${encodeURIComponent(c.value)}/x`
          : Buffer.from(`key=${c.value}`).toString('base64'),
      );
    assertProperty(
      fc.property(jsonTree(plainKey, words), fc.nat(), plainKey, wrapped, (tree, at, key, v) => {
        const x = interaction(
          {},
          { body: { encoding: 'json', json: place(tree, at, key, v, false) } },
        );
        const registry = new SecretRegistry();
        const { value } = redactor.redactInteraction(x, registry);
        expect(scanInteraction(value, { rules: redactor.rules, registry })).toEqual([]);
      }),
      { numRuns: 100 },
    );
  });
  // GAP (engine.ts Pass.json walk, scan.ts checkBody walk): a secret name covers a string or a
  // number right under it (or in an array under it), not an object: in
  // `{"client_secret": {"current": "…", "previous": "…"}}` the children are checked under their own
  // names, so a random-looking or plain value there is recorded as sent, and the scanner agrees.
  it('leaves no value of an object held under a secret name', () => {
    assertProperty(
      fc.property(
        jsonTree(plainKey, words),
        fc.nat(),
        fc.constantFrom('client_secret', 'password', 'api_key'),
        password,
        fc.constantFrom<Home>('request body', 'response body'),
        (tree, at, secretName, canary, home) => {
          const json = place(tree, at, secretName, { current: canary.value, version: 2 }, true);
          const { value, findings } = builtinOnly.redactInteraction(housed(home, json));
          expect(leaks(canary, value, findings)).toEqual([]);
        },
      ),
      { numRuns: 50 },
    );
  });

  // BUG (src/core/cassette/model.ts appendValue, outside redaction): the header and query
  // multi-maps are plain objects, so a name that is an Object.prototype property (`toString`,
  // `constructor`, `valueOf`, `__proto__`) finds a function (or the prototype) where it expects
  // a value, and `existing.push` throws. The same helper builds the maps in src/core/http/index.ts
  // (parseQuery, headersFromRaw), so `GET /x?toString=1` or a `Constructor:` header gets a 500
  // TD_INTERNAL from the record proxy and the replay server before redaction even runs.
  it('redacts query and header names that are Object.prototype properties', () => {
    assertProperty(
      fc.property(
        fc.constantFrom('toString', 'constructor', 'valueOf', 'hasOwnProperty', '__proto__'),
        anyValue,
        (name, value) => {
          const x = interaction({ query: { [name]: value }, headers: { [name]: value } });
          expect(() => redactor.redactInteraction(x)).not.toThrow();
        },
      ),
      { numRuns: 20 },
    );
  });

  // WEAKNESS (registry.ts MIN_TRACKED_LENGTH, engine.ts track): every secret of six or more
  // characters is tracked everywhere in the cassette, however common its text. A staging test
  // password such as "password" or "secret1" then rewrites every later occurrence of that text,
  // JSON keys included (`password_changed` becomes `tdp_…_changed`): replay serves bodies the
  // API never sent. Nothing leaks; fidelity suffers.
  it.fails('tracks a common-word password without rewriting unrelated text', () => {
    const registry = new SecretRegistry();
    redactor.redactInteraction(
      interaction({
        method: 'POST',
        body: { encoding: 'json', json: { username: 'jane', password: 'password' } },
      }),
      registry,
    );
    const json = { reset_url: '/account/password', password_changed: true };
    const later = redactor.redactInteraction(
      interaction({}, { body: { encoding: 'json', json } }),
      registry,
    ).value;
    expect(jsonOf(later.response.body)).toEqual(json);
  });
});
