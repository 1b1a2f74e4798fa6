import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { DEFAULT_CRITERIA } from '../../../src/core/readiness/defaults.js';
import { evaluate, MAX_EVIDENCE, reportHash } from '../../../src/core/readiness/evaluate.js';
import type {
  CriterionResult,
  ReadinessCriteria,
  ReadinessReport,
} from '../../../src/core/readiness/types.js';
import { attempt, delivery, evidenceOf, goodDeliveries, goodRequests, T0 } from './fixture.js';

const NOW = T0 + 61_000;

function byId(report: ReadinessReport): Record<string, CriterionResult> {
  return Object.fromEntries(report.criteria.map((c) => [c.id, c]));
}

/** The ids of the criteria that did not pass, with their verdicts. */
function notPassed(report: ReadinessReport): Record<string, string> {
  return Object.fromEntries(
    report.criteria.filter((c) => c.verdict !== 'pass').map((c) => [c.id, c.verdict]),
  );
}

describe('a partner who does everything right', () => {
  const report = evaluate(DEFAULT_CRITERIA, evidenceOf(), NOW);

  it('passes every default criterion: ready, full score', () => {
    expect(notPassed(report)).toEqual({});
    expect(report.verdict).toBe('ready');
    expect(report.counts).toEqual({ pass: 9, fail: 0, notExercised: 0, required: 9 });
    expect(report.score).toEqual({ passed: 9, of: 9 });
    for (const c of report.criteria) expect(c.next, c.id).toBeUndefined();
  });

  it('says what was observed, with the evidence named', () => {
    const c = byId(report);
    expect(c['retry-after']!.summary).toBe(
      '1 of 1 answer with Retry-After retried no sooner than asked',
    );
    expect(c['retry-after']!.evidence).toEqual([
      {
        requestId: 'req_0005',
        at: T0 + 2_000,
        note: 'POST PostPaymentIntents 429 with Retry-After 2; retried after 2.1 s',
      },
    ]);
    expect(c['idempotent-retry']!.evidence[0]!.note).toBe(
      'POST PostPaymentIntents cut (timeout); retried with the same Idempotency-Key (req_0008, replayed)',
    );
    expect(c['pagination']!.summary).toBe('1 of 1 list with more pages followed to the end');
    expect(c['webhooks-acknowledged']!.summary).toBe('2 of 2 deliveries answered 2xx within 10 s');
    expect(c['webhook-duplicate']!.evidence[0]).toMatchObject({
      deliveryId: 'dlv_3',
      eventId: 'evt_1',
    });
    expect(c['webhook-signature']!.evidence[0]!.note).toBe(
      'bad-signature copy of evt_2 (payment_intent.created) refused: 400 in 40 ms',
    );
    expect(c['error-rate']!.summary).toBe(
      '0 of 8 requests answered ≥ 400 (0%; at most 5%); 3 scenario or rate-limit answers left out',
    );
    expect(c['latency-p95']!.summary).toBe(
      'p95 12 ms over 8 requests (at most 1 s); 0 slower than that',
    );
    expect(c['spec-conformance']!.summary).toBe('0 of the last 8 requests checked broke the spec');
  });

  it('keeps coverage apart from the score', () => {
    expect(report.coverage).toEqual({
      operations: {
        exercised: [
          'GetCustomers',
          'GetPaymentIntentsIntent',
          'PostCustomers',
          'PostPaymentIntents',
        ],
        notExercised: ['PostRefunds'],
      },
      scenarios: {
        exercised: ['card_declined', 'rate_limited', 'timeout'],
        notExercised: ['expired_card'],
      },
    });
  });
});

