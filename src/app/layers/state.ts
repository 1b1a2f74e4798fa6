// Over 450 lines: the layer (route → validate → read → plan → apply → answer), its id-counter
// blocks and the refusal shaping it alone uses; the pure parts are in core/sandbox/state/.
import { valuesOf, type Body } from '../../core/cassette/model.js';
import { isTapedeckError, TapedeckError } from '../../core/errors.js';
import { mediaType, parseQuery } from '../../core/http/index.js';
import type { Reply, SimpleReply } from '../../core/http/reply.js';
import type { JsonValue } from '../../core/json.js';
import { mockOrigin, specServers } from '../../core/mock/openapi/links.js';
import { SpecRefusals } from '../../core/mock/openapi/refusals.js';
import { SpecValues } from '../../core/mock/openapi/values.js';
import type { BodyCodec } from '../../core/ports/codec.js';
import type { Violation } from '../../core/mock/openapi/validate.js';
import type { ResourceStore, StateChange, StoredResource } from '../../core/ports/resources.js';
import { readBody } from '../../core/sandbox/state/body.js';
import {
  pageQuery,
  plan,
  readsFor,
  refKey,
  routeRequest,
  sequencesFor,
  storedId,
  withParams,
  type Plan,
  type RoutedRequest,
  type StateEngineDeps,
} from '../../core/sandbox/state/engine.js';
import { newId } from '../../core/sandbox/state/ids.js';
import { readPaging } from '../../core/sandbox/state/pagination.js';
import type { IdShape, ModelRoute } from '../../core/sandbox/state/model.js';
import type { ActionDecl } from '../../core/sandbox/profile/types.js';
import type { Firing, TriggerInput } from '../../core/sandbox/scenarios/types.js';
import type { ResolvedTenant } from '../../core/sandbox/tenant.js';
import type { Layer, LayerAnswer, RequestContext } from '../pipeline/context.js';
import type { TenantSeeder } from '../sandbox/seed.js';
import {
  errorOutcomeReply,
  HEADER_SCENARIO,
  outcomeKind,
  type RequestFacts,
  type ScenarioCatalogueView,
} from './scenario.js';

export interface StateLayerOptions {
  readonly engine: StateEngineDeps;
  readonly resources: ResourceStore;
  readonly codec: BodyCodec;
  /** Redacts a value before it is stored (§0.7): built by E from the redactor. */
  readonly redactValue: (v: JsonValue) => JsonValue;
  readonly seeder: TenantSeeder;
  /**
   * Issue 14's state outcomes: the route and operation keys the scenario layer computed, and
   * the catalogue's `resource` triggers, tested here against the object the request acts on.
   */
  readonly scenarios?: {
    readonly facts: RequestFacts;
    readonly catalogue: Pick<ScenarioCatalogueView, 'resourceTriggers' | 'holdsOn'>;
  };
}

/** The outcome of a named action run outside a request (issue 14's state outcomes). */
export type ActionOutcome =
  | { readonly ok: true; readonly value: JsonValue; readonly reply: SimpleReply }
  | { readonly ok: false; readonly reply: SimpleReply };

export interface StateLayer extends Layer {
  applyAction(
    tenant: ResolvedTenant,
    type: string,
    id: string,
    action: string,
    params?: JsonValue,
  ): Promise<ActionOutcome>;
}

const LAYER_HEADER = 'x-tapedeck-layer';
const RESERVED_IDS = 8;
/** Counters reserved at a time per tenant (see StateRunner.idCounter). */
const ID_BLOCK = 32 * RESERVED_IDS;

/** A refusal the spec shaped, marked as the state layer's answer. */
function markState(reply: Reply): Reply {
  const swap = (headers: readonly (readonly [string, string])[]) => [
    ...headers.filter(([name]) => name.toLowerCase() !== LAYER_HEADER),
    [LAYER_HEADER, 'state'] as const,
  ];
  switch (reply.kind) {
    case 'simple':
      return { ...reply, headers: swap(reply.headers) };
    case 'recorded':
      return { ...reply, extraHeaders: swap(reply.extraHeaders) };
    case 'stream':
      return { ...reply, headers: swap(reply.headers) };
    case 'fault':
      return { ...reply, inner: markState(reply.inner) };
  }
}

