import { describe, expect, it } from 'vitest';
import { NodeBodyCodec } from '../../../src/adapters/http/body-codec.js';
import type { Reply } from '../../../src/core/http/reply.js';
import {
  canonicalBody,
  endpointOf,
  fingerprintText,
  keyForMessage,
  readIdempotencyKey,
  replayStored,
  serializeReply,
  toBase64,
} from '../../../src/core/sandbox/idempotency.js';

const codec = new NodeBodyCodec();
const FORM = 'application/x-www-form-urlencoded';

describe('idempotency key header', () => {
  const read = (value: string | string[] | undefined, max = 255) =>
    readIdempotencyKey(
      value === undefined ? {} : { 'idempotency-key': value },
      'idempotency-key',
      max,
    );

  it('reads a bare token and an RFC 8941 sf-string unquoted', () => {
    expect(read('abc-123')).toEqual({ kind: 'key', key: 'abc-123' });
    expect(read('"abc 123"')).toEqual({ kind: 'key', key: 'abc 123' });
    expect(read('"a\\"b\\\\c"')).toEqual({ kind: 'key', key: 'a"b\\c' });
    // The bare and the quoted spelling of one key are one key.
    expect(read('"k1"')).toEqual(read('k1'));
  });

  it('refuses empty, too long, malformed and repeated-different values', () => {
    expect(read(undefined)).toEqual({ kind: 'absent' });
    expect(read('')).toMatchObject({ kind: 'invalid', reason: 'empty' });
    expect(read('""')).toMatchObject({ kind: 'invalid', reason: 'empty' });
    expect(read('x'.repeat(256))).toMatchObject({ kind: 'invalid', reason: 'too-long' });
    expect(read('x'.repeat(255))).toMatchObject({ kind: 'key' });
    expect(read('"unterminated')).toMatchObject({ kind: 'invalid', reason: 'malformed' });
    expect(read('"a"b"')).toMatchObject({ kind: 'invalid', reason: 'malformed' });
    expect(read('"bad\\x"')).toMatchObject({ kind: 'invalid', reason: 'malformed' });
    expect(read('tab\there')).toMatchObject({ kind: 'invalid', reason: 'malformed' });
    expect(read(['a', 'b'])).toMatchObject({ kind: 'invalid', reason: 'repeated' });
    expect(read(['a', 'a'])).toEqual({ kind: 'key', key: 'a' });
  });

  it('names a key in messages only when it is harmless', () => {
    const clean = () => true;
    expect(keyForMessage('stripe-node-retry-0f1e', clean)).toBe('stripe-node-retry-0f1e');
    expect(keyForMessage('has space', clean)).toBe('this key');
    expect(keyForMessage('<script>', clean)).toBe('this key');
    expect(keyForMessage('sk_live_looks_secret', () => false)).toBe('this key');
  });
});

describe('fingerprint', () => {
  it('is blind to JSON key order, sensitive to values', () => {
    const a = canonicalBody(
      { encoding: 'json', json: { b: 1, a: { y: [1, 2], x: null } } },
      'application/json',
    );
    const b = canonicalBody(
      { encoding: 'json', json: { a: { x: null, y: [1, 2] }, b: 1 } },
      'application/json',
    );
    const c = canonicalBody(
      { encoding: 'json', json: { a: { x: null, y: [2, 1] }, b: 1 } },
      'application/json',
    );
    expect(a).toBe(b);
    expect(a).not.toBe(c);
  });

  it('is blind to form field order and encoding, sensitive to values', () => {
    const text = (t: string) =>
      canonicalBody({ encoding: 'text', text: t }, `${FORM}; charset=utf-8`);
    expect(text('email=a%40example.com&metadata[order]=1&name=J+D')).toBe(
      text('name=J%20D&metadata%5Border%5D=1&email=a@example.com'),
    );
    expect(text('a=1&a=2')).toBe(text('a=2&a=1'));
    expect(text('a=1')).not.toBe(text('a=2'));
    // Field names and values cannot run into each other.
    expect(text('a=b%3Dc')).not.toBe(text('a%3Db=c'));
    // Plain text stays as it is (order matters there).
    expect(canonicalBody({ encoding: 'text', text: 'b=1&a=2' }, 'text/plain')).toBe('b=1&a=2');
  });

  it('joins method, path and body', () => {
    expect(fingerprintText('post', '/v1/customers', 'x')).toBe('POST\n/v1/customers\nx');
    expect(endpointOf('post', '/v1/customers')).toBe('POST /v1/customers');
  });
});

describe('stored answers', () => {
  it('replays a simple answer byte for byte, without the layer tag or length', () => {
    const body = '{"id":"cus_1","metadata":{"2":"b","1":"a"},"n":1.0e2}';
    const reply: Reply = {
      kind: 'simple',
      status: 200,
      headers: [
        ['content-type', 'application/json'],
        ['x-tapedeck-layer', 'state'],
        ['content-length', '99'],
      ],
      body,
    };
    const stored = serializeReply(reply, codec)!;
    expect(stored.headers).toEqual([['content-type', 'application/json']]);
    const replayed = replayStored(stored, codec, 'idempotent-replayed');
    expect(replayed.kind).toBe('recorded');
    if (replayed.kind !== 'recorded') return;
    // Integer-like keys and 1.0e2 do not survive JSON.parse: the bytes go back as base64.
    expect(new TextDecoder().decode(codec.encode(replayed.response.body))).toBe(body);
    expect(replayed.response.status).toBe(200);
    expect(replayed.extraHeaders).toEqual([
      ['idempotent-replayed', 'true'],
      ['x-tapedeck-layer', 'idempotency'],
    ]);
  });

  it('keeps compact JSON as JSON when it reads back to the same bytes', () => {
    const body = '{"id":"cus_1","object":"customer"}';
    const stored = serializeReply(
      { kind: 'simple', status: 201, headers: [['content-type', 'application/json']], body },
      codec,
    )!;
    const replayed = replayStored(stored, codec, 'idempotent-replayed');
    if (replayed.kind !== 'recorded') throw new Error('recorded expected');
    expect(replayed.response.body?.encoding).toBe('json');
    expect(new TextDecoder().decode(codec.encode(replayed.response.body))).toBe(body);
  });

  it('stores a recorded answer with its headers and identity bytes', () => {
    const stored = serializeReply(
      {
        kind: 'recorded',
        response: {
          status: 200,
          headers: {
            'content-type': 'application/json',
            'content-encoding': 'gzip',
            'set-cookie': ['a=1', 'b=2'],
          },
          body: { encoding: 'json', json: { ok: true } },
        },
        extraHeaders: [['x-tapedeck-layer', 'cassette']],
        delayMs: 0,
      },
      codec,
    )!;
    expect(stored.headers).toEqual([
      ['content-type', 'application/json'],
      ['set-cookie', 'a=1'],
      ['set-cookie', 'b=2'],
    ]);
    expect(new TextDecoder().decode(stored.body)).toBe('{"ok":true}');
  });

  it('base64 matches the platform', () => {
    for (const n of [0, 1, 2, 3, 4, 5, 255]) {
      const bytes = new Uint8Array(n).map((_, i) => (i * 37 + 11) & 255);
      expect(toBase64(bytes)).toBe(Buffer.from(bytes).toString('base64'));
    }
  });
});
