import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { NodeBodyCodec } from '../../src/adapters/http/body-codec.js';
import { MemoryCassetteStore } from '../../src/adapters/cassettes/memory-cassette-store.js';
import { exportHar } from '../../src/app/har/export.js';
import { importHar, type HarImportInput } from '../../src/app/har/import.js';
import type { RedactionSetup } from '../../src/app/redaction/setup.js';
import type { Interaction, NamedCassette } from '../../src/core/cassette/model.js';
import { isTapedeckError, type TapedeckError } from '../../src/core/errors.js';
import { harToInteractions, parseHar } from '../../src/core/har/from-har.js';
import { cassettesToHar, NO_TARGET_ORIGIN } from '../../src/core/har/to-har.js';
import { assertProperty } from '../helpers/property.js';
import { redactorWith } from '../helpers/redaction.js';

const codec = new NodeBodyCodec();
const FIXTURE = fileURLToPath(new URL('../fixtures/har/devtools-mixed.har', import.meta.url));
const fixture = () => readFileSync(FIXTURE, 'utf8');

function thrown(fn: () => unknown): TapedeckError {
  try {
    fn();
  } catch (error) {
    if (isTapedeckError(error)) return error;
    throw error;
  }
  throw new Error('did not throw');
}

function convert(text: string, maxBodyBytes = 1024 * 1024) {
  return harToInteractions(parseHar(text, 'x.har'), codec, { file: 'x.har', maxBodyBytes });
}

