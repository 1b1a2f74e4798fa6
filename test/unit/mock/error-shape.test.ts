/**
 * Where the mock's verdict goes in a documented error schema (error-shape.ts): by property names
 * and types, the same rules for Stripe's envelope, GitHub's basic and validation errors, JSON:API
 * and RFC 9457; a place whose schema refuses the value is left as generated.
 */
import { describe, expect, it } from 'vitest';
import {
  fittingEnumValue,
  shapeError,
  type ErrorFacts,
} from '../../../src/core/mock/openapi/error-shape.js';

function resolverOf(document: Record<string, unknown>) {
  return (ref: string): unknown => {
    let node: unknown = document;
    for (const token of ref.replace(/^#\//, '').split('/'))
      node = (node as Record<string, unknown>)[token.replace(/~1/g, '/').replace(/~0/g, '~')];
    return node;
  };
}

const facts: ErrorFacts = {
  kind: 'invalid',
  status: 400,
  code: 'invalid-request',
  title: 'Invalid request',
  message: '1 problem(s) with the request to PostCustomers: body amount /amount must be integer',
  documentation: 'https://tapedeck.dev/errors/invalid-request',
  param: 'amount',
  pointer: '/amount',
  items: [{ message: 'amount must be integer', param: 'amount', pointer: '/amount' }],
};

describe('shapeError', () => {
  it('fills an envelope: message, param, a fitting type from the enum, and the docs URL', () => {
    const document = {
      components: {
        schemas: {
          error: {
            type: 'object',
            required: ['error'],
            properties: { error: { $ref: '#/components/schemas/api_errors' } },
          },
          api_errors: {
            type: 'object',
            required: ['type'],
            properties: {
              type: { type: 'string', enum: ['api_error', 'card_error', 'invalid_request_error'] },
              message: { type: 'string', maxLength: 40000 },
              param: { type: 'string' },
              code: { type: 'string' },
              doc_url: { type: 'string' },
              charge: { type: 'string' },
            },
          },
        },
      },
    };
    const resolve = resolverOf(document);
    const body = shapeError(
      { $ref: '#/components/schemas/error' },
      { error: { type: 'card_error' } },
      facts,
      resolve,
    );
    expect(body).toEqual({
      error: {
        type: 'invalid_request_error',
        message: facts.message,
        param: 'amount',
        code: 'invalid-request',
        doc_url: 'https://tapedeck.dev/errors/invalid-request',
      },
    });
    // A 401 in the same enum: no authentication member, so the request one.
    expect(
      shapeError(
        { $ref: '#/components/schemas/error' },
        { error: { type: 'api_error' } },
        { ...facts, kind: 'unauthorized', status: 401 },
        resolve,
      ),
    ).toMatchObject({ error: { type: 'invalid_request_error' } });
  });

  it("fills GitHub's basic-error (a string status) and validation-error's list", () => {
    const basic = {
      type: 'object',
      properties: {
        message: { type: 'string' },
        documentation_url: { type: 'string' },
        url: { type: 'string' },
        status: { type: 'string' },
      },
    };
    expect(
      shapeError(basic, {}, { ...facts, kind: 'not-found', status: 404 }, resolverOf({})),
    ).toEqual({
      message: facts.message,
      status: '404',
      documentation_url: facts.documentation,
    });
    const validation = {
      type: 'object',
      required: ['message', 'documentation_url'],
      properties: {
        message: { type: 'string' },
        documentation_url: { type: 'string' },
        errors: {
          type: 'array',
          items: {
            type: 'object',
            required: ['code'],
            properties: {
              resource: { type: 'string' },
              field: { type: 'string' },
              message: { type: 'string' },
              code: { type: 'string' },
              index: { type: 'integer' },
            },
          },
        },
      },
    };
    expect(
      shapeError(
        validation,
        { message: 'x', documentation_url: 'y' },
        { ...facts, status: 422 },
        resolverOf({}),
      ),
    ).toEqual({
      message: facts.message,
      documentation_url: facts.documentation,
      errors: [{ message: 'amount must be integer', field: 'amount', code: 'invalid-request' }],
    });
  });

  it('fills JSON:API errors with source.pointer, and RFC 9457 with a numeric status', () => {
    const jsonApi = {
      type: 'object',
      properties: {
        errors: {
          type: 'array',
          items: {
            type: 'object',
            properties: {
              status: { type: 'string' },
              title: { type: 'string' },
              detail: { type: 'string' },
              source: {
                type: 'object',
                properties: { pointer: { type: 'string' }, parameter: { type: 'string' } },
              },
            },
          },
        },
      },
    };
    expect(shapeError(jsonApi, {}, facts, resolverOf({}))).toEqual({
      errors: [
        {
          detail: 'amount must be integer',
          source: { pointer: '/amount', parameter: 'amount' },
        },
      ],
    });
    const problem = {
      type: 'object',
      required: ['title', 'status'],
      properties: {
        type: { type: 'string' },
        title: { type: 'string' },
        status: { type: 'integer', minimum: 100, maximum: 599 },
        detail: { type: 'string' },
      },
    };
    expect(shapeError(problem, { title: 'abc', status: 579 }, facts, resolverOf({}))).toEqual({
      title: 'Invalid request',
      status: 400,
      detail: facts.message,
      type: facts.documentation,
    });
  });

  it('leaves a place as generated when its schema refuses the value, and cuts to maxLength', () => {
    const strict = {
      type: 'object',
      properties: {
        message: { type: 'string', maxLength: 10 },
        param: { type: 'string', enum: ['only-this'] },
        code: { type: 'integer' },
      },
    };
    expect(shapeError(strict, { param: 'only-this' }, facts, resolverOf({}))).toEqual({
      message: facts.message.slice(0, 10),
      param: 'only-this',
      code: 400,
    });
    // A plain-text error schema gets the message; a schema with no room keeps the base.
    expect(shapeError({ type: 'string' }, 'generated', facts, resolverOf({}))).toBe(facts.message);
    expect(shapeError({ type: 'integer' }, 7, facts, resolverOf({}))).toBe(7);
    expect(
      shapeError(
        { type: 'object', properties: { id: { type: 'integer' } } },
        { id: 3 },
        facts,
        resolverOf({}),
      ),
    ).toEqual({ id: 3 });
  });
});

describe('fittingEnumValue', () => {
  it('picks by the kind’s words, most fitting first', () => {
    expect(
      fittingEnumValue(
        ['api_error', 'authentication_error', 'invalid_request_error'],
        'unauthorized',
      ),
    ).toBe('authentication_error');
    expect(fittingEnumValue(['NotFound', 'Invalid'], 'not-found')).toBe('Invalid');
    expect(fittingEnumValue(['not-found', 'invalid'], 'not-found')).toBe('not-found');
    expect(fittingEnumValue(['validation_failed', 'server'], 'invalid')).toBe('validation_failed');
    expect(fittingEnumValue(['server', 'card'], 'invalid')).toBeUndefined();
  });
});
