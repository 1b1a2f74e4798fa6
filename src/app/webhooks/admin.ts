import { TapedeckError } from '../../core/errors.js';
import type {
  Clock,
  DeliveryStatus,
  RedeliverResult,
  RuntimeState,
  Signer,
  TenantRecord,
  TenantStore,
  WebhookAttempt,
  WebhookDelivery,
  WebhookEndpoint,
  WebhookSecret,
} from '../../core/ports/index.js';
import { BASE62 } from '../../core/sandbox/keys.js';
import { tenantNow } from '../../core/sandbox/clock.js';
import { checkFilter, suggestion, type KnownEvents } from '../../core/webhooks/known.js';
import type { SignatureScheme } from '../../core/webhooks/types.js';

/**
 * What checks a destination when an endpoint is added or its URL changed: `WebhookDestinations`
 * (core/webhooks/destinations.ts) in the server and the CLI. It throws TD_WEBHOOK_REFUSED (not
 * http(s), credentials in the URL, a host outside loopback and `webhooks.allowedHosts`) and
 * returns the URL's canonical form, which is what is stored.
 */
export interface DestinationCheck {
  checkUrl(url: string): string;
}

export interface WebhookAdminDeps {
  readonly state: Pick<RuntimeState, 'tenants' | 'webhooks' | 'events'>;
  /** Real time; an endpoint's times are the tenant's clock. */
  readonly clock: Clock;
  /** The profile's scheme: new secrets are its `newSecret`, a caller's is checked by `checkSecret`. */
  readonly scheme: SignatureScheme;
  /** Random bytes for secrets and endpoint ids. */
  readonly signer: Pick<Signer, 'randomBytes'>;
  readonly destinations: DestinationCheck;
  /** How long the older secrets keep signing after a rotation: `webhooks.rotationOverlapHours`. */
  readonly rotationOverlapMs: number;
  /** The id prefix of new endpoints: the profile's `ids.byType.webhook_endpoints`, else `ep_`. */
  readonly idPrefix?: string;
  /** After a change that may make work (enable, url, redeliver): kicks the dispatcher. */
  readonly onChange?: (tenantId: string) => void;
  /**
   * The event types the sandbox can emit (core/webhooks/known.ts), asked for only when a filter
   * is given: a filter entry outside them is refused. Without it only the syntax is checked.
   */
  readonly knownEvents?: () => KnownEvents | Promise<KnownEvents>;
}

/** Why a redelivery was not queued, as the admin route and the CLI say it. */
export function redeliverRefusal(
  id: string,
  result: 'in-flight' | 'blocked' | 'endpoint-gone',
): { readonly message: string; readonly hint: string } {
  switch (result) {
    case 'in-flight':
      return {
        message: `Delivery ${id} is being sent right now: ask again when the attempt settles.`,
        hint: 'Its attempts show when it settled.',
      };
    case 'blocked':
      return {
        message: `Delivery ${id} cannot be sent: its payload was blocked by the secret scanner and never stored.`,
        hint: 'Fix what made the event look secret, then trigger the event again.',
      };
    case 'endpoint-gone':
      return {
        message: `Delivery ${id} cannot be sent: its endpoint was deleted.`,
        hint: 'Add the endpoint again; new events are delivered to it.',
      };
  }
}

/** Why no probe was sent, as the admin route and the CLI say it. */
export function probeRefusal(tenant: string): { readonly message: string; readonly hint: string } {
  return {
    message: `Tenant ${shown(tenant, PLAIN)} has nothing to probe with: no event was delivered to an enabled endpoint yet.`,
    hint: 'Make an event the endpoint gets (or `tapedeck trigger`), let it be delivered, then probe.',
  };
}

/** A secret as listings show it: its prefix and last four characters. */
export interface SecretView {
  readonly hint: string;
  readonly createdAt: string;
  readonly expiresAt?: string;
  /** `expiring`: an older secret that still signs until `expiresAt` (a rotation's overlap). */
  readonly state: 'active' | 'expiring' | 'expired';
}

