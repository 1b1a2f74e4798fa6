import { describe, expect, it } from 'vitest';
import type { Body, RecordedResponse } from '../../../src/core/cassette/model.js';
import {
  compareResponses,
  DEFAULT_DRIFT_HEADERS,
  volatilePointers,
  type CompareOptions,
} from '../../../src/core/drift/compare.js';
import { parseContentType } from '../../../src/core/drift/headers.js';
import { buildReport, fingerprint, summarize } from '../../../src/core/drift/report.js';
import type { Finding, InteractionDrift } from '../../../src/core/drift/model.js';
import type { JsonValue } from '../../../src/core/json.js';

const OPTIONS: CompareOptions = { ignore: [], volatile: new Set(), headers: DEFAULT_DRIFT_HEADERS };
const JSON_CT = { 'content-type': 'application/json' };

function res(
  json: JsonValue,
  headers: Record<string, string> = JSON_CT,
  status = 200,
): RecordedResponse {
  return { status, headers, body: { encoding: 'json', json } };
}

function compare(a: JsonValue, b: JsonValue, options: Partial<CompareOptions> = {}): Finding[] {
  return compareResponses(res(a), res(b), { ...OPTIONS, ...options });
}

/** Findings as `kind severity path` lines: easy to read in a failing assertion. */
function brief(findings: readonly Finding[]): string[] {
  return findings.map(
    (f) => `${f.kind} ${f.severity} ${f.place === 'header' ? `header:${f.path}` : f.path}`,
  );
}

describe('status', () => {
  it('a change of class is breaking; within a class non-breaking', () => {
    expect(brief(compareResponses(res({}), res({}, JSON_CT, 404), OPTIONS))).toEqual([
      'status-class-changed breaking ',
    ]);
    const within = compareResponses(res({}), res({}, JSON_CT, 201), OPTIONS);
    expect(within).toEqual([
      {
        kind: 'status-changed',
        severity: 'non-breaking',
        place: 'status',
        path: '',
        recorded: '200',
        live: '201',
      },
    ]);
  });

  it('does not diff the body of another status class (an error envelope is not the resource)', () => {
    const f = compareResponses(
      res({ id: 1, name: 'a' }),
      res({ error: 'gone' }, JSON_CT, 404),
      OPTIONS,
    );
    expect(brief(f)).toEqual(['status-class-changed breaking ']);
  });
});

describe('headers', () => {
  const h = (
    recorded: Record<string, string>,
    live: Record<string, string>,
    headers = DEFAULT_DRIFT_HEADERS,
  ) => brief(compareResponses(res({}, recorded), res({}, live), { ...OPTIONS, headers }));

  it('content type: a media type change is breaking, parameters are normalized', () => {
    expect(h({ 'content-type': 'application/json' }, { 'content-type': 'text/html' })).toEqual([
      'content-type-changed breaking header:content-type',
    ]);
    expect(
      h(
        { 'content-type': 'application/json; charset=UTF-8' },
        { 'content-type': 'Application/JSON;charset="utf-8"' },
      ),
    ).toEqual([]);
    expect(
      h(
        { 'content-type': 'application/json' },
        { 'content-type': 'application/json; charset=utf-8' },
      ),
    ).toEqual(['header-changed non-breaking header:content-type']);
    expect(parseContentType('Text/Plain; Charset="UTF-8"; format=flowed')).toEqual({
      type: 'text/plain',
      params: 'charset=utf-8; format=flowed',
    });
  });

  it('a compared header gone live is breaking; a new one non-breaking', () => {
    expect(h({ ...JSON_CT, 'cache-control': 'max-age=60' }, JSON_CT)).toEqual([
      'header-removed breaking header:cache-control',
    ]);
    expect(h(JSON_CT, { ...JSON_CT, 'x-total-count': '3' })).toEqual([
      'header-added non-breaking header:x-total-count',
    ]);
  });

  it('prefix patterns select rate-limit headers; their counters are built-in noise', () => {
    expect(
      h(
        { ...JSON_CT, 'x-ratelimit-limit': '100', 'x-ratelimit-remaining': '99' },
        { ...JSON_CT, 'x-ratelimit-limit': '50', 'x-ratelimit-remaining': '12' },
      ),
    ).toEqual([
      'header-changed non-breaking header:x-ratelimit-limit',
      'header-changed noise header:x-ratelimit-remaining',
    ]);
  });

  it('ETag and Date value changes are noise; token lists compare without order or case', () => {
    expect(h({ ...JSON_CT, etag: '"a"' }, { ...JSON_CT, etag: '"b"' })).toEqual([
      'header-changed noise header:etag',
    ]);
    expect(
      h({ date: 'Mon, 01 Jan 2024 00:00:00 GMT' }, { date: 'Tue, 02 Jan 2024 00:00:00 GMT' }, [
        'date',
      ]),
    ).toEqual(['header-changed noise header:date']);
    expect(h({ vary: 'Accept, Origin' }, { vary: 'origin,accept' })).toEqual([]);
  });

  it('headers outside the selection are not compared', () => {
    expect(h({ ...JSON_CT, server: 'a' }, { ...JSON_CT, server: 'b' })).toEqual([]);
  });

  it('a learned header is noise', () => {
    const f = compareResponses(res({}, { link: '<a>' }), res({}, { link: '<b>' }), {
      ...OPTIONS,
      volatile: new Set(['header:link']),
    });
    expect(f[0]).toMatchObject({
      kind: 'header-changed',
      severity: 'noise',
      noiseReason: 'learned',
    });
  });
});

