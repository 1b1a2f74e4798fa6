import { TapedeckError } from '../../core/errors.js';
import type { MatchConfig } from '../../core/matching/config.js';
import { normalizeRequest, type NormalizedRequest } from '../../core/matching/normalize.js';
import type { BodyCodec, Clock, IncomingRequest, Reply } from '../../core/ports/index.js';
import type { JournalSink } from '../journal/journal.js';
import type { RecordedRequest } from '../../core/cassette/model.js';
import type { RedactionResult } from '../../core/redaction/engine.js';
import type { Layer, RequestContext } from './context.js';
import { cassetteOf, sessionOf, toRecordedRequest } from './request.js';
import type { ServerStats } from './stats.js';

/**
 * The flow of one request through tapedeck, in the order of docs/architecture.md:
 *
 *   1 admin  ->  (2 tenant, 3 limits, 4 scenario, 5 idempotency, 6 state: later)
 *   ->  7 cassette  ->  8 spec (replay --spec)  ->  9 miss / upstream
 *
 * Each layer answers or passes. The servers build their list here and nowhere else, so the
 * order stays visible in one place.
 */
export type PipelineMode =
  | { readonly kind: 'replay'; readonly onMiss: Layer; readonly spec?: Layer }
  | { readonly kind: 'record-new'; readonly upstream: Layer }
  | { readonly kind: 'record-all'; readonly upstream: Layer };

export function pipelineLayers(
  admin: Layer,
  cassette: Layer | undefined,
  mode: PipelineMode,
): Layer[] {
  switch (mode.kind) {
    case 'replay':
      // 8 spec (with --spec): answers what no cassette recorded, before a miss is declared.
      return mode.spec
        ? [admin, cassette!, mode.spec, mode.onMiss]
        : [admin, cassette!, mode.onMiss];
    case 'record-new':
      return [admin, cassette!, mode.upstream];
    case 'record-all':
      return [admin, mode.upstream];
  }
}

export interface PipelineDeps {
  readonly layers: readonly Layer[];
  readonly match: MatchConfig;
  readonly codec: BodyCodec;
  readonly clock: Clock;
  readonly journal: JournalSink;
  readonly stats: ServerStats;
  readonly redactRequest: (request: RecordedRequest) => RedactionResult<RecordedRequest>;
  /** The index key straight from the raw request when that is provably the same key, else undefined. */
  readonly fastKey?: (incoming: IncomingRequest) => string | undefined;
}

/**
 * Runs a request down the layers. The request is redacted before matching, so a client that
 * sends a real credential still matches the redacted recording and never sees it echoed.
 */
/**
 * What the layers see of one request. The redacted request and its normalized form are built
 * when first needed: a request the fast lane keys (most replay traffic) is answered without
 * either. A class, because object literals with getters are slow for V8 to create.
 */
class PipelineContext implements RequestContext {
  readonly key: string;
  readonly session: string;
  readonly cassette: string | undefined;
  private redacted: RecordedRequest | undefined;
  private normal: NormalizedRequest | undefined;

  constructor(
    readonly incoming: IncomingRequest,
    private readonly deps: PipelineDeps,
    readonly startedAt: number,
    /** The fast lane's key, when it could give one. */
    readonly fast: string | undefined,
  ) {
    this.session = sessionOf(incoming);
    this.cassette = cassetteOf(incoming);
    this.key = fast ?? this.normalized.key;
  }

  get request(): RecordedRequest {
    return (this.redacted ??= this.deps.redactRequest(
      toRecordedRequest(this.incoming, this.deps.codec),
    ).value);
  }

  get normalized(): NormalizedRequest {
    return (this.normal ??= normalizeRequest(this.request, this.deps.match));
  }

  /** Method and path for the journal; a fast-lane path had nothing to redact. */
  get journalMethod(): string {
    return this.fast === undefined ? this.request.method : this.incoming.method.toUpperCase();
  }

  get journalPath(): string {
    return this.fast === undefined ? this.request.path : this.incoming.path;
  }
}

export function runPipeline(deps: PipelineDeps): (incoming: IncomingRequest) => Promise<Reply> {
  return async (incoming) => {
    const startedAt = deps.clock.monotonic();
    const context = new PipelineContext(incoming, deps, startedAt, deps.fastKey?.(incoming));
    for (const layer of deps.layers) {
      // Most layers answer synchronously; awaiting only promises saves a microtask per layer.
      const pending = layer.handle(context);
      const answer = pending instanceof Promise ? await pending : pending;
      if (answer === undefined) continue;
      deps.stats.answered(layer.name);
      deps.journal.record({
        at: deps.clock.now(),
        session: context.session,
        method: context.journalMethod,
        path: context.journalPath,
        layer: layer.name,
        status:
          answer.reply.kind === 'recorded' ? answer.reply.response.status : answer.reply.status,
        ...(answer.cassette === undefined ? {} : { cassette: answer.cassette }),
        ...(answer.position === undefined ? {} : { position: answer.position }),
        durationMs: deps.clock.monotonic() - startedAt,
      });
      return answer.reply;
    }
    throw new TapedeckError(
      'TD_INTERNAL',
      'No layer answered the request; the last layer must always answer.',
    );
  };
}
