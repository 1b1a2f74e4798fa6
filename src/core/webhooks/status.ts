/**
 * What an attempt's result means (docs/design/issue-15-plan.md §2 "Outcomes"): 2xx delivered,
 * 410 gone, 429/502/504 throttled (Retry-After honoured, bounded), `webhook-delivery:
 * abort-message` aborted, anything else retried until the schedule ends. Pure.
 */
import type { WebhookSendResult } from '../ports/webhook-sender.js';
import { nextDelayMs } from './schedule.js';
import type { AttemptVerdict, RetrySchedule } from './types.js';

export interface AttemptContext {
  /** The tenant instant the attempt stands for. */
  readonly at: number;
  /** Attempts made before this one. */
  readonly attemptsMade: number;
  readonly schedule: RetrySchedule;
  /** Seeds the jitter: `seed, tenant, delivery id`. */
  readonly seed: string;
  readonly maxRetryAfterMs: number;
  /** A redelivery asked for by hand: one attempt, never retried. */
  readonly manual: boolean;
  /**
   * Real ms when the answer came. A `Retry-After` date is counted from the answer's `Date`
   * header, else from this; with neither, a date is ignored (seconds always count).
   */
  readonly realNow?: number;
}

/** Answers that ask the sender to slow down (Standard Webhooks' recommendation). */
const THROTTLING: ReadonlySet<number> = new Set([429, 502, 504]);

function header(headers: Readonly<Record<string, string>>, name: string): string | undefined {
  for (const [key, value] of Object.entries(headers)) if (key.toLowerCase() === name) return value;
  return undefined;
}

/** `Retry-After` in ms: delta-seconds, or an HTTP-date counted from the answer's own clock. */
export function retryAfterMs(
  headers: Readonly<Record<string, string>>,
  realNow: number | undefined,
): number | undefined {
  const value = header(headers, 'retry-after')?.trim();
  if (value === undefined || value === '') return undefined;
  if (/^\d{1,10}$/.test(value)) return Number(value) * 1000;
  const when = Date.parse(value);
  if (Number.isNaN(when)) return undefined;
  const date = header(headers, 'date');
  const from = date === undefined ? Number.NaN : Date.parse(date);
  const now = Number.isNaN(from) ? realNow : from;
  return now === undefined ? undefined : Math.max(0, when - now);
}

export function classifyAttempt(
  result: WebhookSendResult,
  context: AttemptContext,
): AttemptVerdict {
  const { at } = context;
  const next = nextDelayMs(context.schedule, context.attemptsMade + 1, context.seed);
  /** Another attempt after `waitMs` at least, or the end of the delivery. */
  const again = (
    outcome: 'retry' | 'throttled',
    error: AttemptVerdict['error'],
    waitMs?: number,
  ): AttemptVerdict => {
    // The last attempt still tells the endpoint's other deliveries to wait as asked.
    const throttle = waitMs === undefined || waitMs <= 0 ? {} : { throttledUntil: at + waitMs };
    if (context.manual || next === undefined)
      return { outcome: 'exhausted', status: 'failed', ...throttle, ...(error ? { error } : {}) };
    const nextAttemptAt = at + Math.max(next, waitMs ?? 0);
    return {
      outcome,
      status: 'pending',
      nextAttemptAt,
      ...(outcome === 'throttled' ? { throttledUntil: nextAttemptAt } : {}),
      ...(error ? { error } : {}),
    };
  };

  if (result.kind === 'failed') return again('retry', result.error);
  const { status, headers } = result;
  if (status >= 200 && status < 300) return { outcome: 'delivered', status: 'delivered' };
  if (header(headers, 'webhook-delivery')?.trim().toLowerCase() === 'abort-message')
    return { outcome: 'aborted', status: 'failed', error: 'status' };
  if (status === 410)
    return { outcome: 'gone', status: 'failed', disable: 'gone', error: 'status' };
  if (THROTTLING.has(status)) {
    const asked = retryAfterMs(headers, context.realNow);
    return again('throttled', 'status', Math.min(asked ?? 0, context.maxRetryAfterMs));
  }
  // A redirect is never followed: the destination was checked, the Location was not.
  if (status >= 300 && status < 400) return again('retry', 'redirect');
  return again('retry', 'status');
}
