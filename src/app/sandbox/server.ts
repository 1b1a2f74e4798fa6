// Over 450 lines: the sandbox's composition of layers and admin routes from its ports, one
// function per slot; each layer's logic lives in app/layers/.
import { createHash } from 'node:crypto';
import type { NamedCassette, RecordedRequest } from '../../core/cassette/model.js';
import type { JsonValue } from '../../core/json.js';
import { compileMatchConfig } from '../../core/matching/config.js';
import { ReplayIndex, SequenceCursors } from '../../core/matching/index.js';
import type { CompiledSpec } from '../../core/mock/openapi/compiled.js';
import type { SpecMock } from '../../core/mock/openapi/responder.js';
import type {
  BodyCodec,
  Clock,
  IncomingRequest,
  Logger,
  Reply,
  RequestHandler,
  RuntimeState,
} from '../../core/ports/index.js';
import type { Scheduler, ScheduledTask } from '../../core/ports/scheduler.js';
import type { Detector } from '../../core/redaction/detectors.js';
import type { ExplainSources } from '../../core/render/sandbox-explain.js';
import type { ProfileErrors } from '../../core/sandbox/profile/answer.js';
import type { ApiProfile } from '../../core/sandbox/profile/types.js';
import { compileRateLimits, resolveRateLimits } from '../../core/sandbox/ratelimit.js';
import { routeRequest, type TemplateSource } from '../../core/sandbox/state/engine.js';
import type { ResourceModel } from '../../core/sandbox/state/model.js';
import type { ResolvedTenant } from '../../core/sandbox/tenant.js';
import { TapedeckError } from '../../core/errors.js';
import { tenantNow } from '../../core/sandbox/clock.js';
import type { SeedCatalog } from '../../core/sandbox/tenant.js';
import type { ServerSummary } from '../../core/render/summary.js';
import type { TapedeckConfig } from '../config/config.js';
import type { Journal } from '../journal/journal.js';
import { adminLayer, healthRoutes, journalRoutes, type AdminRoute } from '../layers/admin/index.js';
import { clockRoutes } from '../layers/admin/clock.js';
import { modelRoutes } from '../layers/admin/model.js';
import { scenarioRoutes } from '../layers/admin/scenarios.js';
import { tenantRoutes } from '../layers/admin/tenants.js';
import { metricsRoutes } from '../layers/admin/metrics.js';
import { MetricsRegistry } from '../metrics/registry.js';
import { VERSION } from '../version.js';
import { gatewayReply } from '../../core/sandbox/scenarios/gateway.js';
import { cassetteLayer } from '../layers/cassette.js';
import { idempotencyLayer } from '../layers/idempotency.js';
import { limitsLayer } from '../layers/limits.js';
import { missLayer } from '../layers/miss.js';
import {
  RequestFacts,
  scenarioLayer,
  type ChanceTest,
  type ScenarioCatalogueView,
  type ScenarioLayer,
  type TriggerInputOf,
} from '../layers/scenario.js';
import { specLayer, type SpecEngine } from '../layers/spec.js';
import { stateLayer } from '../layers/state.js';
import { tenantLayer } from '../layers/tenant.js';
import type { Layer, RequestContext } from '../pipeline/context.js';
import { assemblePipeline } from '../pipeline/assemble.js';
import { replyStatus, runPipeline, type PipelineEvidence } from '../pipeline/run.js';
import { ServerStats } from '../pipeline/stats.js';
import type { RedactionSetup } from '../redaction/setup.js';
import type { HttpHost } from '../replay/server.js';
import { scheduleExpiry } from './expiry.js';
import { newRequestId, type KeyMaker } from './keys.js';
import { withRequestIdHeader } from './request-id.js';
import { withAnswerFacts } from './answer-facts.js';
import { cachedResolver, resolvedTenant } from './resolver.js';
import { tenantSeeder } from './seed.js';
import { TenantAdmin } from './tenants.js';
import { webhookRoutes } from '../layers/admin/webhooks.js';
import { createDispatcher, type Dispatcher } from '../webhooks/dispatcher.js';
import { notifyingResources } from '../webhooks/notify.js';
import { WebhookAdmin, type DestinationCheck } from '../webhooks/admin.js';
import {
  runTrigger,
  triggerRequest,
  triggerTenantLayer,
  type TriggerReport,
  type TriggerRunner,
} from '../webhooks/trigger.js';
import type { KnownEvents } from '../../core/webhooks/known.js';
import type { PayloadSource } from '../../core/webhooks/payload.js';
import { SCHEMES } from '../../core/webhooks/signature.js';
import type { Signer } from '../../core/ports/signer.js';
import type { WebhookSender } from '../../core/ports/webhook-sender.js';

