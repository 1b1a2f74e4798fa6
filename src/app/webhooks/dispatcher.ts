/**
 * The webhook dispatcher (docs/design/issue-15-plan.md §2 "Kick and poll", "The test clock drives
 * it", "At least once"). Per tenant, a drain:
 *   1. fans out: the events past the tenant's cursor become messages (the payload rendered once
 *      and scanned) and one delivery per matching endpoint, written with the cursor at once
 *      (compare-and-set: a crash before it loses nothing, a racing process is refused);
 *   2. claims what is due at the tenant's now, leased to this process, and attempts it: on a
 *      frozen clock each attempt stands for its due instant, so one advance walks a whole retry
 *      schedule in order; the signature carries real time;
 *   3. settles each attempt (only while the lease is still ours), until nothing is due — at most
 *      1 000 attempts a drain, `webhooks.concurrency` at once in the whole process.
 * A drain runs after an apply that made events (a kick, notify.ts), after a clock advance, and
 * on a poll of `tenantsWithWork` every `pollMs` (what other processes queued).
 */
import type {
  ClaimedDelivery,
  Clock,
  FanOut,
  Logger,
  MetricsSink,
  RuntimeState,
  ScheduledTask,
  Scheduler,
  Signer,
  StoredEvent,
  TenantRecord,
  WebhookAttempt,
  WebhookEndpoint,
  WebhookSender,
} from '../../core/ports/index.js';
import { tenantNow } from '../../core/sandbox/clock.js';
import type { ApiProfile } from '../../core/sandbox/profile/types.js';
import { singular } from '../../core/sandbox/state/infer-spec.js';
import type { PayloadSource } from '../../core/webhooks/payload.js';
import type { WebhooksConfig } from '../config/config.js';
import { VERSION } from '../version.js';
import { resolveSchedule } from '../../core/webhooks/schedule.js';
import { runAttempt, type AttemptDeps, type AttemptRecord } from './attempt.js';
import { scanPayload, type WebhookRedaction } from './redact.js';

/** Attempts one drain makes at most; past it the drain answers `more` and the poll goes on. */
export const MAX_ATTEMPTS_PER_DRAIN = 1_000;
/** Events read per fan-out transaction. */
const FAN_OUT_BATCH = 100;
/** Tenants a poll looks at. */
const POLL_TENANTS = 100;

export interface DispatcherDeps {
  readonly state: Pick<RuntimeState, 'webhooks' | 'events' | 'tenants'>;
  readonly sender: WebhookSender;
  readonly signer: Signer;
  /** B's payloadSource({ profile, samples, spec }), built at start. */
  readonly payloads: PayloadSource;
  readonly profile: Pick<ApiProfile, 'webhooks'>;
  readonly config: WebhooksConfig;
  /** The sandbox's RedactionSetup (or its rules and redactor). */
  readonly redaction: WebhookRedaction;
  /** Real time: leases, signatures, and (with the tenant's clock state) the tenant's now. */
  readonly clock: Clock;
  readonly scheduler: Scheduler;
  readonly logger: Logger;
  /** Counts each attempt by outcome (`tapedeck_webhook_attempts_total`); absent: not counted. */
  readonly metrics?: MetricsSink;
  /** The lease owner; `srv_` and random hex unless given. */
  readonly owner?: string;
  /** Of the user agent (`tapedeck-webhooks/VERSION`). */
  readonly version?: string;
}

export interface DrainResult {
  /** Attempts made (and settled or refused a settle). */
  readonly attempts: number;
  /** The drain stopped at its bound: more may be due (the poll goes on with it). */
  readonly more: boolean;
}

export interface Dispatcher {
  /** The lease owner of this process. */
  readonly owner: string;
  /** Starts the poll of `tenantsWithWork` every `pollMs`. */
  start(): void;
  /** Asks for a drain of the tenant soon (coalesced on the next turn). */
  kick(tenantId: string): void;
  /**
   * Fans out and attempts everything due now, one drain at a time per tenant (a call during one
   * runs once more after it, coalesced).
   */
  drain(tenantId: string): Promise<DrainResult>;
  /** Stops polling, waits for the attempts in flight, then releases this owner's leases. */
  stop(): Promise<void>;
}

const IDLE: DrainResult = { attempts: 0, more: false };

