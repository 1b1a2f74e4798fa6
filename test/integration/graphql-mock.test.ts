import { buildClientSchema, getIntrospectionQuery, parse, printSchema, validate } from 'graphql';
import { afterEach, describe, expect, it } from 'vitest';
import { closeGracefully, createHttpServer, listen } from '../../src/adapters/http/node-server.js';
import { loadGraphqlMock } from '../../src/app/compose/graphql.js';
import type { GraphqlMock } from '../../src/app/mock/graphql.js';
import { responseProblems } from '../fixtures/graphql/conformance.js';
import { randomOperation, randomSource } from '../fixtures/graphql/random-queries.js';
import { SHOP_SCHEMA_FILE, type Json } from '../fixtures/graphql/requests.js';
import { defer, runCleanups } from '../helpers/cleanup.js';
import { CollectingLogger } from '../helpers/logger.js';

afterEach(runCleanups);

interface Served {
  readonly url: string;
  readonly mock: GraphqlMock;
  readonly logger: CollectingLogger;
}

/** The mock behind a real node:http server on 127.0.0.1, port 0, as `tapedeck mock` runs it. */
async function serve(seed = 'integration'): Promise<Served> {
  const mock = await loadGraphqlMock(SHOP_SCHEMA_FILE.pathname, { seed });
  const logger = new CollectingLogger();
  const server = createHttpServer(async (request) => mock.handle(request), {
    maxBodyBytes: 1024 * 1024,
    logger,
  });
  const url = await listen(server, '127.0.0.1', 0);
  defer(() => closeGracefully(server, 1_000));
  return { url, mock, logger };
}

interface Exchange {
  readonly status: number;
  readonly headers: Headers;
  readonly text: string;
  readonly json: { data?: Json; errors?: Json[] };
}