describe('HAR → interactions', () => {
  it('keeps HTTP exchanges in order and lists every other entry with its reason', () => {
    const { imported, skipped } = convert(fixture());
    expect(imported.map((i) => i.index)).toEqual([0, 1, 10, 11]);
    expect(skipped.map((s) => [s.index, s.reason])).toEqual([
      [2, 'websocket'],
      [3, 'connect'],
      [4, 'not-http'],
      [5, 'not-http'],
      [6, 'not-http'],
      [7, 'no-response'],
      [8, 'no-response'],
      [9, 'no-body-content'],
    ]);
    expect(skipped[2]!.detail).toBe('a data: URL is not an HTTP exchange');
    expect(skipped[4]!.detail).toBe('a chrome-extension: URL is not an HTTP exchange');
    expect(skipped[5]!.detail).toContain('status 0');
  });

  it('reads URLs, HTTP/2 headers, repeated headers, decoded and base64 bodies as record stores them', () => {
    const [items, logo, login, script] = convert(fixture()).imported;
    expect(items!.origin).toBe('https://api.example.test');
    expect(items!.interaction.request).toEqual({
      method: 'GET',
      path: '/v1/items',
      query: { limit: '2', tag: ['a', 'b'] },
      // Pseudo-headers are the request line, not headers; names are lower-cased.
      headers: { accept: 'application/json', authorization: 'Bearer hartoken-aa11bb22cc33dd44' },
    });
    // HAR text is decoded although the header still says br: stored as JSON, header kept.
    expect(items!.interaction.response.body).toEqual({
      encoding: 'json',
      json: { items: [{ id: 1 }, { id: 2 }], more: true },
    });
    expect(items!.interaction.response.headers['content-encoding']).toBe('br');
    expect(items!.interaction.response.headers['set-cookie']).toEqual(['a=1', 'b=2']);
    expect(items!.interaction.latencyMs).toBe(12.35);
    expect(items!.interaction.recordedAt).toBe('2026-11-30T10:00:00.012Z');
    // content.encoding: base64 decoded to the PNG's bytes, kept binary.
    expect(logo!.interaction.response.body).toEqual({
      encoding: 'base64',
      base64: Buffer.from([
        0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 0x0d, 0x49, 0x48, 0x44, 0x52, 0, 1,
        2, 3, 255, 254,
      ]).toString('base64'),
    });
    // postData.params without text: the form body rebuilt; a base64 JSON answer is JSON.
    expect(login!.interaction.request.body).toEqual({
      encoding: 'text',
      text: 'user=ada&note=a%20b%26c',
    });
    expect(login!.interaction.response.body).toEqual({ encoding: 'json', json: { ok: true } });
    expect(script!.origin).toBe('https://cdn.example.test:8443');
    expect(script!.interaction.response.headers['content-type']).toBe('text/javascript');
  });

  it('skips an entry whose response is null, as some exports write an unanswered request', () => {
    const doc = JSON.parse(fixture()) as { log: { entries: Record<string, unknown>[] } };
    doc.log.entries[0]!['response'] = null;
    const { imported, skipped } = convert(JSON.stringify(doc));
    expect(imported.map((i) => i.index)).toEqual([1, 10, 11]);
    expect(skipped[0]).toMatchObject({ index: 0, reason: 'no-response' });
  });

  it('skips bodies over maxBodyBytes, saying how large', () => {
    const { imported, skipped } = convert(fixture(), 30);
    expect(imported.map((i) => i.index)).toEqual([1, 10, 11]);
    expect(skipped.find((s) => s.index === 0)).toMatchObject({
      reason: 'too-large',
      detail: 'a body of 41 bytes is over maxBodyBytes (30)',
    });
  });

  it('refuses a malformed HAR with TD_HAR_INVALID naming the file and the JSON pointer', () => {
    const notJson = thrown(() => parseHar('{"log": {', 'broken.har'));
    expect(notJson.code).toBe('TD_HAR_INVALID');
    expect(notJson.message).toBe(
      'HAR file broken.har is not valid JSON at the end of the file (it is cut short).',
    );
    expect(notJson.cause).toBeUndefined();

    // The engine's message quotes the text around the error; the report gives only the place.
    const token = 'Bearer_ghp_SECRETSECRET';
    const leaky = `{"log": {\n  "entries": [{"request": {"headers": [\n    {"authorization": ${token}}]}}]}}`;
    const quoted = thrown(() => parseHar(leaky, 'leaky.har'));
    expect(quoted.code).toBe('TD_HAR_INVALID');
    expect(quoted.message).toBe(
      `HAR file leaky.har is not valid JSON at line 3, column 23 (offset ${leaky.indexOf('Bearer')}).`,
    );
    for (const part of ['Bearer', 'ghp_', 'SECRET', 'authorization'])
      expect(JSON.stringify({ m: quoted.message, d: quoted.details })).not.toContain(part);
    expect(quoted.cause).toBeUndefined();
    // BOM stripped before the position is counted; trailing garbage located too.
    expect(thrown(() => parseHar('\uFEFF{} x', 'b.har')).message).toBe(
      'HAR file b.har is not valid JSON at line 1, column 4 (offset 3).',
    );

    const noEntries = thrown(() => parseHar('{"log": {"version": "1.2"}}', 'a.har'));
    expect(noEntries.code).toBe('TD_HAR_INVALID');
    expect(noEntries.message).toBe(
      'HAR file a.har is not valid HAR 1.2: at /log: must have the property "entries".',
    );

    const doc = JSON.parse(fixture()) as { log: { entries: Record<string, unknown>[] } };
    delete (doc.log.entries[3]!['request'] as Record<string, unknown>)['url'];
    (doc.log.entries[1]!['response'] as { status: unknown }).status = '200';
    const fields = thrown(() => parseHar(JSON.stringify(doc), 'fields.har'));
    expect(fields.message).toContain('at /log/entries/1/response/status: must be number');
    expect(fields.message).toContain('at /log/entries/3/request: must have the property "url"');
    expect(fields.details).toMatchObject({ file: 'fields.har' });

    const bad = JSON.parse(fixture()) as {
      log: { entries: { response: { content: { text: string } } }[] };
    };
    bad.log.entries[1]!.response.content.text = 'not*base64!';
    const b64 = thrown(() => convert(JSON.stringify(bad)));
    expect(b64.message).toContain(
      'at /log/entries/1/response/content/text: is not base64 although its encoding says so',
    );
  });
});

/** Interactions as the recorder stores them: bodies from bytes through the codec. */
const segment = fc
  .array(
    fc.oneof(
      fc.constantFrom(..."abcXYZ019-._~!$&'()*+,;=:@".split('')),
      fc.constantFrom('%2F', '%20', '%C3%A9', '%25'),
    ),
    { minLength: 1, maxLength: 6 },
  )
  .map((parts) => `s${parts.join('')}`);
const headerName = fc
  .stringMatching(/^[a-z][a-z0-9-]{0,12}$/)
  .filter((n) => n !== 'content-encoding');
const headerValue = fc.stringMatching(/^[ -~]{0,20}$/);
const multi = (value: fc.Arbitrary<string>) =>
  fc.oneof(value, fc.array(value, { minLength: 2, maxLength: 3 }));