/** An endpoint as the admin API and `tapedeck webhooks list --json` show it (ISO times, tenant clock). */
export interface EndpointView {
  readonly id: string;
  readonly url: string;
  /** null: every event. */
  readonly events: readonly string[] | null;
  readonly status: 'enabled' | 'disabled';
  readonly disabledReason?: 'manual' | 'gone';
  readonly secrets: readonly SecretView[];
  readonly createdAt: string;
  readonly throttledUntil?: string;
  readonly description?: string;
}

/** What add and rotate answer: the only time the secret is shown. */
export interface EndpointWithSecret {
  readonly endpoint: EndpointView;
  readonly secret: string;
}

export interface DeliveryView {
  readonly id: string;
  readonly endpoint: string;
  readonly url: string;
  readonly eventId: string;
  readonly eventType: string;
  readonly status: DeliveryStatus;
  readonly attempts: number;
  readonly nextAttemptAt?: string;
  readonly createdAt: string;
  /** Sent on purpose to test the receiver (issue 16): `tapedeck webhooks probe`. */
  readonly probe?: NonNullable<WebhookDelivery['probe']>;
}

/** What `probe` sends: a wrong signature, a duplicate (same webhook id), or one of each. */
export type ProbeKind = NonNullable<WebhookDelivery['probe']> | 'both';
export const PROBE_KINDS: readonly ProbeKind[] = ['bad-signature', 'duplicate', 'both'];

export interface AttemptView {
  readonly n: number;
  readonly at: string;
  readonly sentAt: string;
  readonly outcome: WebhookAttempt['outcome'];
  readonly status?: number;
  readonly latencyMs: number;
  readonly error?: NonNullable<WebhookAttempt['error']>;
  readonly excerpt?: string;
  readonly nextAttemptAt?: string;
  readonly manual: boolean;
}

export interface DeliveryQuery {
  readonly endpoint?: string;
  readonly event?: string;
  readonly status?: string;
  /** A delivery id: the page after it (older ones). */
  readonly before?: string;
  readonly limit?: number;
}

/** Tenant names a message may show: only what a valid name looks like. */
const PLAIN = /^[a-z0-9][a-z0-9_.-]{0,62}$/;
/** Endpoint, delivery and event ids a message may show. */
const ID = /^[A-Za-z0-9_]{1,64}$/;
/** An event filter: `a.b`, `a.*`, or `*` (every event). */
const EVENT_FILTER = /^(?:\*|[A-Za-z0-9_-]{1,64}(?:\.[A-Za-z0-9_-]{1,64}){0,4}(?:\.\*)?)$/;
const MAX_EVENTS = 100;
const MAX_URL_LENGTH = 2048;
const MAX_DESCRIPTION_LENGTH = 500;
const STATUSES: readonly DeliveryStatus[] = ['pending', 'delivered', 'failed', 'abandoned'];
export const DEFAULT_PAGE = 20;
export const MAX_PAGE = 100;
/** The longest rotation overlap: 30 days of the tenant clock. */
const MAX_OVERLAP_MS = 30 * 86_400_000;
const ID_LENGTH = 24;

function iso(ms: number): string {
  return new Date(ms).toISOString();
}

function shown(text: string, pattern: RegExp): string {
  return pattern.test(text) ? `"${text}"` : '(this value)';
}

/** `whsec_…ab12`: what may be shown of a secret (its prefix and last four characters). */
export function secretHint(secret: string): string {
  const underscore = secret.indexOf('_');
  const prefix = underscore > 0 && underscore <= 8 ? secret.slice(0, underscore + 1) : '';
  return `${prefix}…${secret.slice(-4)}`;
}

function secretView(secret: WebhookSecret, now: number): SecretView {
  return {
    hint: secretHint(secret.secret),
    createdAt: iso(secret.createdAt),
    ...(secret.expiresAt === undefined ? {} : { expiresAt: iso(secret.expiresAt) }),
    state:
      secret.expiresAt === undefined ? 'active' : secret.expiresAt > now ? 'expiring' : 'expired',
  };
}

