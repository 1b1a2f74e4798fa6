/**
 * The GraphQL mock: a schema, a seed, and a handler that answers GraphQL-over-HTTP requests
 * with deterministic mocked data. Pure: the caller reads the schema file and runs the server.
 */
import {
  execute,
  getOperationAST,
  GraphQLError,
  Kind,
  OperationTypeNode,
  parse,
  specifiedRules,
  validate,
  type DocumentNode,
  type ExecutionResult,
  type FragmentDefinitionNode,
  type GraphQLSchema,
} from 'graphql';
import type { IncomingRequest, Reply, SimpleReply } from '../../ports/index.js';
import {
  estimateResultSize,
  jsonNestingExceeds,
  MAX_NESTING,
  MAX_RESULT_VALUES,
  nestingExceeds,
} from './cost.js';
import {
  baseHeaders,
  errorsReply,
  GRAPHQL_RESPONSE_JSON,
  negotiate,
  paramsFromBody,
  paramsFromQueryString,
  preflightReply,
  problemReply,
  APPLICATION_JSON,
  type GraphqlParams,
  type ResponseMedia,
} from './http.js';
import { createMockResolvers, type MockResolvers } from './resolver.js';
import { loadGraphqlSchema, summarize, type GraphqlSummary } from './schema.js';

export interface GraphqlMock {
  /** Answers one HTTP request. */
  handle(request: IncomingRequest): Reply | Promise<Reply>;
  /** Root fields and types, for the startup banner. */
  readonly summary: GraphqlSummary;
  /** The built schema (for tools and tests). */
  readonly schema: GraphQLSchema;
}

export interface GraphqlMockOptions {
  /** Every value derives from this seed: the same seed and query give the same bytes. */
  readonly seed: string;
}

/** The paths the mock answers on. */
export const GRAPHQL_PATHS: ReadonlySet<string> = new Set(['/', '/graphql', '/graphql/']);

/** Longest document accepted, in lexical tokens (a large introspection query has ~1,500). */
const MAX_TOKENS = 50_000;
/** Parsed and validated documents kept, keyed by their text. */
const DOCUMENT_CACHE_SIZE = 500;

type Prepared =
  | {
      readonly ok: true;
      readonly document: DocumentNode;
      readonly fragments: ReadonlyMap<string, FragmentDefinitionNode>;
    }
  | { readonly ok: false; readonly errors: readonly GraphQLError[]; readonly code: string };

function withCode(error: GraphQLError, code: string): unknown {
  const json = error.toJSON();
  return { ...json, extensions: { ...json.extensions, code } };
}

function requestError(message: string, code: string): unknown {
  return { message, extensions: { code } };
}

/**
 * Status for a GraphQL request error (nothing executed): `application/json` answers every
 * well-formed request with 200; `application/graphql-response+json` says 400.
 */
function requestErrorStatus(media: ResponseMedia): number {
  return media === GRAPHQL_RESPONSE_JSON ? 400 : 200;
}

/** Builds the mock from SDL text. `file` names the schema in errors. Throws TD_SPEC_INVALID. */
export function createGraphqlMock(
  sdl: string,
  file: string,
  options: GraphqlMockOptions,
): GraphqlMock {
  return mockFromSchema(loadGraphqlSchema(sdl, file), options);
}