describe('JSON bodies: kinds and classification', () => {
  it('field removed is breaking, field added non-breaking (both directions)', () => {
    expect(brief(compare({ a: 1, b: 2 }, { a: 1, c: 3 }))).toEqual([
      'field-added non-breaking /c',
      'field-removed breaking /b',
    ]);
  });

  it('type changes: string->number, object->array, value->null breaking; null->value non-breaking', () => {
    expect(brief(compare({ a: '1' }, { a: 1 }))).toEqual(['type-changed breaking /a']);
    expect(brief(compare({ a: { x: 1 } }, { a: [1] }))).toEqual(['type-changed breaking /a']);
    expect(brief(compare({ a: 'x' }, { a: null }))).toEqual(['type-changed breaking /a']);
    expect(brief(compare({ a: null }, { a: 'x' }))).toEqual(['type-changed non-breaking /a']);
    expect(compare({ a: true }, { a: 'true' })[0]).toMatchObject({
      recorded: 'true',
      live: '"true"',
    });
  });

  it('a value change is non-breaking and shows both values', () => {
    expect(compare({ user: { name: 'Ada' } }, { user: { name: 'Grace' } })).toEqual([
      {
        kind: 'value-changed',
        severity: 'non-breaking',
        place: 'body',
        path: '/user/name',
        stablePath: '/user/name',
        recorded: '"Ada"',
        live: '"Grace"',
      },
    ]);
  });

  it('finds changes deep in nested objects and arrays, with escaped pointers', () => {
    const a = { l1: { l2: [{ l3: { 'a/b': { '~x': [1, 2, { deep: 'v' }] } } }] } };
    const b = { l1: { l2: [{ l3: { 'a/b': { '~x': [1, 2, { deep: 'w' }] } } }] } };
    expect(brief(compare(a, b))).toEqual([
      'value-changed non-breaking /l1/l2/0/l3/a~1b/~0x/2/deep',
    ]);
  });

  it('compares top-level arrays and scalars', () => {
    expect(brief(compare([1, 2], [1, 3]))).toEqual(['value-changed non-breaking /1']);
    expect(brief(compare('a', 'b'))).toEqual(['value-changed non-breaking ']);
    expect(brief(compare({ a: 1 }, [1]))).toEqual(['type-changed breaking ']);
  });

  it('values are clipped to 80 characters', () => {
    const f = compare({ a: 'x'.repeat(500) }, { a: 'y'.repeat(500) })[0]!;
    expect(f.recorded!.length).toBeLessThanOrEqual(80);
    expect(f.live!.endsWith('…')).toBe(true);
  });

  it('fields named like Map or Object members are plain fields', () => {
    // json-diff-ts looks up array alignment by key path; `values`/`constructor` must not hit prototypes.
    expect(
      brief(
        compare(
          { values: [1, 2], constructor: [{ a: 1 }], size: [3] },
          { values: [1, 3], constructor: [{ a: 2 }], size: [3] },
        ),
      ),
    ).toEqual([
      'value-changed non-breaking /values/1',
      'value-changed non-breaking /constructor/0/a',
    ]);
    expect(
      brief(
        compare(
          JSON.parse('{"__proto__":{"a":1}}') as JsonValue,
          JSON.parse('{"__proto__":{"a":2}}') as JsonValue,
        ),
      ),
    ).toEqual(['value-changed non-breaking /__proto__/a']);
  });
});

