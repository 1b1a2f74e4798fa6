// The OpenAPI spec of the spec-mock benchmark: Stripe's published description (April 2022,
// ~4 MB, MIT licensed: bench/fixtures/stripe-openapi-LICENSE), vendored gzipped under
// bench/fixtures so a fresh clone has it; and a generated spec without recursive schemas, for
// tools that cannot load Stripe's.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { BENCH_DIR } from './servers.mjs';

export const SPEC_FIXTURE = join(BENCH_DIR, 'fixtures', 'stripe-openapi-2022-04.json.gz');

/** The whole spec, as the bytes of its JSON file. */
export function specBytes() {
  return gunzipSync(readFileSync(SPEC_FIXTURE));
}

/**
 * A deterministic OpenAPI 3.0 spec of `resources` REST resources, each with a list operation
 * (`GET /v1/{name}s`, paged, with query parameters) and a read by id (`GET /v1/{name}s/{id}`),
 * bearer security, and an object schema of a dozen typed properties (strings with formats
 * and patterns, enums, integers with bounds, nested objects, arrays) shared through `$ref`s but
 * without cycles: for tools that cannot load a spec with recursive schemas such as Stripe's.
 */
export function generatedSpec(resources = 150) {
  const paths = {};
  const schemas = {
    Money: {
      type: 'object',
      required: ['amount', 'currency'],
      properties: {
        amount: { type: 'integer', minimum: 0, example: 1999 },
        currency: { type: 'string', enum: ['eur', 'gbp', 'usd'], example: 'eur' },
      },
    },
    Address: {
      type: 'object',
      properties: {
        line1: { type: 'string', example: '1 Harbour Street' },
        city: { type: 'string', example: 'Leeds' },
        postal_code: { type: 'string', pattern: '^[A-Z0-9 ]{3,10}$', example: 'LS1 4AB' },
        country: { type: 'string', minLength: 2, maxLength: 2, example: 'GB' },
      },
    },
    Error: {
      type: 'object',
      required: ['error'],
      properties: { error: { type: 'object', properties: { message: { type: 'string' } } } },
    },
  };
  for (let i = 0; i < resources; i++) {
    const name = `thing${String(i).padStart(3, '0')}`;
    const Name = name[0].toUpperCase() + name.slice(1);
    schemas[Name] = {
      type: 'object',
      required: ['id', 'object', 'created'],
      properties: {
        id: {
          type: 'string',
          pattern: `^${name.slice(0, 2)}_[A-Za-z0-9]+$`,
          example: `${name.slice(0, 2)}_1A2b3C`,
        },
        object: { type: 'string', enum: [name], example: name },
        created: { type: 'integer', format: 'int64', minimum: 0, example: 1700000000 },
        name: { type: 'string', maxLength: 200, example: `${Name} one` },
        email: { type: 'string', format: 'email', example: 'jo@example.com' },
        status: { type: 'string', enum: ['active', 'paused', 'closed'], example: 'active' },
        amount: { $ref: '#/components/schemas/Money' },
        address: { $ref: '#/components/schemas/Address' },
        tags: { type: 'array', items: { type: 'string' }, example: ['a', 'b'] },
        metadata: { type: 'object', additionalProperties: { type: 'string' }, example: {} },
        updated: { type: 'string', format: 'date-time', example: '2024-06-15T08:30:00Z' },
        livemode: { type: 'boolean', example: false },
      },
    };
    const error = {
      description: 'Error',
      content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } },
    };
    paths[`/v1/${name}s`] = {
      get: {
        operationId: `list${Name}s`,
        parameters: [
          { name: 'limit', in: 'query', schema: { type: 'integer', minimum: 1, maximum: 100 } },
          { name: 'starting_after', in: 'query', schema: { type: 'string' } },
        ],
        responses: {
          200: {
            description: 'A page',
            content: {
              'application/json': {
                schema: {
                  type: 'object',
                  required: ['object', 'data', 'has_more'],
                  properties: {
                    object: { type: 'string', enum: ['list'], example: 'list' },
                    data: { type: 'array', items: { $ref: `#/components/schemas/${Name}` } },
                    has_more: { type: 'boolean', example: false },
                    url: { type: 'string', example: `/v1/${name}s` },
                  },
                },
              },
            },
          },
          default: error,
        },
      },
    };
    paths[`/v1/${name}s/{id}`] = {
      get: {
        operationId: `get${Name}`,
        parameters: [
          { name: 'id', in: 'path', required: true, schema: { type: 'string', maxLength: 64 } },
        ],
        responses: {
          200: {
            description: 'One',
            content: { 'application/json': { schema: { $ref: `#/components/schemas/${Name}` } } },
          },
          404: error,
        },
      },
    };
  }
  return {
    openapi: '3.0.3',
    info: { title: 'tapedeck benchmark API (generated)', version: '1.0.0' },
    servers: [{ url: 'https://api.example.com' }],
    security: [{ bearerAuth: [] }],
    paths,
    components: {
      securitySchemes: { bearerAuth: { type: 'http', scheme: 'bearer' } },
      schemas,
    },
  };
}
