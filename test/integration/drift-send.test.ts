/**
 * Sending for drift against a real upstream: retries only for idempotent methods, Retry-After
 * in both forms and capped, timeouts, and what each failure is reported as. Plus the flow
 * helpers that carry created ids into later requests.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { UndiciUpstream } from '../../src/adapters/http/undici-upstream.js';
import { systemClock } from '../../src/adapters/system/system.js';
import {
  credentialValue,
  FlowValues,
  producedValues,
  requestHolds,
  sendableHeaders,
} from '../../src/core/drift/flows.js';
import {
  parseRetryAfter,
  RETRY_AFTER_CAP_MS,
  sendWithRetries,
  type SendPolicy,
} from '../../src/app/drift/send.js';
import type { RecordedRequest } from '../../src/core/cassette/model.js';
import { defer, runCleanups } from '../helpers/cleanup.js';
import { startUpstream } from '../helpers/upstream.js';

afterEach(runCleanups);

function upstreamAt(url: string, timeoutMs = 300) {
  const upstream = new UndiciUpstream({ target: url, timeoutMs });
  defer(() => upstream.close());
  return upstream;
}

function policy(waits: number[], overrides: Partial<SendPolicy> = {}): SendPolicy {
  return {
    timeoutMs: 300,
    retries: 2,
    maxBodyBytes: 1024 * 1024,
    clock: systemClock,
    sleep: (ms) => {
      waits.push(ms);
      return Promise.resolve();
    },
    ...overrides,
  };
}

const get = { method: 'GET', target: '/x', headers: [], body: undefined } as const;

describe('sendWithRetries', () => {
  it('retries a GET after 503 with backoff and returns the answer that came', async () => {
    let n = 0;
    const up = await startUpstream((_req, res) => {
      n++;
      res.writeHead(n < 3 ? 503 : 200, { 'content-type': 'application/json' });
      res.end('{"ok":true}');
    });
    const waits: number[] = [];
    const result = await sendWithRetries(upstreamAt(up.url), get, policy(waits));
    expect(result.ok).toBe(true);
    expect(result.ok && result.answer.attempts).toBe(3);
    expect(waits).toEqual([250, 500]);
  });

  it('never retries a POST: it may have happened', async () => {
    const up = await startUpstream((_req, res) => {
      res.writeHead(503);
      res.end();
    });
    const waits: number[] = [];
    const result = await sendWithRetries(
      upstreamAt(up.url),
      { ...get, method: 'POST' },
      policy(waits),
    );
    expect(result).toMatchObject({ ok: false, reason: 'upstream-unavailable', attempts: 1 });
    expect(up.requests).toHaveLength(1);
    expect(waits).toEqual([]);
  });

  it('honours Retry-After in seconds and as an HTTP date, and gives up beyond the cap', async () => {
    const now = Date.now();
    expect(parseRetryAfter('3', now)).toBe(3000);
    expect(parseRetryAfter(new Date(now + 5000).toUTCString(), now)).toBeGreaterThan(3000);
    expect(parseRetryAfter('soon', now)).toBeUndefined();

    let retryAfter = '2';
    const up = await startUpstream((_req, res) => {
      res.writeHead(429, { 'retry-after': retryAfter });
      res.end();
    });
    const waits: number[] = [];
    const limited = await sendWithRetries(upstreamAt(up.url), get, policy(waits, { retries: 1 }));
    expect(limited).toMatchObject({ ok: false, reason: 'rate-limited', attempts: 2 });
    expect(waits).toEqual([2000]);

    retryAfter = String(RETRY_AFTER_CAP_MS / 1000 + 60);
    const waits2: number[] = [];
    const capped = await sendWithRetries(upstreamAt(up.url), get, policy(waits2));
    expect(capped).toMatchObject({ ok: false, reason: 'rate-limited', attempts: 1 });
    expect(!capped.ok && capped.detail).toMatch(/cap/);
    expect(waits2).toEqual([]);
  });

  it('reports a timeout, a refused connection and a reset as such', async () => {
    const silent = await startUpstream(() => undefined);
    const timedOut = await sendWithRetries(upstreamAt(silent.url), get, policy([], { retries: 0 }));
    expect(timedOut).toMatchObject({ ok: false, reason: 'timeout' });

    const closed = await startUpstream(() => undefined);
    await closed.close();
    const refused = await sendWithRetries(upstreamAt(closed.url), get, policy([], { retries: 1 }));
    expect(refused).toMatchObject({ ok: false, reason: 'network', attempts: 2 });
    expect(!refused.ok && refused.detail).toMatch(/connection refused \(ECONNREFUSED\)/);

    const reset = await startUpstream((_req, res) => res.socket?.destroy());
    const dropped = await sendWithRetries(upstreamAt(reset.url), get, policy([], { retries: 0 }));
    expect(dropped).toMatchObject({ ok: false, reason: 'network' });
  });
});

describe('flows', () => {
  const req = (over: Partial<RecordedRequest>): RecordedRequest => ({
    method: 'GET',
    path: '/',
    query: {},
    headers: {},
    ...over,
  });

  it('carries a created id into path, query, headers and JSON bodies, by exact value', () => {
    const flow = new FlowValues();
    flow.learn(
      { encoding: 'json', json: { id: 'ord_1001', token: 'tdp_aaaaaaaaaaaaaaaaaaaaaaaa', n: 5 } },
      { encoding: 'json', json: { id: 'ord_2002', token: 'live-secret-token-xyz', n: 6 } },
      { encoding: 'json', json: { id: 'ord_2002', token: 'tdp_bbbbbbbbbbbbbbbbbbbbbbbb', n: 6 } },
    );
    const next = req({
      method: 'POST',
      path: '/orders/ord_1001/items',
      query: { order: 'ord_1001', page: '5' },
      headers: { authorization: 'Bearer tdp_aaaaaaaaaaaaaaaaaaaaaaaa' },
      body: { encoding: 'json', json: { order: 'ord_1001', count: 5 } },
    });
    const sent = flow.apply(next, 'send');
    expect(sent.path).toBe('/orders/ord_2002/items');
    expect(sent.query).toEqual({ order: 'ord_2002', page: '5' });
    expect(sent.headers).toEqual({ authorization: 'Bearer live-secret-token-xyz' });
    expect(sent.body).toEqual({ encoding: 'json', json: { order: 'ord_2002', count: 5 } });
    // What a re-recorded cassette keeps: the redacted side.
    expect(flow.apply(next, 'record').headers).toEqual({
      authorization: 'Bearer tdp_bbbbbbbbbbbbbbbbbbbbbbbb',
    });
  });

  it('knows which later requests depend on a step', () => {
    const post = req({
      method: 'POST',
      path: '/refunds',
      body: { encoding: 'json', json: { payment: 'pay_5001' } },
    });
    const produced = producedValues(post, {
      encoding: 'json',
      json: { id: 'ref_3001', payment: 'pay_5001', status: 'pending' },
    });
    expect([...produced]).toEqual(['ref_3001']);
    // A value an earlier step already showed is not this step's creation.
    const earlier = [
      {
        request: req({ path: '/refunds' }),
        response: { body: { encoding: 'json' as const, json: ['ref_3001'] } },
      },
    ];
    expect(producedValues(post, { encoding: 'json', json: { id: 'ref_3001' } }, earlier).size).toBe(
      0,
    );
    expect(requestHolds(req({ path: '/refunds/ref_3001' }), produced)).toBe(true);
    expect(requestHolds(req({ path: '/payments/pay_5001' }), produced)).toBe(false);
  });

  it('sends configured credentials, and never a pseudonym as if it were one', () => {
    expect(credentialValue('Bearer tdp_x', 'real')).toBe('Bearer real');
    expect(credentialValue('Bearer tdp_x', 'Basic abc')).toBe('Basic abc');
    const { headers, dropped } = sendableHeaders(
      {
        authorization: 'Bearer tdp_aaaaaaaaaaaaaaaaaaaaaaaa',
        'x-api-key': 'tdp_cccccccccccccccccccccccc',
        accept: 'application/json',
      },
      new Map([['authorization', 'live-token']]),
      new Set(),
    );
    expect(headers).toEqual([
      ['authorization', 'Bearer live-token'],
      ['accept', 'application/json'],
    ]);
    expect(dropped).toEqual(['x-api-key']);
  });
});