const bodyBytes = fc.oneof(
  fc.jsonValue().map((v) => Buffer.from(JSON.stringify({ v }))),
  fc.jsonValue().map((v) => Buffer.from(JSON.stringify({ v }, null, 2))),
  fc.string({ unit: 'grapheme', maxLength: 40 }).map((s) => Buffer.from(s)),
  fc.uint8Array({ maxLength: 40 }).map((b) => Buffer.from(b)),
);
const contentType = fc.constantFrom(
  undefined,
  'application/json',
  'text/plain; charset=utf-8',
  'application/octet-stream',
);

const interactionArb: fc.Arbitrary<Interaction> = fc
  .record({
    method: fc.constantFrom('GET', 'POST', 'PUT', 'DELETE', 'PATCH'),
    path: fc.array(segment, { maxLength: 4 }).map((s) => `/${s.join('/')}`),
    query: fc.dictionary(fc.string({ maxLength: 8 }), multi(fc.string({ maxLength: 10 })), {
      maxKeys: 3,
    }),
    requestHeaders: fc.dictionary(headerName, multi(headerValue), { maxKeys: 3 }),
    requestBody: fc.option(bodyBytes, { nil: undefined }),
    requestType: contentType,
    status: fc.integer({ min: 100, max: 599 }).filter((s) => s !== 101),
    responseHeaders: fc.dictionary(headerName, multi(headerValue), { maxKeys: 3 }),
    responseBody: fc.option(bodyBytes, { nil: undefined }),
    responseType: contentType,
    latencyMs: fc.integer({ min: 0, max: 10_000_000 }).map((n) => n / 100),
    recordedAt: fc
      .integer({ min: Date.UTC(2000, 0, 1), max: Date.UTC(2090, 0, 1) })
      .map((ms) => new Date(ms).toISOString()),
    replayable: fc.constantFrom(undefined, true),
  })
  .map((g): Interaction => {
    const withType = (headers: Record<string, string | string[]>, type: string | undefined) => {
      const { ['content-type']: _dropped, ...rest } = headers;
      return type === undefined ? rest : { ...rest, 'content-type': type };
    };
    const requestHeaders = withType(g.requestHeaders, g.requestType);
    const responseHeaders = withType(g.responseHeaders, g.responseType);
    const requestBody =
      g.requestBody === undefined ? undefined : codec.decode(g.requestBody, requestHeaders);
    const responseBody =
      g.responseBody === undefined ? undefined : codec.decode(g.responseBody, responseHeaders);
    return {
      request: {
        method: g.method,
        path: g.path,
        query: g.query,
        headers: requestHeaders,
        ...(requestBody === undefined ? {} : { body: requestBody }),
      },
      response: {
        status: g.status,
        headers: responseHeaders,
        ...(responseBody === undefined ? {} : { body: responseBody }),
      },
      latencyMs: g.latencyMs,
      recordedAt: g.recordedAt,
      ...(g.replayable === undefined ? {} : { replayable: true }),
    };
  });

