import { describe, expect, it } from 'vitest';
import { CompiledSpec } from '../../src/core/mock/openapi/compiled.js';
import { checkSecurity } from '../../src/core/mock/openapi/validate.js';

const document = {
  openapi: '3.0.3',
  info: { title: 'Validation', version: '1' },
  components: {
    securitySchemes: {
      key: { type: 'apiKey', in: 'cookie', name: 'api_key' },
      basic: { type: 'http', scheme: 'basic' },
      oauth: { type: 'oauth2', flows: {} },
    },
    schemas: { Id: { type: 'integer', minimum: 1 } },
  },
  paths: {
    '/items/{ids}': {
      get: {
        security: [{ key: [] }, { basic: [], oauth: [] }],
        parameters: [
          {
            name: 'ids',
            in: 'path',
            required: true,
            schema: { type: 'array', items: { $ref: '#/components/schemas/Id' } },
          },
          {
            name: 'pipes',
            in: 'query',
            style: 'pipeDelimited',
            schema: { type: 'array', items: { type: 'integer' } },
          },
          { name: 'many', in: 'query', schema: { type: 'array', items: { type: 'boolean' } } },
          {
            name: 'filter',
            in: 'query',
            style: 'deepObject',
            schema: {
              type: 'object',
              properties: { min: { type: 'integer' } },
              additionalProperties: false,
            },
          },
          { name: 'flag', in: 'query', schema: { type: 'boolean' } },
          {
            name: 'nullable',
            in: 'query',
            schema: { type: 'string', nullable: true, maxLength: 3 },
          },
          {
            name: 'X-Count',
            in: 'header',
            required: true,
            schema: { type: 'number', maximum: 10 },
          },
          { name: 'Accept', in: 'header', required: true, schema: { type: 'string' } },
        ],
        responses: { '200': { description: 'ok' } },
      },
    },
  },
};

const spec = new CompiledSpec({ file: 'v.json', document, dialect: 'openapi-3.0', files: [] });
const operation = spec.model.operations[0]!;

function validate(
  query: Record<string, string | string[]>,
  headers: Record<string, string>,
  ids = '1,2',
) {
  return spec.validators.validateRequest(operation, { query, headers }, { ids }).violations;
}

describe('request validation', () => {
  it('accepts values deserialized by style and coerced by schema type', () => {
    expect(
      validate(
        {
          pipes: '1|2|3',
          many: ['true', 'false'],
          'filter[min]': '3',
          flag: 'true',
          nullable: 'abc',
        },
        { 'x-count': '2.5' },
      ),
    ).toEqual([]);
  });

  it('reports each bad value with its location, and ignores Accept/Authorization parameters', () => {
    const violations = validate(
      { pipes: '1|x', many: ['yes'], 'filter[max]': '3', flag: 'maybe', nullable: 'abcd' },
      {},
      '0,a',
    );
    expect(violations.map((v) => `${v.in} ${v.name}${v.pointer ?? ''}`).sort()).toEqual([
      'header x-count',
      'path ids/0',
      'path ids/1',
      'query filter/max',
      'query flag',
      'query many/0',
      'query nullable',
      'query pipes/1',
    ]);
    expect(violations.find((v) => v.in === 'header')!.message).toBe('is required');
    // Messages state the rule, not the value sent.
    for (const v of violations) expect(v.message).not.toMatch(/abcd|maybe|yes/);
  });
});

describe('checkSecurity', () => {
  const check = (headers: Record<string, string>) =>
    checkSecurity(operation, spec.model.securitySchemes, { query: {}, headers });
  it('is satisfied by any one alternative with all of its schemes', () => {
    expect(check({ cookie: 'a=1; api_key=x' }).ok).toBe(true);
    expect(check({ authorization: 'Basic eDp5' }).ok).toBe(false);
    expect(check({}).ok).toBe(false);
  });
  it('names the schemes and the challenges for a 401', () => {
    const outcome = check({});
    expect(outcome.accepted).toEqual(['key', 'basic', 'oauth']);
    expect(outcome.challenges).toEqual(['Basic realm="tapedeck"', 'Bearer realm="tapedeck"']);
  });
});
