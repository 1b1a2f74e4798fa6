import fc from 'fast-check';
import { parse, validate } from 'graphql';
import { describe, expect, it } from 'vitest';
import { createGraphqlMock, type GraphqlMock } from '../../src/core/mock/graphql/mock.js';
import { responseProblems } from '../fixtures/graphql/conformance.js';
import { randomOperation, randomSource } from '../fixtures/graphql/random-queries.js';
import { post, shopSdl, type Json } from '../fixtures/graphql/requests.js';
import { assertProperty } from '../helpers/property.js';

const shop = (seed = 'test-seed'): GraphqlMock =>
  createGraphqlMock(shopSdl(), 'shop.graphql', { seed });

/** Posts a query and fails the test on any error or on data the schema does not allow. */
async function data(
  mock: GraphqlMock,
  query: string,
  variables?: Record<string, unknown>,
): Promise<Json> {
  const answer = await post(mock, query, variables);
  expect(answer.json.errors, answer.body).toBeUndefined();
  expect(answer.status).toBe(200);
  const problems = responseProblems(mock.schema, parse(query), answer.json.data, {
    ...(variables ? { variables } : {}),
  });
  expect(problems, answer.body).toEqual([]);
  return answer.json.data;
}

const USERS = `{ users(first: 3) { edges { node { id email firstName lastName role age verified avatarUrl createdAt birthday preferences bio } } } }`;

describe('GraphQL mock values: determinism', () => {
  it('gives byte-identical answers for the same query and seed, across mock instances', async () => {
    const a = await post(shop(), USERS);
    const b = await post(shop(), USERS);
    const c = await post(shop(), USERS);
    expect(a.body).toBe(b.body);
    expect(a.body).toBe(c.body);
  });

  it('gives different values for a different seed', async () => {
    const a = await post(shop('one'), USERS);
    const b = await post(shop('two'), USERS);
    expect(a.body).not.toBe(b.body);
  });

  it('does not depend on aliases, sibling fields or their order', async () => {
    const mock = shop();
    const one = await data(mock, '{ user(id: "user_1") { email } }');
    const two = await data(
      mock,
      '{ viewer { id } x: user(id: "user_1") { firstName lastName email } ping }',
    );
    expect(two.x.email).toBe(one.user.email);
  });

  it('gives variables the same values as literals', async () => {
    const mock = shop();
    const literal = await data(mock, '{ users(first: 2, role: ADMIN) { nodes { id email } } }');
    const variables = await data(
      mock,
      'query Q($n: Int, $r: Role) { users(first: $n, role: $r) { nodes { id email } } }',
      { n: 2, r: 'ADMIN' },
    );
    expect(variables).toEqual(literal);
  });

  it('keeps an entity consistent wherever it is reached: list, by id, through an interface', async () => {
    const mock = shop();
    const list = await data(mock, '{ users { nodes { id email firstName age createdAt } } }');
    const first = list.users.nodes[0];
    expect(first.id).toMatch(/^user_/);
    const byId = await data(
      mock,
      `{ user(id: ${JSON.stringify(first.id)}) { id email firstName age createdAt }
         node(id: ${JSON.stringify(first.id)}) { __typename id ... on User { email } } }`,
    );
    expect(byId.user).toEqual(first);
    expect(byId.node).toEqual({ __typename: 'User', id: first.id, email: first.email });
  });

  it('derives an object without an id from the path: the same path, the same values', async () => {
    const mock = shop();
    const a = await data(mock, '{ user(id: "u7") { addresses { city postalCode } } }');
    const b = await data(mock, '{ user(id: "u7") { addresses { city postalCode country } } }');
    expect((b.user.addresses as { city: string }[]).map((x) => x.city)).toEqual(
      (a.user.addresses as { city: string }[]).map((x) => x.city),
    );
    const c = await data(mock, '{ user(id: "u8") { addresses { city postalCode } } }');
    expect(c).not.toEqual(a);
  });
});

describe('GraphQL mock values: golden answers', () => {
  it('stay the same bytes across versions, machines and Node releases for a fixed seed', async () => {
    // A change here changes what every user's snapshot of the mock sees: make it on purpose.
    const mock = shop('golden');
    const answers = [
      await post(
        mock,
        `{ users(first: 2) { totalCount pageInfo { hasNextPage endCursor }
             edges { cursor node { id email firstName lastName username role age verified
               avatarUrl bio createdAt birthday preferences addresses { line1 city postalCode country } } } }
           search(text: "golden", limit: 3) { __typename ... on Node { id } }
           store { name url supportEmail currencies openedOn matrix } }`,
      ),
      await post(
        mock,
        `mutation { placeOrder(input: {customerId: "user_1", notes: "golden", lines: [{productId: "product_1", quantity: 1}]}) {
           order { id number status total { amount currency formatted } customer { id email } } errors { message } } }`,
      ),
    ];
    const text = `${JSON.stringify(
      answers.map((a) => JSON.parse(a.body) as unknown),
      null,
      2,
    )}\n`;
    await expect(text).toMatchFileSnapshot('../golden/graphql-shop.json');
  });
});