/** The view of an endpoint at the tenant instant `now`; never its secrets, only their hints. */
export function endpointView(endpoint: WebhookEndpoint, now: number): EndpointView {
  return {
    id: endpoint.id,
    url: endpoint.url,
    events: endpoint.events,
    status: endpoint.status,
    ...(endpoint.disabledReason === undefined ? {} : { disabledReason: endpoint.disabledReason }),
    secrets: endpoint.secrets.map((s) => secretView(s, now)),
    createdAt: iso(endpoint.createdAt),
    ...(endpoint.throttledUntil === undefined || endpoint.throttledUntil <= now
      ? {}
      : { throttledUntil: iso(endpoint.throttledUntil) }),
    ...(endpoint.description === undefined ? {} : { description: endpoint.description }),
  };
}

export function deliveryView(delivery: WebhookDelivery): DeliveryView {
  return {
    id: delivery.id,
    endpoint: delivery.endpoint,
    url: delivery.url,
    eventId: delivery.eventId,
    eventType: delivery.eventType,
    status: delivery.status,
    attempts: delivery.attempts,
    ...(delivery.nextAttemptAt === undefined ? {} : { nextAttemptAt: iso(delivery.nextAttemptAt) }),
    createdAt: iso(delivery.createdAt),
    ...(delivery.probe === undefined ? {} : { probe: delivery.probe }),
  };
}

export function attemptView(attempt: WebhookAttempt): AttemptView {
  return {
    n: attempt.n,
    at: iso(attempt.at),
    sentAt: iso(attempt.sentAt),
    outcome: attempt.outcome,
    ...(attempt.status === undefined ? {} : { status: attempt.status }),
    latencyMs: attempt.latencyMs,
    ...(attempt.error === undefined ? {} : { error: attempt.error }),
    ...(attempt.excerpt === undefined ? {} : { excerpt: attempt.excerpt }),
    ...(attempt.nextAttemptAt === undefined ? {} : { nextAttemptAt: iso(attempt.nextAttemptAt) }),
    manual: attempt.manual,
  };
}

function usage(message: string, field: string, hint?: string): TapedeckError {
  return new TapedeckError('TD_USAGE', message, {
    details: { field },
    ...(hint === undefined ? {} : { hint }),
  });
}

/**
 * The event filter of an endpoint: null (every event) or a list of `a.b` / `a.*`. `*` alone, or
 * in the list, means every event. Duplicates are dropped; the order given is kept.
 */
export function checkEvents(events: readonly string[] | null): readonly string[] | null {
  if (events === null) return null;
  if (events.length === 0)
    throw usage(
      'The events list is empty: name at least one event type, or none at all for every event.',
      'events',
      'e.g. ["payment_intent.succeeded", "charge.*"]; leave it out (or null) for every event.',
    );
  if (events.length > MAX_EVENTS)
    throw usage(`An endpoint filters on at most ${MAX_EVENTS} event types.`, 'events');
  for (const event of events)
    if (typeof event !== 'string' || !EVENT_FILTER.test(event))
      throw usage(
        `The event type ${typeof event === 'string' ? shown(event, /^[A-Za-z0-9_.*-]{1,80}$/) : '(not a string)'} is not one: event types look like payment_intent.succeeded, or charge.* for a group.`,
        'events',
        'e.g. ["payment_intent.succeeded", "charge.*"]; `*` (or no list) is every event.',
      );
  if (events.includes('*')) return null;
  return [...new Set(events)];
}

/**
 * Refuses filter entries the sandbox cannot emit (`custmer.created`), naming each with the
 * nearest known types: such an endpoint would never get a webhook. TD_USAGE on `events`, with
 * `details.unknown` (the entries) and `details.nearest` (the suggestions, all entries').
 */