describe('array alignment', () => {
  const rec = {
    data: [
      { id: 'a', name: 'Ada', score: 1 },
      { id: 'b', name: 'Bob', score: 2 },
      { id: 'c', name: 'Cy', score: 3 },
    ],
  };

  it('a pure reorder of id-aligned elements is one array-reordered finding', () => {
    const live = { data: [rec.data[2], rec.data[0], rec.data[1]] } as JsonValue;
    expect(compare(rec, live)).toEqual([
      {
        kind: 'array-reordered',
        severity: 'non-breaking',
        place: 'body',
        path: '/data',
        stablePath: '/data',
        recorded: 'id: a, b, c',
        live: 'id: c, a, b',
      },
    ]);
  });

  it('an insert by id is one element-added (not a cascade of value changes)', () => {
    const live = { data: [{ id: 'z', name: 'Zed', score: 0 }, ...rec.data] };
    expect(brief(compare(rec, live))).toEqual(['element-added non-breaking /data/0']);
    expect(compare(rec, live)[0]!.stablePath).toBe('/data/[id=z]');
  });

  it('a removal by id is one element-removed; a change follows its element', () => {
    const live = { data: [rec.data[0]!, { ...rec.data[2]!, score: 30 }] } as JsonValue;
    const f = compare(rec, live);
    expect(brief(f)).toEqual([
      'value-changed non-breaking /data/2/score',
      'element-removed non-breaking /data/1',
    ]);
    expect(f[0]!.stablePath).toBe('/data/[id=c]/score');
  });

  it('aligns by uuid, key, name... when every element has one; by position otherwise', () => {
    expect(
      brief(
        compare(
          {
            l: [
              { uuid: 'u1', v: 1 },
              { uuid: 'u2', v: 2 },
            ],
          },
          {
            l: [
              { uuid: 'u2', v: 2 },
              { uuid: 'u1', v: 1 },
            ],
          },
        ),
      ),
    ).toEqual(['array-reordered non-breaking /l']);
    // One element without an id: positional, so a swap shows as value changes.
    expect(
      brief(compare({ l: [{ id: 1, v: 1 }, { v: 2 }] }, { l: [{ v: 2 }, { id: 1, v: 1 }] })),
    ).toContain('field-removed breaking /l/0/id');
    // Duplicate ids cannot identify elements.
    expect(
      brief(
        compare(
          {
            l: [
              { id: 1, v: 1 },
              { id: 1, v: 2 },
            ],
          },
          {
            l: [
              { id: 1, v: 2 },
              { id: 1, v: 1 },
            ],
          },
        ),
      ),
    ).toEqual(['value-changed non-breaking /l/0/v', 'value-changed non-breaking /l/1/v']);
  });

  it('positional arrays report extra and missing elements at the end', () => {
    expect(brief(compare({ t: ['a', 'b'] }, { t: ['a', 'b', 'c'] }))).toEqual([
      'element-added non-breaking /t/2',
    ]);
    expect(brief(compare({ t: ['a', 'b'] }, { t: ['a'] }))).toEqual([
      'element-removed non-breaking /t/1',
    ]);
  });

  it('aligns nested id arrays inside id-aligned elements', () => {
    const a = {
      orders: [
        {
          id: 1,
          lines: [
            { sku: 'x', qty: 1 },
            { sku: 'y', qty: 2 },
          ],
        },
      ],
    };
    const b = {
      orders: [
        {
          id: 1,
          lines: [
            { sku: 'y', qty: 5 },
            { sku: 'x', qty: 1 },
          ],
        },
      ],
    };
    const f = compare(a, b);
    expect(brief(f)).toEqual([
      'value-changed non-breaking /orders/0/lines/1/qty',
      'array-reordered non-breaking /orders/0/lines',
    ]);
    expect(f[0]!.stablePath).toBe('/orders/[id=1]/lines/[sku=y]/qty');
  });
});

