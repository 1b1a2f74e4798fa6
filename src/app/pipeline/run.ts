import { TapedeckError } from '../../core/errors.js';
import type { MatchConfig } from '../../core/matching/config.js';
import { normalizeRequest, type NormalizedRequest } from '../../core/matching/normalize.js';
import type { LayerName } from '../../core/pipeline.js';
import type {
  BodyCodec,
  Clock,
  IncomingRequest,
  JournalEntry,
  Logger,
  LogLevel,
  MetricsSink,
  Reply,
} from '../../core/ports/index.js';
import type { RecordedRequest } from '../../core/cassette/model.js';
import type { RedactionResult } from '../../core/redaction/engine.js';
import { describeFiredBy, type Firing } from '../../core/sandbox/scenarios/types.js';
import type { ResolvedTenant } from '../../core/sandbox/tenant.js';
import { parseTraceparent, type TraceParent } from '../../core/observability/trace.js';
import type {
  DeferredOutcome,
  RequestEvidence,
  JournalSink,
  Layer,
  LayerAnswer,
  RequestContext,
} from './context.js';
import { cassetteOf, sessionOf, toRecordedRequest } from './request.js';

/**
 * Running one request down the layers. The order of the layers is not decided here: it is the
 * list in core/pipeline.ts, and each server fills its slots through assemblePipeline.
 */

/**
 * How the redacted and normalized request are built, for servers whose layers match or explain
 * (replay, record). The request is redacted before matching, so a client that sends a real
 * credential still matches the redacted recording and never sees it echoed.
 */
export interface RequestView {
  readonly match: MatchConfig;
  readonly codec: BodyCodec;
  readonly redactRequest: (request: RecordedRequest) => RedactionResult<RecordedRequest>;
  /** The index key straight from the raw request when that is provably the same key, else undefined. */
  readonly fastKey?: (incoming: IncomingRequest) => string | undefined;
  /**
   * The redacted path alone, for the journal of a request no layer redacted whole (the
   * sandbox: its state layer reads the raw request). Without it the journal redacts the whole
   * request — headers and body — to show its path.
   */
  readonly redactPath?: (method: string, path: string) => string;
  /** The session as layers, the journal and reports see it (the header's text by default). */
  readonly sessionName?: (raw: string) => string;
}

/** Counts answers per layer (the shutdown summary and /__tapedeck/summary). */
export interface AnswerCounter {
  answered(layer: LayerName): void;
}

export interface PipelineDeps {
  /** In order: from assemblePipeline. */
  readonly layers: readonly Layer[];
  readonly clock: Clock;
  readonly journal: JournalSink;
  readonly stats: AnswerCounter;
  /**
   * Absent for a server with no redaction rules (mock): no layer may read the redacted request,
   * and the journal shows only paths the answering layer names (`journalPath`).
   */
  readonly view?: RequestView;
  /**
   * Request ids (issue 16): a fresh id per request, and the tenant's clock for the journal. Given
   * by the sandbox; without it requests have no id, no trace and no tenant time.
   */
  readonly evidence?: PipelineEvidence;
  /**
   * Counts each answer (issue 16), from its journal entry: the duration histogram, and the miss,
   * scenario and idempotent-replay counters. Absent: nothing is counted and nothing paid.
   */
  readonly metrics?: MetricsSink;
  /** Where `context.log` writes, and the per-answer debug line. Absent: `context.log` is silent. */
  readonly log?: PipelineLog;
}

/** The logging of a pipeline (issue 16; docs/observability.md, "Logs"). */
export interface PipelineLog {
  readonly logger: Logger;
  /**
   * The event of the `debug` line written for every answer (`sandbox.request`): method, route
   * (or the redacted path), status, layer, milliseconds. Absent: no such line.
   */
  readonly answerEvent?: string;
}

/** What the sandbox's pipeline adds to each request's journal entry (issue 16). */
export interface PipelineEvidence {
  /** A new request id (`req_…`, the profile's prefix). */
  newRequestId(): string;
  /** The tenant's clock now, for a request of this tenant. */
  tenantNow(tenant: ResolvedTenant): number;
}

