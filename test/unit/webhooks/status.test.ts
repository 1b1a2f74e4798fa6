import { describe, expect, it } from 'vitest';
import type { WebhookSendResult } from '../../../src/core/ports/webhook-sender.js';
import { nextDelayMs } from '../../../src/core/webhooks/schedule.js';
import { classifyAttempt, type AttemptContext } from '../../../src/core/webhooks/status.js';
import type { AttemptVerdict } from '../../../src/core/webhooks/types.js';

const AT = 1_000_000;
const schedule = { delaysMs: [5_000, 60_000, 300_000], jitter: 0 };
const context: AttemptContext = {
  at: AT,
  attemptsMade: 0,
  schedule,
  seed: 'tapedeck t1 dlv_1',
  maxRetryAfterMs: 3_600_000,
  manual: false,
};

const answered = (status: number, headers: Record<string, string> = {}): WebhookSendResult => ({
  kind: 'answered',
  status,
  headers,
  body: new Uint8Array(),
  latencyMs: 3,
});
const failed = (error: 'timeout' | 'refused' | 'network'): WebhookSendResult => ({
  kind: 'failed',
  error,
  message: 'x',
  latencyMs: 3,
});

const retryAt = (ms: number) => ({ status: 'pending', nextAttemptAt: AT + ms });

const cases: [string, WebhookSendResult, Partial<AttemptContext>, AttemptVerdict][] = [
  ['200', answered(200), {}, { outcome: 'delivered', status: 'delivered' }],
  ['204', answered(204), {}, { outcome: 'delivered', status: 'delivered' }],
  [
    '302 is never followed',
    answered(302, { location: 'http://169.254.169.254/' }),
    {},
    { outcome: 'retry', ...retryAt(5_000), error: 'redirect' } as AttemptVerdict,
  ],
  [
    '500 retries on the schedule',
    answered(500),
    { attemptsMade: 1 },
    { outcome: 'retry', ...retryAt(60_000), error: 'status' } as AttemptVerdict,
  ],
  [
    '410 disables the endpoint',
    answered(410),
    {},
    { outcome: 'gone', status: 'failed', disable: 'gone', error: 'status' },
  ],
  [
    '429 with Retry-After seconds longer than the schedule',
    answered(429, { 'retry-after': '120' }),
    {},
    {
      outcome: 'throttled',
      ...retryAt(120_000),
      throttledUntil: AT + 120_000,
      error: 'status',
    } as AttemptVerdict,
  ],
  [
    '429 with Retry-After shorter than the schedule keeps the schedule',
    answered(429, { 'Retry-After': '1' }),
    {},
    {
      outcome: 'throttled',
      ...retryAt(5_000),
      throttledUntil: AT + 5_000,
      error: 'status',
    } as AttemptVerdict,
  ],
  [
    '429 with an HTTP-date, counted from the answer’s Date',
    answered(429, {
      date: 'Wed, 21 Oct 2015 07:28:00 GMT',
      'retry-after': 'Wed, 21 Oct 2015 07:38:00 GMT',
    }),
    {},
    {
      outcome: 'throttled',
      ...retryAt(600_000),
      throttledUntil: AT + 600_000,
      error: 'status',
    } as AttemptVerdict,
  ],
  [
    '429 with an HTTP-date and no Date header, counted from realNow',
    answered(429, { 'retry-after': 'Wed, 21 Oct 2015 07:30:00 GMT' }),
    { realNow: Date.parse('Wed, 21 Oct 2015 07:28:00 GMT') },
    {
      outcome: 'throttled',
      ...retryAt(120_000),
      throttledUntil: AT + 120_000,
      error: 'status',
    } as AttemptVerdict,
  ],
  [
    'Retry-After is bounded by maxRetryAfterMs',
    answered(429, { 'retry-after': '999999' }),
    { maxRetryAfterMs: 3_600_000 },
    {
      outcome: 'throttled',
      ...retryAt(3_600_000),
      throttledUntil: AT + 3_600_000,
      error: 'status',
    } as AttemptVerdict,
  ],
  [
    '502 slows down',
    answered(502),
    {},
    {
      outcome: 'throttled',
      ...retryAt(5_000),
      throttledUntil: AT + 5_000,
      error: 'status',
    } as AttemptVerdict,
  ],
  [
    '504 with garbage Retry-After',
    answered(504, { 'retry-after': 'later' }),
    { attemptsMade: 2 },
    {
      outcome: 'throttled',
      ...retryAt(300_000),
      throttledUntil: AT + 300_000,
      error: 'status',
    } as AttemptVerdict,
  ],
  [
    'webhook-delivery: abort-message',
    answered(400, { 'webhook-delivery': 'abort-message' }),
    {},
    { outcome: 'aborted', status: 'failed', error: 'status' },
  ],
  [
    'a timeout retries',
    failed('timeout'),
    {},
    { outcome: 'retry', ...retryAt(5_000), error: 'timeout' } as AttemptVerdict,
  ],
  [
    'a network error retries',
    failed('network'),
    {},
    { outcome: 'retry', ...retryAt(5_000), error: 'network' } as AttemptVerdict,
  ],
  [
    'a refused address retries',
    failed('refused'),
    {},
    { outcome: 'retry', ...retryAt(5_000), error: 'refused' } as AttemptVerdict,
  ],
  [
    'no delay left: exhausted',
    answered(500),
    { attemptsMade: 3 },
    { outcome: 'exhausted', status: 'failed', error: 'status' },
  ],
  [
    'exhausted by a 429 still tells the endpoint to wait',
    answered(429, { 'retry-after': '60' }),
    { attemptsMade: 3 },
    { outcome: 'exhausted', status: 'failed', throttledUntil: AT + 60_000, error: 'status' },
  ],
  [
    'a manual redelivery is one attempt',
    failed('timeout'),
    { manual: true },
    { outcome: 'exhausted', status: 'failed', error: 'timeout' },
  ],
  [
    'a manual redelivery that succeeds',
    answered(200),
    { manual: true, attemptsMade: 9 },
    { outcome: 'delivered', status: 'delivered' },
  ],
  [
    'a manual redelivery to a gone endpoint still disables it',
    answered(410),
    { manual: true },
    { outcome: 'gone', status: 'failed', disable: 'gone', error: 'status' },
  ],
];

describe('classifyAttempt', () => {
  it.each(cases)('%s', (_, result, extra, verdict) => {
    expect(classifyAttempt(result, { ...context, ...extra })).toEqual(verdict);
  });

  it('the retry waits the jittered delay of the schedule', () => {
    const jittered = { ...context, schedule: { ...schedule, jitter: 0.1 }, attemptsMade: 1 };
    const verdict = classifyAttempt(answered(503), jittered);
    const delay = nextDelayMs(jittered.schedule, 2, jittered.seed)!;
    expect(verdict.nextAttemptAt).toBe(AT + delay);
    expect(delay).not.toBe(60_000);
  });
});