/** What the idempotency layer replays: the reply's bytes and headers, without the layer mark. */
function storedResponse(reply: SimpleReply) {
  return {
    status: reply.status,
    headers: reply.headers.filter(
      ([name]) => name.toLowerCase() !== LAYER_HEADER && name.toLowerCase() !== 'content-length',
    ),
    body: new TextEncoder().encode(reply.body),
  };
}

interface Request {
  readonly tenant: ResolvedTenant;
  readonly routed: RoutedRequest;
  readonly body: JsonValue | undefined;
  readonly query: Record<string, string | string[]>;
  readonly origin: string;
  readonly path: string;
  readonly mergePatch: boolean;
  readonly action?: string;
  readonly idempotencyKeyHash?: string;
  /** The key as sent, when it is a plain token: the events carry it (issue 15). */
  readonly idempotencyKeyShown?: string;
  /** The scenario that fired with a state outcome (issue 14). */
  readonly scenario?: Firing;
  /** Tests `resource` triggers on the object the request acts on (stored, request fields over it). */
  readonly resourceCheck?: (object: JsonValue) => Firing | undefined;
  /** The request's fields as sent (before redaction), for `resource` triggers. */
  readonly rawBody?: JsonValue | undefined;
  /** The request id its answer carries: the events name it (issue 16). */
  readonly requestId?: string;
  /** The request's trace: the events keep it, and their deliveries continue it. */
  readonly trace?: { readonly traceId: string; readonly flags: string };
}

type Outcome = (
  | { readonly kind: 'answer'; readonly reply: SimpleReply; readonly remember: boolean }
  | {
      readonly kind: 'applied';
      readonly reply: SimpleReply;
      readonly value: JsonValue | undefined;
      readonly completed: boolean;
      /** The ids of the events the change made, in order. */
      readonly events: readonly string[];
    }
) & {
  readonly scenario?: Firing;
  /** A list's page: whether more followed (the journal's `page.more`). */
  readonly more?: boolean;
};

/** A scenario's state action as the engine runs it: the inline declaration, when it makes one. */
function scenarioAction(firing: Firing | undefined) {
  const outcome = firing?.scenario.outcome;
  if (outcome === undefined || !('state' in outcome)) return undefined;
  const { action, set, from, event } = outcome.state;
  const inline = set !== undefined || from !== undefined || event !== undefined;
  const decl: ActionDecl = {
    ...(from === undefined ? {} : { from }),
    ...(set === undefined ? {} : { set }),
    ...(event === undefined ? {} : { event }),
  };
  return { name: action, ...(inline ? { decl } : {}) };
}

/** The object a request acts on for `resource` triggers: as stored, the request's fields over it. */
function actedOn(stored: JsonValue, body: JsonValue | undefined): JsonValue {
  const base =
    stored !== null && typeof stored === 'object' && !Array.isArray(stored) ? stored : {};
  const sent = body !== null && typeof body === 'object' && !Array.isArray(body) ? body : {};
  return { ...base, ...sent };
}

/** Runs the engine over the store: read, plan, apply; one re-plan after a version conflict. */
class StateRunner {
  /**
   * Id counters reserved in blocks, per tenant: a write takes RESERVED_IDS of them, and one
   * `reserveIds` transaction serves ID_BLOCK / RESERVED_IDS writes (a transaction of its own
   * per create cost a tenth of it). Blocks are never handed out twice, in this process or
   * another on the same state file; what a block leaves unused is a gap, and gaps are fine.
   */
  private readonly idPools = new Map<string, { next: number; end: number }>();

  constructor(private readonly o: StateLayerOptions) {}

