import { brotliCompressSync, deflateRawSync, deflateSync, gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { MAX_CONTENT_CODINGS } from '../../src/core/http/framing.js';
import {
  bodyBytes,
  DECODE_BUDGET_FACTOR,
  NodeBodyCodec,
  parseContentEncoding,
  removeContentEncoding,
} from '../../src/adapters/http/body-codec.js';

const codec = new NodeBodyCodec();
const json = { headers: { 'content-type': 'application/json' } };

describe('body codec', () => {
  it('stores compact JSON as JSON and gives back the same bytes', () => {
    const raw = Buffer.from('{"b":1,"a":[true,null]}');
    const body = codec.decode(raw, json.headers);
    expect(body).toEqual({ encoding: 'json', json: { b: 1, a: [true, null] } });
    expect(bodyBytes(body).equals(raw)).toBe(true);
  });

  it('stores two-space indented JSON as pretty JSON, byte-identical on replay', () => {
    const raw = Buffer.from(JSON.stringify({ a: 1, b: { c: 2 } }, null, 2));
    const body = codec.decode(raw, json.headers);
    expect(body).toMatchObject({ encoding: 'json', format: 'pretty' });
    expect(bodyBytes(body).equals(raw)).toBe(true);
  });

  it.each([
    ['compact, then a line feed (Flask)', '{"args":{},"url":"http://x/get"}\n', {}],
    [
      'two-space indented, then a line feed',
      `${JSON.stringify({ a: [1, { b: 2 }] }, null, 2)}\n`,
      { format: 'pretty' },
    ],
    [
      'four-space indented',
      JSON.stringify({ a: [1, { b: 2 }] }, null, 4),
      { format: 'pretty', indent: 4 },
    ],
    [
      'an array, one-space indented, then a line feed',
      `${JSON.stringify([{ a: 1 }], null, 1)}\n`,
      { format: 'pretty', indent: 1 },
    ],
    ['an empty object, then a line feed', '{}\n', {}],
  ])('stores JSON laid out as %s as JSON, byte-identical on replay', (_how, text, layout) => {
    const body = codec.decode(Buffer.from(text), json.headers);
    expect(body).toEqual({
      encoding: 'json',
      json: JSON.parse(text),
      ...layout,
      ...(text.endsWith('\n') ? { trailingNewline: true } : {}),
    });
    expect(bodyBytes(body).toString()).toBe(text);
  });

  it.each([
    ['other indentation', '{ "a": 1 }'],
    ['two line feeds after it', '{"a":1}\n\n'],
    ['CRLF after it', '{"a":1}\r\n'],
    ['a tab indent', '{\n\t"a": 1\n}'],
    ['Python separators', '{"a": 1, "b": 2}\n'],
    ['mixed indentation', '{\n  "a": {\n     "b": 1\n  }\n}'],
    ['a big integer', '{"id":12345678901234567890}'],
    ['1.0', '{"n":1.0}'],
    ['duplicate keys', '{"a":1,"a":2}'],
    ['numeric keys reordered by JSON.parse', '{"b":1,"2":2}'],
    ['a top-level string', '"hello"'],
  ])('keeps JSON that would not round-trip (%s) as text, byte for byte', (_why, text) => {
    const body = codec.decode(Buffer.from(text), json.headers);
    expect(body).toEqual({ encoding: 'text', text });
    expect(bodyBytes(body).toString()).toBe(text);
  });

  it('recognises JSON sent with the wrong content type', () => {
    expect(codec.decode(Buffer.from('{"a":1}'), { 'content-type': 'text/plain' })).toEqual({
      encoding: 'json',
      json: { a: 1 },
    });
  });

  it('stores text as text and binary as base64', () => {
    expect(codec.decode(Buffer.from('héllo'), { 'content-type': 'text/plain' })).toEqual({
      encoding: 'text',
      text: 'héllo',
    });
    const png = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0xff, 0x00]);
    const body = codec.decode(png, { 'content-type': 'image/png' });
    expect(body).toEqual({ encoding: 'base64', base64: png.toString('base64') });
    expect(bodyBytes(body).equals(png)).toBe(true);
  });

  it('treats valid UTF-8 full of control bytes as binary', () => {
    expect(codec.decode(Buffer.from([1, 2, 3, 4]), {})).toMatchObject({ encoding: 'base64' });
  });

  it.each([
    ['gzip', gzipSync],
    ['deflate', deflateSync],
    ['deflate', deflateRawSync],
    ['br', brotliCompressSync],
  ] as const)('removes %s content-encoding before classifying', (coding, encode) => {
    const raw = Buffer.from('{"hello":"world"}');
    expect(
      codec.decode(encode(raw), { 'content-type': 'application/json', 'content-encoding': coding }),
    ).toEqual({ encoding: 'json', json: { hello: 'world' } });
  });

  it('removes stacked codings, last applied first', () => {
    const raw = Buffer.from('plain text');
    expect(
      codec.decode(brotliCompressSync(gzipSync(raw)), { 'content-encoding': 'gzip, br' }),
    ).toEqual({ encoding: 'text', text: 'plain text' });
  });

  it('keeps bytes with an unknown coding as binary, untouched', () => {
    const raw = Buffer.from('zstd-bytes');
    expect(codec.decode(raw, { 'content-encoding': 'zstd' })).toEqual({
      encoding: 'base64',
      base64: raw.toString('base64'),
    });
  });

  it('throws on bytes that are not what their coding claims', () => {
    expect(() => codec.decode(Buffer.from('not gzip'), { 'content-encoding': 'gzip' })).toThrow();
  });

  it('has no body for zero bytes', () => {
    expect(codec.decode(Buffer.alloc(0), json.headers)).toBeUndefined();
  });

  it('reads a Content-Encoding repeated on two lines as one list, in order', () => {
    expect(parseContentEncoding({ 'content-encoding': ['gzip', 'br'] })).toEqual(['gzip', 'br']);
    const raw = Buffer.from('{"a":1}');
    const twice = brotliCompressSync(gzipSync(raw));
    expect(codec.decode(twice, { ...json.headers, 'content-encoding': ['gzip', 'br'] })).toEqual({
      encoding: 'json',
      json: { a: 1 },
    });
  });
});

