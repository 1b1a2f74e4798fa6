/**
 * A drift report built the way the drift job builds one: real comparisons of recorded and live
 * responses, then buildReport. It holds breaking, non-breaking and noise findings, unchecked
 * interactions, spec verdicts and history, for the golden files and the schema test.
 */
import type { RecordedResponse } from '../../../src/core/cassette/model.js';
import { compareResponses, DEFAULT_DRIFT_HEADERS } from '../../../src/core/drift/compare.js';
import { buildReport, fingerprint, summarize } from '../../../src/core/drift/report.js';
import type { DriftReport, InteractionDrift } from '../../../src/core/drift/model.js';
import type { JsonValue } from '../../../src/core/json.js';

const OPTIONS = {
  ignore: ['$.meta.debug'],
  volatile: new Set<string>(),
  headers: DEFAULT_DRIFT_HEADERS,
};

function json(
  body: JsonValue,
  status = 200,
  headers: Record<string, string> = {},
): RecordedResponse {
  return {
    status,
    headers: { 'content-type': 'application/json', ...headers },
    body: { encoding: 'json', json: body },
  };
}

function checked(
  cassette: string,
  index: number,
  method: string,
  target: string,
  recorded: RecordedResponse,
  live: RecordedResponse,
  extra: Partial<InteractionDrift> = {},
): InteractionDrift {
  const findings = compareResponses(recorded, live, OPTIONS);
  const summary = summarize(findings);
  return {
    cassette,
    index,
    method,
    target,
    recordedStatus: recorded.status,
    liveStatus: live.status,
    findings,
    ...summary,
    ...extra,
  };
}

/** History: every finding of `i` first seen at `when`, except the pointers listed as new. */
function withHistory(
  i: InteractionDrift,
  when: string,
  newPaths: readonly string[] = [],
): InteractionDrift {
  const firstSeen: Record<string, string> = {};
  for (const f of i.findings) {
    if (newPaths.includes(f.path)) continue;
    firstSeen[fingerprint(i.cassette, i.method, i.target, f)] = when;
  }
  return { ...i, firstSeen };
}

export function sampleReport(): DriftReport {
  const orders = checked(
    'orders/list',
    0,
    'GET',
    '/v1/orders?limit=3',
    json(
      {
        data: [
          { id: 'ord_1', status: 'pending', total: 1200, created_at: '2026-01-01T10:00:00Z' },
          { id: 'ord_2', status: 'shipped', total: 800, created_at: '2026-01-02T10:00:00Z' },
          { id: 'ord_3', status: 'pending', total: 50, created_at: '2026-01-03T10:00:00Z' },
        ],
        next_cursor: 'c_abc',
        meta: { debug: { node: 'a' } },
      },
      200,
      { etag: '"v1"', 'cache-control': 'private, max-age=60' },
    ),
    json(
      {
        data: [
          {
            id: 'ord_2',
            status: 'dispatched',
            total: '800',
            created_at: '2026-02-02T10:00:00Z',
            currency: 'EUR',
          },
          {
            id: 'ord_1',
            status: 'pending',
            total: 1200,
            created_at: '2026-02-01T10:00:00Z',
            currency: 'EUR',
          },
          {
            id: 'ord_3',
            status: 'pending',
            total: 50,
            created_at: '2026-02-03T10:00:00Z',
            currency: 'EUR',
          },
        ],
        next_cursor: 'c_def',
        meta: { debug: { node: 'b' } },
      },
      200,
      { etag: '"v2"' },
    ),
    {
      spec: {
        recording: [],
        live: [{ pointer: '/data/0/total', message: 'must be integer' }],
      },
    },
  );
  const user = checked(
    'users/profile',
    1,
    'GET',
    '/v1/users/usr_7f3a',
    json({ id: 'usr_7f3a', email: 'user-1@example.test', plan: 'pro', tags: ['a', 'b'] }),
    json({
      id: 'usr_7f3a',
      email: 'user-1@example.test',
      plan: 'team',
      tags: ['a', 'b', 'c'],
      avatar: null,
    }),
    { spec: { recording: [], live: [] } },
  );
  const gone = checked(
    'users/profile',
    2,
    'GET',
    '/v1/users/usr_0000',
    json({ id: 'usr_0000' }),
    json({ error: 'not_found' }, 404),
  );
  const same = checked(
    'users/profile',
    0,
    'GET',
    '/v1/me',
    json({ id: 'usr_7f3a', seen_at: '2026-01-01T00:00:00Z' }, 200, {
      'x-ratelimit-remaining': '99',
    }),
    json({ id: 'usr_7f3a', seen_at: '2026-03-01T00:00:00Z' }, 200, {
      'x-ratelimit-remaining': '42',
    }),
  );
  const slow: InteractionDrift = {
    cassette: 'orders/list',
    index: 1,
    method: 'GET',
    target: '/v1/orders/slow',
    outcome: 'unchecked',
    recordedStatus: 200,
    findings: [],
    unchecked: { reason: 'timeout', detail: 'no answer within 5000 ms' },
  };
  const create: InteractionDrift = {
    cassette: 'orders/create',
    index: 0,
    method: 'POST',
    target: '/v1/orders',
    outcome: 'unchecked',
    recordedStatus: 201,
    findings: [],
    unchecked: { reason: 'unsafe-method', detail: 'POST is not marked replayable' },
  };
  return buildReport({
    target: 'https://staging.example.test',
    startedAt: '2026-03-01T02:00:00.000Z',
    finishedAt: '2026-03-01T02:00:04.250Z',
    durationMs: 4250,
    interactions: [
      withHistory(orders, '2026-02-17T02:00:05.000Z', ['/data/1/total', '/data/*/status']),
      withHistory(user, '2026-02-28T02:00:05.000Z'),
      gone,
      same,
      slow,
      create,
    ],
  });
}
