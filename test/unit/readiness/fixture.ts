/**
 * Synthetic evidence of a partner's sandbox run, seeded (no randomness, no clock): a partner who
 * does everything right, and the means to make the variants that each get one thing wrong.
 */
import type { StoredJournalEntry } from '../../../src/core/ports/journal.js';
import type { WebhookAttempt } from '../../../src/core/ports/webhooks.js';
import { DEFAULT_CRITERIA } from '../../../src/core/readiness/defaults.js';
import { evaluate } from '../../../src/core/readiness/evaluate.js';
import { signoffOf, withSignoff } from '../../../src/core/readiness/signoff.js';
import type {
  DeliveryEvidence,
  ReadinessCriteria,
  ReadinessReport,
  EventEvidence,
  ReadinessEvidence,
} from '../../../src/core/readiness/types.js';

export const T0 = Date.UTC(2026, 0, 5, 9, 0, 0);
export const HASH = (c: string) => `sha256:${c.repeat(64).slice(0, 64)}`;

type Entry = StoredJournalEntry;
type EntryInput = Partial<Entry> & Pick<Entry, 'method' | 'path' | 'status'> & { t: number };

/** A journal, oldest first, with request ids req_0001… and seq numbers in order. */
export function journal(inputs: readonly EntryInput[]): Entry[] {
  return inputs.map(({ t, ...input }, i) => ({
    seq: i + 1,
    at: T0 + t,
    session: 'sandbox',
    layer: 'state',
    durationMs: 12,
    tenant: 'ten_1',
    requestId: `req_${String(i + 1).padStart(4, '0')}`,
    tenantAt: T0 + t,
    ...input,
  }));
}

export function attempt(
  sentAt: number,
  status: number | undefined,
  extra: Partial<WebhookAttempt> = {},
): WebhookAttempt {
  return {
    n: 1,
    at: sentAt,
    sentAt,
    outcome: status !== undefined && status >= 200 && status < 300 ? 'delivered' : 'retry',
    ...(status === undefined ? { error: 'timeout' as const } : { status }),
    latencyMs: 40,
    manual: false,
    ...extra,
  };
}

export function delivery(
  id: string,
  eventId: string,
  eventType: string,
  attempts: readonly WebhookAttempt[],
  probe?: 'bad-signature' | 'duplicate',
): DeliveryEvidence {
  return {
    delivery: {
      id,
      endpoint: 'we_1',
      url: 'http://127.0.0.1:9/hooks',
      eventId,
      eventType,
      status: attempts.some((a) => a.outcome === 'delivered') ? 'delivered' : 'pending',
      attempts: attempts.length,
      createdAt: attempts[0]?.at ?? T0,
      ...(probe === undefined ? {} : { probe }),
    },
    attempts,
    ...(probe === undefined ? {} : { probe }),
  };
}

const POST_PI = {
  method: 'POST',
  path: '/v1/payment_intents',
  operation: 'PostPaymentIntents',
  route: '/v1/payment_intents',
};
const LIST_CUS = {
  method: 'GET',
  path: '/v1/customers?limit=2',
  operation: 'GetCustomers',
  route: '/v1/customers',
};

/** The requests of a partner who does everything right, by name, so variants can change one. */
export function goodRequests(): Record<string, EntryInput> {
  return {
    createCustomer: {
      t: 0,
      method: 'POST',
      path: '/v1/customers',
      operation: 'PostCustomers',
      status: 200,
      conforms: true,
      idempotencyKeyHash: 'k-cus',
      idempotency: 'fresh',
    },
    list1: {
      t: 1_000,
      ...LIST_CUS,
      status: 200,
      conforms: true,
      page: { more: true, cursor: false },
    },
    list2: {
      t: 1_100,
      ...LIST_CUS,
      path: '/v1/customers?limit=2&starting_after=cus_2',
      status: 200,
      conforms: true,
      page: { more: true, cursor: true },
    },
    list3: {
      t: 1_200,
      ...LIST_CUS,
      path: '/v1/customers?limit=2&starting_after=cus_4',
      status: 200,
      conforms: true,
      page: { more: false, cursor: true },
    },
    limited: {
      t: 2_000,
      ...POST_PI,
      status: 429,
      layer: 'scenario',
      scenario: 'rate_limited',
      outcome: 'rate-limited',
      retryAfter: 2,
      idempotencyKeyHash: 'k-pi1',
    },
    afterLimit: {
      t: 4_100,
      ...POST_PI,
      status: 200,
      conforms: true,
      idempotencyKeyHash: 'k-pi1',
      idempotency: 'fresh',
      events: ['evt_1'],
    },
    cut: {
      t: 5_000,
      ...POST_PI,
      status: 200,
      layer: 'scenario',
      scenario: 'timeout',
      outcome: 'timeout',
      durationMs: 3_000,
      idempotencyKeyHash: 'k-pi2',
      idempotency: 'fresh',
      events: ['evt_2'],
    },
    afterCut: {
      t: 9_000,
      ...POST_PI,
      status: 200,
      conforms: true,
      idempotencyKeyHash: 'k-pi2',
      idempotency: 'replayed',
    },
    declined: {
      t: 10_000,
      method: 'POST',
      path: '/v1/payment_intents/pi_1/confirm',
      operation: 'PostPaymentIntentsIntentConfirm',
      status: 402,
      layer: 'scenario',
      scenario: 'card_declined',
      outcome: 'error',
      idempotencyKeyHash: 'k-c1',
    },
    newMethod: {
      t: 11_000,
      method: 'POST',
      path: '/v1/payment_methods',
      operation: 'PostPaymentMethods',
      status: 200,
      conforms: true,
      idempotencyKeyHash: 'k-pm',
    },
    readBack: {
      t: 40_000,
      method: 'GET',
      path: '/v1/payment_intents/pi_1',
      operation: 'GetPaymentIntentsIntent',
      status: 200,
      conforms: true,
    },
  };
}

