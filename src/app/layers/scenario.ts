// Over 450 lines: layer 4 in one place — the precedence (header, armed, value, counted), every
// outcome's answer and the arms cache; the pure matching is in core/sandbox/scenarios/.
import { valuesOf, type NamedCassette, type RecordedResponse } from '../../core/cassette/model.js';
import { HEADER_ERROR, HEADER_LAYER } from '../../core/http/index.js';
import type { FaultReply, Reply, SimpleReply, WireFault } from '../../core/http/reply.js';
import type { JsonValue } from '../../core/json.js';
import type { SpecRouter } from '../../core/mock/openapi/router.js';
import type {
  ArmedScenario,
  Clock,
  IncomingRequest,
  ScenarioStore,
} from '../../core/ports/index.js';
import type { ProfileErrors } from '../../core/sandbox/profile/answer.js';
import type { ApiProfile } from '../../core/sandbox/profile/types.js';
import { rateLimitHeaders, type RateLimits } from '../../core/sandbox/ratelimit.js';
import {
  describeScenarioPlace,
  type ErrorOutcome,
  type FaultDecl,
  type FiredBy,
  type Firing,
  type LoadedScenario,
  type OutcomeDecl,
  type TriggerInput,
  type ValueTrigger,
} from '../../core/sandbox/scenarios/types.js';
import { routeRequest, type RoutedRequest } from '../../core/sandbox/state/engine.js';
import type { ResourceModel } from '../../core/sandbox/state/model.js';
import type { ResolvedTenant } from '../../core/sandbox/tenant.js';
import type { DeferredOutcome, Layer, LayerAnswer, RequestContext } from '../pipeline/context.js';

/**
 * What the scenario layer asks of the compiled catalogue (core/sandbox/scenarios/compile.ts):
 * declared here by shape, so the layer is tested with any catalogue and compile.ts stays pure.
 */
export interface ScenarioCatalogueView {
  readonly scenarios: readonly LoadedScenario[];
  byName(name: string): LoadedScenario | undefined;
  appliesTo(scenario: LoadedScenario, operations: readonly string[]): boolean;
  /** Whether any scenario applies to one of the operations (the fast way out). */
  any(operations: readonly string[]): boolean;
  matchValues(input: TriggerInput): Firing | undefined;
  counted(operations: readonly string[]): readonly {
    readonly scenario: LoadedScenario;
    readonly trigger:
      | { readonly every: number }
      | { readonly chance: { readonly probability: number; readonly seed?: number } };
  }[];
  resourceTriggers(
    operations: readonly string[],
  ): readonly { readonly scenario: LoadedScenario; readonly trigger: ValueTrigger }[];
  holdsOn(trigger: ValueTrigger, object: JsonValue, input: TriggerInput): FiredBy | undefined;
}

/** `hash(seed, tenant, scenario, n) < probability` (compile.ts's `chanceFires`). */
export type ChanceTest = (
  probability: number,
  seed: number,
  tenant: string,
  scenario: string,
  n: number,
) => boolean;

/** What triggers read of a request (input.ts's `triggerInput`). */
export type TriggerInputOf = (
  incoming: IncomingRequest,
  operations: readonly string[],
) => TriggerInput;

/**
 * The route and operation keys of one request, computed once and shared by the scenario and
 * state layers (routing a stateful request twice cost a few percent of it). Keyed by the
 * incoming request object: it lives as long as the request.
 */
export class RequestFacts {
  private readonly memo = new WeakMap<
    IncomingRequest,
    { routed: RoutedRequest | undefined; operations: readonly string[]; input?: TriggerInput }
  >();

  constructor(
    private readonly model: ResourceModel,
    private readonly router: SpecRouter | undefined,
    private readonly inputOf: TriggerInputOf | undefined,
  ) {}

  private facts(incoming: IncomingRequest) {
    let found = this.memo.get(incoming);
    if (found === undefined) {
      const routed = routeRequest(this.model, this.router, incoming.method, incoming.path);
      found = { routed, operations: this.operationsOf(incoming, routed) };
      this.memo.set(incoming, found);
    }
    return found;
  }

  /** The model route of the request (before the state layer redacts its parameters). */
  routed(incoming: IncomingRequest): RoutedRequest | undefined {
    return this.facts(incoming).routed;
  }