describe('interactions → HAR → interactions', () => {
  it('gives back the same interactions, cassette names and targets (base paths too)', () => {
    assertProperty(
      fc.property(
        fc.array(interactionArb, { minLength: 1, maxLength: 4 }),
        fc.constantFrom(
          'http://127.0.0.1:8080',
          'https://api.example.test',
          'https://api.example.test/v1',
        ),
        (interactions, target) => {
          const cassettes: NamedCassette[] = [
            { name: 'flows/one', cassette: { version: 1, meta: { target }, interactions } },
          ];
          const text = JSON.stringify(cassettesToHar(cassettes, codec, '0.0.0'));
          const back = convert(text, Number.MAX_SAFE_INTEGER);
          expect(back.skipped).toEqual([]);
          expect(back.imported.map((i) => i.interaction)).toEqual(interactions);
          expect(new Set(back.imported.map((i) => i.cassette))).toEqual(new Set(['flows/one']));
          expect(new Set(back.imported.map((i) => i.origin))).toEqual(new Set([target]));
        },
      ),
      { numRuns: 150 },
    );
  });

  it('writes every member HAR 1.2 requires, with the times HAR asks for', () => {
    const har = cassettesToHar(
      [
        {
          name: 'c',
          cassette: {
            version: 1,
            interactions: [
              {
                request: {
                  method: 'POST',
                  path: '/a',
                  query: { q: '1' },
                  headers: { cookie: 'sid=tdp_x; theme=dark', 'content-type': 'application/json' },
                  body: { encoding: 'json', json: { a: 1 } },
                },
                response: {
                  status: 302,
                  headers: { location: '/b', 'set-cookie': ['sid=tdp_y; Path=/', 'x=1'] },
                  body: { encoding: 'base64', base64: 'AAEC' },
                },
                latencyMs: 250,
                recordedAt: '2026-01-01T00:00:01.000Z',
              },
            ],
          },
        },
      ],
      codec,
      '1.2.3',
    );
    expect(har.log.version).toBe('1.2');
    expect(har.log.creator).toEqual({ name: 'tapedeck', version: '1.2.3' });
    const [entry] = har.log.entries;
    expect(entry).toMatchObject({
      startedDateTime: '2026-01-01T00:00:00.750Z',
      time: 250,
      cache: {},
      timings: { send: 0, wait: 250, receive: 0 },
      request: {
        method: 'POST',
        url: `${NO_TARGET_ORIGIN}/a?q=1`,
        httpVersion: 'HTTP/1.1',
        queryString: [{ name: 'q', value: '1' }],
        cookies: [
          { name: 'sid', value: 'tdp_x' },
          { name: 'theme', value: 'dark' },
        ],
        headersSize: -1,
        bodySize: 7,
        postData: { mimeType: 'application/json', text: '{"a":1}' },
      },
      response: {
        status: 302,
        statusText: '',
        httpVersion: 'HTTP/1.1',
        cookies: [
          { name: 'sid', value: 'tdp_y' },
          { name: 'x', value: '1' },
        ],
        content: { size: 3, mimeType: '', text: 'AAEC', encoding: 'base64' },
        redirectURL: '/b',
        headersSize: -1,
        bodySize: 3,
      },
    });
    expect(entry!.request.headers).toEqual([
      { name: 'cookie', value: 'sid=tdp_x; theme=dark' },
      { name: 'content-type', value: 'application/json' },
    ]);
  });
});

function redaction(scan?: RedactionSetup['scan']): RedactionSetup {
  return {
    rules: [],
    files: [],
    disabled: new Set(),
    redactor: redactorWith(),
    ...(scan === undefined ? {} : { scan }),
  };
}

function input(overrides: Partial<HarImportInput> = {}): HarImportInput {
  return {
    file: 'session.har',
    text: fixture(),
    defaultName: 'session',
    store: new MemoryCassetteStore(),
    codec,
    redaction: () => redaction(),
    maxBodyBytes: 1024 * 1024,
    recordedWith: 'tapedeck test',
    ...overrides,
  };
}

