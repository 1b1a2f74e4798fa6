import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadGraphqlMock } from '../../src/app/compose/graphql.js';
import { createGraphqlMock, isGraphqlSchemaFile } from '../../src/app/mock/graphql.js';
import { isTapedeckError, type TapedeckError } from '../../src/core/errors.js';
import { loadGraphqlSchema } from '../../src/core/mock/graphql/schema.js';
import { post, SHOP_SCHEMA_FILE, shopSdl } from '../fixtures/graphql/requests.js';
import { tempDir } from '../helpers/tmp.js';

function failure(sdl: string, file = 'api.graphql'): TapedeckError {
  try {
    loadGraphqlSchema(sdl, file);
  } catch (error) {
    if (isTapedeckError(error)) return error;
    throw error;
  }
  throw new Error('expected the schema to fail');
}

describe('loading a GraphQL schema', () => {
  it('summarizes the shop schema', () => {
    const mock = createGraphqlMock(shopSdl(), 'shop.graphql', { seed: '1' });
    expect(mock.summary).toEqual({ queries: 13, mutations: 6, types: 48 });
  });

  it.each([
    [
      'a syntax error',
      'type Query {\n  user(id: ID!): User\n  bad(: Int\n}\ntype User { id: ID! }',
      3,
      7,
      /Syntax Error: Expected Name, found ":"/,
    ],
    [
      'an unknown type, at its first use',
      'type Query {\n  user: User\n  posts: [Post!]!\n}\ntype User { id: ID! }',
      3,
      11,
      /unknown type "Post"/,
    ],
    [
      'an unknown type with a close name',
      'type Query {\n  user: user\n}\ntype User { id: ID! }',
      2,
      9,
      /unknown type "user" \(did you mean "User"\?\)/,
    ],
    [
      'an undeclared directive',
      'type Query {\n  user: User @auth(role: "x")\n}\ntype User { id: ID! }',
      2,
      14,
      /unknown directive "@auth" \(declare it/,
    ],
    [
      'a type defined twice',
      'type Query { a: Int }\n\ntype User { id: ID! }\ntype User { name: String }',
      3,
      6,
      /There can be only one type named "User"/,
    ],
    [
      'an interface field not implemented',
      'type Query { n: Node }\ninterface Node { id: ID! }\ntype User implements Node {\n  name: String\n}',
      2,
      18,
      /Interface field Node.id expected but User does not provide it/,
    ],
    ['no query type', 'type User { id: ID! }', undefined, undefined, /[Qq]uery root type/],
  ])('fails clearly on %s, naming file, line and column', (_what, sdl, line, column, message) => {
    const error = failure(sdl);
    expect(error.code).toBe('TD_SPEC_INVALID');
    expect(error.message).toMatch(message);
    if (line !== undefined) {
      expect(error.message).toContain(`api.graphql:${line}:${column}`);
      expect(error.details).toMatchObject({ file: 'api.graphql', line, column });
    } else {
      expect(error.message).toContain('GraphQL schema api.graphql does not load');
    }
    expect(error.hint).toMatch(/Fix the schema at api\.graphql/);
  });

  it('accepts declared custom directives, @deprecated, @specifiedBy, extensions and descriptions', () => {
    const schema = loadGraphqlSchema(
      `directive @cacheControl(maxAge: Int) on FIELD_DEFINITION | OBJECT
       "A date" scalar Date @specifiedBy(url: "https://tools.ietf.org/html/rfc3339")
       type Query { today: Date @cacheControl(maxAge: 60) old: Int @deprecated }
       extend type Query { more: String }`,
      'x.graphql',
    );
    expect(Object.keys(schema.getQueryType()!.getFields())).toEqual(['today', 'old', 'more']);
  });

  it('accepts a renamed root type', async () => {
    const mock = createGraphqlMock(
      'schema { query: Root } type Root { hello: String! }',
      'root.graphql',
      { seed: 'x' },
    );
    const a = await post(mock, '{ hello __typename }');
    expect(a.json.data.__typename).toBe('Root');
  });
});

describe('loadGraphqlMock (reading the file)', () => {
  it('loads a schema file, a byte-order mark and all', async () => {
    const dir = tempDir();
    const file = join(dir, 'bom.graphql');
    writeFileSync(file, `\uFEFF${shopSdl()}`);
    const mock = await loadGraphqlMock(file, { seed: '1' });
    expect(mock.summary.queries).toBe(13);
    const direct = await loadGraphqlMock(SHOP_SCHEMA_FILE.pathname, { seed: '1' });
    expect((await post(mock, '{ store { name } }')).body).toBe(
      (await post(direct, '{ store { name } }')).body,
    );
  });

  it('names a missing file and what to do', async () => {
    const missing = join(tempDir(), 'nope.graphql');
    const error = await loadGraphqlMock(missing, { seed: '1' }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(isTapedeckError(error, 'TD_SPEC_INVALID')).toBe(true);
    expect((error as TapedeckError).message).toContain('nope.graphql');
    expect((error as TapedeckError).message).toContain('ENOENT');
    expect((error as TapedeckError).hint).toMatch(/Check the path/);
  });

  it('names the file with line and column when the schema in it is broken', async () => {
    const dir = tempDir();
    const file = join(dir, 'broken.graphql');
    writeFileSync(file, 'type Query {\n  a: Int\n  b: Nope\n}\n');
    const error = await loadGraphqlMock(file, { seed: '1' }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(isTapedeckError(error, 'TD_SPEC_INVALID')).toBe(true);
    expect((error as TapedeckError).message).toMatch(
      /broken\.graphql:3:6 does not load: unknown type "Nope"/,
    );
  });

  it('recognises GraphQL schema files by extension', () => {
    expect(isGraphqlSchemaFile('schema.graphql')).toBe(true);
    expect(isGraphqlSchemaFile('api/Schema.GQL')).toBe(true);
    expect(isGraphqlSchemaFile('schema.graphqls')).toBe(true);
    expect(isGraphqlSchemaFile('openapi.yaml')).toBe(false);
  });
});
