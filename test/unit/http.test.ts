import { describe, expect, it } from 'vitest';
import {
  decodableAcceptEncoding,
  hasOpaqueCoding,
  formatQuery,
  headersFromRaw,
  mediaType,
  parseQuery,
  stripHopByHop,
} from '../../src/core/http/index.js';

describe('HTTP helpers', () => {
  it('keeps every instance of a repeated header, lower-cased, in order', () => {
    expect(headersFromRaw(['Set-Cookie', 'a=1', 'X-One', '1', 'set-cookie', 'b=2'])).toEqual({
      'set-cookie': ['a=1', 'b=2'],
      'x-one': '1',
    });
  });

  it('strips hop-by-hop headers, those named in Connection, and tapedeck headers', () => {
    const out = stripHopByHop({
      connection: 'keep-alive, X-Trace',
      'keep-alive': 'timeout=5',
      te: 'trailers',
      'transfer-encoding': 'chunked',
      upgrade: 'h2c',
      'proxy-authorization': 'Basic x',
      'x-trace': '1',
      'x-tapedeck-session': 's1',
      accept: '*/*',
    });
    expect(out).toEqual({ accept: '*/*' });
  });

  it('parses queries with repeated and encoded names', () => {
    expect(parseQuery('tag=a&tag=b&na%6De=v+w')).toEqual({ tag: ['a', 'b'], name: 'v w' });
    expect(formatQuery({ tag: ['a', 'b'], q: 'x y' })).toBe('tag=a&tag=b&q=x+y');
  });

  it('reads the media type without parameters', () => {
    expect(mediaType('Application/JSON; charset=utf-8')).toBe('application/json');
    expect(mediaType(undefined)).toBe('');
  });
});

describe('parseQuery', () => {
  it.each([
    'a=1&b=2',
    'a=1&a=2&a=3',
    'q=hello+world&x=%2B%26%3D',
    'empty=&novalue&=anon',
    'a=1&&b=2&',
    'bad=%E0%A4%A&ok=%41',
    'na%6De=v',
    'uni=%E2%9C%93',
    '',
  ])('agrees with URLSearchParams on %j', (raw) => {
    const expected: Record<string, string | string[]> = {};
    for (const [k, v] of new URLSearchParams(raw)) {
      const prev = expected[k];
      expected[k] = prev === undefined ? v : Array.isArray(prev) ? [...prev, v] : [prev, v];
    }
    expect(parseQuery(raw)).toEqual(expected);
  });
});

describe('content codings', () => {
  it('offers upstream only the codings tapedeck can remove, keeping order and weights', () => {
    expect(decodableAcceptEncoding('zstd, br;q=0.9, gzip')).toBe('br;q=0.9, gzip');
    expect(decodableAcceptEncoding('zstd')).toBe('identity');
    expect(decodableAcceptEncoding('gzip, deflate')).toBe('gzip, deflate');
  });

  it('knows which codings it cannot remove', () => {
    expect(hasOpaqueCoding({ 'content-encoding': 'zstd' })).toBe(true);
    expect(hasOpaqueCoding({ 'content-encoding': 'gzip, br' })).toBe(false);
    expect(hasOpaqueCoding({})).toBe(false);
  });

  it('reads every line of a repeated Content-Encoding, not only the first', () => {
    expect(hasOpaqueCoding({ 'content-encoding': ['gzip', 'zstd'] })).toBe(true);
  });
});
