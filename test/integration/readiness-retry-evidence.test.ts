/**
 * Regression (issue 16 review): the answers readiness judges a partner's reaction to — a
 * scenario's 429 and 502, the rate limiter's 429 — come from layers before the state and
 * idempotency layers, and were journaled without an operation or the idempotency key's hash. A
 * partner that waited out Retry-After and retried with the same Idempotency-Key then failed
 * `retry-after` ("never retried": its retry was another operation) and `idempotent-retry` ("sent
 * without an Idempotency-Key"). Through a real sandbox (SQLite, port 0, manual time), the journal
 * read over HTTP, evaluated by the readiness evaluator.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { StoredJournalEntry } from '../../src/core/ports/journal.js';
import { evaluate } from '../../src/core/readiness/evaluate.js';
import type { ReadinessEvidence } from '../../src/core/readiness/types.js';
import { ManualTime } from '../helpers/manual-time.js';
import { startSandbox, stripeSpecFile, type RunningSandbox } from '../helpers/sandbox.js';

describe('journal facts of answers given before the state layer', () => {
  const time = new ManualTime();
  let sandbox: RunningSandbox;
  let key: string;
  let entries: StoredJournalEntry[];

  const call = (method: string, path: string, headers: Record<string, string> = {}) =>
    fetch(`${sandbox.url}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${key}`,
        ...(method === 'POST' ? { 'content-type': 'application/x-www-form-urlencoded' } : {}),
        ...headers,
      },
      ...(method === 'POST' ? { body: 'name=Ada' } : {}),
    });

  beforeAll(async () => {
    sandbox = await startSandbox({
      spec: stripeSpecFile(),
      profile: 'stripe',
      time,
      flags: [
        {
          pointer: '/sandbox/scenarios',
          value: [
            {
              name: 'slow_down',
              description: 'A 429 asking for 2 s.',
              operations: ['POST /v1/customers'],
              triggers: [],
              outcome: { fault: 'rate-limited', retryAfter: 2 },
            },
            {
              name: 'bad_gateway',
              description: 'The load balancer answers 502.',
              operations: ['POST /v1/customers'],
              triggers: [],
              outcome: { fault: 'gateway', status: 502 },
            },
          ],
          flag: 'test',
        },
        {
          pointer: '/sandbox/rateLimits',
          value: [{ name: 'lists', limit: 1, windowSeconds: 10, operations: ['GetCustomers'] }],
          flag: 'test',
        },
      ],
    });
    key = await sandbox.createTenant('acme');

    // A scenario's 429, waited out, retried with the same key.
    const limited = await call('POST', '/v1/customers', {
      'x-tapedeck-scenario': 'slow_down',
      'idempotency-key': 'order-1',
    });
    expect(limited.status).toBe(429);
    expect(limited.headers.get('retry-after')).toBe('2');
    await time.advance(2_000);
    expect((await call('POST', '/v1/customers', { 'idempotency-key': 'order-1' })).status).toBe(
      200,
    );

    // A scenario's 502, retried with the same key.
    const gateway = await call('POST', '/v1/customers', {
      'x-tapedeck-scenario': 'bad_gateway',
      'idempotency-key': 'order-2',
    });
    expect(gateway.status).toBe(502);
    expect((await call('POST', '/v1/customers', { 'idempotency-key': 'order-2' })).status).toBe(
      200,
    );

    // The rate limiter's 429, waited out.
    expect((await call('GET', '/v1/customers')).status).toBe(200);
    const throttled = await call('GET', '/v1/customers');
    expect(throttled.status).toBe(429);
    const wait = Number(throttled.headers.get('retry-after'));
    expect(wait).toBeGreaterThan(0);
    await time.advance(wait * 1000);
    expect((await call('GET', '/v1/customers')).status).toBe(200);

    const read = await sandbox.admin('GET', 'journal?tenant=acme&limit=100');
    expect(read.status).toBe(200);
    entries = ((await read.json()) as { entries: StoredJournalEntry[] }).entries.reverse();
  });

  afterAll(() => sandbox.stop());

  it('names the operation and the key hash of a scenario or rate-limit answer', () => {
    const answers = entries.filter((e) => e.layer !== 'admin');
    expect(answers.map((e) => [e.layer, e.status, e.operation, e.route])).toEqual([
      ['scenario', 429, 'PostCustomers', '/v1/customers'],
      ['state', 200, 'PostCustomers', '/v1/customers'],
      ['scenario', 502, 'PostCustomers', '/v1/customers'],
      ['state', 200, 'PostCustomers', '/v1/customers'],
      ['state', 200, 'GetCustomers', '/v1/customers'],
      ['limits', 429, 'GetCustomers', '/v1/customers'],
      ['state', 200, 'GetCustomers', '/v1/customers'],
    ]);
    const [limited, retried, gateway, afterGateway] = answers;
    expect(limited!.idempotencyKeyHash).toMatch(/^[0-9a-f]{64}$/);
    expect(limited!.idempotencyKeyHash).toBe(retried!.idempotencyKeyHash);
    expect(gateway!.idempotencyKeyHash).toBe(afterGateway!.idempotencyKeyHash);
    expect(gateway!.idempotencyKeyHash).not.toBe(limited!.idempotencyKeyHash);
    // Hashed, never as sent.
    expect(JSON.stringify(entries)).not.toContain('order-1');
  });

  it('lets a partner that waited and retried with its key pass retry-after and idempotent-retry', () => {
    const evidence: ReadinessEvidence = {
      tenant: { id: entries[0]!.tenant!, name: 'acme' },
      until: time.now(),
      requests: entries,
      deliveries: [],
      events: [],
      surface: { operations: [], scenarios: [] },
      versions: { cassettes: [], criteria: { name: 'test', hash: 'sha256:0' } },
    };
    const report = evaluate(
      {
        name: 'test',
        criteria: [
          { id: 'retry-after', kind: 'retry-after' },
          { id: 'idempotent-retry', kind: 'idempotent-retry' },
        ],
      },
      evidence,
      time.now(),
    );
    expect(report.criteria.map((c) => [c.id, c.verdict, c.summary])).toEqual([
      ['retry-after', 'pass', '2 of 2 answers with Retry-After retried no sooner than asked'],
      ['idempotent-retry', 'pass', '1 of 1 cut call retried safely'],
    ]);
  });
});