  private async idCounter(tenant: string): Promise<number> {
    let pool = this.idPools.get(tenant);
    if (pool === undefined || pool.end - pool.next < RESERVED_IDS) {
      const first = await this.o.resources.reserveIds(tenant, ID_BLOCK);
      // Taken from this block below, synchronously: a concurrent write that reserved its own
      // block meanwhile draws from that one, never from the same counters.
      pool = { next: first, end: first + ID_BLOCK };
      if (this.idPools.size >= 10_000) this.idPools.clear();
      this.idPools.set(tenant, pool);
    }
    const counter = pool.next;
    pool.next += RESERVED_IDS;
    return counter;
  }

  private shapeOf(type: string): IdShape {
    const { model, profile } = this.o.engine;
    return model.types.get(type)?.idShape ?? profile.ids.byType[type] ?? profile.ids.default;
  }

  private async planOnce(
    request: Request,
    writes: boolean,
  ): Promise<{ plan: Plan; scenario: Firing | undefined; more: boolean | undefined }> {
    const { resources, engine } = this.o;
    const { tenant, routed, body, query } = request;
    const refs = readsFor(routed, body, query, engine.profile.pagination);
    const found = await Promise.all(refs.map((r) => resources.get(tenant.id, r.type, r.id)));
    const read = new Map<string, StoredResource>();
    for (const resource of found)
      if (resource !== undefined) read.set(refKey(resource.type, resource.id), resource);
    let scenario = request.scenario;
    // `resource` triggers read an object that exists: a create has none yet (its body is the
    // request's, which body triggers read), so a card named at a create declines at the confirm.
    if (scenario === undefined && request.resourceCheck !== undefined && routed.id !== undefined) {
      const stored = read.get(refKey(routed.type.name, storedId(routed, routed.id)));
      if (stored !== undefined && stored.deleted !== true)
        scenario = request.resourceCheck(actedOn(stored.value, request.rawBody));
    }
    const q = pageQuery(engine, routed, query);
    const page = q === undefined ? undefined : await resources.page(tenant.id, q);
    const names = sequencesFor(routed);
    const sequences = new Map<string, number>();
    for (const name of names) sequences.set(name, await resources.sequence(tenant.id, name));
    // Counters for the ids a write may draw (its object, its event, the events of the actions a
    // create runs); gaps are fine.
    let counter = writes ? await this.idCounter(tenant.id) : 0;
    const end = counter + RESERVED_IDS;
    const ids = (type: string, n: number): string[] => {
      const out: string[] = [];
      for (let i = 0; i < n; i++) {
        // Past the reservation the ids would be another write's.
        if (counter >= end) throw new TapedeckError('TD_INTERNAL', 'A write drew too many ids.');
        out.push(newId(this.shapeOf(type), tenant.idSeed, counter++));
      }
      return out;
    };
    const action = scenarioAction(scenario);
    const planned = plan(engine, {
      routed,
      body,
      query,
      read,
      ...(page === undefined ? {} : { page }),
      sequences,
      now: tenant.now(),
      ids,
      origin: request.origin,
      path: request.path,
      mergePatch: request.mergePatch,
      ...(request.action === undefined ? {} : { action: request.action }),
      ...(action === undefined ? {} : { scenarioAction: action }),
    });
    return {
      plan: planned,
      scenario: action === undefined ? undefined : scenario,
      more: page?.hasMore,
    };
  }

  /**
   * The answer of a state outcome: its error (the profile's template, `extra`, the object
   * under `embed`), else the object; either marked with the scenario's name.
   */
  private scenarioReply(
    firing: Firing,
    reply: SimpleReply,
    value: JsonValue | undefined,
  ): SimpleReply {
    const outcome = firing.scenario.outcome;
    const mark = [HEADER_SCENARIO, firing.scenario.name] as const;
    if (!('state' in outcome) || outcome.state.error === undefined)
      return { ...reply, headers: [...reply.headers, mark] };
    const { error, embed } = outcome.state;
    const shaped = errorOutcomeReply(
      this.o.engine.errors,
      error,
      'state',
      embed === undefined || value === undefined ? undefined : { [embed]: value },
    );
    return { ...shaped, headers: [...shaped.headers, mark] };
  }