export function mockFromSchema(schema: GraphQLSchema, options: GraphqlMockOptions): GraphqlMock {
  const resolvers: MockResolvers = createMockResolvers(schema, options.seed);
  const documents = new Map<string, Prepared>();

  function prepare(query: string): Prepared {
    const cached = documents.get(query);
    if (cached) return cached;
    let prepared: Prepared;
    try {
      const document = parse(query, { maxTokens: MAX_TOKENS });
      const errors = validate(schema, document, specifiedRules);
      // graphql-js stops validating a document that costs too much to check (thousands of
      // overlapping fields) with a bare "Validation aborted.": say what that means.
      const aborted = errors.findIndex((e) => e.message === 'Validation aborted.');
      if (aborted !== -1)
        prepared = {
          ok: false,
          errors: [
            new GraphQLError(
              'The document is too complex to validate (thousands of overlapping fields or fragment spreads); send a smaller one.',
            ),
          ],
          code: 'QUERY_TOO_COMPLEX',
        };
      else if (errors.length > 0)
        prepared = { ok: false, errors, code: 'GRAPHQL_VALIDATION_FAILED' };
      else {
        const fragments = new Map<string, FragmentDefinitionNode>();
        for (const definition of document.definitions)
          if (definition.kind === Kind.FRAGMENT_DEFINITION)
            fragments.set(definition.name.value, definition);
        prepared = { ok: true, document, fragments };
      }
    } catch (error) {
      if (error instanceof GraphQLError)
        prepared = { ok: false, errors: [error], code: 'GRAPHQL_PARSE_FAILED' };
      // Validation recurses through fragment spreads: a long enough chain exhausts the stack.
      else if (error instanceof RangeError)
        prepared = {
          ok: false,
          errors: [new GraphQLError('The document is too deeply nested to validate.')],
          code: 'QUERY_TOO_DEEP',
        };
      else throw error;
    }
    if (documents.size >= DOCUMENT_CACHE_SIZE) {
      const oldest = documents.keys().next();
      if (!oldest.done) documents.delete(oldest.value);
    }
    documents.set(query, prepared);
    return prepared;
  }

  function run(
    method: string,
    media: ResponseMedia,
    params: GraphqlParams,
  ): SimpleReply | Promise<SimpleReply> {
    const failed = (message: string, code: string, status = requestErrorStatus(media)) =>
      errorsReply(media, status, [requestError(message, code)]);
    if (params.query === undefined || params.query.trim() === '') {
      if (params.extensions?.['persistedQuery'] !== undefined)
        return failed('PersistedQueryNotSupported', 'PERSISTED_QUERY_NOT_SUPPORTED');
      return problemReply(media, {
        status: 400,
        message:
          method === 'GET'
            ? 'Missing "query": pass the GraphQL document as ?query=… (URL-encoded).'
            : 'Missing "query": send {"query": "{ … }"} with the GraphQL document.',
        code: 'BAD_REQUEST',
      });
    }
    if (nestingExceeds(params.query))
      return failed(
        `The document nests deeper than ${MAX_NESTING} levels of brackets; the mock does not parse it.`,
        'QUERY_TOO_DEEP',
      );
    if (params.variables !== undefined && jsonNestingExceeds(params.variables))
      return problemReply(media, {
        status: 400,
        message: `"variables" nest deeper than ${MAX_NESTING} levels.`,
        code: 'BAD_REQUEST',
      });
    const prepared = prepare(params.query);
    if (!prepared.ok)
      return errorsReply(
        media,
        requestErrorStatus(media),
        prepared.errors.map((e) => withCode(e, prepared.code)),
      );
    const operation = getOperationAST(prepared.document, params.operationName);
    if (!operation) {
      return failed(
        params.operationName === undefined
          ? 'The document holds several operations: name the one to run with "operationName".'
          : `The document has no operation named "${params.operationName}".`,
        'OPERATION_RESOLUTION_FAILURE',
      );
    }
    if (operation.operation === OperationTypeNode.MUTATION && method !== 'POST') {
      return errorsReply(
        media,
        405,
        [
          requestError(
            'Mutations are accepted over POST only (GET is for queries).',
            'METHOD_NOT_ALLOWED',
          ),
        ],
        [['allow', 'POST']],
      );
    }
    if (operation.operation === OperationTypeNode.SUBSCRIPTION)
      return failed(
        'Subscriptions are not served: tapedeck mock answers queries and mutations over HTTP.',
        'OPERATION_NOT_SUPPORTED',
      );
    const estimate = estimateResultSize(schema, operation, prepared.fragments, params.variables);
    if (estimate.tooDeep)
      return failed(
        `The operation's selections nest deeper than ${MAX_NESTING} levels (counting fragments); ask for fewer levels.`,
        'QUERY_TOO_DEEP',
      );
    if (estimate.values > MAX_RESULT_VALUES)
      return failed(
        `This operation would make the mock build more than ${MAX_RESULT_VALUES} values (lists nest too deep or ask for too many items); ask for fewer levels or smaller pages.`,
        'QUERY_TOO_LARGE',
      );
    const rootType = schema.getRootType(operation.operation);
    const result = execute({
      schema,
      document: prepared.document,
      ...(params.operationName === undefined ? {} : { operationName: params.operationName }),
      ...(params.variables === undefined ? {} : { variableValues: params.variables }),
      rootValue: rootType ? resolvers.root(rootType) : undefined,
      fieldResolver: resolvers.fieldResolver,
      typeResolver: resolvers.typeResolver,
    });
    return isPromise(result)
      ? result.then((r) => resultReply(media, r))
      : resultReply(media, result);
  }

  function handle(request: IncomingRequest): Reply | Promise<Reply> {
    const media = negotiate(acceptOf(request));
    if (!GRAPHQL_PATHS.has(request.path)) {
      return problemReply(media ?? APPLICATION_JSON, {
        status: 404,
        // The path is not echoed: a client may have put a token in it.
        message: 'Nothing is served at this path: the GraphQL mock answers on /graphql (and /).',
        code: 'NOT_FOUND',
      });
    }
    if (request.method === 'OPTIONS') return preflightReply(request.headers);
    if (request.method !== 'GET' && request.method !== 'POST') {
      return problemReply(media ?? APPLICATION_JSON, {
        status: 405,
        message: `Method ${request.method} is not allowed: send GraphQL with POST (or GET for queries).`,
        code: 'METHOD_NOT_ALLOWED',
        headers: [['allow', 'GET, POST, OPTIONS']],
      });
    }
    if (media === undefined) {
      return problemReply(APPLICATION_JSON, {
        status: 406,
        message:
          'The Accept header allows neither application/graphql-response+json nor application/json.',
        code: 'NOT_ACCEPTABLE',
      });
    }
    const parsed =
      request.method === 'GET'
        ? paramsFromQueryString(request.rawQuery)
        : paramsFromBody(request.headers, request.rawBody, request.rawQuery);
    if (!parsed.ok) return problemReply(media, parsed.problem);
    return run(request.method, media, parsed.params);
  }

  return { handle, summary: summarize(schema), schema };
}

function acceptOf(request: IncomingRequest): string | undefined {
  const value = request.headers['accept'];
  return typeof value === 'string' ? value : value?.join(', ');
}

function isPromise<T>(value: T | Promise<T>): value is Promise<T> {
  return typeof (value as { then?: unknown } | null)?.then === 'function';
}

/**
 * An executed operation. Variable values that do not coerce end execution before it starts (no
 * `data` entry): a request error. Otherwise 200, with field errors beside the data if any.
 */
function resultReply(media: ResponseMedia, result: ExecutionResult): SimpleReply {
  const status = result.data === undefined ? requestErrorStatus(media) : 200;
  const body =
    result.errors === undefined
      ? JSON.stringify({ data: result.data })
      : JSON.stringify({
          errors: result.errors.map((e) =>
            result.data === undefined ? withCode(e, 'BAD_USER_INPUT') : e.toJSON(),
          ),
          ...(result.data === undefined ? {} : { data: result.data }),
        });
  return { kind: 'simple', status, headers: baseHeaders(media), body };
}