export function refuseUnknownEvents(events: readonly string[] | null, known: KnownEvents): void {
  if (events === null) return;
  const unknown: { readonly event: string; readonly nearest: readonly string[] }[] = [];
  for (const event of events) {
    const verdict = checkFilter(event, known);
    if (verdict.kind === 'unknown') unknown.push({ event, nearest: verdict.nearest });
  }
  if (unknown.length === 0) return;
  const named = unknown.map((u) => `"${u.event}" (${suggestion(u.nearest, known)})`).join('; ');
  throw new TapedeckError(
    'TD_USAGE',
    `The sandbox emits no event ${unknown.length === 1 ? 'type' : 'types'} ${named}: an endpoint filtering on ${unknown.length === 1 ? 'it' : 'them'} would never get a webhook.`,
    {
      details: {
        field: 'events',
        unknown: unknown.map((u) => u.event),
        nearest: [...new Set(unknown.flatMap((u) => u.nearest))],
      },
      hint: "Leave the filter out (or `*`) for every event. The known types are the model's X.created/updated/deleted, the lifecycle and scenario events, the trigger flows' and the spec's webhooks and callbacks, and recorded samples' (docs/webhooks.md, \"Endpoints\").",
    },
  );
}

/** A tenant by its name or its id; an unknown one is TD_TENANT_NOT_FOUND. */
export async function findTenant(
  tenants: Pick<TenantStore, 'get' | 'getByName'>,
  name: string,
): Promise<TenantRecord> {
  const found = PLAIN.test(name)
    ? ((await tenants.getByName(name)) ?? (await tenants.get(name)))
    : undefined;
  if (found === undefined)
    throw new TapedeckError('TD_TENANT_NOT_FOUND', `There is no tenant ${shown(name, PLAIN)}.`, {
      hint: '`tapedeck tenants list` (or GET /__tapedeck/tenants) shows the tenants there are.',
    });
  return found;
}

/**
 * The webhook use cases the admin routes (`/__tapedeck/tenants/NAME/webhooks/…`) and
 * `tapedeck webhooks …` share (docs/webhooks.md). A tenant is named by its name or its id, as
 * in ScenarioAdmin. Bad input is TD_USAGE naming the field (400), an unknown tenant
 * TD_TENANT_NOT_FOUND, an endpoint or delivery id that is not the tenant's TD_WEBHOOK_NOT_FOUND
 * (404: another tenant's looks exactly like an unknown one), a URL outside the allowed
 * destinations TD_WEBHOOK_REFUSED (400, from the destination check). A secret is in the answer of
 * add and rotate only; every listing shows its hint (`whsec_…ab12`).
 */
export class WebhookAdmin {
  constructor(private readonly deps: WebhookAdminDeps) {}

  tenant(name: string): Promise<TenantRecord> {
    return findTenant(this.deps.state.tenants, name);
  }

  private now(record: TenantRecord): number {
    return tenantNow(record.clock, this.deps.clock.now());
  }

  private notFound(record: TenantRecord, what: 'endpoint' | 'delivery', id: string): never {
    throw new TapedeckError(
      'TD_WEBHOOK_NOT_FOUND',
      `Tenant "${record.name}" has no webhook ${what} ${shown(id, ID)}.`,
      {
        details: { field: what },
        hint:
          what === 'endpoint'
            ? `\`tapedeck webhooks list --tenant ${record.name}\` (or GET /__tapedeck/tenants/${record.name}/webhooks/endpoints) lists its endpoints.`
            : `\`tapedeck webhooks deliveries --tenant ${record.name}\` (or GET /__tapedeck/tenants/${record.name}/webhooks/deliveries) lists its deliveries.`,
      },
    );
  }

  private async endpoint(record: TenantRecord, id: string): Promise<WebhookEndpoint> {
    const found = ID.test(id)
      ? await this.deps.state.webhooks.getEndpoint(record.id, id)
      : undefined;
    return found ?? this.notFound(record, 'endpoint', id);
  }

  private checkUrl(url: string): string {
    if (typeof url !== 'string' || url.trim() === '')
      throw usage(
        'Give the URL the webhooks are sent to.',
        'url',
        'e.g. http://localhost:4242/webhooks.',
      );
    if (url.length > MAX_URL_LENGTH)
      throw usage(`A webhook URL is at most ${MAX_URL_LENGTH} characters.`, 'url');
    return this.deps.destinations.checkUrl(url);
  }

