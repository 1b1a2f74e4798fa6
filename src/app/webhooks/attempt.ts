/**
 * One attempt of one delivery (docs/design/issue-15-plan.md §2): sign the stored bytes with the
 * endpoint's live secrets and the real time, send, classify the answer, keep a redacted excerpt.
 * Settling is the dispatcher's (it holds the lease).
 */
import { randomBytes } from 'node:crypto';
import { childTraceparent } from '../../core/observability/trace.js';
import type {
  ClaimedDelivery,
  Clock,
  DeliveryStatus,
  Signer,
  WebhookAttempt,
  WebhookSender,
} from '../../core/ports/index.js';
import type { ApiProfile } from '../../core/sandbox/profile/types.js';
import { SCHEMES } from '../../core/webhooks/signature.js';
import { classifyAttempt } from '../../core/webhooks/status.js';
import type { RetrySchedule } from '../../core/webhooks/types.js';
import type { WebhooksConfig } from '../config/config.js';
import { excerptOf, type WebhookRedaction } from './redact.js';

export interface AttemptDeps {
  readonly sender: WebhookSender;
  readonly signer: Signer;
  readonly profile: Pick<ApiProfile, 'webhooks'>;
  readonly config: WebhooksConfig;
  readonly redaction: WebhookRedaction;
  /** Real time: the signed timestamp. */
  readonly clock: Pick<Clock, 'now'>;
  readonly schedule: RetrySchedule;
  /** `tapedeck-webhooks/VERSION`. */
  readonly userAgent: string;
  /** A new span id (16 lowercase hex, not all zero) per attempt of a traced event; random by default. */
  readonly newSpanId?: () => string;
}

/** 8 random bytes as hex; all-zero (invalid in W3C Trace Context) is drawn again. */
export function randomSpanId(): string {
  for (;;) {
    const id = randomBytes(8).toString('hex');
    if (id !== '0000000000000000') return id;
  }
}

/** What settle writes: the attempt and the delivery's next state. */
export interface AttemptRecord {
  readonly attempt: WebhookAttempt;
  readonly next: {
    readonly status: DeliveryStatus;
    readonly nextAttemptAt?: number;
    readonly disable?: 'gone';
    readonly throttledUntil?: number;
  };
}

/** The facts a profile's extra header may name (`x-github-event: {eventGroup}`). */
function headerFacts(type: string, eventId: string, endpointId: string): Map<string, string> {
  const dot = type.lastIndexOf('.');
  return new Map([
    ['type', type],
    ['id', eventId],
    ['eventGroup', dot < 0 ? type : type.slice(0, dot)],
    ['verb', dot < 0 ? type : type.slice(dot + 1)],
    ['endpointId', endpointId],
  ]);
}

function fillHeader(value: string, facts: Map<string, string>): string {
  return value.replace(/\{([A-Za-z]+)\}/g, (whole, name: string) => facts.get(name) ?? whole);
}

/** Whether the store marked the delivery as a manual redelivery (one attempt, never retried). */
function isManual(claimed: ClaimedDelivery): boolean {
  return claimed.manual;
}

/**
 * Sends one attempt, standing for the tenant instant `at`; never rejects for the wire.
 * `seed` is the jitter's (`webhooks.seed`, the tenant's id seed).
 */
export async function runAttempt(
  deps: AttemptDeps,
  claimed: ClaimedDelivery,
  at: number,
  seed: string,
): Promise<AttemptRecord> {
  const { delivery, endpoint, payload } = claimed;
  const scheme = SCHEMES[deps.profile.webhooks.scheme];
  const live = endpoint.secrets.filter((s) => s.expiresAt === undefined || s.expiresAt > at);
  // A bad-signature probe (issue 16) is signed, in the same scheme, with a secret nobody holds:
  // a receiver that verifies refuses it.
  const secrets =
    delivery.probe === 'bad-signature'
      ? [scheme.newSecret(deps.signer.randomBytes(32))]
      : (live.length > 0 ? live : endpoint.secrets.slice(0, 1)).map((s) => s.secret);
  const body = new TextEncoder().encode(payload);
  const sentAt = deps.clock.now();
  const facts = headerFacts(delivery.eventType, delivery.eventId, endpoint.id);
  const headers: (readonly [string, string])[] = [
    ['content-type', 'application/json'],
    ['user-agent', deps.userAgent],
  ];
  for (const [name, value] of Object.entries(deps.profile.webhooks.headers))
    headers.push([name.toLowerCase(), fillHeader(value, facts)]);
  // Each attempt is a child span of the request that caused the event (issue 16). No
  // `tracestate` is sent: the request's may carry a vendor's data, and tapedeck adds none.
  if (claimed.trace !== undefined)
    headers.push([
      'traceparent',
      childTraceparent(
        { traceId: claimed.trace.traceId, parentId: '', flags: claimed.trace.flags },
        (deps.newSpanId ?? randomSpanId)(),
      ),
    ]);
  headers.push(
    ...scheme.sign(
      {
        messageId: delivery.eventId,
        timestampS: Math.floor(sentAt / 1000),
        body,
        secrets,
        endpointId: endpoint.id,
      },
      deps.signer,
    ),
  );
  const result = await deps.sender.send({
    // The endpoint's URL now: an update moves the deliveries already queued with it.
    url: endpoint.url,
    headers,
    body,
    timeoutMs: deps.config.timeoutMs,
    maxResponseBytes: deps.config.maxResponseBytes,
  });
  const manual = isManual(claimed);
  const verdict = classifyAttempt(result, {
    at,
    attemptsMade: delivery.attempts,
    schedule: deps.schedule,
    seed: `${seed}:${delivery.id}`,
    maxRetryAfterMs: deps.config.maxRetryAfterMs,
    manual,
    realNow: deps.clock.now(),
  });
  const excerpt =
    result.kind === 'answered'
      ? excerptOf(
          deps.redaction,
          result.body,
          result.headers['content-type'],
          deps.config.excerptBytes,
          // A receiver that echoes its secret, prefix or not, never gets it into the log.
          endpoint.secrets.map((s) => s.secret),
        )
      : undefined;
  const attempt: WebhookAttempt = {
    n: delivery.attempts + 1,
    at,
    sentAt,
    outcome: verdict.outcome,
    ...(result.kind === 'answered' ? { status: result.status } : {}),
    latencyMs: result.latencyMs,
    ...(verdict.error === undefined ? {} : { error: verdict.error }),
    ...(excerpt === undefined ? {} : { excerpt }),
    ...(verdict.nextAttemptAt === undefined ? {} : { nextAttemptAt: verdict.nextAttemptAt }),
    manual,
  };
  return {
    attempt,
    next: {
      status: verdict.status,
      ...(verdict.nextAttemptAt === undefined ? {} : { nextAttemptAt: verdict.nextAttemptAt }),
      ...(verdict.disable === undefined ? {} : { disable: verdict.disable }),
      ...(verdict.throttledUntil === undefined ? {} : { throttledUntil: verdict.throttledUntil }),
    },
  };
}