  async run(request: Request): Promise<Outcome> {
    const { engine, resources } = this.o;
    const writes = request.routed.route.role !== 'list' && request.routed.route.role !== 'retrieve';
    for (let attempt = 0; ; attempt++) {
      // A scenario's action may write on a read route (its event draws an id).
      const scenarioMay = request.scenario !== undefined || request.resourceCheck !== undefined;
      const once = await this.planOnce(request, writes || scenarioMay);
      const fired = once.scenario;
      const tagged = {
        ...(fired === undefined ? {} : { scenario: fired }),
        ...(once.more === undefined ? {} : { more: once.more }),
      };
      let planned = once.plan;
      if (planned.kind === 'answer') {
        return fired === undefined
          ? { ...planned, ...tagged }
          : {
              ...planned,
              ...tagged,
              reply: {
                ...planned.reply,
                headers: [...planned.reply.headers, [HEADER_SCENARIO, fired.scenario.name]],
              },
              scenario: fired,
            };
      }
      if (fired !== undefined)
        planned = {
          ...planned,
          reply: this.scenarioReply(fired, planned.reply, planned.change.puts[0]?.value),
        };
      const { tenant } = request;
      const keyHash = request.idempotencyKeyHash;
      const keyShown = request.idempotencyKeyShown;
      const { requestId, trace } = request;
      const marksEvents = keyHash !== undefined || requestId !== undefined || trace !== undefined;
      // Stored test data has passed the redactor: the request body was redacted before planning
      // (§0.7), templates come from redacted cassettes, so what is stored is what is answered.
      // Redacting the planned values again could pseudonymise a pseudonym and make them differ.
      const change: StateChange = {
        ...planned.change,
        ...(planned.change.events === undefined || !marksEvents
          ? {}
          : {
              events: planned.change.events.map((e) => ({
                ...e,
                ...(keyHash === undefined ? {} : { idempotencyKeyHash: keyHash }),
                ...(keyShown === undefined ? {} : { idempotencyKey: keyShown }),
                ...(requestId === undefined ? {} : { requestId }),
                ...(trace === undefined ? {} : { traceId: trace.traceId, traceFlags: trace.flags }),
              })),
            }),
        quotas: { resources: tenant.quotas.resources, bytes: tenant.quotas.bytes },
        ...(keyHash === undefined
          ? {}
          : { idempotency: { keyHash, response: storedResponse(planned.reply) } }),
      };
      const result = await resources.apply(tenant.id, change, tenant.now());
      if (result.ok) {
        const value = change.puts[0]?.value;
        return {
          kind: 'applied',
          reply: planned.reply,
          value,
          completed: keyHash !== undefined,
          events: (change.events ?? []).map((e) => e.id),
          ...tagged,
        };
      }
      if (result.reason === 'conflict' && attempt === 0) continue;
      const operation = request.routed.operation;
      const facts =
        result.reason === 'quota'
          ? {
              kind: 'quota' as const,
              values: { quota: result.quota, limit: result.limit },
            }
          : { kind: 'conflict' as const };
      return {
        kind: 'answer',
        reply: engine.errors.reply(
          { ...facts, ...(operation === undefined ? {} : { operation }) },
          'state',
        ),
        remember: false,
        ...tagged,
      };
    }
  }
}

/**
 * Path segments are test data like the body (§0.7): a scope (`/repos/{owner}/…`) or an id the
 * client names is stored and looked up as the redactor leaves it — a live token in a segment
 * becomes its (stable) pseudonym. The values go as an array, so only what they hold counts,
 * never a parameter's name (`/v1/tokens/{token}` is no secret).
 */
