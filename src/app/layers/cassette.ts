import type { ReplayIndex, SequenceCursors } from '../../core/matching/index.js';
import { HEADER_LAYER } from '../../core/http/index.js';
import type { Layer, RequestContext } from '../pipeline/context.js';
import type { ServerStats } from '../pipeline/stats.js';

export interface CassetteLayerOptions {
  readonly index: ReplayIndex;
  readonly cursors: SequenceCursors;
  readonly stats: ServerStats;
  /** Multiplier for recorded latency (0: answer at once). */
  readonly latencyFactor: number;
  /** The cassette to answer from; undefined: any cassette (the first by name that has the request). */
  readonly cassetteFor: (context: RequestContext) => string | undefined;
  /**
   * The session whose sequence positions a request advances; `context.session` when absent. The
   * sandbox keys them by tenant too (`${tenant.id}\u0000${session}`), so tenants never share one.
   */
  readonly sessionOf?: (context: RequestContext) => string;
  /**
   * The operation and route of a request, when a spec can route it (the sandbox's, issue 16):
   * the journal names a cassette hit's operation as a state answer's. Undefined: nothing.
   */
  readonly operationOf?: (
    context: RequestContext,
  ) => { readonly operation: string; readonly route: string } | undefined;
}

const LAYER_HEADER = [[HEADER_LAYER, 'cassette']] as const;

/** Layer 7: an exact match of the normalized request answers with the next recorded response. */
export function cassetteLayer(options: CassetteLayerOptions): Layer {
  const { index, cursors, stats, latencyFactor, sessionOf, operationOf } = options;
  return {
    name: 'cassette',
    handle(context) {
      const entry = index.lookup(context.key, options.cassetteFor(context));
      if (entry === undefined) return undefined;
      const position = cursors.next(
        sessionOf === undefined ? context.session : sessionOf(context),
        entry,
      );
      const interaction = index.interaction({ cassette: entry.cassette, position })!;
      stats.markUsed(entry.cassette, position);
      const named = operationOf?.(context);
      if (named !== undefined) {
        context.evidence.operation = named.operation;
        context.evidence.route = named.route;
      }
      return {
        reply: {
          kind: 'recorded',
          response: interaction.response,
          extraHeaders: LAYER_HEADER,
          delayMs: latencyFactor === 0 ? 0 : interaction.latencyMs * latencyFactor,
        },
        cassette: entry.cassette,
        position,
      };
    },
  };
}