describe('enum-like fields', () => {
  const list = (...statuses: string[]) => ({
    items: statuses.map((status, i) => ({ id: i, status })),
  });

  it('a vocabulary that lost a member is enum-value-removed (breaking); gained one, enum-value-added', () => {
    const f = compare(
      list('pending', 'shipped', 'pending'),
      list('pending', 'dispatched', 'pending'),
    );
    expect(brief(f)).toEqual([
      'value-changed non-breaking /items/1/status',
      'enum-value-removed breaking /items/*/status',
      'enum-value-added non-breaking /items/*/status',
    ]);
    expect(f[1]).toMatchObject({ recorded: 'pending, shipped', live: 'dispatched, pending' });
  });

  it('a value that moves within the vocabulary is only a value change', () => {
    expect(
      brief(compare(list('ACTIVE', 'PENDING', 'ACTIVE'), list('ACTIVE', 'ACTIVE', 'PENDING'))),
    ).toEqual([
      'value-changed non-breaking /items/1/status',
      'value-changed non-breaking /items/2/status',
    ]);
  });

  it('a single status-like value change (no list) is a value change', () => {
    expect(brief(compare({ status: 'active' }, { status: 'suspended' }))).toEqual([
      'value-changed non-breaking /status',
    ]);
  });

  it('free text under a status-like name is not an enum', () => {
    expect(brief(compare(list('All good here', 'x y'), list('Something else', 'x y')))).toEqual([
      'value-changed non-breaking /items/0/status',
    ]);
  });

  it('elements only on one side do not count toward the vocabulary', () => {
    expect(
      brief(compare(list('pending', 'pending', 'refunded'), list('pending', 'pending'))),
    ).toEqual(['element-removed non-breaking /items/2']);
  });
});

describe('noise', () => {
  it('built-in: timestamps (ISO-8601, epoch) under time-like names, request ids, cursors, nonces', () => {
    const a = {
      created_at: '2024-01-01T00:00:00Z',
      updatedAt: 1700000000,
      date: '2024-01-01',
      request_id: 'r1',
      next_cursor: 'c1',
      nonce: 'n1',
      meta: { timestamp: 1700000000123 },
    };
    const b = {
      created_at: '2025-02-02T10:11:12.123+02:00',
      updatedAt: 1800000000,
      date: '2025-03-03',
      request_id: 'r2',
      next_cursor: 'c2',
      nonce: 'n2',
      meta: { timestamp: 1800000000123 },
    };
    const f = compare(a, b);
    expect(f.length).toBe(7);
    for (const x of f)
      expect(x).toMatchObject({ severity: 'noise', noiseReason: 'builtin', kind: 'value-changed' });
  });

  it('a time-like name with a value that is not a timestamp is compared', () => {
    expect(brief(compare({ date: 'tomorrow' }, { date: 'today' }))).toEqual([
      'value-changed non-breaking /date',
    ]);
    expect(brief(compare({ total: 1700000000 }, { total: 1800000000 }))).toEqual([
      'value-changed non-breaking /total',
    ]);
  });

  it('a volatile field whose type changes is still breaking; one that disappears too', () => {
    expect(
      brief(compare({ created_at: '2024-01-01T00:00:00Z' }, { created_at: 1700000000 })),
    ).toEqual(['type-changed breaking /created_at']);
    expect(brief(compare({ request_id: 'r1' }, {}))).toEqual([
      'field-removed breaking /request_id',
    ]);
  });

  it('pinned by JSON path (config) hides values, additions and removals below it', () => {
    const f = compare(
      { data: [{ id: 1, v: 1, seen: 'x' }], debug: { a: 1 } },
      { data: [{ id: 1, v: 2, seen: 'y' }], debug: { b: 2 } },
      { ignore: ['$.data[*].seen', '$.debug'] },
    );
    expect(brief(f)).toEqual([
      'value-changed non-breaking /data/0/v',
      'value-changed noise /data/0/seen',
      'field-added noise /debug/b',
      'field-removed noise /debug/a',
    ]);
    expect(f.filter((x) => x.severity === 'noise').every((x) => x.noiseReason === 'pinned')).toBe(
      true,
    );
  });

  it('learned pointers are noise; a type change there is not', () => {
    const f = compare(
      { a: { b: 1 }, c: 'x' },
      { a: { b: 2 }, c: 3 },
      { volatile: new Set(['/a/b', '/c']) },
    );
    expect(brief(f)).toEqual(['value-changed noise /a/b', 'type-changed breaking /c']);
    expect(f[0]!.noiseReason).toBe('learned');
  });

  it('volatilePointers learns what differs between two live answers', () => {
    const first = res(
      { data: [{ id: 1, token: 'a', v: 1 }], served: 'x' },
      { ...JSON_CT, 'x-request-id': '1' },
    );
    const second = res(
      { data: [{ id: 1, token: 'b', v: 1 }], served: 'x' },
      { ...JSON_CT, 'x-request-id': '2' },
    );
    expect(volatilePointers(first, second)).toEqual(['/data/0/token', 'header:x-request-id']);
    const recorded = res(
      { data: [{ id: 1, token: 'r', v: 1 }], served: 'x' },
      { ...JSON_CT, 'x-request-id': '0' },
    );
    const f = compareResponses(recorded, first, {
      ...OPTIONS,
      headers: [...DEFAULT_DRIFT_HEADERS, 'x-request-id'],
      volatile: new Set(volatilePointers(first, second)),
    });
    expect(summarize(f)).toEqual({ outcome: 'same' });
    expect(f.every((x) => x.severity === 'noise')).toBe(true);
  });
});