/** What one worker of a drain round did: claimed nothing, settled its delivery, or left it pending. */
const NOTHING = 0;
const SETTLED = 1;
const RETRYING = 2;
type Made = typeof NOTHING | typeof SETTLED | typeof RETRYING;

function hex(bytes: Uint8Array): string {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}

/** Does the endpoint's filter take this event type? null: all; `a.b` exactly; `a.*` any `a.…`. */
export function matchesFilter(filter: readonly string[] | null, type: string): boolean {
  if (filter === null) return true;
  return filter.some((f) =>
    f === '*' ? true : f.endsWith('.*') ? type.startsWith(f.slice(0, -1)) : f === type,
  );
}

/** The object's name in an envelope: its own `object` field (Stripe's), else the type's singular. */
function objectNameOf(event: StoredEvent): string {
  const data = event.data;
  if (data !== null && typeof data === 'object' && !Array.isArray(data)) {
    const object = data['object'];
    if (typeof object === 'string' && /^[a-z][a-z0-9_.]*$/.test(object)) return object;
  }
  return singular(event.resourceType);
}

/**
 * How a probe (issue 16) settles: delivered or failed after its one attempt, never pending, and
 * the endpoint stays as it was (a 410 to a bad signature does not disable it). Throttling holds.
 */
function probeSettled(next: AttemptRecord['next']): AttemptRecord['next'] {
  return {
    status: next.status === 'delivered' ? 'delivered' : 'failed',
    ...(next.throttledUntil === undefined ? {} : { throttledUntil: next.throttledUntil }),
  };
}

/** A counting gate: at most `size` tasks at once, the others queued in order. */
class Gate {
  private active = 0;
  private readonly waiting: (() => void)[] = [];
  constructor(private readonly size: number) {}

  async run<T>(task: () => Promise<T>): Promise<T> {
    if (this.active >= this.size) await new Promise<void>((resolve) => this.waiting.push(resolve));
    this.active++;
    try {
      return await task();
    } finally {
      this.active--;
      this.waiting.shift()?.();
    }
  }
}

