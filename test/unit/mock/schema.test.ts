import { describe, expect, it } from 'vitest';
import {
  detectDialect,
  resolveLocalRef,
  toJsonSchemaDocument,
  UNKNOWN_FORMAT_KEYWORD,
} from '../../../src/core/mock/openapi/schema.js';
import { newAjv } from './support.js';

type Obj = Record<string, unknown>;

function convert30(schemas: Obj, direction: 'request' | 'response' = 'response'): Obj {
  const doc = {
    openapi: '3.0.3',
    info: { title: 't', version: '1' },
    paths: {},
    components: { schemas },
  };
  const out = toJsonSchemaDocument(doc, 'openapi-3.0', direction) as {
    components: { schemas: Obj };
  };
  return out.components.schemas;
}

/** Deep-freezes a document: the converter must not write to its input. */
function freeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null) {
    for (const child of Object.values(value)) freeze(child);
    Object.freeze(value);
  }
  return value;
}

describe('toJsonSchemaDocument: OpenAPI 3.0 keywords', () => {
  it('turns nullable into a null type, a null enum member, or an anyOf around refs', () => {
    const s = convert30({
      a: { type: 'string', nullable: true },
      b: { type: 'string', enum: ['x', 'y'], nullable: true },
      c: { $ref: '#/components/schemas/a', nullable: true, description: 'ignored sibling' },
      d: { allOf: [{ $ref: '#/components/schemas/a' }], nullable: true },
      e: { type: 'integer', nullable: false },
      f: { nullable: true },
    });
    expect(s['a']).toEqual({ type: ['string', 'null'] });
    expect(s['b']).toEqual({ type: ['string', 'null'], enum: ['x', 'y', null] });
    expect(s['c']).toEqual({ anyOf: [{ $ref: '#/components/schemas/a' }, { type: 'null' }] });
    expect(s['d']).toEqual({
      anyOf: [{ allOf: [{ $ref: '#/components/schemas/a' }] }, { type: 'null' }],
    });
    expect(s['e']).toEqual({ type: 'integer' });
    expect(s['f']).toEqual({});
  });

  it('makes boolean exclusive bounds numeric', () => {
    const s = convert30({
      a: { type: 'number', minimum: 1, exclusiveMinimum: true, maximum: 9, exclusiveMaximum: true },
      b: { type: 'number', minimum: 1, exclusiveMinimum: false, maximum: 9 },
    });
    expect(s['a']).toEqual({ type: 'number', exclusiveMinimum: 1, exclusiveMaximum: 9 });
    expect(s['b']).toEqual({ type: 'number', minimum: 1, maximum: 9 });
  });

  it('moves example into examples and keeps vendor extensions and discriminator', () => {
    const s = convert30({
      a: { type: 'string', example: 'hi', 'x-internal': true },
      b: { oneOf: [{ $ref: '#/components/schemas/a' }], discriminator: { propertyName: 'k' } },
    });
    expect(s['a']).toEqual({ type: 'string', examples: ['hi'], 'x-internal': true });
    expect(s['b']).toHaveProperty('discriminator', { propertyName: 'k' });
  });

  it('drops writeOnly properties from responses and readOnly ones from requests', () => {
    const schemas = {
      User: {
        type: 'object',
        required: ['id', 'password', 'name', 'link'],
        properties: {
          id: { type: 'string', readOnly: true },
          password: { type: 'string', writeOnly: true },
          name: { type: 'string' },
          link: { $ref: '#/components/schemas/Link' },
        },
      },
      Link: { type: 'string', readOnly: true },
    };
    const response = convert30(schemas, 'response')['User'] as Obj;
    expect(Object.keys(response['properties'] as Obj)).toEqual(['id', 'name', 'link']);
    expect(response['required']).toEqual(['id', 'name', 'link']);
    const request = convert30(schemas, 'request')['User'] as Obj;
    expect(Object.keys(request['properties'] as Obj)).toEqual(['password', 'name']);
    expect(request['required']).toEqual(['password', 'name']);
  });

  it('keeps known formats, moves unknown ones aside, and never throws on OpenAPI formats', () => {
    const s = convert30({
      a: { type: 'integer', format: 'int64' },
      b: { type: 'string', format: 'unix-time' },
      c: { type: 'string', format: 'byte' },
    });
    expect(s['a']).toEqual({ type: 'integer', format: 'int64' });
    expect(s['b']).toEqual({ type: 'string', [UNKNOWN_FORMAT_KEYWORD]: 'unix-time' });
    expect(s['c']).toEqual({ type: 'string', format: 'byte' });
  });

  it('lets ajv compile OpenAPI and unknown formats without a warning', () => {
    const s = convert30({
      a: {
        type: 'object',
        properties: {
          i: { type: 'integer', format: 'int32' },
          l: { type: 'integer', format: 'int64' },
          f: { type: 'number', format: 'float' },
          d: { type: 'number', format: 'double' },
          b: { type: 'string', format: 'byte' },
          bin: { type: 'string', format: 'binary' },
          pw: { type: 'string', format: 'password' },
          t: { type: 'integer', format: 'unix-time' },
          dec: { type: 'string', format: 'decimal' },
        },
      },
    });
    const warnings: unknown[] = [];
    const logger = {
      log: (...args: unknown[]) => warnings.push(args),
      warn: (...args: unknown[]) => warnings.push(args),
      error: (...args: unknown[]) => warnings.push(args),
    };
    const ajv = newAjv({ logger });
    const validate = ajv.compile(s['a'] as object);
    expect(
      validate({ i: 1, l: 2, f: 1.5, d: 2.5, b: 'YQ==', bin: 'x', pw: 'p', t: 1, dec: '1.0' }),
    ).toBe(true);
    expect(validate({ i: 2 ** 40 })).toBe(false);
    expect(warnings).toEqual([]);
  });

  it('drops $ref siblings in 3.0 but keeps them in 3.1', () => {
    const doc = (openapi: string): object => ({
      openapi,
      components: {
        schemas: { a: { $ref: '#/components/schemas/b', maxLength: 3 }, b: { type: 'string' } },
      },
    });
    const v30 = toJsonSchemaDocument(doc('3.0.0'), 'openapi-3.0', 'response') as Obj;
    const v31 = toJsonSchemaDocument(doc('3.1.0'), 'openapi-3.1', 'response') as Obj;
    expect(resolveLocalRef(v30, '#/components/schemas/a')).toEqual({
      $ref: '#/components/schemas/b',
    });
    expect(resolveLocalRef(v31, '#/components/schemas/a')).toEqual({
      $ref: '#/components/schemas/b',
      maxLength: 3,
    });
  });

  it('repairs common mistakes that would make ajv reject the whole document', () => {
    const s = convert30({
      a: { type: 'object', required: true, properties: { x: { type: 'string', required: false } } },
      b: { type: 'array', items: [{ type: 'string' }, { type: 'integer' }] },
    });
    expect(s['a']).toEqual({ type: 'object', properties: { x: { type: 'string' } } });
    expect(s['b']).toEqual({
      type: 'array',
      prefixItems: [{ type: 'string' }, { type: 'integer' }],
    });
  });
});