  /** `POST /v1/payment_intents` (the model route's and the spec's template) and the operation id. */
  operations(incoming: IncomingRequest): readonly string[] {
    return this.facts(incoming).operations;
  }

  /** What value triggers read of the request, built once. */
  input(incoming: IncomingRequest): TriggerInput {
    const facts = this.facts(incoming);
    if (facts.input !== undefined) return facts.input;
    const input =
      this.inputOf === undefined
        ? { operations: facts.operations, body: undefined, query: {}, headers: {} }
        : this.inputOf(incoming, facts.operations);
    facts.input = input;
    return input;
  }

  private operationsOf(
    incoming: IncomingRequest,
    routed: RoutedRequest | undefined,
  ): readonly string[] {
    const method = incoming.method.toUpperCase();
    const out: string[] = [];
    const add = (key: string | undefined) => {
      if (key !== undefined && key !== '' && !out.includes(key)) out.push(key);
    };
    if (routed !== undefined) {
      add(`${routed.route.method.toUpperCase()} ${routed.route.path}`);
      add(routed.route.operationId);
    }
    const operation = routed?.operation;
    if (operation !== undefined) {
      add(`${operation.method.toUpperCase()} ${operation.path}`);
      add(operation.id);
    } else if (this.router !== undefined && method !== 'HEAD') {
      // A documented operation the model leaves out is still an operation scenarios can name.
      const spec = this.router.route(method, incoming.path);
      if (spec.kind === 'operation' && spec.operation.method.toUpperCase() === method) {
        add(`${method} ${spec.operation.path}`);
        add(spec.operation.id);
      }
    }
    return out;
  }
}

export interface ScenarioLayerOptions {
  readonly catalogue: ScenarioCatalogueView;
  readonly chanceFires: ChanceTest;
  readonly facts: RequestFacts;
  readonly store: ScenarioStore;
  readonly profile: ApiProfile;
  readonly errors: ProfileErrors;
  readonly clock: Clock;
  readonly cassettes: readonly NamedCassette[];
  /** The spec's documented answer for a status (SpecMock with `Prefer: code=`), when there is a spec. */
  readonly documented?: (incoming: IncomingRequest, status: number) => Reply | undefined;
  /** The gateway's own error page (core/sandbox/scenarios/gateway.ts). */
  readonly gateway: (
    status: 502 | 503 | 504,
    server: 'nginx' | 'envoy' | 'cloudfront',
    retryAfter?: number,
  ) => SimpleReply;
  /** The rate limits in force (the limits layer's), whose headers a scenario's 429 speaks. */
  readonly rateLimits?: RateLimits;
  /** Where an operator hears of what a tenant is not told (a catalogue answer this sandbox lacks). */
  readonly warn?: (message: string) => void;
  /** How long arms are cached per tenant before they are read again (CLI changes); 1 s. */
  readonly armsTtlMs?: number;
}

export interface ScenarioLayer extends Layer {
  /** Drops the cached arms of a tenant (after an admin arm or disarm here). */
  forget(tenant: string): void;
}

export const HEADER_SCENARIO = 'x-tapedeck-scenario';
const MAX_LATENCY_MS = 60_000;
const MAX_HOLD_MS = 120_000;
/** Known scenario names listed in a 400 for an unknown one. */
const MAX_NAMED = 20;

/** `Prefer: scenario=NAME` (RFC 7240; other preferences and parameters are ignored). */
export function preferredScenario(values: readonly string[]): string | undefined {
  for (const value of values) {
    for (const preference of value.split(',')) {
      const first = preference.split(';')[0]!;
      const eq = first.indexOf('=');
      if (eq === -1 || first.slice(0, eq).trim().toLowerCase() !== 'scenario') continue;
      const raw = first.slice(eq + 1).trim();
      return raw.length >= 2 && raw.startsWith('"') && raw.endsWith('"') ? raw.slice(1, -1) : raw;
    }
  }
  return undefined;
}