function redactParams(routed: RoutedRequest, redactValue: (v: JsonValue) => JsonValue) {
  const names = Object.keys(routed.params);
  if (names.length === 0) return routed;
  const values = names.map((name) => routed.params[name]!);
  const redacted = redactValue(values);
  if (!Array.isArray(redacted) || redacted.every((v, i) => v === values[i])) return routed;
  const params = Object.fromEntries(
    names.map((name, i) => {
      const value = redacted[i];
      return [name, typeof value === 'string' ? value : values[i]!] as const;
    }),
  );
  return withParams(routed, params);
}

const PLAIN_NAME = /^[A-Za-z0-9_.[\]-]{1,64}$/;

/**
 * Violations name where a problem is (a body pointer, a parameter name); those places are the
 * client's own field names, so each one that is not a plain name, or that the redactor would
 * change (a live key sent as a field name), is named `*` instead: an error body never echoes it.
 */
function cleanViolations(
  violations: readonly Violation[],
  redactValue: (v: JsonValue) => JsonValue,
): Violation[] {
  const parts = new Set<string>();
  for (const v of violations) {
    if (v.name !== undefined) parts.add(v.name);
    for (const segment of (v.pointer ?? '').split('/').slice(1)) parts.add(segment);
  }
  const list = [...parts];
  const redacted = redactValue(list);
  const safe = new Set(
    list.filter(
      (part, i) =>
        (PLAIN_NAME.test(part) || part === '') && Array.isArray(redacted) && redacted[i] === part,
    ),
  );
  const clean = (part: string) => (safe.has(part) ? part : '*');
  return violations.map((v) => ({
    ...v,
    ...(v.name === undefined ? {} : { name: clean(v.name) }),
    ...(v.pointer === undefined
      ? {}
      : {
          pointer: v.pointer
            .split('/')
            .map((s, i) => (i === 0 ? s : clean(s)))
            .join('/'),
        }),
  }));
}

/**
 * The `resource` triggers of the request's operations with a state outcome, as one test of
 * the object it acts on; undefined when there are none (nothing to read or merge).
 */
function resourceChecker(
  scenarios: NonNullable<StateLayerOptions['scenarios']>,
  incoming: RequestContext['incoming'],
): ((object: JsonValue) => Firing | undefined) | undefined {
  const operations = scenarios.facts.operations(incoming);
  const triggers = scenarios.catalogue
    .resourceTriggers(operations)
    .filter(({ scenario }) => 'state' in scenario.outcome);
  if (triggers.length === 0) return undefined;
  let input: TriggerInput | undefined;
  return (object) => {
    input ??= scenarios.facts.input(incoming);
    for (const { scenario, trigger } of triggers) {
      const by = scenarios.catalogue.holdsOn(trigger, object, input);
      if (by !== undefined) return { scenario, by };
    }
    return undefined;
  };
}

/** The journal keeps at most this many violations of a request (the first ones). */
const MAX_VIOLATIONS = 20;

/** A violation as the journal keeps it: where and which rule, never the value sent. */
function violationText(v: Violation): string {
  const where = v.name ?? (v.pointer === undefined || v.pointer === '' ? undefined : v.pointer);
  return `${v.in}${where === undefined ? '' : ` ${where}`}: ${v.message}`;
}

/** Whether a list request carried the profile's cursor (or asked for a page past the first). */
function asksLaterPage(engine: StateEngineDeps, query: Record<string, string | string[]>): boolean {
  const paging = readPaging(engine.profile.pagination, query);
  return paging.after !== undefined || paging.before !== undefined || paging.page > 1;
}

function header(context: RequestContext, name: string): string | undefined {
  return valuesOf(context.incoming.headers[name])[0];
}

/**
 * Layer 6 (docs/design/issue-13-plan.md §6.2): a request the model covers is answered from the
 * tenant's state — route, spec validation, reads, plan, one `apply` — and carries
 * `x-tapedeck-layer: state`; anything else passes to the cassettes and the spec. A resource the
 * tenant does not have is a 404, the same bytes whether it never existed or is another
 * tenant's (but for the id the message names).
 */