  private async checkedEvents(events: readonly string[] | null): Promise<readonly string[] | null> {
    const checked = checkEvents(events);
    if (checked !== null && this.deps.knownEvents !== undefined)
      refuseUnknownEvents(checked, await this.deps.knownEvents());
    return checked;
  }

  /** A description: at most 500 characters on one line; empty is none (null). */
  private checkDescription(description: string): string | null {
    if (typeof description !== 'string') throw usage('The description is a text.', 'description');
    const text = description.trim();
    if (text.length > MAX_DESCRIPTION_LENGTH)
      throw usage(`A description is at most ${MAX_DESCRIPTION_LENGTH} characters.`, 'description');
    // eslint-disable-next-line no-control-regex
    if (/[\u0000-\u001f\u007f]/.test(text))
      throw usage('A description is one line, without control characters.', 'description');
    return text === '' ? null : text;
  }

  private newSecret(secret: string | undefined): string {
    if (secret === undefined) return this.deps.scheme.newSecret(this.deps.signer.randomBytes(32));
    // The reason never quotes the secret: it must not land in a log or an answer.
    const why = this.deps.scheme.checkSecret(secret);
    if (why !== undefined)
      throw usage(
        `The secret cannot be used with the ${this.deps.scheme.name} scheme: ${why}`,
        'secret',
        'Leave it out and tapedeck makes one (shown once).',
      );
    return secret;
  }

  private newId(): string {
    const bytes = this.deps.signer.randomBytes(ID_LENGTH);
    let id = '';
    for (const b of bytes) id += BASE62[b % 62]!;
    return `${this.deps.idPrefix ?? 'ep_'}${id}`;
  }

  /** Registers an endpoint: it gets the tenant's events from now on (seq past the last one). */
  async add(
    tenantName: string,
    input: {
      readonly url: string;
      readonly events?: readonly string[] | null;
      readonly secret?: string;
      readonly description?: string;
    },
  ): Promise<EndpointWithSecret> {
    const record = await this.tenant(tenantName);
    const url = this.checkUrl(input.url);
    const events = await this.checkedEvents(input.events ?? null);
    const description =
      input.description === undefined ? null : this.checkDescription(input.description);
    const secret = this.newSecret(input.secret);
    const now = this.now(record);
    const sinceSeq = await this.deps.state.events.lastSeq(record.id);
    for (let tries = 0; ; tries++) {
      const endpoint: WebhookEndpoint = {
        id: this.newId(),
        url,
        events,
        status: 'enabled',
        secrets: [{ secret, createdAt: now }],
        sinceSeq,
        createdAt: now,
        ...(description === null ? {} : { description }),
      };
      if (await this.deps.state.webhooks.addEndpoint(record.id, endpoint)) {
        this.deps.onChange?.(record.id);
        return { endpoint: endpointView(endpoint, now), secret };
      }
      // 24 base62 characters collide only with a broken random source.
      if (tries >= 3)
        throw new TapedeckError('TD_INTERNAL', 'Could not find a free webhook endpoint id.');
    }
  }

  async list(tenantName: string): Promise<EndpointView[]> {
    const record = await this.tenant(tenantName);
    const now = this.now(record);
    return (await this.deps.state.webhooks.listEndpoints(record.id)).map((e) =>
      endpointView(e, now),
    );
  }

  async get(tenantName: string, id: string): Promise<EndpointView> {
    const record = await this.tenant(tenantName);
    return endpointView(await this.endpoint(record, id), this.now(record));
  }