/** The reply with headers added (a fault's to the answer it carries). */
export function withHeaders(reply: Reply, add: readonly (readonly [string, string])[]): Reply {
  const names = new Set(add.map(([name]) => name));
  const swap = (headers: readonly (readonly [string, string])[]) => [
    ...headers.filter(([name]) => !names.has(name.toLowerCase())),
    ...add,
  ];
  switch (reply.kind) {
    case 'simple':
    case 'stream':
      return { ...reply, headers: swap(reply.headers) };
    case 'recorded':
      return { ...reply, extraHeaders: swap(reply.extraHeaders) };
    case 'fault':
      return { ...reply, inner: withHeaders(reply.inner, add) };
  }
}

/** The scenario's error in the API's own shape (the profile's template, plus `extra`). */
export function errorOutcomeReply(
  errors: ProfileErrors,
  error: ErrorOutcome,
  layer: 'scenario' | 'state',
  extra?: Readonly<Record<string, JsonValue>>,
): SimpleReply {
  const fields = { ...(error.extra ?? {}), ...(extra ?? {}) };
  const reply = errors.reply(
    {
      kind: 'invalid-transition',
      status: error.status,
      message: error.message,
      ...(error.type === undefined ? {} : { type: error.type }),
      ...(error.code === undefined ? {} : { code: error.code }),
      ...(error.param === undefined ? {} : { param: error.param }),
      ...(Object.keys(fields).length === 0 ? {} : { extra: fields }),
    },
    layer,
  );
  // The made-up answer is the scenario's, whatever template shaped it.
  return {
    ...reply,
    headers: reply.headers.map(([n, v]) => [n, n === HEADER_ERROR ? 'scenario' : v] as const),
  };
}

/** A 32-bit FNV-1a of a text → [0, 1): the recorded latency a tenant's nth request draws. */
function unitHash(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return (h >>> 0) / 0x1_0000_0000;
}

/**
 * Layer 4 of `tapedeck sandbox` (docs/design/issue-14-plan.md): which scenario fires for the
 * request — a header naming it, an arm of the tenant, a magic value, every Kth / a seeded
 * chance, in that order — and its outcome: answered here (errors, inline, documented and
 * recorded answers, gateway pages, 500, 429, faults before the request runs), or passed down
 * with `context.scenario` set (state outcomes) and the answer shaped on its way out (latency,
 * faults after the request ran, slow, cut or broken bodies).
 */