export function stateLayer(o: StateLayerOptions): StateLayer {
  const { engine } = o;
  const spec = engine.spec;
  const refusals =
    spec === undefined
      ? undefined
      : new SpecRefusals(
          spec.model,
          new SpecValues(spec.responseDocument, specServers(spec.source.document)),
          'sandbox',
        );
  const runner = new StateRunner(o);

  const handle = async (context: RequestContext): Promise<LayerAnswer | undefined> => {
    const tenant = context.tenant;
    if (tenant === undefined) return undefined;
    // Seeded before anything answers, modelled or not: seeding rewinds the tenant's cassette
    // positions, which must not happen after a cassette already answered it.
    await o.seeder.ensureSeeded(tenant);
    const incoming = context.incoming;
    const scenarios = o.scenarios;
    const found =
      scenarios === undefined
        ? routeRequest(engine.model, spec?.router, incoming.method, incoming.path)
        : scenarios.facts.routed(incoming);
    if (found === undefined) return undefined;
    const routed = redactParams(found, o.redactValue);
    const evidence = context.evidence;
    evidence.route = routed.route.path;
    evidence.operation =
      routed.operation?.id ?? `${incoming.method.toUpperCase()} ${routed.route.path}`;
    const query = parseQuery(incoming.rawQuery);
    let body: Body | undefined;
    try {
      body =
        incoming.rawBody === undefined
          ? undefined
          : o.codec.decode(incoming.rawBody, incoming.headers);
    } catch (error) {
      if (isTapedeckError(error, 'TD_BODY_TOO_LARGE')) throw error;
      return refuseBody(routed, 'cannot be decoded');
    }
    if (refusals !== undefined && routed.operation !== undefined) {
      const { violations, unsupportedMediaType } = spec!.validators.validateRequest(
        routed.operation,
        { query, headers: incoming.headers, ...(body === undefined ? {} : { body }) },
        routed.params,
      );
      evidence.conforms = unsupportedMediaType === undefined && violations.length === 0;
      if (unsupportedMediaType !== undefined || violations.length > 0) {
        const cleaned = cleanViolations(violations, o.redactValue);
        evidence.violations = [
          ...(unsupportedMediaType === undefined
            ? []
            : ['header content-type: is not a media type the operation takes']),
          ...cleaned.map(violationText),
        ].slice(0, MAX_VIOLATIONS);
        const answer =
          unsupportedMediaType !== undefined
            ? refusals.answer(incoming, { operation: routed.operation }, 'unsupported-media-type', {
                code: 'unsupported-media-type',
                title: 'Unsupported media type',
                status: 415,
                detail: `${routed.operation.id} takes ${routed.operation.body?.contents.map((c) => c.type).join(', ') || 'no request body'}; the request's Content-Type is not one of them.`,
                extra: { operation: routed.operation.id },
              })
            : refusals.invalid(incoming, routed.operation, cleaned);
        // Never began executing: nothing for an idempotency key to remember.
        return { reply: markState(answer.reply), remember: false };
      }
    }
    const contentType = mediaType(header(context, 'content-type'));
    const read = readBody(body, contentType, routed.operation, spec?.requestDocument);
    if (!read.ok) return refuseBody(routed, read.message);
    const fired = context.scenario;
    const stateFiring =
      fired !== undefined && 'state' in fired.scenario.outcome ? fired : undefined;
    const resourceCheck =
      fired === undefined && scenarios !== undefined
        ? resourceChecker(scenarios, context.incoming)
        : undefined;
    const outcome = await runner.run({
      tenant,
      routed,
      ...(stateFiring === undefined ? {} : { scenario: stateFiring }),
      ...(resourceCheck === undefined ? {} : { resourceCheck, rawBody: read.value }),
      body: read.value === undefined ? undefined : o.redactValue(read.value),
      query,
      origin: mockOrigin(header(context, 'host')),
      path: incoming.path,
      mergePatch: read.mergePatch,
      ...(context.idempotencyKeyHash === undefined
        ? {}
        : { idempotencyKeyHash: context.idempotencyKeyHash }),
      ...(context.idempotencyKeyShown === undefined
        ? {}
        : { idempotencyKeyShown: context.idempotencyKeyShown }),
      ...(context.requestId === undefined ? {} : { requestId: context.requestId }),
      ...(context.trace === undefined
        ? {}
        : { trace: { traceId: context.trace.traceId, flags: context.trace.flags } }),
    });
    if (outcome.scenario !== undefined && context.scenario === undefined) {
      context.scenario = outcome.scenario;
      evidence.outcome = outcomeKind(outcome.scenario.scenario.outcome);
    }
    if (outcome.more !== undefined)
      evidence.page = { more: outcome.more, cursor: asksLaterPage(engine, query) };
    if (outcome.kind === 'applied') {
      if (outcome.events.length > 0) (evidence.events ??= []).push(...outcome.events);
      if (outcome.completed) context.idempotencyCompleted = true;
      return { reply: outcome.reply, journalPath: routed.route.path };
    }
    return { reply: outcome.reply, remember: outcome.remember, journalPath: routed.route.path };
  };

  const refuseBody = (routed: RoutedRequest, message: string): LayerAnswer => ({
    reply: engine.errors.reply(
      {
        // A malformed body is a bad request under every profile, never a state conflict.
        kind: 'invalid-transition',
        status: 400,
        message: `The request body ${message}.`,
        ...(routed.operation === undefined ? {} : { operation: routed.operation }),
      },
      'state',
    ),
    remember: false,
  });

  return {
    name: 'state',
    handle,
    applyAction: (tenant, type, id, action, params) =>
      runAction(o, runner, tenant, type, id, action, params),
  };
}