/** What the journal shows as the path of a request a redactor-less server could not name. */
export const UNNAMED_PATH = '(not shown: no redaction rules)';

/**
 * What the layers see of one request. The redacted request, its normalized form, the key and
 * the named cassette are built when first needed: a request the fast lane keys (most replay
 * traffic) is answered without the first two, and a mock answer without any of them. A class,
 * because object literals with getters are slow for V8 to create.
 */
class PipelineContext implements RequestContext {
  readonly session: string;
  private keyed: string | undefined;
  private namedRead = false;
  private named: string | undefined;
  private redacted: RecordedRequest | undefined;
  private normal: NormalizedRequest | undefined;
  private resolvedTenant: ResolvedTenant | undefined;
  /** Hooks run after the answer; undefined (no cost) in every server that never defers. */
  deferred: ((outcome: DeferredOutcome) => Promise<void> | void)[] | undefined;
  idempotencyKeyHash?: string;
  idempotencyKeyShown?: string;
  idempotencyCompleted?: boolean;
  scenario?: Firing;
  /** Reply shapers (faults, rate-limit headers); undefined (no cost) when none registered. */
  shapers: ((reply: Reply) => Reply)[] | undefined;
  readonly requestId: string | undefined;
  readonly trace: TraceParent | undefined;
  private facts: RequestEvidence | undefined;

  constructor(
    readonly incoming: IncomingRequest,
    private readonly view: RequestView | undefined,
    readonly startedAt: number,
    /** The fast lane's key, when it could give one. */
    private readonly fast: string | undefined,
    requestId: string | undefined,
    private readonly logger: Logger | undefined,
  ) {
    this.requestId = requestId;
    // Only a server that gives request ids reads the trace: replay's answers carry none.
    const header = requestId === undefined ? undefined : incoming.headers['traceparent'];
    this.trace = parseTraceparent(Array.isArray(header) ? header[0] : header);
    const session = sessionOf(incoming);
    this.session = view?.sessionName === undefined ? session : view.sessionName(session);
    this.keyed = fast;
  }

  get evidence(): RequestEvidence {
    return (this.facts ??= {});
  }

  /** The facts layers set, or undefined when none touched them. */
  get evidenceSet(): RequestEvidence | undefined {
    return this.facts;
  }

  get tenant(): ResolvedTenant | undefined {
    return this.resolvedTenant;
  }

  setTenant(tenant: ResolvedTenant): void {
    if (this.resolvedTenant !== undefined) {
      throw new TapedeckError('TD_INTERNAL', 'The tenant of a request was set twice.');
    }
    this.resolvedTenant = tenant;
  }

  log(
    level: LogLevel,
    event: string,
    message: string,
    fields?: Readonly<Record<string, unknown>>,
  ): void {
    const logger = this.logger;
    if (logger === undefined || !logger.enabled(level)) return;
    // The request's own facts last: a caller's field of the same name cannot misattribute it.
    logger.log(level, event, message, {
      ...fields,
      ...(this.requestId === undefined ? {} : { requestId: this.requestId }),
      ...(this.resolvedTenant === undefined ? {} : { tenant: this.resolvedTenant.id }),
    });
  }

  defer(finish: (outcome: DeferredOutcome) => Promise<void> | void): void {
    (this.deferred ??= []).push(finish);
  }

  shapeReply(shape: (reply: Reply) => Reply): void {
    (this.shapers ??= []).push(shape);
  }

  get key(): string {
    return (this.keyed ??= this.normalized.key);
  }

  get cassette(): string | undefined {
    if (!this.namedRead) {
      this.named = cassetteOf(this.incoming);
      this.namedRead = true;
    }
    return this.named;
  }

  get request(): RecordedRequest {
    if (this.redacted !== undefined) return this.redacted;
    const view = this.view;
    if (view === undefined) {
      throw new TapedeckError(
        'TD_INTERNAL',
        'A layer read the redacted request in a server that has no redaction rules.',
      );
    }
    return (this.redacted = view.redactRequest(toRecordedRequest(this.incoming, view.codec)).value);
  }