/** What an admin token sent by a tenant is replaced with (`withoutAdminToken` below). */
const ADMIN_TOKEN_SHOWN = '[admin token]';
/** A session name shown as sent: a label such as `ci-42` or `worker/3`. */
const PLAIN_SESSION = /^[A-Za-z0-9][A-Za-z0-9_.:@/-]*$/;

/** What `--explain` renders about where the model came from. */
export type SandboxSources = ExplainSources;

/** A built sandbox server (`tapedeck sandbox`): not listening until `listen`. */
export interface SandboxServer {
  readonly model: ResourceModel;
  readonly profile: ApiProfile;
  /** What `--explain` renders: the sources of the model. */
  readonly sources: SandboxSources;
  /** The tenant use cases of this server (the admin routes' own; tests use it too). */
  readonly tenants: TenantAdmin;
  /** The webhook use cases, when the server sends webhooks. */
  readonly webhooks: SandboxWebhookUse | undefined;
  /** The model and resolved profile as JSON (`--explain --json`, `GET /__tapedeck/sandbox/model`). */
  explainJson(): JsonValue;
  /**
   * Releases the idempotency keys a stopped sandbox left in flight, then listens; resolves the
   * URL. A server that never listens (a one-shot command) leaves the keys as they are.
   */
  listen(): Promise<string>;
  /** What was served, by layer (`/__tapedeck/summary` has the rest). */
  summary(): SandboxSummary;
  /** Stops accepting, drains, writes what is counted in memory, closes the state. Idempotent. */
  stop(): Promise<SandboxSummary>;
}

/** The shutdown line of `tapedeck sandbox`: requests served, by the layer that answered. */
export interface SandboxSummary {
  readonly served: number;
  readonly byLayer: ServerSummary['byLayer'];
}

/** The scenario catalogue (issue 14), compiled, with what its triggers need. */
export interface SandboxScenarios {
  readonly catalogue: ScenarioCatalogueView;
  readonly chanceFires: ChanceTest;
  readonly triggerInput: TriggerInputOf;
}

/** What the sandbox's webhooks are sent with (issue 15), made by app/compose/sandbox.ts. */
export interface SandboxWebhooks {
  readonly sender: WebhookSender;
  /** The registration check of endpoint URLs (the sender checks the connected address). */
  readonly destinations: DestinationCheck;
  readonly signer: Signer;
  readonly payloads: PayloadSource;
  /** The id prefix of new endpoints (the profile's webhook_endpoints shape, else `ep_`). */
  readonly idPrefix: string;
  /** The event types it can emit: an endpoint filter outside them is refused. */
  readonly knownEvents?: () => KnownEvents;
}

/** The webhook use cases of a running sandbox (its admin routes'; tests use them too). */
export interface SandboxWebhookUse {
  readonly admin: WebhookAdmin;
  readonly dispatcher: Dispatcher;
  /** `tapedeck trigger EVENT`: the flow through this server's trigger pipeline. */
  trigger(tenant: string, event: string): Promise<TriggerReport>;
}

/** Everything the sandbox is built from, loaded and checked by app/compose/sandbox.ts. */
export interface SandboxDeps {
  readonly config: TapedeckConfig;
  readonly profile: ApiProfile;
  readonly errors: ProfileErrors;
  readonly model: ResourceModel;
  readonly sources: SandboxSources;
  readonly explainJson: () => JsonValue;
  readonly spec?: CompiledSpec;
  /** The spec layer's responder (what the model does not cover). */
  readonly specMock?: SpecMock;
  readonly templates: TemplateSource;
  readonly cassettes: readonly NamedCassette[];
  readonly seeds: SeedCatalog;
  /** The scenario catalogue; without it the scenario slot stays empty. */
  readonly scenarios?: SandboxScenarios;
  /** Webhook delivery; without it no endpoint can be registered and nothing is sent. */
  readonly webhooks?: SandboxWebhooks;
  readonly state: RuntimeState;
  readonly journal: Journal;
  readonly clock: Clock;
  readonly scheduler: Scheduler;
  readonly logger: Logger;
  readonly codec: BodyCodec;
  readonly redaction: RedactionSetup;
  readonly keys: KeyMaker;
  readonly liveDetectors: readonly Detector[];
  readonly host: (handler: RequestHandler) => HttpHost;
}