async function postQuery(
  url: string,
  query: string,
  variables?: Record<string, unknown>,
  headers: Record<string, string> = {},
): Promise<Exchange> {
  const response = await fetch(`${url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify({ query, ...(variables ? { variables } : {}) }),
  });
  const text = await response.text();
  return { status: response.status, headers: response.headers, text, json: JSON.parse(text) };
}

/** Sends a query and checks, independently of the mock, that the data fits the schema. */
async function valid(
  served: Served,
  query: string,
  variables?: Record<string, unknown>,
): Promise<Exchange> {
  const exchange = await postQuery(served.url, query, variables);
  expect(exchange.status, exchange.text).toBe(200);
  expect(exchange.json.errors, exchange.text).toBeUndefined();
  expect(exchange.headers.get('x-tapedeck-layer')).toBe('spec');
  expect(
    responseProblems(served.mock.schema, parse(query), exchange.json.data, {
      ...(variables ? { variables } : {}),
    }),
  ).toEqual([]);
  return exchange;
}

const TYPICAL: readonly [string, string, Record<string, unknown>?][] = [
  [
    'a connection with fragments and aliases',
    `query Users($n: Int) {
       users(first: $n) {
         totalCount pageInfo { hasNextPage endCursor }
         edges { cursor node { ...UserCard } }
       }
       admins: users(role: ADMIN, first: 2) { nodes { id role } }
     }
     fragment UserCard on User { id email firstName lastName avatarUrl createdAt role }`,
    { n: 4 },
  ],
  [
    'an object by id with nested lists and arguments',
    `{ product(sku: "SKU-100") {
         id sku title description category tags inStock rating createdAt updatedAt
         price(currency: GBP) { amount currency formatted }
         images { url width height alt }
         variants { sku color size stock }
         reviews(first: 2) { id rating body author { id username } }
         categories { id name slug parent { id name } }
     } }`,
  ],
  [
    'unions and interfaces',
    `{ search(text: "garden", limit: 8) {
         __typename
         ... on Node { id }
         ... on User { email }
         ... on Product { title price { amount } }
         ... on Order { number status total { amount currency } }
         ... on Category { slug }
       }
       node(id: "order_abc") { id ... on Timestamped { createdAt } ... on Order { status customer { email } } } }`,
  ],
  [
    'custom scalars, nested list of lists, enums in lists',
    '{ store { name url supportEmail currencies openedOn matrix } viewer { preferences bio birthday } }',
  ],
  [
    'a deep order',
    `{ order(id: "order_1") { id number status notes metadata
         customer { id email addresses { line1 city country location { latitude longitude } } }
         lines { quantity product { id title } unitPrice { amount currency } }
         payments { id amount currency paidAt method }
         shipment { carrier trackingNumber trackingUrl shippedAt }
         shippingAddress { city } } }`,
  ],
  [
    'a mutation with an input object',
    `mutation Place($input: PlaceOrderInput!) {
       placeOrder(input: $input) { order { id status notes customer { id } lines { quantity } } errors { field message } }
     }`,
    {
      input: {
        customerId: 'user_7',
        notes: 'gift wrap',
        lines: [{ productId: 'product_1', quantity: 3 }],
      },
    },
  ],
  [
    'a mutation with a payload',
    `mutation { createUser(input: {email: "new@example.com", firstName: "Nia", lastName: "Obi"}, clientMutationId: "c1") {
       clientMutationId user { id email firstName lastName role verified } } }`,
  ],
];

describe('tapedeck mock schema.graphql over a real socket', () => {
  it.each(TYPICAL)('answers %s with data valid for the schema', async (_what, query, variables) => {
    const served = await serve();
    const first = await valid(served, query, variables);
    expect(first.headers.get('content-type')).toBe('application/json; charset=utf-8');
    // Determinism over the wire: the same bytes again, and from a second server with the seed.
    const again = await valid(served, query, variables);
    expect(again.text).toBe(first.text);
    const other = await serve();
    expect((await postQuery(other.url, query, variables)).text).toBe(first.text);
  });

  it('echoes mutation input in what it returns', async () => {
    const served = await serve();
    const { json } = await valid(
      served,
      'mutation { createUser(input: {email: "new@example.com", firstName: "Nia", lastName: "Obi"}) { user { email firstName lastName } } }',
    );
    expect(json.data.createUser.user).toEqual({
      email: 'new@example.com',
      firstName: 'Nia',
      lastName: 'Obi',
    });
  });

  it('serves GET queries and refuses GET mutations', async () => {
    const served = await serve();
    const query = '{ users(first: 2) { nodes { id email } } }';
    const viaGet = await fetch(`${served.url}/graphql?query=${encodeURIComponent(query)}`);
    const text = await viaGet.text();
    expect(viaGet.status).toBe(200);
    expect(text).toBe((await postQuery(served.url, query)).text);
    expect(responseProblems(served.mock.schema, parse(query), JSON.parse(text).data)).toEqual([]);
    const mutation = await fetch(
      `${served.url}/?query=${encodeURIComponent('mutation { deleteUser(id: "user_1") { success } }')}`,
    );
    expect(mutation.status).toBe(405);
    expect(mutation.headers.get('allow')).toBe('POST');
    expect(mutation.headers.get('x-tapedeck-layer')).toBe('spec');
    await mutation.body?.cancel();
  });

  it('answers a bad document with 400 in application/graphql-response+json, 200 in application/json', async () => {
    const served = await serve();
    const bad = '{ users { nodes { shoeSize } } }';
    const modern = await postQuery(served.url, bad, undefined, {
      accept: 'application/graphql-response+json, application/json;q=0.9',
    });
    expect(modern.status).toBe(400);
    expect(modern.headers.get('content-type')).toBe(
      'application/graphql-response+json; charset=utf-8',
    );
    expect(modern.json.errors?.[0].message).toMatch(/shoeSize/);
    const legacy = await postQuery(served.url, bad);
    expect(legacy.status).toBe(200);
    expect(legacy.json.data).toBeUndefined();
  });

  it('serves introspection that codegen can rebuild the schema from', async () => {
    const served = await serve();
    const { json } = await postQuery(served.url, getIntrospectionQuery());
    expect(json.errors).toBeUndefined();
    expect(printSchema(buildClientSchema(json.data))).toBe(printSchema(served.mock.schema));
  });

  it('answers a CORS preflight from a browser', async () => {
    const served = await serve();
    const response = await fetch(`${served.url}/graphql`, {
      method: 'OPTIONS',
      headers: {
        origin: 'http://localhost:3000',
        'access-control-request-method': 'POST',
        'access-control-request-headers': 'content-type',
      },
    });
    expect(response.status).toBe(204);
    expect(response.headers.get('access-control-allow-origin')).toBe('*');
    expect(response.headers.get('access-control-allow-methods')).toContain('POST');
  });

  it('answers 60 random operations over the wire, every one valid for the schema', async () => {
    const served = await serve();
    const rand = randomSource(7);
    let checked = 0;
    for (let i = 0; i < 80 && checked < 60; i++) {
      const query = randomOperation(served.mock.schema, rand);
      if (validate(served.mock.schema, parse(query)).length > 0) continue;
      checked++;
      await valid(served, query);
    }
    expect(checked).toBe(60);
    expect(served.logger.lines.filter((l) => l.level === 'error')).toEqual([]);
  });
});