  get normalized(): NormalizedRequest {
    // `view` is defined whenever `request` returned.
    return (this.normal ??= normalizeRequest(this.request, this.view!.match));
  }

  /** Method and path for the journal (redaction never changes a method). */
  get journalMethod(): string {
    return this.incoming.method.toUpperCase();
  }

  /** A fast-lane path had nothing to redact; a path alone is redacted alone when it can be. */
  get journalPath(): string {
    if (this.fast !== undefined) return this.incoming.path;
    const view = this.view;
    if (view === undefined) return UNNAMED_PATH;
    if (this.redacted === undefined && view.redactPath !== undefined) {
      return view.redactPath(this.journalMethod, this.incoming.path);
    }
    return this.request.path;
  }
}

export function runPipeline(deps: PipelineDeps): (incoming: IncomingRequest) => Promise<Reply> {
  const { layers, clock, journal, stats, view, evidence, metrics } = deps;
  const fastKey = view?.fastKey;
  const logger = deps.log?.logger;
  const answerEvent = deps.log?.answerEvent;
  return async (incoming) => {
    const startedAt = clock.monotonic();
    const context = new PipelineContext(
      incoming,
      view,
      startedAt,
      fastKey?.(incoming),
      evidence?.newRequestId(),
      logger,
    );
    for (const layer of layers) {
      let answer: LayerAnswer | undefined;
      try {
        // Most layers answer synchronously; awaiting only promises saves a microtask per layer.
        const pending = layer.handle(context);
        answer = pending instanceof Promise ? await pending : pending;
      } catch (error) {
        if (context.deferred !== undefined) await runDeferred(context.deferred, { error });
        throw error;
      }
      if (answer === undefined) continue;
      if (context.deferred !== undefined) {
        await runDeferred(context.deferred, { answer, layer: layer.name });
      }
      stats.answered(layer.name);
      let reply = answer.reply;
      if (context.shapers !== undefined) for (const shape of context.shapers) reply = shape(reply);
      const fired = context.scenario;
      const tenant = context.tenant;
      const entry: JournalEntry = {
        at: clock.now(),
        session: context.session,
        method: context.journalMethod,
        path: answer.journalPath ?? context.journalPath,
        layer: layer.name,
        status: replyStatus(reply),
        ...(tenant === undefined ? {} : { tenant: tenant.id }),
        ...(fired === undefined
          ? {}
          : { scenario: fired.scenario.name, firedBy: describeFiredBy(fired.by) }),
        ...(answer.cassette === undefined ? {} : { cassette: answer.cassette }),
        ...(answer.position === undefined ? {} : { position: answer.position }),
        durationMs: clock.monotonic() - startedAt,
      };
      const recorded =
        evidence === undefined ? entry : withEvidence(entry, context, reply, evidence, tenant);
      journal.record(recorded);
      if (metrics !== undefined) countAnswer(metrics, recorded, context);
      if (answerEvent !== undefined && logger!.enabled('debug')) {
        logAnswer(context, answerEvent, recorded, context.evidenceSet?.route);
      }
      return reply;
    }
    throw new TapedeckError(
      'TD_INTERNAL',
      'No layer answered the request; the last layer must always answer.',
    );
  };
}

/**
 * One answer for the metrics, from its journal entry: what the journal says is what is counted
 * (no layer counts misses, scenarios or replays itself). The route is the entry's, or — in a
 * server whose journal has no evidence — what a layer learnt (the admin layer's template).
 */
function countAnswer(metrics: MetricsSink, entry: JournalEntry, context: PipelineContext): void {
  metrics.answered({
    method: entry.method,
    route: entry.route ?? context.evidenceSet?.route,
    status: entry.status,
    layer: entry.layer,
    tenant: entry.tenant,
    seconds: entry.durationMs / 1000,
  });
  if (entry.layer === 'miss') metrics.count('miss');
  if (entry.scenario !== undefined) metrics.count('scenario', entry.scenario);
  if (entry.idempotency === 'replayed') metrics.count('idempotent-replay');
}