  /**
   * Enables or disables an endpoint, or changes its URL (checked as add checks it), events or
   * description (empty clears it). Enabling clears why it was disabled (a 410) and any throttle:
   * its waiting deliveries go out again. A new URL gets the next attempt, retries included.
   */
  async update(
    tenantName: string,
    id: string,
    patch: {
      readonly enabled?: boolean;
      readonly url?: string;
      readonly events?: readonly string[] | null;
      readonly description?: string;
    },
  ): Promise<EndpointView> {
    const record = await this.tenant(tenantName);
    await this.endpoint(record, id);
    const url = patch.url === undefined ? undefined : this.checkUrl(patch.url);
    const events = patch.events === undefined ? undefined : await this.checkedEvents(patch.events);
    const description =
      patch.description === undefined ? undefined : this.checkDescription(patch.description);
    const changed = await this.deps.state.webhooks.updateEndpoint(record.id, id, {
      ...(url === undefined ? {} : { url }),
      ...(events === undefined ? {} : { events }),
      ...(description === undefined ? {} : { description }),
      ...(patch.enabled === undefined
        ? {}
        : patch.enabled
          ? { status: 'enabled' as const, disabledReason: null, throttledUntil: null }
          : { status: 'disabled' as const, disabledReason: 'manual' as const }),
    });
    if (!changed) this.notFound(record, 'endpoint', id);
    this.deps.onChange?.(record.id);
    return endpointView(await this.endpoint(record, id), this.now(record));
  }

  /** Deletes an endpoint: its pending deliveries are abandoned, the delivery log is kept. */
  async delete(tenantName: string, id: string): Promise<void> {
    const record = await this.tenant(tenantName);
    const deleted = ID.test(id) && (await this.deps.state.webhooks.deleteEndpoint(record.id, id));
    if (!deleted) this.notFound(record, 'endpoint', id);
  }

  /**
   * A new secret signs first; the older ones keep signing until now + overlap on the tenant
   * clock (an earlier expiry stays), then stop. Those already expired are dropped.
   */
  async rotate(
    tenantName: string,
    id: string,
    options: { readonly overlapMs?: number; readonly secret?: string } = {},
  ): Promise<EndpointWithSecret> {
    const record = await this.tenant(tenantName);
    const endpoint = await this.endpoint(record, id);
    const overlapMs = options.overlapMs ?? this.deps.rotationOverlapMs;
    if (!Number.isSafeInteger(overlapMs) || overlapMs < 0 || overlapMs > MAX_OVERLAP_MS)
      throw usage(
        'The overlap is 0 (the old secrets stop at once) to 30 days.',
        'overlap',
        'e.g. "24h" (the default is webhooks.rotationOverlapHours).',
      );
    const secret = this.newSecret(options.secret);
    const now = this.now(record);
    const until = now + overlapMs;
    // No overlap: the older secrets stop at once, so they are dropped now.
    const live = overlapMs === 0 ? [] : endpoint.secrets;
    const older = live
      .filter((s) => s.expiresAt === undefined || s.expiresAt > now)
      .map((s) => ({
        secret: s.secret,
        createdAt: s.createdAt,
        expiresAt: Math.min(s.expiresAt ?? until, until),
      }));
    const secrets: WebhookSecret[] = [{ secret, createdAt: now }, ...older];
    if (!(await this.deps.state.webhooks.updateEndpoint(record.id, id, { secrets })))
      this.notFound(record, 'endpoint', id);
    return { endpoint: endpointView({ ...endpoint, secrets }, now), secret };
  }

