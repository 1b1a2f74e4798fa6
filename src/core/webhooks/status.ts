/**
 * What an attempt's result means (docs/design/issue-15-plan.md §2 "Outcomes"): 2xx delivered,
 * 410 gone, 429/502/504 throttled (Retry-After honoured, bounded), `webhook-delivery:
 * abort-message` aborted, anything else retried until the schedule ends. Built by wp15-core.
 */
import type { WebhookSendResult } from '../ports/webhook-sender.js';
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
}

export function classifyAttempt(
  result: WebhookSendResult,
  context: AttemptContext,
): AttemptVerdict {
  void result;
  void context;
  throw new Error('built by wp15-core');
}