describe('GraphQL mock values: type shapes', () => {
  it('serves built-in scalars with their JSON types, and known custom scalars by name', async () => {
    const mock = shop();
    const { users } = await data(mock, USERS);
    for (const { node } of users.edges) {
      expect(node.email).toMatch(/^[^@\s]+@[^@\s]+\.[a-z]+$/);
      expect(node.avatarUrl).toMatch(/^https:\/\//);
      expect(() => new URL(node.avatarUrl)).not.toThrow();
      expect(node.createdAt).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/);
      expect(node.birthday).toMatch(/^\d{4}-\d{2}-\d{2}$/);
      expect(typeof node.preferences).toBe('object');
      expect(typeof node.bio).toBe('string');
      expect(Number.isInteger(node.age)).toBe(true);
      expect(typeof node.verified).toBe('boolean');
      expect(['CUSTOMER', 'STAFF', 'ADMIN']).toContain(node.role);
      expect(typeof node.firstName).toBe('string');
    }
    const { store } = await data(mock, '{ store { name url supportEmail openedOn currencies } }');
    expect(store.supportEmail).toContain('@');
    expect(store.openedOn).toMatch(/^\d{4}-\d{2}-\d{2}$/);
  });

  it('never picks a deprecated enum value', async () => {
    const mock = shop();
    const statuses = new Set<string>();
    for (let i = 0; i < 40; i++) {
      const { order } = await data(mock, `{ order(id: "order_${i}") { status } }`);
      statuses.add(order.status);
    }
    expect(statuses.has('REFUNDED')).toBe(false);
    expect(statuses.size).toBeGreaterThan(2);
  });

  it('builds lists of 2–3 items, nested lists too, and honours first/limit (at most 100)', async () => {
    const mock = shop();
    const { store, categories } = await data(mock, '{ store { matrix } categories { id } }');
    for (const row of [store.matrix, ...store.matrix, categories]) {
      expect(row.length).toBeGreaterThanOrEqual(2);
      expect(row.length).toBeLessThanOrEqual(3);
    }
    const paged = await data(
      mock,
      '{ a: users(first: 5) { edges { cursor } nodes { id } } b: users(first: 0) { nodes { id } } c: search(text: "x", limit: 7) { __typename } d: categories { products(first: 1000) { id } } }',
    );
    expect(paged.a.edges).toHaveLength(5);
    expect(paged.a.nodes).toHaveLength(5);
    expect(paged.b.nodes).toHaveLength(0);
    expect(paged.c).toHaveLength(7);
    expect(paged.d[0].products).toHaveLength(100);
  });

  it('keeps the first page a prefix of a larger page', async () => {
    const mock = shop();
    const two = await data(mock, '{ users(first: 2) { nodes { id email } } }');
    const four = await data(mock, '{ users(first: 4) { nodes { id email } } }');
    expect((four.users.nodes as unknown[]).slice(0, 2)).toEqual(two.users.nodes);
    const next = await data(mock, '{ users(first: 2, after: "c1") { nodes { id } } }');
    expect(next.users.nodes[0].id).not.toBe(two.users.nodes[0].id);
  });

  it('gives list items distinct ids', async () => {
    const { users } = await data(shop(), '{ users(first: 50) { nodes { id } } }');
    const ids = (users.nodes as { id: string }[]).map((n) => n.id);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('resolves unions and interfaces to a concrete possible type, with a correct __typename', async () => {
    const mock = shop();
    const { search } = await data(
      mock,
      `{ search(text: "lamp", limit: 40) {
          __typename
          ... on User { id email } ... on Product { id title price { amount currency } }
          ... on Order { id status } ... on Category { id slug } } }`,
    );
    const results = search as { __typename: string; id: string }[];
    const kinds = new Set(results.map((r) => r.__typename));
    expect(kinds.size).toBeGreaterThanOrEqual(3);
    for (const result of results) {
      expect(['User', 'Product', 'Order', 'Category']).toContain(result.__typename);
      expect(result.id).toMatch(new RegExp(`^${result.__typename.toLowerCase()}_`));
    }
    const again = await data(mock, '{ search(text: "lamp", limit: 40) { __typename } }');
    expect((again.search as { __typename: string }[]).map((r) => r.__typename)).toEqual(
      results.map((r) => r.__typename),
    );
  });

  it('answers interface fields through fragments on the interface and on the type', async () => {
    const { node } = await data(
      shop(),
      `{ node(id: "product_x1") { id __typename ... on Timestamped { createdAt }
           ... on Product { sku price(currency: EUR) { currency } } } }`,
    );
    expect(node.__typename).toBe('Product');
    expect(node.price.currency).toBe('EUR');
  });

  it('makes the name, email and username of one person agree, and keeps them per entity', async () => {
    const mock = shop();
    const { users } = await data(
      mock,
      '{ users(first: 5) { nodes { id firstName lastName username email } } }',
    );
    for (const user of users.nodes as Record<string, string>[]) {
      const first = user['firstName']!.toLowerCase();
      const last = user['lastName']!.toLowerCase();
      expect(user['email']).toMatch(new RegExp(`^${first}\\.${last}\\d+@example\\.com$`));
      expect(user['username']).toMatch(new RegExp(`^${first}_${last}\\d+$`));
    }
  });

  it('makes field values name-aware through the shared generator', async () => {
    const { user } = await data(
      shop(),
      '{ user(id: "user_q") { firstName lastName username avatarUrl reviews { rating body } } }',
    );
    expect(user.firstName).toMatch(/^[A-Z][a-z]+$/);
    expect(user.lastName).toMatch(/^[A-Z][a-z]+$/);
    for (const review of user.reviews) expect(Number.isInteger(review.rating)).toBe(true);
  });
});

describe('GraphQL mock values: arguments and mutations', () => {
  it('echoes input fields into the payload of a mutation', async () => {
    const mock = shop();
    const result = await data(
      mock,
      `mutation M($input: CreateUserInput!) {
         createUser(input: $input, clientMutationId: "m-1") {
           clientMutationId
           user { id email firstName lastName role }
         } }`,
      { input: { email: 'ann.lee@example.org', firstName: 'Ann', lastName: 'Lee', role: 'STAFF' } },
    );
    expect(result.createUser.clientMutationId).toBe('m-1');
    expect(result.createUser.user).toMatchObject({
      email: 'ann.lee@example.org',
      firstName: 'Ann',
      lastName: 'Lee',
      role: 'STAFF',
    });
    expect(result.createUser.user.id).toMatch(/^user_/);
  });

  it('uses input defaults, and echoes nested input objects into nested objects', async () => {
    const result = await data(
      shop(),
      `mutation { placeOrder(input: {customerId: "user_9", notes: "leave at door",
          lines: [{productId: "product_1", quantity: 2}],
          shippingAddress: {line1: "1 Main St", city: "Lyon", postalCode: "69001", country: "FR"}}) {
        order { id notes shippingAddress { line1 city country } lines { quantity } } errors { message } } }`,
    );
    expect(result.placeOrder.order.notes).toBe('leave at door');
    expect(result.placeOrder.order.shippingAddress).toEqual({
      line1: '1 Main St',
      city: 'Lyon',
      country: 'FR',
    });
    const created = await data(
      shop(),
      'mutation { createUser(input: {email: "a@example.com", firstName: "A", lastName: "B"}) { user { role } } }',
    );
    expect(created.createUser.user.role).toBe('CUSTOMER');
  });

  it('returns the entity named by an id argument, with the update applied over its values', async () => {
    const mock = shop();
    const before = await data(mock, '{ user(id: "user_42") { id firstName lastName age } }');
    const after = await data(
      mock,
      'mutation { updateUser(id: "user_42", input: {age: 33}) { user { id firstName lastName age } } }',
    );
    expect(after.updateUser.user).toEqual({ ...before.user, age: 33 });
    const status = await data(
      mock,
      'mutation { setOrderStatus(id: "order_7", status: SHIPPED) { id status } }',
    );
    expect(status.setOrderStatus).toEqual({ id: 'order_7', status: 'SHIPPED' });
    const deleted = await data(
      mock,
      'mutation { deleteUser(id: "user_42") { deletedId success } }',
    );
    expect(typeof deleted.deleteUser.success).toBe('boolean');
  });

  it('echoes arguments given by name, and query filters into the items they select', async () => {
    const mock = shop();
    const review = await data(
      mock,
      'mutation { addReview(productId: "product_5", rating: 4, body: "Solid.") { id rating body } }',
    );
    expect(review.addReview).toMatchObject({ rating: 4, body: 'Solid.' });
    expect(review.addReview.id).not.toBe('product_5');
    const admins = await data(
      mock,
      '{ users(role: ADMIN) { edges { node { role } } nodes { role } } }',
    );
    for (const edge of admins.users.edges) expect(edge.node.role).toBe('ADMIN');
    for (const node of admins.users.nodes) expect(node.role).toBe('ADMIN');
    const byEmail = await data(mock, '{ userByEmail(email: "who@example.com") { email } }');
    expect(byEmail.userByEmail.email).toBe('who@example.com');
  });

  it('does not echo a value that does not fit the output field', async () => {
    // `product(sku: ID!)`: the only ID argument on the query type names the product, but its
    // `sku: String!` field echoes the argument too; a Float filter never becomes an Int.
    const { product } = await data(shop(), '{ product(sku: "SKU-1") { id sku } }');
    expect(product.sku).toBe('SKU-1');
    expect(product.id).toBe('SKU-1');
    const { products } = await data(
      shop(),
      '{ products(filter: {minRating: 4.5, category: BOOKS}) { edges { node { category rating } } } }',
    );
    for (const edge of products.edges) expect(edge.node.category).toBe('BOOKS');
  });
});

describe('GraphQL mock values: filters are not values', () => {
  it('does not echo a structured filter into a custom scalar, but does into a JSON one', async () => {
    const mock = createGraphqlMock(
      `scalar DateTime scalar JSON
       input Range { gt: DateTime }
       input Where { createdAt: Range, meta: JSON }
       type Event { id: ID! createdAt: DateTime! meta: JSON }
       type Query { events(where: Where): [Event!]! }`,
      'events.graphql',
      { seed: 'f' },
    );
    const { events } = await data(
      mock,
      '{ events(where: {createdAt: {gt: "2026-01-01T00:00:00Z"}, meta: {k: 1}}) { createdAt meta } }',
    );
    for (const event of events as { createdAt: unknown; meta: unknown }[]) {
      expect(event.createdAt).toMatch(/^\d{4}-\d{2}-\d{2}T/);
      expect(event.meta).toEqual({ k: 1 });
    }
  });
});

describe('the independent response check', () => {
  const query = `{ search(text: "a", limit: 4) { __typename ... on User { id age } ... on Product { id title } ... on Order { id status } ... on Category { id slug } }
    store { currencies matrix } viewer { firstName } }`;

  it('finds every kind of departure from the schema in otherwise valid data', async () => {
    const mock = shop();
    const document = parse(query);
    const valid = (await post(mock, query)).json.data;
    expect(responseProblems(mock.schema, document, valid)).toEqual([]);
    const broken = (change: (d: Json) => void): string[] => {
      const copy = structuredClone(valid);
      change(copy);
      return responseProblems(mock.schema, document, copy);
    };
    expect(broken((d) => (d.viewer.firstName = 7))).toEqual([
      '/viewer/firstName: 7 is not a valid String',
    ]);
    expect(broken((d) => delete d.viewer.firstName)).toEqual(['/viewer/firstName: missing']);
    expect(broken((d) => (d.viewer.extra = 1))).toEqual(['/viewer/extra: not asked for']);
    expect(broken((d) => (d.store.currencies = ['YEN']))[0]).toMatch(/not a value of enum/);
    expect(broken((d) => (d.store.currencies = null))[0]).toMatch(/null for non-null/);
    expect(broken((d) => (d.store.matrix = [[1.5]]))[0]).toMatch(/not a valid Int/);
    expect(broken((d) => (d.store.matrix = 3))[0]).toMatch(/expected a list/);
    expect(broken((d) => (d.search[0].__typename = 'Review'))[0]).toMatch(/not a possible type/);
    expect(broken((d) => (d.search[0].id = 12))[0]).toMatch(/not a valid ID/);
  });
});

describe('GraphQL mock values: random operations over the shop schema', () => {
  it('answers every valid random operation with data the schema allows, deterministically', async () => {
    const mock = shop();
    const other = shop();
    let checked = 0;
    await assertProperty(
      fc.asyncProperty(fc.integer({ min: 0, max: 2 ** 31 - 1 }), async (seed) => {
        const query = randomOperation(mock.schema, randomSource(seed));
        const document = parse(query);
        // Random fragments can conflict (same key, different types): graphql rejects those.
        if (validate(mock.schema, document).length > 0) return;
        checked++;
        const answer = await post(mock, query);
        expect(answer.json.errors, `${query}\n${answer.body}`).toBeUndefined();
        expect(responseProblems(mock.schema, document, answer.json.data), query).toEqual([]);
        expect((await post(other, query)).body).toBe(answer.body);
      }),
      { numRuns: 250 },
    );
    expect(checked).toBeGreaterThan(150);
  });
});