describe('variants that get one thing wrong fail exactly the matching criterion', () => {
  it('ignoring Retry-After', () => {
    const requests = goodRequests();
    requests['afterLimit'] = { ...requests['afterLimit']!, t: 2_300 };
    const report = evaluate(DEFAULT_CRITERIA, evidenceOf(requests), NOW);
    expect(notPassed(report)).toEqual({ 'retry-after': 'fail' });
    expect(report.verdict).toBe('not-ready');
    const c = byId(report)['retry-after']!;
    expect(c.evidence[0]).toEqual({
      requestId: 'req_0005',
      at: T0 + 2_000,
      note: 'POST PostPaymentIntents 429 with Retry-After 2; retried after 288 ms (req_0006), too soon',
    });
    expect(c.next).toBe(
      'Wait at least the Retry-After seconds of a 429 or 503 before retrying the same call.',
    );
  });

  it('retrying a timed-out POST without an idempotency key', () => {
    const requests = goodRequests();
    const { idempotencyKeyHash: _k, idempotency: _i, ...cut } = requests['cut']!;
    const { idempotencyKeyHash: _k2, idempotency: _i2, ...retry } = requests['afterCut']!;
    requests['cut'] = cut;
    requests['afterCut'] = retry;
    const report = evaluate(DEFAULT_CRITERIA, evidenceOf(requests), NOW);
    expect(notPassed(report)).toEqual({ 'idempotent-retry': 'fail' });
    expect(byId(report)['idempotent-retry']!.evidence).toEqual([
      {
        requestId: 'req_0007',
        at: T0 + 5_000,
        note: 'POST PostPaymentIntents cut (timeout); sent without an Idempotency-Key, so its retry (req_0008) may apply it twice',
      },
    ]);
  });

  it('retrying with another key, or dropping the key on the retry', () => {
    const other = goodRequests();
    other['afterCut'] = {
      ...other['afterCut']!,
      idempotencyKeyHash: 'k-other',
      idempotency: 'fresh',
    };
    const r1 = evaluate(DEFAULT_CRITERIA, evidenceOf(other), NOW);
    expect(notPassed(r1)).toEqual({ 'idempotent-retry': 'fail' });
    expect(byId(r1)['idempotent-retry']!.evidence[0]!.note).toContain(
      'retried with another Idempotency-Key (req_0008)',
    );
    const dropped = goodRequests();
    const { idempotencyKeyHash: _k, ...retry } = dropped['afterCut']!;
    dropped['afterCut'] = retry;
    expect(
      byId(evaluate(DEFAULT_CRITERIA, evidenceOf(dropped), NOW))['idempotent-retry']!.evidence[0]!
        .note,
    ).toContain('retried without an Idempotency-Key (req_0008)');
  });

  it('never rejecting the bad-signature probe', () => {
    const deliveries = goodDeliveries();
    deliveries['badSignature'] = delivery(
      'dlv_4',
      'evt_2',
      'payment_intent.created',
      [attempt(T0 + 7_000, 200)],
      'bad-signature',
    );
    const report = evaluate(DEFAULT_CRITERIA, evidenceOf(goodRequests(), deliveries), NOW);
    expect(notPassed(report)).toEqual({ 'webhook-signature': 'fail' });
    expect(byId(report)['webhook-signature']!.evidence).toEqual([
      {
        deliveryId: 'dlv_4',
        eventId: 'evt_2',
        at: T0 + 7_000,
        note: 'bad-signature copy of evt_2 (payment_intent.created) accepted (200 in 40 ms): the signature was not checked',
      },
    ]);
  });

  it('a 5xx or no answer to the bad-signature probe is no refusal', () => {
    for (const status of [500, undefined]) {
      const deliveries = goodDeliveries();
      deliveries['badSignature'] = delivery(
        'dlv_4',
        'evt_2',
        'x',
        [attempt(T0 + 7_000, status)],
        'bad-signature',
      );
      const report = evaluate(DEFAULT_CRITERIA, evidenceOf(goodRequests(), deliveries), NOW);
      expect(notPassed(report), String(status)).toEqual({ 'webhook-signature': 'fail' });
    }
  });

  it('reprocessing the duplicate: a state change on the event’s object after it', () => {
    const requests = goodRequests();
    requests['reprocess'] = {
      t: 6_500,
      method: 'POST',
      path: '/v1/payment_intents/pi_1/capture',
      operation: 'PostPaymentIntentsIntentCapture',
      status: 200,
      conforms: true,
      idempotencyKeyHash: 'k-cap',
    };
    const report = evaluate(DEFAULT_CRITERIA, evidenceOf(requests), NOW);
    expect(notPassed(report)).toEqual({ 'webhook-duplicate': 'fail' });
    const c = byId(report)['webhook-duplicate']!;
    expect(c.evidence[0]).toEqual({
      requestId: 'req_0008',
      deliveryId: 'dlv_3',
      eventId: 'evt_1',
      at: T0 + 6_500,
      note: 'duplicate of evt_1 (payment_intent.created) answered 200 in 40 ms, then POST PostPaymentIntentsIntentCapture changed payment_intent pi_1 488 ms later: reprocessed',
    });
  });

  it('a change seen through the events a request caused counts too; a refused write does not', () => {
    const requests = goodRequests();
    requests['viaEvent'] = {
      t: 6_500,
      method: 'POST',
      path: '/v1/refunds',
      operation: 'PostRefunds',
      status: 200,
      events: ['evt_9'],
    };
    const events = [
      ...evidenceOf().events,
      {
        id: 'evt_9',
        type: 'payment_intent.updated',
        resourceType: 'payment_intent',
        resourceId: 'pi_1',
        at: T0 + 6_500,
      },
    ];
    expect(
      notPassed(
        evaluate(DEFAULT_CRITERIA, evidenceOf(requests, goodDeliveries(), { events }), NOW),
      ),
    ).toEqual({
      'webhook-duplicate': 'fail',
    });
    const refused = goodRequests();
    refused['refused'] = {
      t: 6_500,
      method: 'POST',
      path: '/v1/payment_intents/pi_1/capture',
      status: 400,
      layer: 'scenario',
      scenario: 'x',
    };
    expect(notPassed(evaluate(DEFAULT_CRITERIA, evidenceOf(refused), NOW))).toEqual({});
  });

  it('a duplicate whose window is still open is not yet exercised, not passed', () => {
    const report = evaluate(
      DEFAULT_CRITERIA,
      evidenceOf(goodRequests(), goodDeliveries(), { until: T0 + 20_000 }),
      NOW,
    );
    expect(notPassed(report)).toEqual({ 'webhook-duplicate': 'not-exercised' });
    expect(byId(report)['webhook-duplicate']!.summary).toContain('window had not closed');
    // The probe was sent: the next step is to wait for its window (sent at T0 + 6 s, 30 s),
    // not to send another one.
    expect(byId(report)['webhook-duplicate']!.next).toBe(
      `Gather the report again after ${new Date(T0 + 36_000).toISOString()}, when the duplicate probe's 30 s window has closed.`,
    );
  });

  it('stopping paginating early', () => {
    const requests = goodRequests();
    delete requests['list3'];
    const report = evaluate(DEFAULT_CRITERIA, evidenceOf(requests), NOW);
    expect(notPassed(report)).toEqual({ pagination: 'fail' });
    expect(byId(report)['pagination']!.evidence).toEqual([
      {
        requestId: 'req_0003',
        at: T0 + 1_100,
        note: 'GET GetCustomers: stopped after 2 pages; the last said more follow',
      },
    ]);
  });

  it('a list restarted from the first page ends the walk before it', () => {
    const requests = goodRequests();
    requests['list2'] = { ...requests['list2']!, page: { more: true, cursor: false } };
    const c = byId(evaluate(DEFAULT_CRITERIA, evidenceOf(requests), NOW))['pagination']!;
    expect(c.verdict).toBe('fail');
    expect(c.summary).toBe('1 of 2 lists with more pages followed to the end');
  });

  it('webhooks not acknowledged in time', () => {
    const deliveries = goodDeliveries();
    deliveries['second'] = delivery('dlv_2', 'evt_2', 'payment_intent.created', [
      attempt(T0 + 5_100, 500),
      attempt(T0 + 6_100, 200, { n: 2, latencyMs: 12_000 }),
    ]);
    const report = evaluate(DEFAULT_CRITERIA, evidenceOf(goodRequests(), deliveries), NOW);
    expect(notPassed(report)).toEqual({ 'webhooks-acknowledged': 'fail' });
    const c = byId(report)['webhooks-acknowledged']!;
    expect(c.evidence[0]).toEqual({
      deliveryId: 'dlv_2',
      eventId: 'evt_2',
      at: T0 + 6_100,
      note: 'payment_intent.created: 2 attempts, none answered 2xx within 10 s; the last 200 in 12 s',
    });
    const lenient: ReadinessCriteria = {
      name: 'x',
      criteria: [{ id: 'w', kind: 'webhooks-acknowledged', minShare: 0.5 }],
    };
    const half = evaluate(lenient, evidenceOf(goodRequests(), deliveries), NOW).criteria[0]!;
    expect(half.verdict).toBe('pass');
    expect(half.summary).toBe(
      '1 of 2 deliveries answered 2xx within 10 s (50%; at least 50% needed)',
    );
  });
});

