import { describe, expect, it } from 'vitest';
import type { NamedCassette, RecordedRequest } from '../../src/core/cassette/model.js';
import { compileMatchConfig, DEFAULT_MATCH_OPTIONS } from '../../src/core/matching/config.js';
import { ReplayIndex } from '../../src/core/matching/index.js';
import { normalizeRequest } from '../../src/core/matching/normalize.js';
import {
  missReportJson,
  renderMissReport,
  type MissReport,
} from '../../src/core/render/near-miss.js';
import { renderSummary } from '../../src/core/render/summary.js';

const config = compileMatchConfig({ ...DEFAULT_MATCH_OPTIONS, headers: ['accept'] });

function interaction(request: RecordedRequest) {
  return {
    request,
    response: { status: 200, headers: {}, body: { encoding: 'text' as const, text: 'ok' } },
    latencyMs: 3,
    recordedAt: '2026-01-01T00:00:00Z',
  };
}

const cassettes: NamedCassette[] = [
  {
    name: 'orders',
    cassette: {
      version: 1,
      interactions: [
        interaction({
          method: 'GET',
          path: '/v1/orders',
          query: { limit: '20', status: 'open' },
          headers: { accept: 'application/json' },
        }),
        interaction({
          method: 'POST',
          path: '/v1/orders',
          query: {},
          headers: { accept: 'application/json', 'content-type': 'application/json' },
          body: {
            encoding: 'json',
            json: { amount: 1200, currency: 'usd', items: [{ sku: 'A-1', qty: 2 }] },
          },
        }),
      ],
    },
  },
  {
    name: 'customers',
    cassette: {
      version: 1,
      interactions: [
        interaction({ method: 'GET', path: '/v1/customers/cus_1', query: {}, headers: {} }),
      ],
    },
  },
];

const index = new ReplayIndex(cassettes, config);

function report(request: RecordedRequest, session = ''): MissReport {
  const normalized = normalizeRequest(request, config);
  return {
    request: normalized,
    session,
    nearest: index.nearest(normalized, 3),
    loaded: index.size,
  };
}

describe('near-miss report (golden files)', () => {
  it('marks a differing query value and a missing header', async () => {
    const text = renderMissReport(
      report(
        { method: 'GET', path: '/v1/orders', query: { status: 'open', limit: '10' }, headers: {} },
        'worker-2',
      ),
    );
    await expect(text).toMatchFileSnapshot('../golden/near-miss-query.txt');
  });

  it('points into a JSON body that differs', async () => {
    const text = renderMissReport(
      report({
        method: 'POST',
        path: '/v1/orders',
        query: {},
        headers: { accept: 'application/json', 'content-type': 'application/json' },
        body: {
          encoding: 'json',
          json: { currency: 'eur', amount: 1200, items: [{ qty: 3, sku: 'A-1' }] },
        },
      }),
    );
    await expect(text).toMatchFileSnapshot('../golden/near-miss-body.txt');
  });

  it('says plainly when nothing is recorded', async () => {
    const empty = new ReplayIndex([], config);
    const normalized = normalizeRequest(
      { method: 'GET', path: '/', query: {}, headers: {} },
      config,
    );
    const text = renderMissReport({
      request: normalized,
      session: '',
      nearest: empty.nearest(normalized),
      loaded: 0,
    });
    await expect(text).toMatchFileSnapshot('../golden/near-miss-empty.txt');
  });

  it('has a JSON form with the differences of each candidate', () => {
    const json = missReportJson(
      report({
        method: 'GET',
        path: '/v1/orders',
        query: { status: 'open', limit: '10' },
        headers: { accept: 'application/json' },
      }),
    );
    expect(json['code']).toBe('TD_NO_MATCH');
    const nearest = json['nearest'] as {
      cassette: string;
      interaction: number;
      differences: unknown[];
    }[];
    expect(nearest[0]).toMatchObject({ cassette: 'orders', interaction: 0 });
    expect(nearest[0]!.differences).toEqual([
      { field: 'query.limit', recorded: '20', actual: '10' },
    ]);
  });
});

describe('shutdown summary (golden file)', () => {
  it('lists served requests by layer, misses and unused recordings', async () => {
    const text = renderSummary({
      served: 42,
      byLayer: { cassette: 40, miss: 2 },
      misses: [
        { request: 'GET /v1/orders?limit=10', count: 1 },
        { request: 'DELETE /v1/orders/ord_1', count: 1 },
      ],
      unused: [{ cassette: 'orders', position: 3, request: 'GET /v1/orders/ord_2' }],
      recorded: [],
      recordFailures: 0,
      blocked: 0,
    });
    await expect(text).toMatchFileSnapshot('../golden/summary.txt');
  });
});
