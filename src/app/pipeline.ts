import { TapedeckError } from '../core/errors.js';
import type { MatchConfig } from '../core/matching/config.js';
import { normalizeRequest } from '../core/matching/normalize.js';
import type { BodyCodec, Clock, IncomingRequest, Reply, StateStore } from '../core/ports.js';
import type { RecordedRequest } from '../core/cassette/model.js';
import type { RedactionResult } from '../core/redaction/engine.js';
import type { Layer, RequestContext } from './context.js';
import { cassetteOf, sessionOf, toRecordedRequest } from './request.js';
import type { ServerStats } from './stats.js';

/**
 * The flow of one request through tapedeck, in the order of docs/architecture.md:
 *
 *   1 admin  ->  (2 tenant, 3 limits, 4 scenario, 5 idempotency, 6 state: later)
 *   ->  7 cassette  ->  (8 spec: later)  ->  9 miss / upstream
 *
 * Each layer answers or passes. The servers build their list here and nowhere else, so the
 * order stays visible in one place.
 */
export type PipelineMode =
  | { readonly kind: 'replay'; readonly onMiss: Layer }
  | { readonly kind: 'record-new'; readonly upstream: Layer }
  | { readonly kind: 'record-all'; readonly upstream: Layer };

export function pipelineLayers(
  admin: Layer,
  cassette: Layer | undefined,
  mode: PipelineMode,
): Layer[] {
  switch (mode.kind) {
    case 'replay':
      return [admin, cassette!, mode.onMiss];
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
  readonly state: StateStore;
  readonly stats: ServerStats;
  readonly redactRequest: (request: RecordedRequest) => RedactionResult<RecordedRequest>;
}

/**
 * Runs a request down the layers. The request is redacted before matching, so a client that
 * sends a real credential still matches the redacted recording and never sees it echoed.
 */
export function runPipeline(deps: PipelineDeps): (incoming: IncomingRequest) => Promise<Reply> {
  return async (incoming) => {
    const startedAt = deps.clock.monotonic();
    const request = deps.redactRequest(toRecordedRequest(incoming, deps.codec)).value;
    const context: RequestContext = {
      incoming,
      request,
      normalized: normalizeRequest(request, deps.match),
      session: sessionOf(incoming),
      cassette: cassetteOf(incoming),
      startedAt,
    };
    for (const layer of deps.layers) {
      // Most layers answer synchronously; awaiting only promises saves a microtask per layer.
      const pending = layer.handle(context);
      const answer = pending instanceof Promise ? await pending : pending;
      if (answer === undefined) continue;
      deps.stats.answered(layer.name);
      deps.state.journal({
        at: deps.clock.now(),
        session: context.session,
        method: request.method,
        path: request.path,
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
