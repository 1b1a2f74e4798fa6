import type { SpecMock } from '../../core/mock/openapi/responder.js';
import type { IncomingRequest } from '../../core/ports/index.js';
import type { Layer, LayerAnswer, RequestContext } from '../pipeline/context.js';

/**
 * What answers from a description instead of a recording: the OpenAPI responder, or (behind
 * the same slot) the GraphQL mock. Undefined passes to the next layer.
 */
export interface SpecEngine {
  /** `context`: the request's, for an engine that records what it learnt (the sandbox's). */
  handle(
    incoming: IncomingRequest,
    context?: RequestContext,
  ): LayerAnswer | Promise<LayerAnswer> | undefined;
}

/**
 * Layer 8: the spec answers, marked `x-tapedeck-layer: spec`. In `replay --spec` it answers
 * what no cassette recorded; in `tapedeck mock` it answers everything the admin layer does not.
 */
export function specLayer(engine: SpecEngine, options: { readonly closes?: boolean } = {}): Layer {
  return {
    name: 'spec',
    // The mock's engine answers everything (404/405 included): there it closes the pipeline.
    ...(options.closes === true ? { closes: true } : {}),
    handle: (context) => engine.handle(context.incoming, context),
  };
}

/**
 * The spec behind replay's cassettes: a documented example or a generated body. Requests the
 * spec does not document (unknown path or method) pass on to the miss layer, which explains
 * them against the recordings.
 */
export function fallbackSpec(mock: SpecMock): SpecEngine {
  return {
    handle(incoming) {
      const answer = mock.answer(incoming, false);
      return answer === undefined ? undefined : { reply: answer.reply };
    },
  };
}
