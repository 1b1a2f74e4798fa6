import { describe, expect, it } from 'vitest';
import { parseCassette, serializeCassette } from '../../src/core/cassette/codec.js';
import { checkCassetteName } from '../../src/core/cassette/name.js';
import type { Cassette } from '../../src/core/cassette/model.js';
import { TapedeckError } from '../../src/core/errors.js';

const valid: Cassette = {
  version: 1,
  meta: { recordedWith: 'tapedeck test' },
  interactions: [
    {
      request: {
        method: 'POST',
        path: '/v1/orders',
        query: { tag: ['a', 'b'] },
        headers: { 'content-type': 'application/json' },
        body: { encoding: 'json', json: { z: 1, a: 2 } },
      },
      response: {
        status: 201,
        headers: { 'set-cookie': ['a=[REDACTED]', 'b=[REDACTED]'] },
        body: { encoding: 'text', text: 'created' },
      },
      latencyMs: 12.5,
      recordedAt: '2026-01-02T03:04:05.678Z',
    },
  ],
};

function parseError(text: string): TapedeckError {
  try {
    parseCassette(text, 'cassettes/orders.json');
  } catch (error) {
    if (error instanceof TapedeckError) return error;
    throw error;
  }
  throw new Error('expected parseCassette to throw');
}

describe('parseCassette', () => {
  it('round-trips a valid cassette through serializeCassette', () => {
    const text = serializeCassette(valid);
    expect(parseCassette(text, 'x.json').cassette).toEqual(valid);
  });

  it('serializes with sorted keys but keeps recorded JSON body key order', () => {
    const text = serializeCassette(valid);
    expect(text.indexOf('"interactions"')).toBeLessThan(text.indexOf('"version"'));
    expect(text.indexOf('"z": 1')).toBeLessThan(text.indexOf('"a": 2'));
    expect(text.endsWith('}\n')).toBe(true);
  });

  it('names the file and the JSON pointer of every problem', () => {
    const doc = JSON.parse(serializeCassette(valid));
    doc.interactions[0].response.status = '201';
    doc.interactions[0].request.colour = 'blue';
    delete doc.interactions[0].recordedAt;
    const error = parseError(JSON.stringify(doc));
    expect(error.code).toBe('TD_CASSETTE_INVALID');
    expect(error.message).toContain('cassettes/orders.json');
    expect(error.message).toContain('/interactions/0/response/status: must be integer');
    expect(error.message).toContain('/interactions/0/request/colour: is not a known property');
    expect(error.message).toContain('/interactions/0: must have the property "recordedAt"');
    expect(error.hint).toContain('tapedeck record');
  });

  it('explains a wrong body encoding by its discriminator', () => {
    const doc = JSON.parse(serializeCassette(valid));
    doc.interactions[0].response.body = { encoding: 'hex', hex: 'ff' };
    expect(parseError(JSON.stringify(doc)).message).toContain(
      '/interactions/0/response/body/encoding: must be one of "json", "text", "base64"',
    );
  });

  it('reports malformed JSON with the file name', () => {
    const error = parseError('{"version": 1, "interactions": [');
    expect(error.code).toBe('TD_CASSETTE_INVALID');
    expect(error.message).toMatch(/cassettes\/orders\.json is not valid JSON/);
  });

  it('refuses a cassette from a newer tapedeck with its own code', () => {
    const error = parseError('{"version": 7, "interactions": []}');
    expect(error.code).toBe('TD_CASSETTE_VERSION');
    expect(error.message).toContain('version 7');
  });

  it('requires an integer version', () => {
    expect(parseError('{"interactions": []}').message).toContain('/version: must be the integer 1');
  });

  it('rejects statuses, methods and paths that cannot be on the wire', () => {
    const doc = JSON.parse(serializeCassette(valid));
    doc.interactions[0].response.status = 1000;
    doc.interactions[0].request.method = 'get';
    doc.interactions[0].request.path = 'v1/orders';
    const message = parseError(JSON.stringify(doc)).message;
    expect(message).toContain('/interactions/0/response/status');
    expect(message).toContain('/interactions/0/request/method');
    expect(message).toContain('/interactions/0/request/path');
  });
});

describe('checkCassetteName', () => {
  it.each(['default', 'checkout/happy-path', 'v1.orders_list', 'a/b/c'])('accepts %s', (name) => {
    expect(checkCassetteName(name)).toBe(name);
  });

  it('strips a .json suffix', () => {
    expect(checkCassetteName('orders.json')).toBe('orders');
  });

  it.each([
    '',
    '../escape',
    'a/../../b',
    '/etc/passwd',
    '.hidden',
    'a//b',
    'a\\b',
    'a b',
    'x'.repeat(201),
  ])('rejects %j', (name) => {
    expect(() => checkCassetteName(name)).toThrowError(
      expect.objectContaining({ code: 'TD_CASSETTE_NAME_INVALID' }) as Error,
    );
  });
});