describe('not exercised is distinct from fail', () => {
  it('an empty run exercises nothing and fails nothing, and is not ready', () => {
    const report = evaluate(DEFAULT_CRITERIA, evidenceOf({}, {}), NOW);
    expect(report.criteria.every((c) => c.verdict === 'not-exercised')).toBe(true);
    expect(report.counts).toEqual({ pass: 0, fail: 0, notExercised: 9, required: 9 });
    expect(report.verdict).toBe('not-ready');
    const c = byId(report);
    expect(c['webhook-signature']!.next).toBe(
      'Send a badly signed webhook: `tapedeck webhooks probe --tenant acme --kind bad-signature`.',
    );
    expect(c['retry-after']!.summary).toBe('No answer carried Retry-After (no 429 or 503)');
    // A sandbox with no scenario to arm still has a way to exercise it.
    expect(c['retry-after']!.next).toContain('`sandbox.rateLimits` to `profile`');
    expect(c['idempotent-retry']!.next).toContain('docs/scenarios.md says how to declare one');
  });

  it('a list that fits on one page is not a walk to follow', () => {
    const requests = goodRequests();
    delete requests['list2'];
    delete requests['list3'];
    requests['list1'] = { ...requests['list1']!, page: { more: false, cursor: false } };
    const c = byId(evaluate(DEFAULT_CRITERIA, evidenceOf(requests), NOW))['pagination']!;
    expect(c.verdict).toBe('not-exercised');
    expect(c.summary).toBe('1 list fitted on one page; none had more pages to follow');
  });

  it('a criterion not required does not stop "ready"', () => {
    const criteria: ReadinessCriteria = {
      name: 'x',
      criteria: [
        { id: 'retry', kind: 'retry-after' },
        { id: 'pages', kind: 'pagination', required: false, next: 'List the refunds too.' },
      ],
    };
    const requests = goodRequests();
    delete requests['list3'];
    const report = evaluate(criteria, evidenceOf(requests), NOW);
    expect(report.verdict).toBe('ready');
    expect(report.counts).toEqual({ pass: 1, fail: 1, notExercised: 0, required: 1 });
    expect(report.score).toEqual({ passed: 1, of: 2 });
    expect(report.criteria[1]!.next).toBe('List the refunds too.');
  });
});

