import {
  buildClientSchema,
  getIntrospectionQuery,
  printSchema,
  type IntrospectionQuery,
} from 'graphql';
import { describe, expect, it } from 'vitest';
import { nestingExceeds } from '../../src/core/mock/graphql/cost.js';
import { negotiate } from '../../src/core/mock/graphql/http.js';
import { createGraphqlMock, type GraphqlMock } from '../../src/core/mock/graphql/mock.js';
import { answer, get, post, request, shopSdl } from '../fixtures/graphql/requests.js';

const shop = (): GraphqlMock => createGraphqlMock(shopSdl(), 'shop.graphql', { seed: 'http' });
const MODERN = { accept: 'application/graphql-response+json, application/json;q=0.9' };

describe('negotiate (Accept → response media type)', () => {
  it.each([
    [undefined, 'application/json'],
    ['', 'application/json'],
    ['*/*', 'application/json'],
    ['application/*', 'application/json'],
    ['application/json', 'application/json'],
    ['application/graphql-response+json', 'application/graphql-response+json'],
    [
      'application/graphql-response+json, application/json;q=0.9',
      'application/graphql-response+json',
    ],
    ['application/json, application/graphql-response+json;q=0.5', 'application/json'],
    ['application/graphql-response+json;q=0, */*', 'application/json'],
    ['text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8', 'application/json'],
    ['text/html', undefined],
    ['application/json;q=0', undefined],
  ])('%j → %s', (accept, expected) => {
    expect(negotiate(accept)).toBe(expected);
  });
});