  /** The tenant's deliveries, newest first, a page at a time (`before`: the last id of a page). */
  async deliveries(
    tenantName: string,
    query: DeliveryQuery = {},
  ): Promise<{ deliveries: DeliveryView[]; next?: string }> {
    const record = await this.tenant(tenantName);
    const limit = query.limit ?? DEFAULT_PAGE;
    if (!Number.isSafeInteger(limit) || limit < 1 || limit > MAX_PAGE)
      throw usage(`The limit is a whole number from 1 to ${MAX_PAGE}.`, 'limit');
    if (query.status !== undefined && !(STATUSES as readonly string[]).includes(query.status))
      throw usage(
        `A delivery status is one of ${STATUSES.join(', ')}.`,
        'status',
        'e.g. ?status=failed (or --status failed).',
      );
    for (const [field, value] of [
      ['endpoint', query.endpoint],
      ['event', query.event],
      ['before', query.before],
    ] as const)
      if (value !== undefined && !ID.test(value))
        throw usage(`The ${field} filter is an id such as we_… or evt_….`, field);
    const found = await this.deps.state.webhooks.listDeliveries(record.id, {
      ...(query.endpoint === undefined ? {} : { endpoint: query.endpoint }),
      ...(query.event === undefined ? {} : { eventId: query.event }),
      ...(query.status === undefined ? {} : { status: query.status as DeliveryStatus }),
      ...(query.before === undefined ? {} : { before: query.before }),
      limit,
    });
    // A deleted endpoint's log is kept and can be filtered; an id the tenant never had is a 404.
    if (found.length === 0 && query.endpoint !== undefined && query.before === undefined)
      await this.endpoint(record, query.endpoint);
    const deliveries = found.map(deliveryView);
    const last = deliveries.at(-1);
    return {
      deliveries,
      ...(deliveries.length === limit && last !== undefined ? { next: last.id } : {}),
    };
  }

  async delivery(
    tenantName: string,
    id: string,
  ): Promise<{ delivery: DeliveryView; attempts: AttemptView[] }> {
    const record = await this.tenant(tenantName);
    const found = ID.test(id)
      ? await this.deps.state.webhooks.getDelivery(record.id, id)
      : undefined;
    if (found === undefined) this.notFound(record, 'delivery', id);
    return { delivery: deliveryView(found.delivery), attempts: found.attempts.map(attemptView) };
  }

  /**
   * Probes the receiver (issue 16, readiness): the event of the tenant's newest delivered
   * delivery is sent again, now, once (never retried): `bad-signature` signed with a wrong secret
   * of the profile's scheme (a receiver that verifies refuses it), `duplicate` as it was (same
   * webhook id: a receiver that dedupes does nothing twice); `both`, one of each. Undefined when
   * the tenant has nothing delivered to an enabled endpoint yet (nothing to probe with).
   */
  async probe(
    tenantName: string,
    kind: ProbeKind,
    options: { readonly endpoint?: string } = {},
  ): Promise<DeliveryView[] | undefined> {
    if (!PROBE_KINDS.includes(kind))
      throw usage(
        `A probe is one of ${PROBE_KINDS.join(', ')}.`,
        'kind',
        'e.g. {"kind": "bad-signature"} (or --kind bad-signature).',
      );
    const record = await this.tenant(tenantName);
    if (options.endpoint !== undefined) await this.endpoint(record, options.endpoint);
    const at = this.now(record);
    const made: DeliveryView[] = [];
    for (const one of kind === 'both' ? (['bad-signature', 'duplicate'] as const) : [kind]) {
      const id = `dlv_${Buffer.from(this.deps.signer.randomBytes(12)).toString('hex')}`;
      const probe = await this.deps.state.webhooks.addProbe(record.id, {
        id,
        kind: one,
        at,
        ...(options.endpoint === undefined ? {} : { endpoint: options.endpoint }),
      });
      if (probe === undefined) break;
      made.push(deliveryView(probe));
    }
    if (made.length === 0) return undefined;
    this.deps.onChange?.(record.id);
    return made;
  }

  /**
   * Sends a delivery once more, now (one attempt, never retried). Not queued (the admin route
   * answers 409, `redeliverRefusal` says why): `in-flight`, an attempt of it is being sent (a
   * lease past real time is a crashed process's and does not count); `blocked`, its payload was
   * never stored; `endpoint-gone`, its endpoint was deleted.
   */
  async redeliver(tenantName: string, id: string): Promise<Exclude<RedeliverResult, 'unknown'>> {
    const record = await this.tenant(tenantName);
    const realNow = this.deps.clock.now();
    const result = ID.test(id)
      ? await this.deps.state.webhooks.redeliver(
          record.id,
          id,
          tenantNow(record.clock, realNow),
          realNow,
        )
      : 'unknown';
    if (result === 'unknown') this.notFound(record, 'delivery', id);
    if (result === 'queued') this.deps.onChange?.(record.id);
    return result;
  }
}