describe('declared operations and scenarios', () => {
  const criteria: ReadinessCriteria = {
    name: 'Acme payments go-live',
    criteria: [
      {
        id: 'ops',
        kind: 'operations',
        operations: ['PostCustomers', { operation: 'PostPaymentIntents', min: 2 }],
      },
      { id: 'ops-missing', kind: 'operations', operations: ['PostRefunds'] },
      { id: 'ops-failing', kind: 'operations', operations: ['PostPaymentIntentsIntentConfirm'] },
      { id: 'declined', kind: 'scenario', scenario: 'card_declined', then: ['PostPaymentMethods'] },
      {
        id: 'declined-strict',
        kind: 'scenario',
        scenario: 'card_declined',
        then: ['PostPaymentMethods'],
        within: 1,
        title: 'Declines retried at once',
      },
      { id: 'expired', kind: 'scenario', scenario: 'expired_card' },
      { id: 'fired', kind: 'scenario', scenario: 'timeout' },
    ],
  };

  it('judges each operation and each scenario firing', () => {
    const requests = goodRequests();
    requests['between'] = {
      t: 10_500,
      method: 'GET',
      path: '/v1/customers/cus_1',
      operation: 'GetCustomersCustomer',
      status: 200,
    };
    const c = byId(evaluate(criteria, evidenceOf(requests), NOW));
    expect(c['ops']!.verdict).toBe('pass');
    expect(c['ops']!.summary).toBe('2 of 2 operations answered 2xx as often as required');
    expect(c['ops-missing']!.verdict).toBe('not-exercised');
    expect(c['ops-missing']!.evidence).toEqual([
      { at: T0 + 60_000, note: 'PostRefunds: never called' },
    ]);
    expect(c['ops-failing']!.verdict).toBe('fail');
    expect(c['ops-failing']!.evidence[0]!.note).toBe(
      'PostPaymentIntentsIntentConfirm: 0 of 1 2xx answers needed; 1 call answered otherwise, the last 402',
    );
    expect(c['declined']!.verdict).toBe('pass');
    expect(c['declined']!.evidence[0]!.note).toBe(
      'card_declined fired on POST PostPaymentIntentsIntentConfirm (402); followed by PostPaymentMethods 2 requests later',
    );
    expect(c['declined-strict']!.verdict).toBe('fail');
    expect(c['declined-strict']!.title).toBe('Declines retried at once');
    expect(c['declined-strict']!.evidence[0]!.note).toContain(
      'none of PostPaymentMethods in the next 1 request',
    );
    expect(c['expired']!.verdict).toBe('not-exercised');
    expect(c['fired']!.verdict).toBe('pass');
    expect(c['fired']!.title).toBe('Scenario timeout exercised');
  });
});