/** The `debug` line of one answer: the route when one is known, else the redacted path. */
function logAnswer(
  context: PipelineContext,
  event: string,
  entry: JournalEntry,
  learnt: string | undefined,
): void {
  const route = entry.route ?? learnt;
  const ms = Math.round(entry.durationMs * 100) / 100;
  const shown = route ?? entry.path;
  context.log('debug', event, `${entry.method} ${shown} ${entry.status} ${entry.layer} ${ms}ms`, {
    method: entry.method,
    ...(route === undefined ? { path: entry.path } : { route }),
    status: entry.status,
    layer: entry.layer,
    ms,
  });
}

/** The journal entry of a sandbox request, with what issue 16 asks of it. */
function withEvidence(
  entry: JournalEntry,
  context: PipelineContext,
  reply: Reply,
  evidence: PipelineEvidence,
  tenant: ResolvedTenant | undefined,
): JournalEntry {
  // Added in place to the entry made for this answer (nothing else holds it yet): on every
  // sandbox request, a copy with spreads cost about 3% of its CPU.
  const out = entry as { -readonly [K in keyof JournalEntry]: JournalEntry[K] };
  if (context.requestId !== undefined) out.requestId = context.requestId;
  if (tenant !== undefined) out.tenantAt = evidence.tenantNow(tenant);
  if (context.trace !== undefined) out.traceId = context.trace.traceId;
  const keyHash = context.idempotencyKeyHash;
  if (keyHash !== undefined) out.idempotencyKeyHash = keyHash;
  const retryAfter = retryAfterOf(reply);
  if (retryAfter !== undefined) out.retryAfter = retryAfter;
  const facts = context.evidenceSet;
  if (facts !== undefined) {
    const named = out as Record<string, unknown>;
    for (const key in facts) {
      const value = facts[key as keyof RequestEvidence];
      if (value === undefined) continue;
      named[key] = Array.isArray(value) ? [...(value as unknown[])] : value;
    }
  }
  return out;
}

/** The delay-seconds of a reply's Retry-After, when it has one (an HTTP date is not counted). */
export function retryAfterOf(reply: Reply): number | undefined {
  let text: string | undefined;
  switch (reply.kind) {
    case 'recorded': {
      const value = reply.response.headers['retry-after'];
      text = Array.isArray(value) ? value[0] : value;
      text ??= pairValue(reply.extraHeaders, 'retry-after');
      break;
    }
    case 'fault':
      return retryAfterOf(reply.inner);
    case 'simple':
    case 'stream':
      text = pairValue(reply.headers, 'retry-after');
      break;
  }
  if (text === undefined || !/^\d{1,9}$/.test(text.trim())) return undefined;
  return Number(text.trim());
}

function pairValue(
  headers: readonly (readonly [string, string])[],
  name: string,
): string | undefined {
  for (const [key, value] of headers) if (key.toLowerCase() === name) return value;
  return undefined;
}

/** The status a reply carries (a fault's: the answer it delays, cuts or loses). */
export function replyStatus(reply: Reply): number {
  switch (reply.kind) {
    case 'recorded':
      return reply.response.status;
    case 'fault':
      return replyStatus(reply.inner);
    case 'simple':
    case 'stream':
      return reply.status;
  }
}

/**
 * Runs the deferred hooks of one request, last registered first, each awaited. A hook that
 * throws does not stop the others; the first error is rethrown after all ran.
 */
async function runDeferred(
  hooks: ((outcome: DeferredOutcome) => Promise<void> | void)[],
  outcome: DeferredOutcome,
): Promise<void> {
  let failure: { error: unknown } | undefined;
  for (let i = hooks.length - 1; i >= 0; i--) {
    try {
      await hooks[i]!(outcome);
    } catch (error) {
      failure ??= { error };
    }
  }
  hooks.length = 0;
  if (failure !== undefined) throw failure.error;
}
