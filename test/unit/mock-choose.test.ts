import { describe, expect, it } from 'vitest';
import {
  chooseExample,
  chooseResponse,
  negotiate,
  parsePrefer,
  responseFor,
} from '../../src/core/mock/openapi/choose.js';
import type {
  SpecMedia,
  SpecOperation,
  SpecResponse,
} from '../../src/core/mock/openapi/operations.js';

function response(status: string, types: string[] = ['application/json']): SpecResponse {
  return {
    status,
    pointer: `/r/${status}`,
    headers: [],
    contents: types.map((type) => ({ type, examples: [] })),
  };
}

function operation(statuses: string[]): SpecOperation {
  return {
    id: 'op',
    method: 'GET',
    path: '/x',
    pointer: '/paths/~1x/get',
    parameters: [],
    responses: statuses.map((s) => response(s)),
    security: [],
  };
}

describe('parsePrefer', () => {
  it('reads code, example and dynamic, separated by commas or semicolons, quoted or not', () => {
    expect(parsePrefer(['code=404'])).toEqual({ code: 404 });
    expect(parsePrefer(['code=200, example=cat; dynamic=true'])).toEqual({
      code: 200,
      example: 'cat',
      dynamic: true,
    });
    expect(parsePrefer(['example="big one"', 'dynamic=false'])).toEqual({
      example: 'big one',
      dynamic: false,
    });
    expect(parsePrefer(['respond-async', 'wait=5', 'return=minimal'])).toEqual({});
  });

  it('keeps known preferences with unusable values, so a typo is not answered silently', () => {
    // By name only, once each: the value the client sent is never kept for a message.
    expect(parsePrefer(['code=abc'])).toEqual({ malformed: ['code'] });
    expect(parsePrefer(['code=999, dynamic=yes', 'code=4O4; example=""'])).toEqual({
      malformed: ['code', 'dynamic', 'example'],
    });
    expect(parsePrefer(['code=404, code=abc'])).toEqual({ code: 404, malformed: ['code'] });
  });
});

describe('chooseResponse', () => {
  it('defaults to the first documented 2xx, then 2XX, then default (as 200)', () => {
    const a = chooseResponse(operation(['404', '201', '200']), {});
    expect(a.ok && [a.status, a.response.status]).toEqual([201, '201']);
    const b = chooseResponse(operation(['2XX', '400']), {});
    expect(b.ok && b.status).toBe(200);
    const c = chooseResponse(operation(['default']), {});
    expect(c.ok && [c.status, c.response.status]).toEqual([200, 'default']);
  });

  it('honours Prefer: code exactly, by class, or through default', () => {
    const op = operation(['200', '4XX', 'default']);
    const exact = chooseResponse(op, { code: 200 });
    expect(exact.ok && exact.response.status).toBe('200');
    const byClass = chooseResponse(op, { code: 409 });
    expect(byClass.ok && [byClass.status, byClass.response.status]).toEqual([409, '4XX']);
    const byDefault = chooseResponse(op, { code: 503 });
    expect(byDefault.ok && byDefault.response.status).toBe('default');
    expect(chooseResponse(operation(['200']), { code: 404 })).toEqual({
      ok: false,
      documented: ['200'],
    });
    expect(responseFor(operation(['200']), 500)).toBeUndefined();
  });
});

describe('negotiate', () => {
  const contents: SpecMedia[] = [
    { type: 'application/xml', examples: [] },
    { type: 'application/json', examples: [] },
    { type: 'text/*', examples: [] },
  ];
  it('prefers JSON without Accept or with */*', () => {
    expect((negotiate(contents, undefined) as SpecMedia).type).toBe('application/json');
    expect((negotiate(contents, '*/*') as SpecMedia).type).toBe('application/json');
  });
  it('follows q-values and order, matches wildcards both ways, and says none', () => {
    expect((negotiate(contents, 'application/xml;q=0.5, application/json') as SpecMedia).type).toBe(
      'application/json',
    );
    // A tie that only a wildcard decided goes to JSON, `application/*` as `*/*` does.
    expect((negotiate(contents, 'application/*') as SpecMedia).type).toBe('application/json');
    expect((negotiate(contents, 'application/*, application/json;q=0') as SpecMedia).type).toBe(
      'application/xml',
    );
    expect((negotiate(contents, 'text/csv') as SpecMedia).type).toBe('text/*');
    expect(negotiate(contents, 'image/png')).toBe('none');
    expect(negotiate(contents, 'application/json;q=0')).toBe('none');
    expect(negotiate([], 'application/json')).toBeUndefined();
  });
});

describe('chooseExample', () => {
  const media: SpecMedia = {
    type: 'application/json',
    examples: [
      { name: 'first', value: 1 },
      { name: 'second', value: 2 },
    ],
  };
  it('takes the named example, else the first', () => {
    expect(chooseExample(media, 'second')).toEqual({ found: true, value: 2, name: 'second' });
    expect(chooseExample(media, undefined)).toEqual({ found: true, value: 1, name: 'first' });
    expect(chooseExample(media, 'third')).toEqual({ found: false });
  });
});