describe('tapedeck import har (the use case)', () => {
  it('writes one cassette per origin below the name, redacted, and reports skips with safe URLs', async () => {
    const store = new MemoryCassetteStore();
    const report = await importHar(input({ store }));
    expect(report.cassettes).toEqual([
      { name: 'session/api.example.test', target: 'https://api.example.test', interactions: 3 },
      {
        name: 'session/cdn.example.test_8443',
        target: 'https://cdn.example.test:8443',
        interactions: 1,
      },
    ]);
    expect(report.entries).toBe(12);
    expect(report.skipped.map((s) => `${s.entry} ${s.method} ${s.url} ${s.reason}`)).toEqual([
      '2 GET wss:… websocket',
      '3 CONNECT https://api.example.test/… connect',
      '4 GET data:… not-http',
      '5 GET blob:… not-http',
      '6 GET chrome-extension:… not-http',
      '7 GET https://api.example.test/… no-response',
      '8 GET https://api.example.test/… no-response',
      '9 GET https://api.example.test/… no-body-content',
    ]);
    const api = await store.load('session/api.example.test');
    expect(api?.meta).toEqual({
      recordedWith: 'tapedeck test',
      target: 'https://api.example.test',
    });
    const stored = JSON.stringify(api);
    expect(stored).not.toContain('hartoken-aa11bb22cc33dd44');
    const first = api!.interactions[0]!;
    expect(first.request.headers['authorization']).toMatch(/^Bearer tdp_/);
    // What record keeps: content-length derived from the body is dropped.
    expect(first.response.headers['content-length']).toBeUndefined();

    const one = await importHar(input({ cassette: 'mine', store: new MemoryCassetteStore() }));
    expect(one.cassettes.map((c) => c.name)).toEqual([
      'mine/api.example.test',
      'mine/cdn.example.test_8443',
    ]);
  });

  it('never overwrites a cassette, and loads no redaction key for a malformed HAR', async () => {
    const store = new MemoryCassetteStore();
    await importHar(input({ store }));
    await expect(importHar(input({ store }))).rejects.toMatchObject({
      code: 'TD_USAGE',
      message: expect.stringContaining(
        'Cassette session/api.example.test already exists',
      ) as unknown,
    });
    let loaded = false;
    await expect(
      importHar(
        input({
          text: '{"log": {}}',
          redaction: () => {
            loaded = true;
            return redaction();
          },
        }),
      ),
    ).rejects.toMatchObject({ code: 'TD_HAR_INVALID' });
    expect(loaded).toBe(false);
  });

  it('never shows in the skip list a value learned from another entry', async () => {
    const sid = 'Zq8xK2mP9vLw4RtY';
    const entry = (url: string, status: number, headers: { name: string; value: string }[]) => ({
      startedDateTime: '2026-01-01T00:00:00.000Z',
      time: 1,
      request: { method: 'GET', url, httpVersion: 'HTTP/1.1', headers: [], queryString: [] },
      response: {
        status,
        statusText: '',
        httpVersion: 'HTTP/1.1',
        headers,
        content: { size: 0, mimeType: 'text/plain', text: '' },
      },
    });
    const text = JSON.stringify({
      log: {
        version: '1.2',
        creator: { name: 't', version: '1' },
        entries: [
          entry('https://api.example.test/login', 200, [
            { name: 'Set-Cookie', value: `session=${sid}; Path=/` },
          ]),
          entry(`https://api.example.test/sessions/${sid}/info`, 0, []),
          entry(`https://api.example.test/sessions/${sid}/data?s=${sid}`, 200, []),
        ],
      },
    });
    const report = await importHar(
      input({
        text,
        redaction: () =>
          redaction((interaction) =>
            interaction.request.path.includes('/data')
              ? [{ pointer: '/request/path', rule: 'test/flagged', message: 'looks secret' }]
              : [],
          ),
      }),
    );
    expect(report.skipped.map((s) => `${s.entry} ${s.method} ${s.url} ${s.reason}`)).toEqual([
      '1 GET https://api.example.test/… no-response',
      '2 GET https://api.example.test/… secret',
    ]);
    expect(JSON.stringify(report.skipped)).not.toContain(sid);
  });

  it('converts before it loads redaction: an entry the conversion refuses makes no key', async () => {
    const doc = JSON.parse(fixture()) as { log: { entries: { request: { method: string } }[] } };
    doc.log.entries[1]!.request.method = 'PO ST';
    let loaded = false;
    await expect(
      importHar(
        input({
          text: JSON.stringify(doc),
          redaction: () => {
            loaded = true;
            return redaction();
          },
        }),
      ),
    ).rejects.toMatchObject({ code: 'TD_HAR_INVALID' });
    expect(loaded).toBe(false);
  });

  it('keeps what the scanner still flags off disk and lists it as skipped', async () => {
    const store = new MemoryCassetteStore();
    const report = await importHar(
      input({
        store,
        redaction: () =>
          redaction((interaction) =>
            interaction.request.path === '/logo.png'
              ? [
                  {
                    pointer: '/response/body/base64',
                    rule: 'test/flagged',
                    message: 'looks secret',
                  },
                ]
              : [],
          ),
      }),
    );
    expect(report.skipped.find((s) => s.entry === 1)).toMatchObject({
      reason: 'secret',
      url: 'https://api.example.test/…',
      detail: expect.stringContaining('/response/body/base64 (test/flagged)') as unknown,
    });
    const api = await store.load('session/api.example.test');
    expect(api!.interactions.map((i) => i.request.path)).toEqual(['/v1/items', '/v1/login']);
  });

  it('round-trips through export with cassette names and targets', async () => {
    const store = new MemoryCassetteStore();
    await importHar(input({ store }));
    const { har, interactions } = await exportHar({ store, codec, cassettes: [], version: 't' });
    expect(interactions).toBe(4);
    const again = new MemoryCassetteStore();
    const report = await importHar(input({ store: again, text: JSON.stringify(har) }));
    expect(report.skipped).toEqual([]);
    for (const name of await store.list()) {
      expect((await again.load(name))?.interactions).toEqual(
        (await store.load(name))?.interactions,
      );
    }
    await expect(
      exportHar({ store, codec, cassettes: ['nope'], version: 't' }),
    ).rejects.toMatchObject({ code: 'TD_USAGE', message: 'No cassette named nope.' });
  });
});