function actionRoute(o: StateLayerOptions, type: string, action: string): ModelRoute | undefined {
  const routes = o.engine.model.routes.filter((r) => r.type === type);
  const declared = routes.find((r) => r.role === 'action' && r.action === action);
  if (declared !== undefined) return declared;
  // An action with no route of its own (issue 14's outcomes): run on the item route.
  const item = routes.find((r) => r.idParam !== undefined);
  return item === undefined
    ? undefined
    : { ...item, role: 'action', action, method: 'POST', successStatus: 200, body: 'json' };
}

async function runAction(
  o: StateLayerOptions,
  runner: StateRunner,
  tenant: ResolvedTenant,
  type: string,
  id: string,
  action: string,
  params?: JsonValue,
): Promise<ActionOutcome> {
  const resourceType = o.engine.model.types.get(type);
  const route = actionRoute(o, type, action);
  if (resourceType === undefined || route === undefined) {
    return {
      ok: false,
      reply: o.engine.errors.reply(
        {
          kind: 'not-found',
          values: { object: type, id },
          ...(resourceType === undefined ? {} : { idShape: resourceType.idShape }),
        },
        'state',
      ),
    };
  }
  await o.seeder.ensureSeeded(tenant);
  const routed: RoutedRequest = {
    route,
    type: resourceType,
    params: route.idParam === undefined ? {} : { [route.idParam]: id },
    id,
  };
  const outcome = await runner.run({
    tenant,
    routed,
    body: params === undefined ? undefined : o.redactValue(params),
    query: {},
    origin: '',
    path: route.path,
    mergePatch: false,
    action,
  });
  if (outcome.kind === 'applied')
    return { ok: true, value: outcome.value ?? null, reply: outcome.reply };
  return { ok: false, reply: outcome.reply };
}

/**
 * Runs a declared (or inferred) action on one of the tenant's resources, in one `apply`, as a
 * request to the action route would: issue 14's scenarios call it for state outcomes.
 */
export function applyAction(
  o: StateLayerOptions,
  tenant: ResolvedTenant,
  type: string,
  id: string,
  action: string,
  params?: JsonValue,
): Promise<ActionOutcome> {
  return runAction(o, new StateRunner(o), tenant, type, id, action, params);
}
