import type { CompiledSpec } from '../../core/mock/openapi/compiled.js';
import { withEchoedOrigin } from '../../core/http/cors.js';
import { SpecMock, type SpecMockOptions } from '../../core/mock/openapi/responder.js';
import { GRAPHQL_PATHS, type GraphqlMock } from '../../core/mock/graphql/mock.js';
import { firstHeaderValue } from '../../core/http/index.js';
import type { IncomingRequest } from '../../core/ports/index.js';
import type { LayerAnswer } from '../pipeline/context.js';
import type { SpecEngine } from '../layers/spec.js';
import type { MockStats } from './stats.js';

/**
 * What a mock server serves behind its spec slot: an OpenAPI responder or a GraphQL mock. It
 * answers every request the admin layer leaves (404/405 included), and names in `journalPath`
 * only a documented path, never request text: the mock has no redaction rules.
 */
export interface MockEngine extends SpecEngine {
  /** "OpenAPI 3.0 spec Petstore: 5 operation(s)", for logs. */
  readonly description: string;
  /** Files to watch for `--watch`. */
  readonly files: readonly string[];
  handle(incoming: IncomingRequest): LayerAnswer | Promise<LayerAnswer>;
}

/** An OpenAPI engine: every answer, including 404/405, is the spec's. */
export function openApiEngine(
  spec: CompiledSpec,
  options: SpecMockOptions,
  stats?: MockStats,
): MockEngine {
  const mock = new SpecMock(spec, options);
  return {
    description: `${spec.source.dialect} spec${spec.model.title === '' ? '' : ` "${spec.model.title}"`}: ${mock.operations} operation(s)`,
    files: spec.source.files,
    handle(incoming) {
      const answer = mock.answer(incoming, true)!;
      stats?.count(answer.outcome);
      const reply = withEchoedOrigin(answer.reply, firstHeaderValue(incoming.headers, 'origin'));
      return answer.path === undefined ? { reply } : { reply, journalPath: answer.path };
    },
  };
}

/** A GraphQL engine: the schema's endpoint paths are the only ones the journal shows. */
export function graphqlEngine(mock: GraphqlMock, file: string): MockEngine {
  const answer = (incoming: IncomingRequest, reply: LayerAnswer['reply']): LayerAnswer =>
    GRAPHQL_PATHS.has(incoming.path) ? { reply, journalPath: incoming.path } : { reply };
  return {
    description: 'GraphQL schema',
    files: [file],
    handle(incoming) {
      const reply = mock.handle(incoming);
      return reply instanceof Promise
        ? reply.then((r) => answer(incoming, r))
        : answer(incoming, reply);
    },
  };
}
