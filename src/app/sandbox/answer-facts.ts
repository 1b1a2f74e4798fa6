/**
 * The facts every sandbox answer's journal entry needs, whichever layer gave it (issue 16). The
 * state layer names a request's operation and the idempotency layer hashes its key, but the
 * layers before them — limits (a 429), scenario (a 429, a 502, a reset) — answer without either,
 * and those are exactly the answers readiness judges the partner's reaction to: a retry is "the
 * next request of the same operation", and a POST's retry must carry the same key. Without these
 * facts a partner who backs off and retries with its key would fail `retry-after` and
 * `idempotent-retry`.
 */
import { sha256Hex } from '../layers/idempotency.js';
import { readIdempotencyKey } from '../../core/sandbox/idempotency.js';
import type { ApiProfile } from '../../core/sandbox/profile/types.js';
import type { IncomingRequest } from '../../core/ports/index.js';
import type { Layer, RequestContext } from '../pipeline/context.js';

export interface AnswerFactsOptions {
  /**
   * The operation and route template of a request, as the state layer names them (the spec's
   * operationId, else `METHOD /template`); undefined when nothing routes it.
   */
  readonly operationOf: (
    incoming: IncomingRequest,
  ) => { readonly operation: string; readonly route: string } | undefined;
  readonly idempotency: ApiProfile['idempotency'];
}

/**
 * Fills what the answering layer left out, after the answer and before the journal entry is made:
 * the operation and route of a request the model or the spec routes, and the hash of a valid
 * idempotency key (as the idempotency layer hashes it) of a tenant's request the idempotency
 * layer never saw. What a layer set is never changed. Admin answers are left alone.
 */
export function withAnswerFacts(layers: readonly Layer[], options: AnswerFactsOptions): Layer[] {
  const [first, ...rest] = layers;
  if (first === undefined) return [];
  const settings = options.idempotency;
  const keyed = new Set(settings?.methods.map((m) => m.toUpperCase()) ?? []);

  const fill = (context: RequestContext) => {
    const { incoming } = context;
    const evidence = context.evidence;
    if (evidence.operation === undefined) {
      const named = options.operationOf(incoming);
      if (named !== undefined) {
        evidence.operation = named.operation;
        evidence.route ??= named.route;
      }
    }
    if (
      settings !== null &&
      context.idempotencyKeyHash === undefined &&
      context.tenant !== undefined &&
      keyed.has(incoming.method.toUpperCase())
    ) {
      const read = readIdempotencyKey(incoming.headers, settings.header, settings.maxKeyLength);
      if (read.kind === 'key') context.idempotencyKeyHash = sha256Hex(read.key);
    }
  };

  const filling: Layer = {
    name: first.name,
    ...(first.closes === undefined ? {} : { closes: first.closes }),
    handle(context) {
      // Registered first, so it runs last of the deferred hooks: after every layer's own.
      context.defer((outcome) => {
        if ('answer' in outcome && outcome.layer !== 'admin') fill(context);
      });
      return first.handle(context);
    },
  };
  return [filling, ...rest];
}