describe('toJsonSchemaDocument: Swagger 2.0', () => {
  const swagger = {
    swagger: '2.0',
    info: { title: 't', version: '1' },
    definitions: {
      Pet: {
        type: 'object',
        properties: {
          name: { type: 'string', 'x-nullable': true },
          photo: { type: 'file' },
          age: { type: 'integer', minimum: 0, exclusiveMinimum: true },
        },
      },
    },
    parameters: {
      body: { in: 'body', name: 'body', schema: { type: 'string', 'x-nullable': true } },
    },
    responses: {
      Err: {
        description: 'e',
        schema: { type: 'object', example: { code: 1 } },
        headers: { 'X-Rate': { type: 'integer', 'x-nullable': true } },
      },
    },
    paths: {
      '/pets': {
        post: {
          parameters: [
            { in: 'body', name: 'pet', schema: { $ref: '#/definitions/Pet', 'x-nullable': true } },
            { in: 'query', name: 'limit', type: 'integer', required: true },
          ],
          responses: {
            '200': {
              description: 'ok',
              schema: { type: 'array', items: { $ref: '#/definitions/Pet' } },
            },
          },
        },
      },
    },
  };

  it('converts x-nullable, type: file and boolean exclusive bounds in every schema position', () => {
    const out = toJsonSchemaDocument(freeze(swagger), 'swagger-2.0', 'response') as Obj;
    expect(resolveLocalRef(out, '#/definitions/Pet/properties/name')).toEqual({
      type: ['string', 'null'],
    });
    expect(resolveLocalRef(out, '#/definitions/Pet/properties/photo')).toEqual({
      type: 'string',
      format: 'binary',
    });
    expect(resolveLocalRef(out, '#/definitions/Pet/properties/age')).toEqual({
      type: 'integer',
      exclusiveMinimum: 0,
    });
    expect(resolveLocalRef(out, '#/parameters/body/schema')).toEqual({ type: ['string', 'null'] });
    expect(resolveLocalRef(out, '#/responses/Err/schema')).toEqual({
      type: 'object',
      examples: [{ code: 1 }],
    });
    expect(resolveLocalRef(out, '#/responses/Err/headers/X-Rate')).toEqual({
      type: ['integer', 'null'],
    });
    expect(resolveLocalRef(out, '#/paths/~1pets/post/parameters/0/schema')).toEqual({
      anyOf: [{ $ref: '#/definitions/Pet' }, { type: 'null' }],
    });
    // A non-body parameter is not a schema position: its boolean `required` stays.
    expect(resolveLocalRef(out, '#/paths/~1pets/post/parameters/1')).toEqual({
      in: 'query',
      name: 'limit',
      type: 'integer',
      required: true,
    });
  });

  it('yields a document ajv compiles and validates against', () => {
    const out = toJsonSchemaDocument(swagger, 'swagger-2.0', 'response');
    const ajv = newAjv();
    ajv.addSchema(out, 'spec');
    const validate = ajv.getSchema('spec#/definitions/Pet')!;
    expect(validate({ name: null, photo: 'bytes', age: 1 })).toBe(true);
    expect(validate({ age: 0 })).toBe(false);
  });
});