export function scenarioLayer(o: ScenarioLayerOptions): ScenarioLayer {
  const { catalogue, facts, store, errors } = o;
  const ttl = o.armsTtlMs ?? 1000;
  const arms = new Map<string, { at: number; arms: Promise<ArmedScenario[]> }>();
  const anyArmed = catalogue.scenarios.some((s) => s.triggers.some((t) => 'armed' in t));

  const armsOf = (tenant: string): Promise<ArmedScenario[]> => {
    const now = o.clock.monotonic();
    const cached = arms.get(tenant);
    if (cached !== undefined && now - cached.at < ttl) return cached.arms;
    const read = store.armed(tenant);
    if (arms.size >= 10_000) arms.clear();
    arms.set(tenant, { at: now, arms: read });
    // A failed read is not cached: the next request tries again.
    read.catch(() => arms.delete(tenant));
    return read;
  };

  /** A 400 for a header naming a scenario wrongly; `label` is its `x-tapedeck-error`. */
  const badHeader = (
    message: string,
    label: 'scenario-unknown' | 'scenario-not-applicable',
    values?: Readonly<Record<string, string>>,
  ): LayerAnswer => ({
    reply: withHeaders(
      errors.reply(
        {
          kind: 'invalid-transition',
          status: 400,
          message,
          ...(values === undefined ? {} : { values }),
        },
        'scenario',
      ),
      [[HEADER_ERROR, label]],
    ),
    remember: false,
  });

  /** Step 1: a header naming the scenario; a name it does not know is a 400, never ignored. */
  const fromHeader = (
    context: RequestContext,
    operations: readonly string[],
  ): Firing | LayerAnswer | undefined => {
    const headers = context.incoming.headers;
    const preferred = preferredScenario(valuesOf(headers['prefer']));
    const named = valuesOf(headers[HEADER_SCENARIO])[0]?.trim();
    const header = preferred !== undefined ? 'prefer' : 'x-tapedeck-scenario';
    const name = preferred ?? named;
    if (name === undefined || name === '') return undefined;
    const shownHeader = header === 'prefer' ? 'Prefer: scenario=' : HEADER_SCENARIO;
    const scenario = catalogue.byName(name);
    if (scenario === undefined) {
      // The name sent is never echoed (anything may be in a header); the known ones are listed.
      const known = catalogue.scenarios.map((s) => s.name);
      const listed =
        known.length === 0
          ? 'the catalogue is empty'
          : `known: ${known.slice(0, MAX_NAMED).join(', ')}${known.length > MAX_NAMED ? `, … (${known.length} in all)` : ''}`;
      return badHeader(
        `The scenario named by ${shownHeader} is not in the sandbox's catalogue (${listed}). See GET /__tapedeck/scenarios.`,
        'scenario-unknown',
      );
    }
    if (!catalogue.appliesTo(scenario, operations)) {
      return badHeader(
        // The operations go in as a fact: their `{param}` templates are not placeholders.
        `The scenario ${scenario.name} (named by ${shownHeader}) does not apply to this operation; it applies to {operations}.`,
        'scenario-not-applicable',
        { operations: scenario.operations.join(', ') },
      );
    }
    return { scenario, by: { kind: 'header', header } };
  };

  /**
   * Step 2: the tenant's oldest arm that applies. Its firing is taken before the outcome runs
   * (so two requests never share the last one) and given back when the outcome never ran: a
   * layer below threw, or a `state` outcome was answered by an idempotent replay instead.
   */
  const fromArms = async (
    context: RequestContext,
    tenant: ResolvedTenant,
    operations: readonly string[],
  ): Promise<Firing | undefined> => {
    const armed = await armsOf(tenant.id);
    for (const arm of armed) {
      if (arm.operation !== undefined && !operations.includes(arm.operation)) continue;
      const scenario = catalogue.byName(arm.scenario);
      if (scenario === undefined || !catalogue.appliesTo(scenario, operations)) continue;
      if (!(await store.consume(tenant.id, arm.id))) {
        arms.delete(tenant.id); // taken elsewhere: read them again
        continue;
      }
      if (arm.remaining !== undefined) {
        arms.delete(tenant.id);
        context.defer(async (end) => {
          if (ran(scenario, end)) return;
          arms.delete(tenant.id);
          try {
            await store.giveBack(tenant.id, arm.id);
          } catch (error) {
            o.warn?.(
              `A firing of the armed scenario ${scenario.name} could not be given back: ${(error as Error).message}`,
            );
          }
        });
      }
      return { scenario, by: { kind: 'armed', arm: arm.id } };
    }
    return undefined;
  };

  /**
   * Step 4: every request to a counted scenario's operations is counted (so the Kth is the
   * tenant's Kth request to them, whatever fired for the others); the first that fires wins.
   */
  const fromCounts = async (
    tenant: ResolvedTenant,
    operations: readonly string[],
    skip: boolean,
  ): Promise<Firing | undefined> => {
    const counted = catalogue.counted(operations);
    let fired: Firing | undefined;
    // One count per scenario per request, whatever its number of counted triggers: each of
    // them is tested against the same n (`every: 2` and `every: 3` fire on 2, 3, 4, 6, …).
    const numbers = new Map<string, number>();
    for (const { scenario, trigger } of counted) {
      let n = numbers.get(scenario.name);
      if (n === undefined) {
        n = await store.count(tenant.id, scenario.name);
        numbers.set(scenario.name, n);
      }
      if (fired !== undefined || skip) continue;
      if ('every' in trigger) {
        if (n % trigger.every === 0)
          fired = { scenario, by: { kind: 'every', every: trigger.every, n } };
      } else {
        const { probability, seed = 0 } = trigger.chance;
        if (o.chanceFires(probability, seed, tenant.id, scenario.name, n))
          fired = { scenario, by: { kind: 'chance', probability, n } };
      }
    }
    return fired;
  };

  const marks = (scenario: LoadedScenario): readonly (readonly [string, string])[] => [
    [HEADER_LAYER, 'scenario'],
    [HEADER_SCENARIO, scenario.name],
  ];

  /** The fault on the wire for a fault outcome that sends nothing, or mangles an answer. */
  const wireFault = (outcome: FaultDecl, tenant: ResolvedTenant, n: number): WireFault => {
    switch (outcome.fault) {
      case 'latency':
        return { kind: 'delay', ms: latencyOf(outcome, tenant, n) };
      case 'timeout':
        return { kind: 'hold', ms: Math.min(outcome.ms ?? 30_000, MAX_HOLD_MS) };
      case 'reset':
        return { kind: 'reset' };
      case 'close':
        return { kind: 'close' };
      case 'slow-body':
        return { kind: 'slow', bytesPerSecond: outcome.bytesPerSecond };
      case 'truncated':
        return { kind: 'truncate', fraction: outcome.fraction ?? 0.5 };
      case 'malformed':
      case 'gateway':
      case 'server-error':
      case 'rate-limited':
        return { kind: 'malform' }; // the last three are answers, never wire faults
    }
  };

  /** Recorded latencies by operation key, drawn by `latency: {fromRecordings: true}`. */
  const latencies = new Map<string, number[]>();
  const latencyOf = (
    outcome: Extract<FaultDecl, { fault: 'latency' }>,
    tenant: ResolvedTenant,
    n: number,
    operations: readonly string[] = [],
  ): number => {
    if (outcome.fromRecordings === true) {
      const recorded = recordedLatencies(operations);
      if (recorded.length > 0) {
        const pick = Math.floor(unitHash(`${tenant.id}\u0000${n}`) * recorded.length);
        return Math.min(recorded[pick]!, MAX_LATENCY_MS);
      }
    }
    return Math.min(Math.max(0, outcome.ms ?? 1000), MAX_LATENCY_MS);
  };

  const recordedLatencies = (operations: readonly string[]): number[] => {
    const key = operations[0] ?? '';
    let found = latencies.get(key);
    if (found === undefined) {
      found = interactionsOf(operations).map((i) => i.latencyMs);
      latencies.set(key, found);
    }
    return found;
  };

  /**
   * The recorded interactions by operation key, every cassette interaction routed once (on the
   * first outcome that draws on recordings), as a request to it would be.
   */
  let recordedByOperation:
    Map<string, { response: RecordedResponse; latencyMs: number }[]> | undefined;
  const interactionsOf = (operations: readonly string[]) => {
    if (recordedByOperation === undefined) {
      recordedByOperation = new Map();
      for (const { cassette } of o.cassettes) {
        for (const interaction of cassette.interactions) {
          const { method, path } = interaction.request;
          const recorded = { response: interaction.response, latencyMs: interaction.latencyMs };
          for (const op of facts.operations(stubRequest(method, path))) {
            const list = recordedByOperation.get(op);
            if (list === undefined) recordedByOperation.set(op, [recorded]);
            else list.push(recorded);
          }
        }
      }
    }
    const out = new Set<{ response: RecordedResponse; latencyMs: number }>();
    for (const op of operations) for (const i of recordedByOperation.get(op) ?? []) out.add(i);
    return [...out];
  };

  const byStatus = new Map<string, RecordedResponse | null>();
  const recordedWithStatus = (
    operations: readonly string[],
    status: number,
  ): RecordedResponse | undefined => {
    const key = `${operations[0] ?? ''}\u0000${status}`;
    let found = byStatus.get(key);
    if (found === undefined) {
      found =
        interactionsOf(operations).find((i) => i.response.status === status)?.response ?? null;
      byStatus.set(key, found);
    }
    return found ?? undefined;
  };

  const recordedReply = (response: RecordedResponse, scenario: LoadedScenario): Reply => ({
    kind: 'recorded',
    response,
    extraHeaders: marks(scenario),
    delayMs: 0,
  });

  /**
   * An outcome naming an answer this sandbox lacks (start-up checks the catalogue against the
   * spec and recordings, so this is a catalogue changed under a running server, or cassettes
   * without that interaction). The tenant learns which scenario; the operator where it is declared.
   */
  const missing = (scenario: LoadedScenario, what: string): LayerAnswer => {
    o.warn?.(
      `The scenario ${scenario.name} (${describeScenarioPlace(scenario.source, scenario.pointer)}) answers ${what}, which this sandbox does not have.`,
    );
    return {
      reply: withHeaders(
        errors.reply(
          {
            kind: 'invalid-transition',
            status: 500,
            message: `The scenario ${scenario.name} answers ${what}, which this sandbox does not have; the sandbox's operator has been told.`,
          },
          'scenario',
        ),
        marks(scenario),
      ),
      remember: false,
    };
  };

  /** The answer of an outcome the scenario layer gives itself; undefined passes down. */
  const answer = (
    context: RequestContext,
    firing: Firing,
    tenant: ResolvedTenant,
    operations: readonly string[],
  ): LayerAnswer | undefined => {
    const { scenario } = firing;
    const outcome = scenario.outcome;
    const done = (reply: Reply): LayerAnswer => ({
      reply: withHeaders(reply, marks(scenario)),
      remember: false,
    });
    if ('error' in outcome) return done(errorOutcomeReply(errors, outcome.error, 'scenario'));
    if ('inline' in outcome) {
      const { status, headers = {}, body } = outcome.inline;
      const text = body === undefined ? '' : typeof body === 'string' ? body : JSON.stringify(body);
      const type =
        body === undefined
          ? []
          : [
              [
                'content-type',
                typeof body === 'string' ? 'text/plain; charset=utf-8' : 'application/json',
              ] as const,
            ];
      const own = Object.entries(headers).map(([n, v]) => [n.toLowerCase(), v] as const);
      const names = new Set(own.map(([n]) => n));
      return done({
        kind: 'simple',
        status,
        headers: [...type.filter(([n]) => !names.has(n)), ...own],
        body: text,
      });
    }
    if ('documented' in outcome) {
      const reply = o.documented?.(context.incoming, outcome.documented.status);
      return reply === undefined
        ? missing(scenario, `the spec's ${outcome.documented.status} example`)
        : done(reply);
    }
    if ('recorded' in outcome) {
      const recorded = outcome.recorded;
      if ('cassette' in recorded) {
        const cassette = o.cassettes.find((c) => c.name === recorded.cassette);
        const interaction = cassette?.cassette.interactions[recorded.interaction];
        return interaction === undefined
          ? missing(scenario, `interaction ${recorded.interaction} of ${recorded.cassette}`)
          : done(recordedReply(interaction.response, scenario));
      }
      const response = recordedWithStatus(operations, recorded.status);
      return response === undefined
        ? missing(scenario, `a recorded ${recorded.status} of this operation`)
        : done(recordedReply(response, scenario));
    }
    if ('state' in outcome) return undefined; // the state layer runs it (context.scenario)
    switch (outcome.fault) {
      case 'gateway':
        return done(o.gateway(outcome.status, outcome.server ?? 'nginx', outcome.retryAfter));
      case 'server-error':
        return done(
          errors.reply(
            {
              kind: 'server-error',
              ...(outcome.message === undefined ? {} : { message: outcome.message }),
            },
            'scenario',
          ),
        );
      case 'rate-limited':
        return done(
          rateLimited(
            outcome.retryAfter ?? 1,
            outcome.style ?? 'primary',
            tenant,
            context.incoming,
          ),
        );
      case 'timeout':
      case 'reset':
      case 'close': {
        if ((outcome.at ?? 'before') === 'after') break;
        // Nothing ran: the placeholder answer is only what the journal records.
        const inner: SimpleReply = {
          kind: 'simple',
          status: 504,
          headers: [...marks(scenario)],
          body: '',
        };
        const fault: FaultReply = {
          kind: 'fault',
          fault: wireFault(outcome, tenant, 0),
          inner,
          owner: tenant.id, // the per-tenant cap on waiting faults (adapters/http/faults.ts)
        };
        return { reply: fault, remember: false };
      }
      case 'latency':
      case 'slow-body':
      case 'truncated':
      case 'malformed':
        break;
    }
    // Faults around the downstream answer: the request runs, its answer is shaped.
    const n = outcome.fault === 'latency' ? requestNumber(firing) : 0;
    const fault =
      outcome.fault === 'latency'
        ? ({ kind: 'delay', ms: latencyOf(outcome, tenant, n, operations) } as const)
        : wireFault(outcome, tenant, n);
    context.shapeReply((reply): Reply => ({
      kind: 'fault',
      fault,
      inner: withHeaders(reply, [[HEADER_SCENARIO, scenario.name]]),
      owner: tenant.id,
    }));
    return undefined;
  };

  const requestNumber = (firing: Firing): number =>
    firing.by.kind === 'every' || firing.by.kind === 'chance' ? firing.by.n : 0;

  /** 429 (or GitHub's secondary 403) in the API's error shape, with `Retry-After`. */
  const rateLimited = (
    retryAfter: number,
    style: 'primary' | 'secondary',
    tenant: ResolvedTenant,
    incoming: IncomingRequest,
  ): SimpleReply => {
    const seconds = String(Math.max(1, Math.ceil(retryAfter)));
    if (style === 'secondary') {
      return errors.reply(
        {
          kind: 'rate-limited',
          status: 403,
          message:
            'You have exceeded a secondary rate limit. Please wait a few minutes before you try again.',
          headers: [['retry-after', seconds]],
        },
        'scenario',
      );
    }
    // The request's class among the limits in force, as if its bucket were empty; none: no policy.
    const rateClass = o.rateLimits?.classOf(incoming.method, incoming.path);
    const headers: [string, string][] = [
      ['retry-after', seconds],
      ...(rateClass === undefined
        ? []
        : rateLimitHeaders(
            o.profile.rateLimitHeaders,
            rateClass,
            {
              ok: false,
              remaining: 0,
              resetSeconds: Number(seconds),
              retryAfterSeconds: Number(seconds),
            },
            tenant.now(),
          )),
    ];
    return errors.reply({ kind: 'rate-limited', headers }, 'scenario');
  };

  return {
    name: 'scenario',
    forget: (tenant) => void arms.delete(tenant),
    async handle(context) {
      const tenant = context.tenant;
      if (tenant === undefined) return undefined;
      const operations = facts.operations(context.incoming);
      const named = fromHeader(context, operations);
      if (named !== undefined && 'reply' in named) return named;
      if (named === undefined && !catalogue.any(operations)) return undefined;
      let firing: Firing | undefined = named;
      if (firing === undefined && anyArmed) firing = await fromArms(context, tenant, operations);
      if (firing === undefined) firing = catalogue.matchValues(facts.input(context.incoming));
      const counted = await fromCounts(tenant, operations, firing !== undefined);
      firing ??= counted;
      if (firing === undefined) return undefined;
      context.scenario = firing;
      context.evidence.outcome = outcomeKind(firing.scenario.outcome);
      // A state outcome refused before it ran (the spec's validation, an idempotent replay) did
      // not fire: the journal must not say it did.
      if ('state' in firing.scenario.outcome) {
        const fired = firing;
        context.defer((end) => {
          if (!ran(fired.scenario, end) && context.scenario === fired) {
            context.scenario = undefined;
            delete context.evidence.outcome;
          }
        });
      }
      return answer(context, firing, tenant, operations);
    },
  };
}