describe('body codec: the decoded size is bounded by maxBodyBytes (issue 12, defect 3)', () => {
  const cap = 4096;
  const capped = new NodeBodyCodec({ maxDecodedBytes: cap });
  const text = { 'content-type': 'text/plain' };
  const x = (n: number) => Buffer.alloc(n, 'x');

  const codings = [
    ['gzip', (b: Buffer) => gzipSync(b)],
    ['x-gzip', (b: Buffer) => gzipSync(b)],
    ['deflate', (b: Buffer) => deflateSync(b)],
    ['deflate', (b: Buffer) => deflateRawSync(b)],
    ['br', (b: Buffer) => brotliCompressSync(b)],
    ['gzip, gzip', (b: Buffer) => gzipSync(gzipSync(b))],
    ['deflate, br', (b: Buffer) => brotliCompressSync(deflateSync(b))],
    ['gzip, deflate', (b: Buffer) => deflateRawSync(gzipSync(b))],
  ] as const;

  it.each(codings)('decodes a %s body of exactly the limit', (coding, encode) => {
    const body = capped.decode(encode(x(cap)), { ...text, 'content-encoding': coding });
    expect(body).toEqual({ encoding: 'text', text: 'x'.repeat(cap) });
  });

  it.each(codings)(
    'refuses a %s body one byte over the limit with TD_BODY_TOO_LARGE',
    (coding, encode) => {
      expect(() =>
        capped.decode(encode(x(cap + 1)), { ...text, 'content-encoding': coding }),
      ).toThrow(
        expect.objectContaining({
          code: 'TD_BODY_TOO_LARGE',
          message: `The ${coding.replace('x-', '')} body decodes to more than ${cap} bytes (maxBodyBytes).`,
        }),
      );
    },
  );

  it('stops a zip bomb: 8 MiB of zeros in two gzip layers, a few hundred bytes on the wire', () => {
    const bomb = gzipSync(gzipSync(Buffer.alloc(8 * 1024 * 1024)));
    expect(bomb.byteLength).toBeLessThan(cap);
    expect(() => capped.decode(bomb, { 'content-encoding': 'gzip, gzip' })).toThrow(
      expect.objectContaining({ code: 'TD_BODY_TOO_LARGE' }),
    );
    // Every stage is capped, not only the last: the inner layer alone is over the limit.
    expect(() => removeContentEncoding(bomb, ['gzip'], cap)).toThrow(
      expect.objectContaining({ code: 'TD_BODY_TOO_LARGE' }),
    );
  });

  it('leaves bodies with no coding, or an unknown one, to the limit on the wire', () => {
    // The server's read (413), the tee and HAR import's skip bound these, each with its message.
    expect(capped.decode(x(cap + 1), text)).toEqual({
      encoding: 'text',
      text: 'x'.repeat(cap + 1),
    });
    expect(capped.decode(x(cap + 1), { 'content-encoding': 'zstd' })).toMatchObject({
      encoding: 'base64',
    });
  });

  it('still says "not what it claims" for broken bytes, not over the limit', () => {
    let caught: unknown;
    try {
      capped.decode(Buffer.from('not gzip at all'), { 'content-encoding': 'gzip' });
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(Error);
    expect((caught as { code?: string }).code).not.toBe('TD_BODY_TOO_LARGE');
  });
});

describe('body codec: stacked codings are bounded work (review of issue 12: a CPU denial of service)', () => {
  const cap = 64 * 1024;
  const capped = new NodeBodyCodec({ maxDecodedBytes: cap });
  /** `data` wrapped in `n` level-0 gzip layers: each layer inflates to about the size of its input. */
  const layered = (data: Buffer, n: number): Buffer => {
    let out = data;
    for (let i = 0; i < n; i++) out = gzipSync(out, { level: 0 });
    return out;
  };

  it('refuses more than MAX_CONTENT_CODINGS codings before decoding any, with a short label', () => {
    const wire = gzipSync(layered(Buffer.alloc(1000), 60), { level: 9 });
    const headers = { 'content-encoding': Array(61).fill('gzip').join(', ') };
    let caught: unknown;
    try {
      capped.decode(wire, headers);
    } catch (error) {
      caught = error;
    }
    expect(caught).toMatchObject({
      code: 'TD_BODY_TOO_LARGE',
      message: 'The body has 61 content codings; tapedeck removes at most 3.',
      details: { codings: '61 codings', limit: MAX_CONTENT_CODINGS },
    });
    // Three is within: the body decodes.
    const three = gzipSync(layered(Buffer.from('{"a":1}'), 2));
    expect(capped.decode(three, { 'content-encoding': 'gzip, gzip, gzip' })).toEqual({
      encoding: 'json',
      json: { a: 1 },
    });
  });

  it('gives all stages one budget: their outputs together stay within twice maxBodyBytes', () => {
    // Each stage alone is within the cap (about 0.9 × cap), three together are not within 2 × cap.
    const inner = Buffer.alloc(Math.floor(cap * 0.9) - 200);
    const wire = layered(inner, 3);
    expect(() => removeContentEncoding(wire, ['gzip', 'gzip'], cap)).not.toThrow();
    let caught: unknown;
    try {
      removeContentEncoding(wire, ['gzip', 'gzip', 'gzip'], cap);
    } catch (error) {
      caught = error;
    }
    expect(caught).toMatchObject({
      code: 'TD_BODY_TOO_LARGE',
      message: `The gzip, gzip, gzip body's codings decode to more than ${2 * cap} bytes together (2 × maxBodyBytes).`,
    });
    expect(DECODE_BUDGET_FACTOR).toBe(2);
  });
});