export function createDispatcher(deps: DispatcherDeps): Dispatcher {
  const { state, config, logger, clock, scheduler } = deps;
  const owner = deps.owner ?? `srv_${hex(deps.signer.randomBytes(8))}`;
  const leaseMs = 2 * config.timeoutMs + 5_000;
  const gate = new Gate(Math.max(1, config.concurrency));
  const attemptDeps: AttemptDeps = {
    sender: deps.sender,
    signer: deps.signer,
    profile: deps.profile,
    config,
    redaction: deps.redaction,
    clock,
    schedule: resolveSchedule(config.schedule, config.jitter),
    userAgent: `tapedeck-webhooks/${deps.version ?? VERSION}`,
  };

  const running = new Map<string, Promise<DrainResult>>();
  const queued = new Map<string, Promise<DrainResult>>();
  const kicked = new Set<string>();
  let stopping = false;
  let poll: ScheduledTask | undefined;
  let stopped: Promise<void> | undefined;

  const failed = (what: string, tenant: string) => (error: unknown) => {
    logger.log('error', 'webhooks.failed', `${what} failed: ${(error as Error).message}`, {
      code: 'TD_STATE_STORE_FAILED',
      tenant,
    });
  };

  /**
   * Turns the events past the cursor into messages and deliveries, batch by batch. Resolves
   * whether the tenant has an enabled endpoint: without one nothing can be claimed.
   */
  async function fanOut(tenant: TenantRecord): Promise<boolean> {
    let enabled = false;
    for (let round = 0; round < 1_000 && !stopping; round++) {
      const afterSeq = await state.webhooks.cursor(tenant.id);
      const events = await state.events.list(tenant.id, afterSeq, FAN_OUT_BATCH);
      // Listed after the events are read: an endpoint added since has a sinceSeq past them.
      const endpoints = (await state.webhooks.listEndpoints(tenant.id)).filter(
        (e) => e.status === 'enabled',
      );
      enabled = endpoints.length > 0;
      if (events.length === 0) return enabled;
      const change = fanOutChange(tenant, afterSeq, events, endpoints);
      const written = await state.webhooks.fanOut(tenant.id, change);
      // A blocked delivery's one attempt is written with it: counted once the write held.
      if (written && deps.metrics !== undefined) {
        for (const d of change.deliveries)
          if (d.blocked !== undefined) deps.metrics.count('webhook-attempt', 'blocked');
      }
      // Refused: another process moved the cursor first; read it again.
      if (written && events.length < FAN_OUT_BATCH) return enabled;
    }
    return enabled;
  }

  function fanOutChange(
    tenant: TenantRecord,
    afterSeq: number,
    events: readonly StoredEvent[],
    endpoints: readonly WebhookEndpoint[],
  ): FanOut {
    const messages: FanOut['messages'][number][] = [];
    const deliveries: FanOut['deliveries'][number][] = [];
    for (const event of events) {
      const targets = endpoints.filter(
        (e) => e.sinceSeq < event.seq && matchesFilter(e.events, event.type),
      );
      if (targets.length === 0) continue;
      const rendered = deps.payloads.render(event, {
        objectName: objectNameOf(event),
        pendingWebhooks: targets.length,
      });
      const findings = scanPayload(
        deps.redaction,
        rendered,
        event.idempotencyKey === undefined ? [] : [event.idempotencyKey],
      );
      let blocked: WebhookAttempt | undefined;
      if (findings.length > 0) {
        // Never stored, never sent: the delivery fails at once with this attempt.
        blocked = {
          n: 1,
          at: event.at,
          sentAt: clock.now(),
          outcome: 'blocked',
          latencyMs: 0,
          error: 'secret-detected',
          manual: false,
        };
        logger.log(
          'warn',
          'webhooks.blocked',
          `the payload of event ${event.id} (${event.type}) looks secret after redaction: not sent (${findings.map((f) => `${f.rule} at ${f.pointer}`).join(', ')})`,
          {
            code: 'TD_SECRET_DETECTED',
            tenant: tenant.name,
            event: event.id,
            pointers: findings.map((f) => f.pointer),
          },
        );
      } else {
        messages.push({ eventId: event.id, type: event.type, payload: JSON.stringify(rendered) });
      }
      for (const endpoint of targets) {
        deliveries.push({
          id: `dlv_${hex(deps.signer.randomBytes(12))}`,
          endpoint: endpoint.id,
          eventId: event.id,
          dueAt: event.at,
          ...(blocked === undefined ? {} : { blocked }),
        });
      }
    }
    return { afterSeq, toSeq: events[events.length - 1]!.seq, messages, deliveries };
  }

  /** Sends and settles one claimed delivery; resolves whether it is still pending (a retry). */
  async function attempt(
    tenant: TenantRecord,
    claimed: ClaimedDelivery,
    now: number,
  ): Promise<boolean> {
    const { delivery } = claimed;
    // A frozen clock: the attempt stands for its due instant, and the next is scheduled from it.
    const at =
      tenant.clock.frozenAt === undefined ? now : Math.min(now, delivery.nextAttemptAt ?? now);
    const record = await runAttempt(attemptDeps, claimed, at, `${config.seed}:${tenant.idSeed}`);
    const settled = await state.webhooks.settle(
      tenant.id,
      delivery.id,
      owner,
      record.attempt,
      delivery.probe === undefined ? record.next : probeSettled(record.next),
    );
    const { attempt: a } = record;
    // Made, whether or not this process still held the lease to settle it.
    deps.metrics?.count('webhook-attempt', a.outcome);
    if (!settled || logger.enabled('info')) {
      logger.log(
        settled ? 'info' : 'warn',
        'webhooks.attempt',
        settled
          ? `delivery ${delivery.id} (${delivery.eventType}) to ${delivery.endpoint}, attempt ${a.n}: ${a.outcome}${a.status === undefined ? '' : ` (${a.status})`}${a.error === undefined ? '' : ` [${a.error}]`}`
          : `delivery ${delivery.id}: the lease ran out before the attempt settled; another process may send it again (same webhook-id)`,
        {
          tenant: tenant.name,
          delivery: delivery.id,
          endpoint: delivery.endpoint,
          outcome: a.outcome,
          ...(a.status === undefined ? {} : { status: a.status }),
          latencyMs: a.latencyMs,
        },
      );
    }
    return settled && record.next.status === 'pending';
  }

  async function drainNow(tenantId: string): Promise<DrainResult> {
    let tenant = await state.tenants.get(tenantId);
    if (tenant === undefined || stopping) return IDLE;
    // No enabled endpoint, nothing to claim (enabling one kicks a drain of its own).
    if (!(await fanOut(tenant))) return IDLE;
    let attempts = 0;
    while (attempts < MAX_ATTEMPTS_PER_DRAIN) {
      if (stopping) return { attempts, more: true };
      const current = tenant;
      // Each worker takes a slot of the process-wide gate first and claims one delivery in it:
      // a lease starts when its attempt can, never while it waits behind other tenants' (a lease
      // that ran out in the queue would let another server send the same delivery).
      const workers = Math.min(Math.max(1, config.concurrency), MAX_ATTEMPTS_PER_DRAIN - attempts);
      const made = await Promise.all(
        Array.from({ length: workers }, () =>
          gate.run(async (): Promise<Made> => {
            if (stopping) return NOTHING;
            const realNow = clock.now();
            const now = tenantNow(current.clock, realNow);
            const [claimed] = await state.webhooks.claimDue(tenantId, {
              now,
              realNow,
              owner,
              leaseMs,
              limit: 1,
            });
            if (claimed === undefined) return NOTHING;
            return (await attempt(current, claimed, now)) ? RETRYING : SETTLED;
          }),
        ),
      );
      const n = made.filter((m) => m !== NOTHING).length;
      attempts += n;
      if (n === 0) return { attempts, more: false };
      // A worker found nothing left to claim, so every delivery due then was this round's; only
      // a retry this round scheduled can have fallen due since (on a frozen clock an advance
      // walks the schedule: its next attempt stands for an instant already past). New events,
      // advances and enables ask for a drain of their own; the poll finds the rest. Stopping
      // here saves a round of claims that would find nothing, after every kick.
      if (n < workers && !made.includes(RETRYING) && !stopping) return { attempts, more: false };
      // The clock may have moved meanwhile (an advance during a long drain).
      tenant = (await state.tenants.get(tenantId)) ?? tenant;
    }
    return { attempts, more: true };
  }

  function startRun(tenantId: string): Promise<DrainResult> {
    const run: Promise<DrainResult> = drainNow(tenantId).finally(() => {
      if (running.get(tenantId) === run) running.delete(tenantId);
    });
    running.set(tenantId, run);
    return run;
  }

  function drain(tenantId: string): Promise<DrainResult> {
    if (stopping) return Promise.resolve(IDLE);
    const waiting = queued.get(tenantId);
    if (waiting !== undefined) return waiting;
    const current = running.get(tenantId);
    if (current === undefined) return startRun(tenantId);
    const next = current
      .catch(() => IDLE)
      .then(() => {
        queued.delete(tenantId);
        return stopping ? IDLE : startRun(tenantId);
      });
    queued.set(tenantId, next);
    return next;
  }

  function kick(tenantId: string): void {
    if (stopping || kicked.has(tenantId)) return;
    kicked.add(tenantId);
    scheduler.setImmediate(() => {
      kicked.delete(tenantId);
      drain(tenantId).then(
        (result) => {
          if (result.more) kick(tenantId);
        },
        failed('a webhook drain', tenantId),
      );
    });
  }

  /** Every tenant with work, a page at a time: the 101st is drained as surely as the first. */
  async function pollAll(): Promise<void> {
    let after = '';
    for (;;) {
      if (stopping) return;
      const tenants = await state.webhooks.tenantsWithWork(POLL_TENANTS, after);
      await Promise.all(tenants.map((t) => drain(t).catch(failed('a drain', t))));
      if (tenants.length < POLL_TENANTS) return;
      after = tenants[tenants.length - 1]!;
    }
  }

  function schedulePoll(): void {
    if (stopping) return;
    poll = scheduler.setTimeout(() => {
      poll = undefined;
      pollAll().catch(failed('the webhook poll', '-')).finally(schedulePoll);
    }, config.pollMs);
  }

  return {
    owner,
    start() {
      if (poll === undefined && !stopping) schedulePoll();
    },
    kick,
    drain,
    stop() {
      stopped ??= (async () => {
        stopping = true;
        poll?.cancel();
        poll = undefined;
        await Promise.allSettled([...running.values(), ...queued.values()]);
        await state.webhooks.release(owner);
      })();
      return stopped;
    },
  };
}