const HOUR_MS = 3_600_000;

/** The answers of the spec layer that never executed anything: no idempotency key keeps them. */
const SPEC_REFUSALS = new Set(['invalid', 'unauthorized', 'not-found', 'method-not-allowed']);

/** The spec mock's answers that are a documented response (a scenario's `documented` outcome). */
const DOCUMENTED = new Set(['example', 'generated', 'empty']);

/** The spec mock's outcomes that passed request validation (when it validates). */
const VALIDATED = new Set([...DOCUMENTED, 'bad-prefer']);
/** The spec mock's outcomes of a request that failed validation. */
const NONCONFORMING = new Set(['invalid', 'unsupported-media-type']);

/**
 * The spec behind the sandbox's state and cassettes: documented routes the model leaves out.
 * It records the operation and, when it validates requests, whether the request conformed.
 */
function sandboxSpec(mock: SpecMock, validates: boolean): SpecEngine {
  return {
    handle(incoming, context) {
      const answer = mock.answer(incoming, false);
      if (answer === undefined) return undefined;
      if (context !== undefined) {
        const evidence = context.evidence;
        if (answer.operation !== undefined) evidence.operation = answer.operation;
        if (answer.path !== undefined) evidence.route = answer.path;
        if (validates && NONCONFORMING.has(answer.outcome)) evidence.conforms = false;
        else if (validates && VALIDATED.has(answer.outcome)) evidence.conforms = true;
      }
      return {
        reply: answer.reply,
        ...(answer.path === undefined ? {} : { journalPath: answer.path }),
        ...(SPEC_REFUSALS.has(answer.outcome) ? { remember: false } : {}),
      };
    },
  };
}

/**
 * The sandbox's pipeline: admin → tenant → limits → scenario → idempotency → state → cassette →
 * spec → miss (docs/sandbox.md).
 */