/**
 * The kind of an outcome, as the journal names it (issue 16): the fault's name (`timeout`,
 * `rate-limited`, `gateway`, …), else the declaration's own (`error`, `state`, `inline`,
 * `documented`, `recorded`).
 */
export function outcomeKind(outcome: OutcomeDecl): string {
  if ('fault' in outcome) return outcome.fault;
  if ('error' in outcome) return 'error';
  if ('state' in outcome) return 'state';
  if ('inline' in outcome) return 'inline';
  if ('documented' in outcome) return 'documented';
  return 'recorded';
}

/**
 * Whether a fired scenario's outcome ran for the request: not when a layer threw; a `state`
 * outcome only when the state layer answered with it (it marks its answer with the scenario),
 * not when an idempotent replay or a refusal answered first.
 */
function ran(scenario: LoadedScenario, end: DeferredOutcome): boolean {
  if ('error' in end) return false;
  if (!('state' in scenario.outcome)) return true;
  return (
    end.layer === 'state' && headersOf(end.answer.reply).some(([name]) => name === HEADER_SCENARIO)
  );
}

function headersOf(reply: Reply): readonly (readonly [string, string])[] {
  if (reply.kind === 'recorded') return reply.extraHeaders;
  return reply.kind === 'fault' ? headersOf(reply.inner) : reply.headers;
}

/** A request of a method and path only, for routing a recorded interaction. */
export function stubRequest(method: string, path: string): IncomingRequest {
  const at = path.indexOf('?');
  return {
    method,
    target: path,
    path: at === -1 ? path : path.slice(0, at),
    rawQuery: at === -1 ? '' : path.slice(at + 1),
    headers: {},
    rawBody: undefined,
    signal: new AbortController().signal,
  };
}