describe('non-JSON bodies', () => {
  const withBody = (body: Body | undefined): RecordedResponse =>
    body === undefined ? { status: 200, headers: {} } : { status: 200, headers: {}, body };

  it('text and binary compare by hash', () => {
    const text = (t: string): Body => ({ encoding: 'text', text: t });
    expect(compareResponses(withBody(text('hello')), withBody(text('hello')), OPTIONS)).toEqual([]);
    const f = compareResponses(withBody(text('hello')), withBody(text('hellO')), OPTIONS);
    expect(brief(f)).toEqual(['body-changed non-breaking ']);
    expect(f[0]!.recorded).toMatch(/^text, 5 chars, #[0-9a-f]{12}$/);
    expect(f[0]!.recorded).not.toBe(f[0]!.live);
    const bin = compareResponses(
      withBody({ encoding: 'base64', base64: 'AAEC' }),
      withBody({ encoding: 'base64', base64: 'AAED' }),
      OPTIONS,
    );
    expect(bin[0]!.recorded).toMatch(/^binary, 3 bytes, #/);
  });

  it('a body that appears, disappears or changes encoding is body-changed', () => {
    expect(
      compareResponses(withBody(undefined), withBody({ encoding: 'text', text: 'x' }), OPTIONS)[0],
    ).toMatchObject({
      kind: 'body-changed',
      recorded: '(no body)',
    });
    expect(
      brief(
        compareResponses(
          withBody({ encoding: 'json', json: {} }),
          withBody({ encoding: 'text', text: '<html>' }),
          OPTIONS,
        ),
      ),
      // A client that parsed the recorded JSON cannot parse this: breaking.
    ).toEqual(['body-changed breaking ']);
  });
});

describe('fingerprint, summarize, buildReport', () => {
  it('fingerprints are stable across insertions into id-aligned arrays', () => {
    const a = { data: [{ id: 'x', v: 1 }] };
    const before = compare(a, { data: [{ id: 'x', v: 2 }] })[0]!;
    const after = compare(
      { data: [{ id: 'w', v: 0 }, ...a.data] },
      {
        data: [
          { id: 'w', v: 0 },
          { id: 'x', v: 2 },
        ],
      },
    )[0]!;
    expect(before.path).not.toBe(after.path);
    expect(fingerprint('c', 'GET', '/x', before)).toBe(fingerprint('c', 'get', '/x', after));
    expect(fingerprint('c', 'GET', '/x', before)).toMatch(/^[0-9a-f]{16}$/);
    expect(fingerprint('c', 'GET', '/y', before)).not.toBe(fingerprint('c', 'GET', '/x', before));
    expect(fingerprint('d', 'GET', '/x', before)).not.toBe(fingerprint('c', 'GET', '/x', before));
  });

  it('summarize takes the highest non-noise severity', () => {
    const f = (severity: Finding['severity']): Finding => ({
      kind: 'value-changed',
      severity,
      place: 'body',
      path: '/a',
    });
    expect(summarize([])).toEqual({ outcome: 'same' });
    expect(summarize([f('noise')])).toEqual({ outcome: 'same' });
    expect(summarize([f('noise'), f('non-breaking')])).toEqual({
      outcome: 'drift',
      severity: 'non-breaking',
    });
    expect(summarize([f('non-breaking'), f('breaking')])).toEqual({
      outcome: 'drift',
      severity: 'breaking',
    });
  });

  it('buildReport counts, sorts, recomputes outcomes and picks the verdict', () => {
    const finding = (severity: Finding['severity']): Finding => ({
      kind: 'value-changed',
      severity,
      place: 'body',
      path: '/a',
    });
    const base = { method: 'GET', target: '/x', recordedStatus: 200, liveStatus: 200 };
    const interactions: InteractionDrift[] = [
      {
        ...base,
        cassette: 'b',
        index: 1,
        outcome: 'same',
        findings: [finding('breaking'), finding('noise')],
      },
      {
        ...base,
        cassette: 'b',
        index: 0,
        outcome: 'drift',
        severity: 'breaking',
        findings: [finding('noise')],
      },
      { ...base, cassette: 'a', index: 0, outcome: 'drift', findings: [finding('non-breaking')] },
      {
        ...base,
        cassette: 'a',
        index: 1,
        outcome: 'unchecked',
        findings: [],
        unchecked: { reason: 'unsafe-method', detail: 'POST' },
      },
      {
        ...base,
        cassette: 'a',
        index: 2,
        outcome: 'unchecked',
        findings: [],
        unchecked: { reason: 'timeout', detail: '5000 ms' },
      },
    ];
    const report = buildReport({
      target: 'http://t',
      startedAt: 's',
      finishedAt: 'f',
      durationMs: 5,
      interactions,
    });
    expect(report.verdict).toBe('breaking');
    expect(
      report.interactions.map((i) => `${i.cassette}#${i.index}:${i.outcome}:${i.severity ?? '-'}`),
    ).toEqual([
      'a#0:drift:non-breaking',
      'a#1:unchecked:-',
      'a#2:unchecked:-',
      'b#0:same:-',
      'b#1:drift:breaking',
    ]);
    expect(report.totals).toEqual({
      interactions: 5,
      checked: 3,
      same: 1,
      breaking: 1,
      nonBreaking: 1,
      unchecked: 2,
      skipped: 1,
      noiseFindings: 2,
      breakingFindings: 1,
      nonBreakingFindings: 1,
    });
    expect(report.cassettes).toEqual([
      { name: 'a', interactions: 3, breaking: 0, nonBreaking: 1, unchecked: 2, noiseFindings: 0 },
      { name: 'b', interactions: 2, breaking: 1, nonBreaking: 0, unchecked: 0, noiseFindings: 2 },
    ]);
    expect(
      buildReport({ target: 't', startedAt: 's', finishedAt: 'f', durationMs: 0, interactions: [] })
        .verdict,
    ).toBe('clean');
  });
});

describe('redacted values', () => {
  it('treats the same secret pseudonymized under another key as noise, in bodies and headers', () => {
    const recorded = {
      status: 200,
      headers: { 'content-type': 'application/json', 'x-api-key': 'tdp_abcdefghijklmnopqrstuvwx' },
      body: {
        encoding: 'json' as const,
        json: { token: 'tdp_abcdefghijklmnopqrstuvwx', note: 'same' },
      },
    };
    const live = {
      status: 200,
      headers: { 'content-type': 'application/json', 'x-api-key': 'tdp_zyxwvutsrqponmlkjihgfedc' },
      body: {
        encoding: 'json' as const,
        json: { token: 'tdp_zyxwvutsrqponmlkjihgfedc', note: 'same' },
      },
    };
    const findings = compareResponses(recorded, live, {
      ignore: [],
      volatile: new Set(),
      headers: [...DEFAULT_DRIFT_HEADERS, 'x-api-key'],
    });
    expect(findings.map((f) => [f.path, f.severity, f.noiseReason])).toEqual([
      ['x-api-key', 'noise', 'builtin'],
      ['/token', 'noise', 'builtin'],
    ]);
  });

  it('still reports a plain value that replaced a redacted one', () => {
    const findings = compareResponses(
      {
        status: 200,
        headers: {},
        body: { encoding: 'json', json: { token: 'tdp_abcdefghijklmnopqrstuvwx' } },
      },
      { status: 200, headers: {}, body: { encoding: 'json', json: { token: 'plain' } } },
      { ignore: [], volatile: new Set(), headers: [] },
    );
    expect(findings.map((f) => [f.path, f.kind, f.severity])).toEqual([
      ['/token', 'value-changed', 'non-breaking'],
    ]);
  });
});