describe('toJsonSchemaDocument: OpenAPI 3.x document positions', () => {
  const doc = {
    openapi: '3.0.3',
    info: { title: 't', version: '1', 'x-example': { nullable: true, example: 1 } },
    paths: {
      '/a/{id}': {
        parameters: [
          { name: 'id', in: 'path', required: true, schema: { type: 'string', nullable: true } },
        ],
        get: {
          parameters: [
            { $ref: '#/components/parameters/Limit' },
            {
              name: 'q',
              in: 'query',
              content: { 'application/json': { schema: { type: 'integer', nullable: true } } },
            },
          ],
          requestBody: {
            content: { 'application/json': { schema: { type: 'string', example: 'b' } } },
          },
          responses: {
            '200': {
              description: 'ok',
              headers: { 'X-N': { schema: { type: 'integer', nullable: true } } },
              content: {
                'application/json': {
                  schema: {
                    type: 'object',
                    properties: { s: { type: 'string', writeOnly: true } },
                  },
                },
              },
            },
          },
          callbacks: {
            hook: {
              '{$request.body#/url}': {
                post: {
                  requestBody: {
                    content: { 'application/json': { schema: { type: 'number', nullable: true } } },
                  },
                  responses: {},
                },
              },
            },
          },
        },
      },
    },
    components: {
      parameters: {
        Limit: {
          name: 'limit',
          in: 'query',
          schema: { type: 'integer', minimum: 0, exclusiveMinimum: true },
        },
      },
      headers: { H: { schema: { type: 'string', nullable: true } } },
      requestBodies: {
        B: { content: { 'text/plain': { schema: { type: 'string', nullable: true } } } },
      },
      responses: {
        R: {
          description: 'r',
          content: { 'application/json': { schema: { type: 'boolean', nullable: true } } },
        },
      },
      schemas: {},
    },
  };

  it('converts every schema position and leaves everything else alone', () => {
    const out = toJsonSchemaDocument(freeze(doc), 'openapi-3.0', 'response') as Obj;
    const at = (pointer: string): unknown => resolveLocalRef(out, `#${pointer}`);
    expect(at('/paths/~1a~1{id}/parameters/0/schema')).toEqual({ type: ['string', 'null'] });
    expect(at('/paths/~1a~1{id}/get/parameters/0')).toEqual({
      $ref: '#/components/parameters/Limit',
    });
    expect(at('/paths/~1a~1{id}/get/parameters/1/content/application~1json/schema')).toEqual({
      type: ['integer', 'null'],
    });
    expect(at('/paths/~1a~1{id}/get/requestBody/content/application~1json/schema')).toEqual({
      type: 'string',
      examples: ['b'],
    });
    expect(at('/paths/~1a~1{id}/get/responses/200/headers/X-N/schema')).toEqual({
      type: ['integer', 'null'],
    });
    expect(at('/paths/~1a~1{id}/get/responses/200/content/application~1json/schema')).toEqual({
      type: 'object',
      properties: {},
    });
    expect(
      at(
        '/paths/~1a~1{id}/get/callbacks/hook/{$request.body#~1url}/post/requestBody/content/application~1json/schema',
      ),
    ).toEqual({ type: ['number', 'null'] });
    expect(at('/components/parameters/Limit/schema')).toEqual({
      type: 'integer',
      exclusiveMinimum: 0,
    });
    expect(at('/components/headers/H/schema')).toEqual({ type: ['string', 'null'] });
    expect(at('/components/requestBodies/B/content/text~1plain/schema')).toEqual({
      type: ['string', 'null'],
    });
    expect(at('/components/responses/R/content/application~1json/schema')).toEqual({
      type: ['boolean', 'null'],
    });
    // Not a schema position: untouched, and shared rather than copied.
    expect(out['info']).toBe(doc.info);
  });

  it('converts 3.1 webhooks and component path items', () => {
    const v31 = {
      openapi: '3.1.0',
      webhooks: {
        ping: {
          post: {
            requestBody: {
              content: { 'application/json': { schema: { type: 'string', example: 'p' } } },
            },
          },
        },
      },
      components: {
        pathItems: {
          P: {
            get: {
              responses: {
                '200': {
                  description: 'x',
                  content: { 'application/json': { schema: { type: 'integer', example: 1 } } },
                },
              },
            },
          },
        },
      },
    };
    const out = toJsonSchemaDocument(v31, 'openapi-3.1', 'response') as Obj;
    expect(
      resolveLocalRef(out, '#/webhooks/ping/post/requestBody/content/application~1json/schema'),
    ).toEqual({ type: 'string', examples: ['p'] });
    expect(
      resolveLocalRef(
        out,
        '#/components/pathItems/P/get/responses/200/content/application~1json/schema',
      ),
    ).toEqual({ type: 'integer', examples: [1] });
  });

  it('handles recursive and shared schemas without looping or copying twice', () => {
    const shared = { type: 'string', nullable: true };
    const schemas = {
      Node: {
        type: 'object',
        properties: { next: { $ref: '#/components/schemas/Node' }, a: shared, b: shared },
      },
    };
    const out = convert30(schemas);
    const props = (out['Node'] as Obj)['properties'] as Obj;
    expect(props['a']).toBe(props['b']);
    expect(props['next']).toEqual({ $ref: '#/components/schemas/Node' });
  });
});