describe('thresholds', () => {
  it('error rate over the threshold lists the errors', () => {
    const requests = goodRequests();
    requests['bad'] = {
      t: 12_000,
      method: 'POST',
      path: '/v1/customers',
      operation: 'PostCustomers',
      status: 400,
      conforms: false,
      violations: ['body/email: must be string'],
    };
    const report = evaluate(DEFAULT_CRITERIA, evidenceOf(requests), NOW);
    expect(notPassed(report)).toEqual({ 'error-rate': 'fail', 'spec-conformance': 'fail' });
    const c = byId(report);
    expect(c['error-rate']!.summary).toBe(
      '1 of 9 requests answered ≥ 400 (11.1%; at most 5%); 3 scenario or rate-limit answers left out',
    );
    expect(c['spec-conformance']!.evidence).toEqual([
      {
        requestId: 'req_0011',
        at: T0 + 12_000,
        note: 'POST PostCustomers: body/email: must be string',
      },
    ]);
  });

  it('spec-conformance looks at the last N checked requests only', () => {
    const requests = goodRequests();
    requests['early'] = {
      t: -1,
      method: 'POST',
      path: '/v1/customers',
      operation: 'PostCustomers',
      status: 200,
      conforms: false,
      violations: ['body/x: unknown'],
    };
    const last: ReadinessCriteria = {
      name: 'x',
      criteria: [{ id: 's', kind: 'spec-conformance', last: 8 }],
    };
    expect(evaluate(last, evidenceOf(requests), NOW).criteria[0]!.verdict).toBe('pass');
    const all: ReadinessCriteria = {
      name: 'x',
      criteria: [{ id: 's', kind: 'spec-conformance', last: 9 }],
    };
    expect(evaluate(all, evidenceOf(requests), NOW).criteria[0]!.verdict).toBe('fail');
  });

  it('p95 latency leaves scenario-shaped answers out and counts slow uploads', () => {
    const criteria: ReadinessCriteria = {
      name: 'x',
      criteria: [{ id: 'p95', kind: 'latency-p95', maxMs: 100 }],
    };
    const requests: Parameters<typeof evidenceOf>[0] = {};
    for (let i = 0; i < 20; i++)
      requests[`r${i}`] = {
        t: i * 10,
        method: 'GET',
        path: '/v1/x',
        status: 200,
        durationMs: i < 18 ? 10 : 500,
      };
    requests['shaped'] = {
      t: 300,
      method: 'GET',
      path: '/v1/x',
      status: 200,
      durationMs: 9_000,
      scenario: 'slow',
    };
    const c = evaluate(criteria, evidenceOf(requests, {}), NOW).criteria[0]!;
    expect(c.verdict).toBe('fail');
    expect(c.summary).toBe('p95 500 ms over 20 requests (at most 100 ms); 2 slower than that');
    expect(c.evidence.map((e) => e.note)).toEqual([
      'GET /v1/x took 500 ms',
      'GET /v1/x took 500 ms',
    ]);
    const one = { ...requests };
    one['r19'] = { ...one['r19']!, durationMs: 10 };
    expect(evaluate(criteria, evidenceOf(one, {}), NOW).criteria[0]!.verdict).toBe('pass');
  });
});