export async function buildSandboxServer(deps: SandboxDeps): Promise<SandboxServer> {
  const { config, profile, errors, model, state, codec, logger, clock, scheduler } = deps;
  const { redactor } = deps.redaction;
  const match = compileMatchConfig(config.match);
  const index = new ReplayIndex(deps.cassettes, match);
  const cursors = new SequenceCursors();
  const stats = new ServerStats();
  const metrics = new MetricsRegistry({
    tenantLabel: config.metrics.tenantLabel,
    version: VERSION,
  });

  const resolver = cachedResolver({
    tenants: state.tenants,
    clock,
    hashKey: (key) => deps.keys.hashKey(key),
    defaults: config.sandbox.quotas,
  });
  // Webhooks (issue 15): the events table is the outbox; the dispatcher fans out and sends.
  const hooks = deps.webhooks;
  const dispatcher =
    hooks === undefined
      ? undefined
      : createDispatcher({
          state,
          sender: hooks.sender,
          signer: hooks.signer,
          payloads: hooks.payloads,
          profile,
          config: config.webhooks,
          redaction: deps.redaction,
          clock,
          scheduler,
          logger,
          metrics,
        });
  /** A change that made events kicks the dispatcher for its tenant (the poll catches the rest). */
  const resources =
    dispatcher === undefined
      ? state.resources
      : notifyingResources(state.resources, (tenantId) => dispatcher.kick(tenantId));
  const tenants = new TenantAdmin({
    state,
    clock,
    profile,
    seeds: deps.seeds,
    keys: deps.keys,
    config: config.sandbox,
    onChange: (tenantId) => resolver.forget(tenantId),
    // Advancing a tenant's clock runs what fell due (`"wait": true` awaits it).
    ...(dispatcher === undefined ? {} : { onAdvance: (tenantId) => dispatcher.drain(tenantId) }),
    logger,
  });

  // Cassette positions per tenant and session: sessions seen per tenant, so a reseed rewinds them.
  // A tenant whose seeding changed since its last cassette answer (reset here or from the CLI in
  // another process: the resolver's `seededAt` is at most a second old) starts them again.
  const sessionsOf = new Map<string, { sessions: Set<string>; seededAt: number | undefined }>();
  const rewind = (tenantId: string) => {
    const seen = sessionsOf.get(tenantId);
    if (seen === undefined) return;
    for (const session of seen.sessions) cursors.reset(session);
    sessionsOf.delete(tenantId);
  };
  const sessionOf = (context: RequestContext) => {
    const tenant = context.tenant;
    if (tenant === undefined) return context.session;
    const key = `${tenant.id}\u0000${context.session}`;
    let seen = sessionsOf.get(tenant.id);
    if (seen !== undefined && seen.seededAt !== tenant.seededAt) {
      // Seeded since (the request that seeded it saw it unseeded): the same positions. Reset or
      // reseeded elsewhere: from the start.
      if (seen.seededAt === undefined) seen.seededAt = tenant.seededAt;
      else {
        rewind(tenant.id);
        seen = undefined;
      }
    }
    if (seen === undefined) {
      seen = { sessions: new Set(), seededAt: tenant.seededAt };
      sessionsOf.set(tenant.id, seen);
    }
    seen.sessions.add(key);
    return key;
  };

  const seeder = tenantSeeder({
    model,
    cassettes: deps.cassettes,
    seeds: deps.seeds,
    resources: state.resources,
    onSeeded: (tenantId) => {
      resolver.forget(tenantId);
      rewind(tenantId);
    },
  });

  /**
   * The redactor knows sandbox keys and live keys, not tapedeck's own admin token: a tenant
   * that sends it in a body, a path or a session name gets it replaced before anything of the
   * request is stored, journaled or named in an answer.
   */
  const adminToken = config.admin.token;
  const withoutAdminToken = <T extends JsonValue>(value: T): T => {
    if (adminToken === undefined || adminToken === '') return value;
    if (typeof value === 'string') {
      return (
        value.includes(adminToken) ? value.split(adminToken).join(ADMIN_TOKEN_SHOWN) : value
      ) as T;
    }
    if (value === null || typeof value !== 'object') return value;
    if (!JSON.stringify(value).includes(adminToken)) return value;
    if (Array.isArray(value)) return value.map((v) => withoutAdminToken(v)) as T;
    const out: Record<string, JsonValue> = {};
    for (const [k, v] of Object.entries(value)) out[withoutAdminToken(k)] = withoutAdminToken(v);
    return out as T;
  };

  /**
   * A path redacted on its own (no headers, no body): what the journal and the idempotency
   * fingerprint show. Redacting the whole request for it cost a fifth of a stateful read (the
   * tenant's key in Authorization, remembered in every encoding on every request). A secret
   * that only a header names and that the path repeats is not found this way; sandbox keys and
   * live keys in a path are refused by the tenant layer before this runs.
   */
  const redactMethodPath = (method: string, path: string) => {
    const scrubbed = withoutAdminToken(path);
    return redactor.clean(scrubbed)
      ? scrubbed
      : redactor.redactRequest({ method, path: scrubbed, query: {}, headers: {} }).value.path;
  };
  const redactPath = (path: string) => redactMethodPath('GET', path);
  const redactValue = (raw: JsonValue): JsonValue => {
    const value = withoutAdminToken(raw);
    // A request's path parameters come as an array of strings: most are ids the redactor has
    // nothing to say about, and a stateful read should not pay a whole redaction pass for them.
    if (Array.isArray(value) && value.every((v) => typeof v === 'string' && redactor.clean(v)))
      return value;
    const redacted = redactor.redactRequest({
      method: 'POST',
      path: '/',
      query: {},
      headers: { 'content-type': 'application/json' },
      body: { encoding: 'json', json: value },
    }).value.body;
    return redacted?.encoding === 'json' ? redacted.json : value;
  };
  /**
   * `x-tapedeck-session` names a tenant's sequence positions and is journaled and reported: a
   * name that is not plain, or that could be a secret, is shown as a digest of itself (stable,
   * so positions still work), never as sent.
   */
  const sessionName = (raw: string): string =>
    raw === '' ||
    (raw.length <= 128 &&
      PLAIN_SESSION.test(raw) &&
      redactor.clean(raw) &&
      withoutAdminToken(raw) === raw)
      ? raw
      : `session-${createHash('sha256').update(raw, 'utf8').digest('hex').slice(0, 16)}`;

  const routes: (readonly AdminRoute[])[] = [
    healthRoutes({
      mode: 'sandbox',
      loaded: () => ({ cassettes: index.cassetteNames().length, interactions: index.size }),
      summary: () => stats.summary(index),
    }),
  ];
  // The model and tenant management need the admin token: without one, only health and the
  // journal (below: a tenant's key reads its own) are mounted.
  if (config.admin.token !== undefined) {
    routes.push(
      modelRoutes(deps.explainJson),
      tenantRoutes(tenants),
      clockRoutes(tenants),
      metricsRoutes(metrics),
    );
  }

  // The classes the limits layer counts, whose headers a scenario's 429 also speaks.
  const rateLimits = compileRateLimits(
    resolveRateLimits(config.sandbox.rateLimits, profile.rateLimits),
    {
      where:
        config.sandbox.rateLimits === 'profile'
          ? `the ${profile.name} profile's rateLimits`
          : 'sandbox.rateLimits',
      ...(deps.spec === undefined
        ? {}
        : { operations: deps.spec.model.operations, basePaths: deps.spec.model.basePaths }),
    },
  );

  // Routed once per request for the scenario and state layers alike.
  const scenarios = deps.scenarios;
  const facts =
    scenarios === undefined
      ? undefined
      : new RequestFacts(model, deps.spec?.router, scenarios.triggerInput);
  const specMock = deps.specMock;
  const scenario: ScenarioLayer | undefined =
    scenarios === undefined || facts === undefined
      ? undefined
      : scenarioLayer({
          catalogue: scenarios.catalogue,
          chanceFires: scenarios.chanceFires,
          facts,
          store: state.scenarios,
          profile,
          errors,
          clock,
          cassettes: deps.cassettes,
          gateway: gatewayReply,
          rateLimits,
          warn: (message) => logger.log('warn', 'sandbox.scenario', message),
          ...(specMock === undefined
            ? {}
            : {
                // The spec's example for the status, as `Prefer: code=` asks the mock for it.
                documented: (incoming, status) => {
                  const headers = { ...incoming.headers, prefer: `code=${status}` };
                  const answer = specMock.answer({ ...incoming, headers }, false);
                  // Only a documented response: a refusal (invalid body, 406) is not the example.
                  return answer !== undefined && DOCUMENTED.has(answer.outcome)
                    ? answer.reply
                    : undefined;
                },
              }),
        });

  if (config.admin.token !== undefined && scenarios !== undefined) {
    routes.push(
      scenarioRoutes({
        catalogue: scenarios.catalogue,
        state,
        clock,
        ...(scenario === undefined ? {} : { onChange: (tenantId) => scenario.forget(tenantId) }),
        bodyFormat: model.routes.some((r) => r.body === 'form') ? 'form' : 'json',
      }),
    );
  }

  /**
   * Request ids and tenant time for the journal (issue 16), in both pipelines: a trigger's
   * steps make events too, and those name the step's request as a client's would.
   */
  const keys = deps.keys;
  const requestIds = profile.requestId;
  const evidence: PipelineEvidence = {
    newRequestId: () =>
      keys.newRequestId === undefined
        ? newRequestId(requestIds.prefix)
        : keys.newRequestId(requestIds.prefix),
    tenantNow: (tenant) => tenantNow(tenant.clock, clock.now()),
  };

  /** How both pipelines (the sandbox's and the trigger's) see and redact a request. */
  const view = {
    match,
    codec,
    redactRequest: (request: RecordedRequest) => redactor.redactRequest(request),
    redactPath: redactMethodPath,
    sessionName,
  };

  // The trigger runs its flow through a pipeline of its own, built below from the same layers.
  let runTriggerStep: TriggerRunner | undefined;
  const webhookUse: SandboxWebhookUse | undefined =
    hooks === undefined || dispatcher === undefined
      ? undefined
      : {
          admin: new WebhookAdmin({
            state,
            clock,
            scheme: SCHEMES[profile.webhooks.scheme],
            signer: hooks.signer,
            destinations: hooks.destinations,
            rotationOverlapMs: config.webhooks.rotationOverlapHours * HOUR_MS,
            idPrefix: hooks.idPrefix,
            onChange: (tenantId) => dispatcher.kick(tenantId),
            ...(hooks.knownEvents === undefined ? {} : { knownEvents: hooks.knownEvents }),
          }),
          dispatcher,
          trigger: (tenant, event) =>
            runTrigger(
              {
                state,
                model,
                profile,
                declared: [...config.webhooks.triggers, ...profile.webhooks.triggers],
                run: (tenantId, step) => runTriggerStep!(tenantId, step),
              },
              tenant,
              event,
            ),
        };
  if (config.admin.token !== undefined && webhookUse !== undefined)
    routes.push(
      webhookRoutes({
        admin: webhookUse.admin,
        trigger: (tenant, event) => webhookUse.trigger(tenant, event),
      }),
    );

  const limits = limitsLayer({
    profile,
    errors,
    usage: state.usage,
    scheduler,
    defaults: config.sandbox.quotas,
    rateLimits,
  });
  const specRouter = deps.spec?.router;
  const tenant = tenantLayer({
    profile,
    resolver,
    adminToken: config.admin.token,
    errors,
    liveDetectors: deps.liveDetectors,
  });
  // The journal: with the admin token, any tenant's or all; with a tenant's key, its own only.
  routes.push(
    journalRoutes(deps.journal, {
      findTenant: async (nameOrId) =>
        (await state.tenants.getByName(nameOrId)) ?? (await state.tenants.get(nameOrId)),
      tenantOf: (context) => tenant.handle(context),
      now: () => clock.now(),
    }),
  );
  const layers: Partial<Record<string, Layer>> = {
    admin: adminLayer({ token: config.admin.token, routes }),
    tenant,
    limits,
    ...(scenario === undefined ? {} : { scenario }),
    ...(profile.idempotency === null
      ? {}
      : {
          idempotency: idempotencyLayer({
            profile,
            errors,
            store: state.idempotency,
            codec,
            redactPath,
          }),
        }),
    state: stateLayer({
      engine: {
        model,
        profile,
        ...(deps.spec === undefined ? {} : { spec: deps.spec }),
        templates: deps.templates,
        errors,
      },
      resources,
      codec,
      redactValue,
      seeder,
      ...(facts === undefined || scenarios === undefined
        ? {}
        : { scenarios: { facts, catalogue: scenarios.catalogue } }),
    }),
    cassette: cassetteLayer({
      index,
      cursors,
      stats,
      latencyFactor: 0,
      cassetteFor: (context) => context.cassette,
      sessionOf,
      ...(specRouter === undefined
        ? {}
        : {
            operationOf: (context: RequestContext) => {
              const { method, path } = context.incoming;
              const found = specRouter.route(method, path);
              return found.kind === 'operation'
                ? { operation: found.operation.id, route: found.operation.path }
                : undefined;
            },
          }),
    }),
    ...(deps.specMock === undefined
      ? {}
      : { spec: specLayer(sandboxSpec(deps.specMock, config.mock.validateRequests)) }),
    miss: missLayer({ index, stats, logger, status: config.replay.missStatus }),
  };
  if (webhookUse !== undefined) {
    // No limits and no idempotency: the flow is the sandbox's own, and no socket reaches it.
    const triggerTenants = new WeakMap<IncomingRequest, ResolvedTenant>();
    const triggerHandler = runPipeline({
      layers: assemblePipeline({
        tenant: triggerTenantLayer(triggerTenants),
        ...Object.fromEntries(
          (['scenario', 'state', 'cassette', 'spec', 'miss'] as const)
            .map((name) => [name, layers[name]] as const)
            .filter(([, layer]) => layer !== undefined),
        ),
      }),
      clock,
      journal: deps.journal,
      stats,
      view,
      evidence,
    });
    const bodyFormat = model.routes.some((r) => r.body === 'form') ? 'form' : 'json';
    runTriggerStep = async (tenantId, step) => {
      const record = await state.tenants.get(tenantId);
      if (record === undefined)
        throw new TapedeckError('TD_TENANT_NOT_FOUND', 'The tenant of the trigger is gone.');
      const incoming = triggerRequest(step, { bodyFormat });
      const headers = { ...incoming.headers, 'x-tapedeck-session': ['tapedeck-trigger'] };
      const request = { ...incoming, headers };
      triggerTenants.set(request, resolvedTenant(record, config.sandbox.quotas, clock));
      const reply = await triggerHandler(request);
      return { status: replyStatus(reply), body: replyJson(reply) };
    };
  }

  /** The operation and route of a request, named as the state layer names them (issue 16). */
  const operationOf = (incoming: IncomingRequest) => {
    const { method, path } = incoming;
    const routed =
      facts === undefined ? routeRequest(model, specRouter, method, path) : facts.routed(incoming);
    if (routed !== undefined)
      return {
        operation: routed.operation?.id ?? `${method.toUpperCase()} ${routed.route.path}`,
        route: routed.route.path,
      };
    const found = specRouter?.route(method, path);
    return found?.kind === 'operation'
      ? { operation: found.operation.id, route: found.operation.path }
      : undefined;
  };
  const handler = runPipeline({
    layers: withRequestIdHeader(
      withAnswerFacts(assemblePipeline(layers), { operationOf, idempotency: profile.idempotency }),
      requestIds.header,
    ),
    clock,
    journal: deps.journal,
    stats,
    view,
    evidence,
    metrics,
    log: { logger, answerEvent: 'sandbox.request' },
  });

  // Idle tenants go at start and hourly (expiry.ts); expired idempotency keys are swept with
  // them, each tenant's on its own clock. Last-used times are written every minute.
  const sweepKeys = async () => {
    const retention = (profile.idempotency?.retentionHours ?? 24) * HOUR_MS;
    for (const tenant of await state.tenants.list()) {
      await state.idempotency.expire(tenant.id, tenantNow(tenant.clock, clock.now()) - retention);
    }
  };
  await sweepKeys();
  const tasks: { cancel(): void }[] = [scheduleExpiry(tenants, scheduler, HOUR_MS)];
  const every = (ms: number, what: string, work: () => Promise<unknown>) => {
    let task: ScheduledTask | undefined;
    let cancelled = false;
    const run = () => {
      if (cancelled) return;
      task = scheduler.setTimeout(() => {
        work()
          .catch((error: unknown) =>
            logger.log('warn', 'sandbox.task', `${what} failed: ${(error as Error).message}`),
          )
          .finally(run);
      }, ms);
    };
    run();
    tasks.push({
      cancel: () => {
        cancelled = true;
        task?.cancel();
      },
    });
  };
  every(HOUR_MS, 'the idempotency sweep', sweepKeys);
  every(60_000, 'writing last-used times', () => resolver.flushLastUsed());

  const host = deps.host(handler);
  let stopped: Promise<SandboxSummary> | undefined;
  const summary = (): SandboxSummary => {
    const { served, byLayer } = stats.summary(index);
    return { served, byLayer };
  };
  return {
    model,
    profile,
    sources: deps.sources,
    tenants,
    webhooks: webhookUse,
    explainJson: deps.explainJson,
    listen: async () => {
      // In-flight keys of a process that died stay in flight forever: nobody will finish them.
      // Released here, not when built: a one-shot composition on the same state directory
      // (`tapedeck trigger`) never listens, and must not release a running sandbox's keys.
      const released = await state.idempotency.releaseInFlight();
      if (released > 0)
        logger.log(
          'info',
          'sandbox.idempotency',
          `released ${released} idempotency key(s) left in flight by a stopped sandbox`,
        );
      const url = await host.listen(config.server.host, config.server.port);
      dispatcher?.start();
      return url;
    },
    summary,
    stop() {
      stopped ??= (async () => {
        for (const task of tasks) task.cancel();
        await host.close();
        // Attempts in flight finish (or time out) before the state closes; leases are released.
        await dispatcher?.stop().catch(() => undefined);
        await hooks?.sender.close().catch(() => undefined);
        // What is counted in memory goes to the state before it closes.
        await limits.flush().catch(() => undefined);
        await resolver.flushLastUsed().catch(() => undefined);
        await deps.journal.close();
        await state.close();
        return summary();
      })();
      return stopped;
    },
  };
}

/** The JSON of a reply's body, for the next step of a trigger's flow (`{steps.NAME.id}`). */
function replyJson(reply: Reply): JsonValue | undefined {
  switch (reply.kind) {
    case 'simple':
      try {
        return reply.body === '' ? undefined : (JSON.parse(reply.body) as JsonValue);
      } catch {
        return undefined;
      }
    case 'recorded':
      return reply.response.body?.encoding === 'json' ? reply.response.body.json : undefined;
    case 'fault':
      return replyJson(reply.inner);
    case 'stream':
      return undefined;
  }
}