describe('resolveLocalRef and detectDialect', () => {
  it('follows escaped and percent-encoded pointers, and refuses what is not there', () => {
    const doc = { paths: { '/a/{b}': { get: 1 } }, list: [10, 20], 'a~b': 3 };
    expect(resolveLocalRef(doc, '#/paths/~1a~1{b}/get')).toBe(1);
    expect(resolveLocalRef(doc, '#/paths/~1a~1%7Bb%7D/get')).toBe(1);
    expect(resolveLocalRef(doc, '#/list/1')).toBe(20);
    expect(resolveLocalRef(doc, '#/a~0b')).toBe(3);
    expect(resolveLocalRef(doc, '#/list/01')).toBeUndefined();
    expect(resolveLocalRef(doc, '#/missing')).toBeUndefined();
    expect(resolveLocalRef(doc, '#/toString')).toBeUndefined();
    expect(resolveLocalRef(doc, 'other.json#/a')).toBeUndefined();
    expect(resolveLocalRef(doc, '#')).toBe(doc);
  });

  it('reads the dialect from the version field', () => {
    expect(detectDialect({ swagger: '2.0' })).toBe('swagger-2.0');
    expect(detectDialect({ openapi: '3.0.3' })).toBe('openapi-3.0');
    expect(detectDialect({ openapi: '3.1.0' })).toBe('openapi-3.1');
    expect(detectDialect({ openapi: '4.0.0' })).toBeUndefined();
    expect(detectDialect(null)).toBeUndefined();
  });
});