describe('evidence items', () => {
  it('are at most 20, the failing ones first', () => {
    const requests: Parameters<typeof evidenceOf>[0] = {};
    for (let i = 0; i < 30; i++)
      requests[`p${i}`] = {
        t: i * 500,
        method: 'POST',
        path: '/v1/things',
        operation: 'PostThings',
        status: 429,
        layer: 'limits',
        retryAfter: 1,
      };
    // Each 429 is retried by the next: the first 24 too soon, then after waiting; the last never.
    for (let i = 25; i < 30; i++)
      requests[`p${i}`] = { ...requests[`p${i}`]!, t: 25_000 + (i - 24) * 1_100 };
    const criteria: ReadinessCriteria = { name: 'x', criteria: [{ id: 'r', kind: 'retry-after' }] };
    const c = evaluate(criteria, evidenceOf(requests, {}), NOW).criteria[0]!;
    expect(c.verdict).toBe('fail');
    expect(c.evidence).toHaveLength(MAX_EVIDENCE);
    expect(c.evidence.every((e) => e.note.endsWith('too soon'))).toBe(true);
    const mixed = evaluate(
      criteria,
      evidenceOf(Object.fromEntries(Object.entries(requests).slice(24)), {}),
      NOW,
    ).criteria[0]!;
    expect(mixed.evidence.map((e) => e.note.endsWith('never retried'))).toEqual([
      true,
      false,
      false,
      false,
      false,
      false,
    ]);
    expect(mixed.evidence.slice(1).map((e) => e.note.replace(/.*; /, ''))).toEqual([
      'retried after 14.1 s',
      'retried after 1.1 s',
      'retried after 1.1 s',
      'retried after 1.1 s',
      'retried after 1.1 s',
    ]);
  });
});

describe('the report hash', () => {
  it('depends on the verdicts and the versions only', () => {
    const a = evaluate(DEFAULT_CRITERIA, evidenceOf(), NOW);
    const requests = goodRequests();
    requests['extra'] = { t: 50_000, method: 'GET', path: '/v1/customers/cus_9', status: 200 };
    const b = evaluate(DEFAULT_CRITERIA, evidenceOf(requests), NOW + 5_000);
    expect(b.hash).toBe(a.hash);
    expect(a.hash).toMatch(/^sha256:[0-9a-f]{64}$/);
    delete requests['list3'];
    expect(evaluate(DEFAULT_CRITERIA, evidenceOf(requests), NOW).hash).not.toBe(a.hash);
    const versions = { ...evidenceOf().versions, cassettes: [] };
    expect(
      evaluate(DEFAULT_CRITERIA, evidenceOf(goodRequests(), goodDeliveries(), { versions }), NOW)
        .hash,
    ).not.toBe(a.hash);
  });

  it('is sha256 over the canonical JSON of {verdicts, versions}', () => {
    const text =
      '{"verdicts":{"a":"pass","b":"fail"},"versions":{"cassettes":[{"hash":"h2","name":"c"}],"criteria":{"hash":"h","name":"defaults"},"spec":{"hash":"h1","name":"s"}}}';
    const hash = reportHash(
      [
        { id: 'b', verdict: 'fail' },
        { id: 'a', verdict: 'pass' },
      ],
      {
        spec: { name: 's', hash: 'h1' },
        cassettes: [{ name: 'c', hash: 'h2' }],
        criteria: { name: 'defaults', hash: 'h' },
      },
    );
    expect(hash).toBe(`sha256:${createHash('sha256').update(text).digest('hex')}`);
  });
});