describe('GraphQL over HTTP', () => {
  it('answers POST application/json with {data}, marked as the spec layer', async () => {
    const a = await post(shop(), '{ ping }');
    expect(a.status).toBe(200);
    expect(a.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(a.headers['x-tapedeck-layer']).toBe('spec');
    expect(Object.keys(a.json)).toEqual(['data']);
    expect(typeof a.json.data?.ping).toBe('string');
  });

  it('answers in application/graphql-response+json when the client asks for it', async () => {
    const a = await post(shop(), '{ ping }', undefined, MODERN);
    expect(a.status).toBe(200);
    expect(a.headers['content-type']).toBe('application/graphql-response+json; charset=utf-8');
  });

  it('serves GET ?query=&variables=&operationName= for queries, the same data as POST', async () => {
    const mock = shop();
    const query = 'query A { ping } query B($id: ID!) { user(id: $id) { id email } }';
    const params = new URLSearchParams({
      query,
      operationName: 'B',
      variables: JSON.stringify({ id: 'user_1' }),
    });
    const viaGet = await answer(mock.handle(request('GET', `/graphql?${params.toString()}`)));
    const viaPost = await post(mock, query, { id: 'user_1' }, {}, { operationName: 'B' });
    expect(viaGet.status).toBe(200);
    expect(viaGet.json.data.user.id).toBe('user_1');
    expect(viaGet.body).toBe(viaPost.body);
  });

  it('refuses a mutation over GET with 405 and Allow: POST', async () => {
    const a = await get(shop(), 'mutation { deleteUser(id: "user_1") { success } }');
    expect(a.status).toBe(405);
    expect(a.headers['allow']).toBe('POST');
    expect(a.json.errors?.[0].message).toMatch(/POST/);
    expect(a.headers['x-tapedeck-layer']).toBe('spec');
  });

  it('accepts application/graphql bodies', async () => {
    const a = await answer(
      shop().handle(
        request('POST', '/graphql', { 'content-type': 'application/graphql' }, '{ ping }'),
      ),
    );
    expect(a.status).toBe(200);
    expect(typeof a.json.data?.ping).toBe('string');
  });

  it('serves on / as well as /graphql, and 404s elsewhere', async () => {
    const mock = shop();
    const root = await answer(
      mock.handle(
        request('POST', '/', { 'content-type': 'application/json' }, '{"query":"{ ping }"}'),
      ),
    );
    expect(root.status).toBe(200);
    const elsewhere = await answer(mock.handle(request('POST', '/api', {}, '{}')));
    expect(elsewhere.status).toBe(404);
    expect(elsewhere.json.errors?.[0].message).toMatch(/\/graphql/);
    expect(elsewhere.headers['x-tapedeck-layer']).toBe('spec');
  });

  describe('document errors: 200 in application/json, 400 in application/graphql-response+json', () => {
    it.each([
      ['a syntax error', '{ user(id: ) }', 'GRAPHQL_PARSE_FAILED', /Syntax Error/],
      [
        'an unknown field',
        '{ user(id: "1") { shoeSize } }',
        'GRAPHQL_VALIDATION_FAILED',
        /shoeSize/,
      ],
      [
        'a missing required argument',
        '{ user { id } }',
        'GRAPHQL_VALIDATION_FAILED',
        /argument "id"/,
      ],
      [
        'a wrong argument type',
        '{ users(first: "ten") { totalCount } }',
        'GRAPHQL_VALIDATION_FAILED',
        /Int/,
      ],
      [
        'a bad enum value',
        '{ users(role: KING) { totalCount } }',
        'GRAPHQL_VALIDATION_FAILED',
        /KING/,
      ],
    ])('%s', async (_what, query, code, message) => {
      const legacy = await post(shop(), query);
      expect(legacy.status).toBe(200);
      expect(legacy.json.data).toBeUndefined();
      expect(legacy.json.errors?.[0].message).toMatch(message);
      expect(legacy.json.errors?.[0].extensions.code).toBe(code);
      expect(legacy.json.errors?.[0].locations?.[0].line).toBe(1);
      const modern = await post(shop(), query, undefined, MODERN);
      expect(modern.status).toBe(400);
      expect(modern.body).toBe(legacy.body);
    });

    it('variables that do not coerce', async () => {
      const query = 'query Q($n: Int!) { users(first: $n) { totalCount } }';
      const legacy = await post(shop(), query, { n: 'many' });
      expect(legacy.status).toBe(200);
      expect(legacy.json.data).toBeUndefined();
      expect(legacy.json.errors?.[0].message).toMatch(/\$n/);
      expect(legacy.json.errors?.[0].extensions.code).toBe('BAD_USER_INPUT');
      expect((await post(shop(), query, { n: 'many' }, MODERN)).status).toBe(400);
      const input = await post(
        shop(),
        'mutation M($i: CreateUserInput!) { createUser(input: $i) { user { id } } }',
        { i: { email: 'a@example.com' } },
        MODERN,
      );
      expect(input.status).toBe(400);
      expect(input.json.errors?.[0].message).toMatch(/firstName/);
    });

    it('an operation that cannot be chosen', async () => {
      const two = 'query A { ping } query B { ping }';
      const none = await post(shop(), two);
      expect(none.json.errors?.[0].extensions.code).toBe('OPERATION_RESOLUTION_FAILURE');
      const unknown = await post(shop(), two, undefined, MODERN, { operationName: 'C' });
      expect(unknown.status).toBe(400);
      expect(unknown.json.errors?.[0].message).toMatch(/"C"/);
    });
  });

  describe('requests that are not well-formed: 4xx in both media types', () => {
    const raw = (headers: Record<string, string>, body?: string, method = 'POST') =>
      answer(shop().handle(request(method, '/graphql', headers, body)));
    const json = { 'content-type': 'application/json' };

    it.each([
      ['a body that is not JSON', json, '{"query": ', 400, /not valid JSON/],
      ['an empty body', json, '', 400, /empty/],
      ['a JSON array (batch)', json, '[{"query":"{ ping }"}]', 400, /Batched/],
      ['a JSON string', json, '"{ ping }"', 400, /JSON object/],
      ['a query that is not a string', json, '{"query": 5}', 400, /"query"/],
      ['no query', json, '{"variables": {}}', 400, /Missing "query"/],
      [
        'variables that are not an object',
        json,
        '{"query":"{ ping }","variables":[1]}',
        400,
        /"variables"/,
      ],
      [
        'an operationName that is not a string',
        json,
        '{"query":"{ ping }","operationName":1}',
        400,
        /"operationName"/,
      ],
      ['no content type', {}, '{"query":"{ ping }"}', 415, /Content-Type: application\/json/],
      [
        'a form body',
        { 'content-type': 'application/x-www-form-urlencoded' },
        'query=x',
        415,
        /not accepted/,
      ],
      ['a compressed body', { ...json, 'content-encoding': 'gzip' }, 'xx', 415, /gzip/],
    ])('%s', async (_what, headers, body, status, message) => {
      const a = await raw(headers, body);
      expect(a.status).toBe(status);
      expect(a.json.errors?.[0].message).toMatch(message);
      expect(a.headers['x-tapedeck-layer']).toBe('spec');
    });

    it('a body that is not JSON, without quoting the body back', async () => {
      const a = await raw(json, '{"query": "{ ping }", "password": "hunter2" oops}');
      expect(a.status).toBe(400);
      expect(a.json.errors?.[0].message).toMatch(/^The request body is not valid JSON/);
      expect(a.body).not.toContain('hunter2');
    });

    it('invalid UTF-8', async () => {
      const req = {
        ...request('POST', '/graphql', json),
        rawBody: new Uint8Array([0x7b, 0xff, 0x7d]),
      };
      const a = await answer(shop().handle(req));
      expect(a.status).toBe(400);
      expect(a.json.errors?.[0].message).toMatch(/UTF-8/);
    });

    it('bad JSON in GET parameters', async () => {
      const a = await answer(
        shop().handle(request('GET', '/graphql?query=%7B%20ping%20%7D&variables=%7Bx')),
      );
      expect(a.status).toBe(400);
      expect(a.json.errors?.[0].message).toMatch(/"variables" query parameter/);
    });

    it('other methods get 405 with Allow', async () => {
      const a = await raw(json, '{}', 'PUT');
      expect(a.status).toBe(405);
      expect(a.headers['allow']).toBe('GET, POST, OPTIONS');
    });

    it('an Accept that allows neither JSON media type gets 406', async () => {
      const a = await raw({ ...json, accept: 'text/html' }, '{"query":"{ ping }"}');
      expect(a.status).toBe(406);
      expect(a.headers['content-type']).toMatch(/^application\/json/);
    });
  });

  it('answers a CORS preflight', async () => {
    const a = await answer(
      shop().handle(
        request('OPTIONS', '/graphql', {
          origin: 'http://localhost:5173',
          'access-control-request-method': 'POST',
          'access-control-request-headers': 'content-type, apollo-require-preflight',
        }),
      ),
    );
    expect(a.status).toBe(204);
    expect(a.headers['access-control-allow-origin']).toBe('*');
    expect(a.headers['access-control-allow-headers']).toBe(
      'content-type, apollo-require-preflight',
    );
    expect(a.headers['x-tapedeck-layer']).toBe('spec');
    expect((await post(shop(), '{ ping }')).headers['access-control-allow-origin']).toBe('*');
  });

  it('tells automatic persisted queries to send the document', async () => {
    const a = await answer(
      shop().handle(
        request(
          'POST',
          '/graphql',
          { 'content-type': 'application/json' },
          JSON.stringify({ extensions: { persistedQuery: { version: 1, sha256Hash: 'ab' } } }),
        ),
      ),
    );
    expect(a.status).toBe(200);
    expect(a.json.errors?.[0]).toEqual({
      message: 'PersistedQueryNotSupported',
      extensions: { code: 'PERSISTED_QUERY_NOT_SUPPORTED' },
    });
  });

  it('refuses an operation that would build too many values, before executing it', async () => {
    const deep =
      '{ users(first: 100) { nodes { friends(first: 100) { friends(first: 100) { id email } } } } }';
    // That the refusal is quick (nothing executed) is measured by the bench (`--only budgets`).
    const a = await post(shop(), deep, undefined, MODERN);
    expect(a.status).toBe(400);
    expect(a.json.errors?.[0].extensions.code).toBe('QUERY_TOO_LARGE');
    const nested =
      'fragment F on User { friends { friends { friends { ...G } } } } fragment G on User { friends { friends { friends { friends { friends { friends { friends { id } } } } } } } } { users { nodes { ...F } } }';
    expect((await post(shop(), nested)).json.errors?.[0].extensions.code).toBe('QUERY_TOO_LARGE');
  });

  it('refuses documents nested too deep for graphql-js to recurse through, without a 500', async () => {
    const mock = shop();
    const brackets = `{ viewer ${'{ friends(first: 1) '.repeat(3000)}{ id }${' }'.repeat(3001)}`;
    const a = await post(mock, brackets, undefined, MODERN);
    expect(a.status).toBe(400);
    expect(a.json.errors?.[0].extensions.code).toBe('QUERY_TOO_DEEP');
    let chain = '{ categories { ...F0 } }';
    for (let i = 0; i < 3000; i++)
      chain += ` fragment F${i} on Category { parent { ...F${i + 1} } }`;
    chain += ' fragment F3000 on Category { id }';
    const b = await post(mock, chain, undefined, MODERN);
    expect(b.status).toBe(400);
    expect(b.json.errors?.[0].extensions.code).toBe('QUERY_TOO_DEEP');
    const deepVariables = `{"query":"query Q($input: JSON) { ping }","variables":{"input":${'['.repeat(5000)}${']'.repeat(5000)}}}`;
    const c = await answer(
      mock.handle(
        request('POST', '/graphql', { 'content-type': 'application/json' }, deepVariables),
      ),
    );
    expect(c.status).toBe(400);
    expect(c.json.errors?.[0].message).toMatch(/"variables" nest deeper/);
  });

  it('bounds the size estimate itself: empty pages and fragment fan-out do not make it explode', async () => {
    let fanOut = '{ users(first: 0) { nodes { ...L0 } } }';
    for (let i = 0; i < 40; i++)
      fanOut += ` fragment L${i} on User { a: friends(first: 0) { ...L${i + 1} } b: friends(first: 0) { ...L${i + 1} } }`;
    fanOut += ' fragment L40 on User { id }';
    // Its time is measured by the bench (`--only budgets`); an estimate that exploded would
    // also run into the test's timeout.
    const a = await post(shop(), fanOut);
    expect(a.json.errors?.[0].extensions.code).toBe('QUERY_TOO_LARGE');
  });

  it('explains a document graphql-js finds too costly to validate', async () => {
    const a = await post(shop(), `{ ${'user(id: "1") { id } '.repeat(5000)}}`, undefined, MODERN);
    expect(a.status).toBe(400);
    expect(a.json.errors?.[0].extensions.code).toBe('QUERY_TOO_COMPLEX');
    expect(a.json.errors?.[0].message).toMatch(/too complex to validate/);
  });

  it('counts brackets outside strings and comments only', () => {
    expect(nestingExceeds('{ a(s: "{{{{{{") # {{{{{{\n }', 3)).toBe(false);
    expect(nestingExceeds('{ a(s: """{{{{ \\""" {{{{""") }', 3)).toBe(false);
    expect(nestingExceeds('{ a { b { c { d } } } }', 3)).toBe(true);
    expect(nestingExceeds('{ a { b { c } } }', 3)).toBe(false);
  });

  it('answers field errors beside the data with 200 in both media types', async () => {
    // An interface nothing implements cannot be mocked: a field error, like a resolver failing.
    const mock = createGraphqlMock(
      'interface Lonely { id: ID! } type Query { maybe: Lonely, ok: Int! }',
      'lonely.graphql',
      { seed: 'l' },
    );
    const a = await post(mock, '{ ok maybe { id } }', undefined, MODERN);
    expect(a.status).toBe(200);
    expect(a.json.data).toMatchObject({ maybe: null });
    expect(a.json.errors).toBeUndefined();
    const strict = createGraphqlMock(
      'interface Lonely { id: ID! } type Query { must: Lonely! }',
      'lonely.graphql',
      { seed: 'l' },
    );
    const b = await post(strict, '{ must { id } }', undefined, MODERN);
    expect(b.status).toBe(200);
    expect(b.json.data).toBeNull();
    expect(b.json.errors?.[0].path).toEqual(['must']);
  });

  it('refuses subscriptions with a message that says why', async () => {
    const mock = createGraphqlMock(
      'type Query { a: Int } type Subscription { ticks: Int }',
      'ticks.graphql',
      { seed: 's' },
    );
    const a = await post(mock, 'subscription { ticks }', undefined, MODERN);
    expect(a.status).toBe(400);
    expect(a.json.errors?.[0].message).toMatch(/Subscriptions are not served/);
  });

  it('serves introspection: a client rebuilds the same schema from it', async () => {
    const mock = shop();
    const a = await post(mock, getIntrospectionQuery({ descriptions: true, specifiedByUrl: true }));
    expect(a.status).toBe(200);
    expect(a.json.errors).toBeUndefined();
    const rebuilt = buildClientSchema(a.json.data as IntrospectionQuery);
    expect(printSchema(rebuilt)).toBe(printSchema(mock.schema));
    const typename = await post(mock, '{ __typename }');
    expect(typename.json.data).toEqual({ __typename: 'Query' });
  });

  it('returns data for a document whose fields use @include/@skip and @deprecated fields', async () => {
    const a = await post(
      shop(),
      'query Q($full: Boolean!) { viewer { id nickname email @include(if: $full) age @skip(if: $full) } }',
      { full: true },
    );
    expect(Object.keys(a.json.data.viewer)).toEqual(['id', 'nickname', 'email']);
  });
});