export const EVENTS: readonly EventEvidence[] = [
  {
    id: 'evt_1',
    type: 'payment_intent.created',
    resourceType: 'payment_intent',
    resourceId: 'pi_1',
    at: T0 + 4_100,
    requestId: 'req_0006',
  },
  {
    id: 'evt_2',
    type: 'payment_intent.created',
    resourceType: 'payment_intent',
    resourceId: 'pi_2',
    at: T0 + 5_000,
    requestId: 'req_0007',
  },
];

export function goodDeliveries(): Record<string, DeliveryEvidence> {
  return {
    first: delivery('dlv_1', 'evt_1', 'payment_intent.created', [attempt(T0 + 4_200, 200)]),
    second: delivery('dlv_2', 'evt_2', 'payment_intent.created', [attempt(T0 + 5_100, 204)]),
    duplicate: delivery(
      'dlv_3',
      'evt_1',
      'payment_intent.created',
      [attempt(T0 + 6_000, 200, { manual: true })],
      'duplicate',
    ),
    badSignature: delivery(
      'dlv_4',
      'evt_2',
      'payment_intent.created',
      [attempt(T0 + 7_000, 400, { manual: true })],
      'bad-signature',
    ),
  };
}

export function evidenceOf(
  requests: Record<string, EntryInput> = goodRequests(),
  deliveries: Record<string, DeliveryEvidence> = goodDeliveries(),
  extra: Partial<ReadinessEvidence> = {},
): ReadinessEvidence {
  return {
    tenant: { id: 'ten_1', name: 'acme' },
    until: T0 + 60_000,
    requests: journal(Object.values(requests).sort((a, b) => a.t - b.t)),
    deliveries: Object.values(deliveries),
    events: EVENTS,
    surface: {
      operations: [
        'GetCustomers',
        'GetPaymentIntentsIntent',
        'PostCustomers',
        'PostPaymentIntents',
        'PostRefunds',
      ],
      scenarios: ['card_declined', 'expired_card', 'rate_limited', 'timeout'],
    },
    versions: {
      spec: { name: 'stripe-openapi.json', hash: HASH('a') },
      cassettes: [{ name: 'charges', hash: HASH('b') }],
      criteria: { name: 'defaults', hash: HASH('c') },
    },
    ...extra,
  };
}

const HOSTILE = 'Pipes | `ticks` <script>alert(1)</script> & "quotes"';

/** A report of every verdict, a hostile title and note, and a sign-off that no longer holds. */
export function mixedReport(): ReadinessReport {
  const criteria: ReadinessCriteria = {
    name: 'Acme payments go-live',
    criteria: [
      ...DEFAULT_CRITERIA.criteria,
      { id: 'refunds', kind: 'operations', operations: ['PostRefunds'], required: false },
      { id: 'hostile', kind: 'scenario', scenario: 'card_declined', title: HOSTILE, next: HOSTILE },
    ],
  };
  const good = evaluate(criteria, evidenceOf(), T0 + 61_000);
  const requests = goodRequests();
  delete requests['list3'];
  const deliveries = goodDeliveries();
  deliveries['badSignature'] = delivery(
    'dlv_4',
    'evt_2',
    'payment_intent.created',
    [attempt(T0 + 7_000, 200)],
    'bad-signature',
  );
  const later = evaluate(criteria, evidenceOf(requests, deliveries, { since: T0 }), T0 + 61_000);
  return withSignoff(
    later,
    signoffOf(good, { by: 'Ada <ada@example.test>', at: T0 + 61_000 - 86_400_000 }),
  );
}
