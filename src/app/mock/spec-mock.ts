import type { Body, HeaderMap, RecordedResponse } from '../../core/cassette/model.js';
import { valuesOf } from '../../core/cassette/model.js';
import { isTapedeckError, PROBLEM_TYPE_BASE } from '../../core/errors.js';
import { HEADER_LAYER, headerValue, isJsonMediaType, parseQuery } from '../../core/http/index.js';
import type { JsonValue } from '../../core/json.js';
import {
  chooseExample,
  chooseResponse,
  negotiate,
  parsePrefer,
  type Preference,
} from '../../core/mock/openapi/choose.js';
import type { CompiledSpec } from '../../core/mock/openapi/compiled.js';
import { conforms } from '../../core/mock/openapi/conforms.js';
import { generateValue, type GenerateIssue } from '../../core/mock/generate/generate.js';
import type {
  SpecHeader,
  SpecMedia,
  SpecOperation,
  SpecResponse,
} from '../../core/mock/openapi/operations.js';
import { resolvePointer } from '../../core/mock/openapi/operations.js';
import { fnv1a, seededRng } from '../../core/mock/generate/random.js';
import { resolveLocalRef } from '../../core/mock/openapi/schema.js';
import {
  checkSecurity,
  type RequestParts,
  type Violation,
} from '../../core/mock/openapi/validate.js';
import { toXml } from '../../core/mock/openapi/xml.js';
import type {
  BodyCodec,
  IncomingRequest,
  Logger,
  Reply,
  SimpleReply,
} from '../../core/ports/index.js';

/**
 * The OpenAPI mock: routes a request to an operation, checks its credentials and parameters,
 * and answers with the documented example or a body generated from the schema, seeded by
 * `--seed` and the request so the same request gets the same bytes on every run.
 */
export interface SpecMockOptions {
  /** The seed of every generated value (`--seed`). */
  readonly seed: string;
  /** Answer 401 when a documented API key or bearer token is missing (default true). */
  readonly security: boolean;
  /** Validate requests and answer 400/422 with every violation (default true). */
  readonly validateRequests: boolean;
  readonly codec: BodyCodec;
}

export const DEFAULT_MOCK_SEED = 'tapedeck';

const LAYER_HEADER = [[HEADER_LAYER, 'spec']] as const;

/** On a generated answer that could not be made valid: where and why (the first issue). */
export const HEADER_SPEC_ISSUE = 'x-tapedeck-spec-issue';

/** At most this many violations are listed in a 4xx body (the count says how many more). */
const MAX_VIOLATIONS = 100;
/** Request-derived text (pointers, names) in a 4xx body is cut to this many characters. */
const MAX_ECHO = 200;

function clip(text: string): string {
  return text.length <= MAX_ECHO ? text : `${text.slice(0, MAX_ECHO)}…`;
}

/** How many generated answers are kept (per distinct request); oldest go first. */
const CACHE_LIMIT = 10_000;

export type MockOutcome =
  | 'example'
  | 'generated'
  | 'empty'
  | 'invalid'
  | 'unauthorized'
  | 'not-found'
  | 'method-not-allowed'
  | 'not-acceptable'
  | 'unsupported-media-type'
  | 'bad-prefer'
  | 'preflight';

export interface MockAnswer {
  readonly reply: Reply;
  readonly outcome: MockOutcome;
  readonly operation?: string;
}

function problem(
  status: number,
  type: string,
  title: string,
  detail: string,
  extra: Record<string, unknown> = {},
  headers: readonly (readonly [string, string])[] = [],
): SimpleReply {
  return {
    kind: 'simple',
    status,
    headers: [['content-type', 'application/problem+json'], [HEADER_LAYER, 'spec'], ...headers],
    body: `${JSON.stringify({ type: `${PROBLEM_TYPE_BASE}${type}`, title, status, detail, ...extra })}\n`,
  };
}

/**
 * A browser's CORS preflight (`OPTIONS` with `Access-Control-Request-Method`) for a documented
 * path: 204 allowing the documented methods and whatever headers the page asked for, from any
 * origin. A mock is for development; an SDK in a browser page must be able to call it.
 */
function corsPreflight(
  incoming: IncomingRequest,
  allow: readonly string[],
): SimpleReply | undefined {
  const origin = headerValue(incoming.headers, 'origin');
  if (
    incoming.method.toUpperCase() !== 'OPTIONS' ||
    origin === undefined ||
    headerValue(incoming.headers, 'access-control-request-method') === undefined
  )
    return undefined;
  const requested = headerValue(incoming.headers, 'access-control-request-headers');
  return {
    kind: 'simple',
    status: 204,
    headers: [
      [HEADER_LAYER, 'spec'],
      ['access-control-allow-origin', origin],
      ['access-control-allow-methods', allow.join(', ')],
      ...(requested === undefined
        ? []
        : ([['access-control-allow-headers', requested]] as [string, string][])),
      ['access-control-allow-credentials', 'true'],
      ['access-control-max-age', '600'],
      ['vary', 'Origin'],
    ],
    body: '',
  };
}

/**
 * Every standalone answer to a request with `Origin` may be read by that page (credentials
 * included, so the origin is echoed rather than `*`), headers and all.
 */
function withCors(reply: Reply, origin: string | undefined): Reply {
  if (origin === undefined) return reply;
  if (
    reply.kind === 'simple' &&
    reply.headers.some(([name]) => name === 'access-control-allow-origin')
  )
    return reply;
  const cors: (readonly [string, string])[] = [
    ['access-control-allow-origin', origin],
    ['access-control-allow-credentials', 'true'],
    ['access-control-expose-headers', '*'],
    ['vary', 'Origin'],
  ];
  switch (reply.kind) {
    case 'simple':
      return { ...reply, headers: [...reply.headers, ...cors] };
    case 'recorded':
      return { ...reply, extraHeaders: [...reply.extraHeaders, ...cors] };
    case 'stream':
      // The mock never streams; a stream's headers are its upstream's.
      return reply;
  }
}

/** The status for an invalid request: 400 if documented, else 422 if documented, else 400. */
export function invalidRequestStatus(operation: SpecOperation): number {
  const has = (status: string) => operation.responses.some((r) => r.status === status);
  if (has('400')) return 400;
  if (has('422')) return 422;
  return 400;
}

function headerText(value: JsonValue): string {
  if (Array.isArray(value)) return value.map((v) => headerText(v)).join(',');
  if (value !== null && typeof value === 'object') return JSON.stringify(value);
  // Header values cannot carry line breaks.
  return String(value).replace(/[\r\n]+/g, ' ');
}

function isXmlMediaType(type: string): boolean {
  return type === 'application/xml' || type === 'text/xml' || type.endsWith('+xml');
}

/** Error envelopes name their status under one of these (RFC 9457 `status`, and common ones). */
const STATUS_FIELDS = ['status', 'statusCode', 'status_code', 'code'] as const;

export class SpecMock {
  private readonly cache = new Map<string, RecordedResponse>();

  constructor(
    readonly spec: CompiledSpec,
    private readonly options: SpecMockOptions,
  ) {}

  get operations(): number {
    return this.spec.model.operations.length;
  }

  /**
   * Answers a request. `standalone` (the `mock` server) answers everything, with 404/405 for
   * paths and methods the spec does not have; as a replay layer those pass (undefined) to the
   * miss layer, which explains them.
   */
  answer(incoming: IncomingRequest, standalone: boolean): MockAnswer | undefined {
    const route = this.spec.router.route(incoming.method, incoming.path);
    if (route.kind === 'not-found') {
      if (!standalone) return undefined;
      return {
        outcome: 'not-found',
        reply: problem(
          404,
          'no-such-path',
          'No such path in the spec',
          // The path is not echoed: a client may carry a key in it, and the mock has no rules.
          `The ${incoming.method.toUpperCase()} request's path matches no path of the spec.${route.nearest.length > 0 ? ` Nearest documented paths: ${route.nearest.join(', ')}.` : ''}`,
          { nearest: route.nearest },
        ),
      };
    }
    if (route.kind === 'method-not-allowed') {
      if (!standalone) return undefined;
      const preflight = corsPreflight(incoming, route.allow);
      if (preflight !== undefined) return { outcome: 'preflight', reply: preflight };
      return {
        outcome: 'method-not-allowed',
        reply: problem(
          405,
          'method-not-allowed',
          'Method not allowed',
          `${incoming.method.toUpperCase()} is not documented for ${route.template}; documented: ${route.allow.join(', ')}.`,
          { allow: route.allow },
          [['allow', route.allow.join(', ')]],
        ),
      };
    }
    const { operation, params } = route;
    const prefer = parsePrefer(valuesOf(incoming.headers['prefer']));
    let parts: RequestParts;
    try {
      const body =
        incoming.rawBody === undefined
          ? undefined
          : this.options.codec.decode(incoming.rawBody, incoming.headers);
      parts = {
        query: parseQuery(incoming.rawQuery),
        headers: incoming.headers,
        ...(body === undefined ? {} : { body }),
      };
    } catch (error) {
      if (!isTapedeckError(error) && !(error instanceof Error)) throw error;
      return {
        outcome: 'invalid',
        operation: operation.id,
        reply: problem(
          400,
          'invalid-request',
          'Invalid request',
          'The request body does not match its Content-Encoding.',
          {
            operation: operation.id,
            errors: [{ in: 'body', pointer: '', message: 'cannot be decoded' }],
          },
        ),
      };
    }
    if (this.options.security) {
      const outcome = checkSecurity(operation, this.spec.model.securitySchemes, parts);
      if (!outcome.ok)
        return this.unauthorized(incoming, operation, outcome.accepted, outcome.challenges);
    }
    if (this.options.validateRequests) {
      const { violations, unsupportedMediaType } = this.spec.validators.validateRequest(
        operation,
        parts,
        params,
      );
      if (unsupportedMediaType !== undefined) {
        return {
          outcome: 'unsupported-media-type',
          operation: operation.id,
          reply: problem(
            415,
            'unsupported-media-type',
            'Unsupported media type',
            `${operation.id} does not document a request body of type ${unsupportedMediaType}; documented: ${operation.body?.contents.map((c) => c.type).join(', ') ?? 'none'}.`,
            { operation: operation.id },
          ),
        };
      }
      if (violations.length > 0) return this.invalid(operation, violations);
    }
    return this.respond(incoming, operation, prefer);
  }

  private invalid(operation: SpecOperation, all: readonly Violation[]): MockAnswer {
    const status = invalidRequestStatus(operation);
    // Pointers and names come from the request: a 3 MB form field name must not come back twice.
    const violations = all.slice(0, MAX_VIOLATIONS).map((v): Violation => ({
      ...v,
      ...(v.name === undefined ? {} : { name: clip(v.name) }),
      ...(v.pointer === undefined ? {} : { pointer: clip(v.pointer) }),
    }));
    return {
      outcome: 'invalid',
      operation: operation.id,
      reply: problem(
        status,
        'invalid-request',
        'Invalid request',
        `${all.length} problem(s) with the request to ${operation.id}: ${violations
          .slice(0, 5)
          .map(
            (v) =>
              `${v.in}${v.name === undefined ? '' : ` ${v.name}`}${v.pointer ? ` ${v.pointer}` : ''} ${v.message}`,
          )
          .join('; ')}${all.length > 5 ? '; …' : ''}`,
        {
          operation: operation.id,
          errors: violations,
          ...(all.length > MAX_VIOLATIONS ? { omitted: all.length - MAX_VIOLATIONS } : {}),
        },
      ),
    };
  }

  private unauthorized(
    incoming: IncomingRequest,
    operation: SpecOperation,
    accepted: readonly string[],
    challenges: readonly string[],
  ): MockAnswer {
    const extra: [string, string][] = challenges.map((c) => ['www-authenticate', c]);
    // The spec's own 401 shape when it documents one.
    const documented = operation.responses.find((r) => r.status === '401');
    if (documented) {
      const answer = this.build(incoming, operation, documented, 401, {}, extra);
      if (answer) return { ...answer, outcome: 'unauthorized' };
    }
    return {
      outcome: 'unauthorized',
      operation: operation.id,
      reply: problem(
        401,
        'unauthorized',
        'Unauthorized',
        `${operation.id} needs credentials (${accepted.join(' or ')}); the request carries none of them. Any value is accepted by the mock.`,
        { operation: operation.id, security: accepted },
        extra,
      ),
    };
  }

  private respond(
    incoming: IncomingRequest,
    operation: SpecOperation,
    prefer: Preference,
  ): MockAnswer {
    if (prefer.malformed !== undefined) {
      return {
        outcome: 'bad-prefer',
        operation: operation.id,
        reply: problem(
          400,
          'bad-prefer',
          'Prefer header not understood',
          `Prefer: ${prefer.malformed.map((m) => m.slice(0, 40)).join(', ')} cannot be used: code= takes a status from 100 to 599, dynamic= takes true or false, example= a documented example's name.`,
          { operation: operation.id, malformed: prefer.malformed.map((m) => m.slice(0, 40)) },
        ),
      };
    }
    const choice = chooseResponse(operation, prefer);
    if (!choice.ok) {
      return {
        outcome: 'bad-prefer',
        operation: operation.id,
        reply: problem(
          400,
          'undocumented-status',
          'Status not documented',
          prefer.code === undefined
            ? `${operation.id} documents no response.`
            : `Prefer: code=${prefer.code} is not documented for ${operation.id}; documented: ${choice.documented.join(', ')}.`,
          { operation: operation.id, documented: choice.documented },
        ),
      };
    }
    const answer = this.build(incoming, operation, choice.response, choice.status, prefer, []);
    if (answer) return answer;
    const media = choice.response.contents;
    return {
      outcome: prefer.example !== undefined ? 'bad-prefer' : 'not-acceptable',
      operation: operation.id,
      reply:
        prefer.example !== undefined
          ? problem(
              400,
              'unknown-example',
              'Example not documented',
              `Prefer: example=${prefer.example} names no example of ${operation.id} (status ${choice.status}); documented: ${[...new Set(media.flatMap((m) => m.examples.map((e) => e.name)))].join(', ') || 'none'}.`,
              { operation: operation.id },
            )
          : problem(
              406,
              'not-acceptable',
              'Not acceptable',
              `${operation.id} answers ${media.map((m) => m.type).join(', ')}; the request accepts ${headerValue(incoming.headers, 'accept') ?? ''}.`,
              { operation: operation.id, available: media.map((m) => m.type) },
            ),
    };
  }

  /** The label every generated value of one request derives from: method, target and body. */
  private requestLabel(incoming: IncomingRequest): string {
    const method = incoming.method.toUpperCase();
    // HEAD is GET without the body: the same seed gives it the same headers.
    let label = `${method === 'HEAD' ? 'GET' : method} ${incoming.target}`;
    if (incoming.rawBody !== undefined && incoming.rawBody.length > 0) {
      let hash = 0x811c9dc5;
      // FNV over the bytes (latin1 view), chunked so a large body builds no large string.
      for (let i = 0; i < incoming.rawBody.length; i += 8192)
        hash = fnv1a(String.fromCharCode(...incoming.rawBody.subarray(i, i + 8192)), hash);
      label += ` #${hash.toString(16)}`;
    }
    return label;
  }

  /** The reply for one response of an operation, or undefined (406, or an unknown example). */
  private build(
    incoming: IncomingRequest,
    operation: SpecOperation,
    response: SpecResponse,
    status: number,
    prefer: Preference,
    extraHeaders: readonly (readonly [string, string])[],
  ): MockAnswer | undefined {
    const negotiated = negotiate(response.contents, headerValue(incoming.headers, 'accept'));
    if (negotiated === 'none') return undefined;
    const media = negotiated;
    let exampleName: string | undefined;
    let exampleValue: unknown;
    if (media && prefer.dynamic !== true) {
      const example = chooseExample(media, prefer.example);
      if (example.found) {
        exampleName = example.name;
        exampleValue = example.value;
      } else if (prefer.example !== undefined) {
        return undefined;
      } else {
        const schemaExample = this.schemaExample(media);
        if (schemaExample !== undefined) {
          exampleName = '(schema)';
          exampleValue = schemaExample;
        }
      }
    }
    const label = this.requestLabel(incoming);
    const key = `${operation.pointer}\u0000${status}\u0000${media?.type ?? ''}\u0000${exampleName ?? (prefer.dynamic === true ? '(dynamic)' : '')}\u0000${label}`;
    let recorded = this.cache.get(key);
    if (recorded === undefined) {
      const rng = seededRng(this.options.seed, `${label}\u0000${operation.pointer}\u0000${status}`);
      const headers: HeaderMap = {};
      for (const header of response.headers)
        headers[header.name] = this.headerValue(header, rng.fork(`header:${header.name}`));
      let body: Body | undefined;
      if (media) {
        let issue: GenerateIssue | undefined;
        const value =
          exampleName !== undefined
            ? exampleValue
            : this.agreeWithStatus(
                this.generate(media, rng.fork(`body:${media.type}`), (i) => (issue ??= i)),
                media,
                status,
              );
        // The schema has no valid value here (a contradiction, a recursion with no end): say
        // so on the answer, or a client developer hunts a bug in their own code.
        if (issue !== undefined)
          headers[HEADER_SPEC_ISSUE] = headerText(
            `${issue.pointer === '' ? '(body)' : issue.pointer}: ${issue.message}`.slice(0, 300),
          );
        const built = this.bodyFor(media, value);
        body = built.body;
        headers['content-type'] = built.contentType;
      }
      recorded = { status, headers, ...(body === undefined || status === 204 ? {} : { body }) };
      if (this.cache.size >= CACHE_LIMIT) {
        const oldest = this.cache.keys().next().value;
        if (oldest !== undefined) this.cache.delete(oldest);
      }
      this.cache.set(key, recorded);
    }
    const reply: Reply = {
      kind: 'recorded',
      response: recorded,
      extraHeaders: extraHeaders.length === 0 ? LAYER_HEADER : [...LAYER_HEADER, ...extraHeaders],
      delayMs: 0,
    };
    return {
      reply,
      outcome: media === undefined ? 'empty' : exampleName !== undefined ? 'example' : 'generated',
      operation: operation.id,
    };
  }

  private readonly resolve = (ref: string): unknown =>
    resolveLocalRef(this.spec.responseDocument, ref.replace(/^spec(?=#)/, ''));

  private bodyFor(media: SpecMedia, value: unknown): { body: Body; contentType: string } {
    const wildcard = media.type.includes('*');
    const contentType = wildcard
      ? media.type === '*/*' || media.type.startsWith('application/')
        ? 'application/json'
        : media.type.replace('*', 'plain')
      : media.type;
    if (isJsonMediaType(contentType))
      return { body: { encoding: 'json', json: (value ?? null) as JsonValue }, contentType };
    if (typeof value === 'string') return { body: { encoding: 'text', text: value }, contentType };
    if (isXmlMediaType(contentType)) {
      const xml = toXml((value ?? null) as JsonValue, this.schemaOf(media), this.resolve);
      return { body: { encoding: 'text', text: xml }, contentType };
    }
    // Another documented non-JSON type (CSV, plain text) with a structured value: JSON text.
    return { body: { encoding: 'text', text: JSON.stringify(value ?? null) }, contentType };
  }

  /**
   * A generated error body says the status it is sent with (`status: 404` in a 404, not a
   * random 579), and a problem+json `type` is RFC 9457's `about:blank`, whenever the schema
   * allows it. Examples are the author's and are sent as written.
   */
  private agreeWithStatus(value: JsonValue, media: SpecMedia, status: number): JsonValue {
    if (value === null || typeof value !== 'object' || Array.isArray(value)) return value;
    const problemJson = media.type.endsWith('problem+json');
    if (status < 400 && !problemJson) return value;
    const schema = this.schemaOf(media);
    let out: Record<string, JsonValue> = value;
    const replace = (key: string, replacement: JsonValue) => {
      const candidate = { ...out };
      candidate[key] = replacement;
      if (conforms(candidate, schema, this.resolve)) out = candidate;
    };
    for (const key of STATUS_FIELDS) if (typeof out[key] === 'number') replace(key, status);
    if (problemJson && typeof out['type'] === 'string') replace('type', 'about:blank');
    return out;
  }

  private schemaOf(source: { schemaPointer?: string; schema?: object }): unknown {
    if (source.schemaPointer !== undefined)
      return resolvePointer(this.spec.responseDocument, source.schemaPointer);
    return source.schema;
  }

  /** `example` / first of `examples` on the media's schema (after following its `$ref`). */
  private schemaExample(media: SpecMedia): unknown {
    let schema = this.schemaOf(media);
    for (let i = 0; i < 8 && typeof schema === 'object' && schema !== null; i++) {
      const record = schema as Record<string, unknown>;
      if (Array.isArray(record['examples']) && record['examples'].length > 0)
        return record['examples'][0];
      if ('example' in record) return record['example'];
      if (typeof record['$ref'] !== 'string') return undefined;
      schema = resolveLocalRef(this.spec.responseDocument, record['$ref']);
    }
    return undefined;
  }

  private generate(
    source: { schemaPointer?: string; schema?: object },
    rng: ReturnType<typeof seededRng>,
    onIssue?: (issue: GenerateIssue) => void,
  ): JsonValue {
    const schema = this.schemaOf(source);
    if (schema === undefined) return null;
    return generateValue(schema, {
      rng,
      resolve: this.resolve,
      ...(onIssue === undefined ? {} : { onIssue }),
    });
  }

  private headerValue(header: SpecHeader, rng: ReturnType<typeof seededRng>): string {
    if (header.example !== undefined) return headerText(header.example as JsonValue);
    return headerText(this.generate(header, rng));
  }
}

/** What a mock server serves: an OpenAPI mock or (through the same shape) a GraphQL one. */
export interface MockEngine {
  /** "OpenAPI 3.0 spec Petstore: 5 operation(s)", for logs. */
  readonly description: string;
  /** Files to watch for `--watch`. */
  readonly files: readonly string[];
  handle(incoming: IncomingRequest): Reply | Promise<Reply>;
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
      return withCors(answer.reply, headerValue(incoming.headers, 'origin'));
    },
  };
}

export class MockStats {
  served = 0;
  reloads = 0;
  reloadFailures = 0;
  readonly byOutcome = new Map<string, number>();
  count(outcome: string): void {
    this.byOutcome.set(outcome, (this.byOutcome.get(outcome) ?? 0) + 1);
  }
  summary(): MockSummary {
    return {
      served: this.served,
      byOutcome: Object.fromEntries(this.byOutcome),
      reloads: this.reloads,
      reloadFailures: this.reloadFailures,
    };
  }
}

export interface MockSummary {
  readonly served: number;
  readonly byOutcome: Readonly<Record<string, number>>;
  readonly reloads: number;
  readonly reloadFailures: number;
}

export interface MockServerDeps {
  /** Loads (or reloads) the engine; throws TD_SPEC_INVALID naming the file and pointer. */
  readonly load: (stats: MockStats) => Promise<MockEngine>;
  /** Starts watching files; returns a function that stops. Absent: no `--watch`. */
  readonly watch?: (files: readonly string[], onChange: () => void) => (flush?: boolean) => void;
  readonly host: (handler: (incoming: IncomingRequest) => Promise<Reply>) => {
    listen(host: string, port: number): Promise<string>;
    close(): Promise<void>;
  };
  readonly logger: Logger;
  readonly address: { readonly host: string; readonly port: number };
}

export interface MockServer {
  readonly description: string;
  listen(): Promise<string>;
  /** Loads the spec again; a broken spec keeps the last good one serving. True when swapped. */
  reload(): Promise<boolean>;
  summary(): MockSummary;
  stop(): Promise<MockSummary>;
}

/**
 * The `tapedeck mock` server. Loads the spec (or refuses to start), then serves it; with
 * `watch`, a change to the spec or any file it references reloads it, and a reload that fails
 * keeps the last good spec serving and logs the file and pointer of the problem.
 */
export async function buildMockServer(deps: MockServerDeps): Promise<MockServer> {
  const stats = new MockStats();
  let engine = await deps.load(stats);
  let unwatch: ((flush?: boolean) => void) | undefined;
  let stopped = false;
  let reloading: Promise<boolean> | undefined;
  let again = false;

  const startWatching = () => {
    if (stopped) return;
    const previous = unwatch;
    unwatch = deps.watch?.(engine.files, () => void server.reload());
    // Closed after the new watchers exist, so no change falls between the two.
    previous?.(true);
  };

  const reloadOnce = async (): Promise<boolean> => {
    try {
      const next = await deps.load(stats);
      engine = next;
      stats.reloads++;
      deps.logger.log('info', 'mock.reloaded', `Reloaded: ${next.description}.`, {
        files: next.files.length,
      });
      return true;
    } catch (error) {
      stats.reloadFailures++;
      const message = isTapedeckError(error) ? error.describe() : String(error);
      deps.logger.log(
        'warn',
        'mock.reload_failed',
        `The changed spec does not load, so the last good one keeps serving:\n${message}`,
        isTapedeckError(error) ? { code: error.code, ...error.details } : {},
      );
      return false;
    } finally {
      // The set of referenced files may have changed (a new $ref, a fixed path).
      startWatching();
    }
  };

  const host = deps.host((incoming) => {
    stats.served++;
    return Promise.resolve(engine.handle(incoming));
  });
  const server: MockServer = {
    get description() {
      return engine.description;
    },
    listen: async () => {
      const url = await host.listen(deps.address.host, deps.address.port);
      startWatching();
      return url;
    },
    reload() {
      if (stopped) return Promise.resolve(false);
      if (reloading) {
        again = true;
        return reloading;
      }
      reloading = (async () => {
        let swapped = await reloadOnce();
        while (again) {
          again = false;
          swapped = await reloadOnce();
        }
        reloading = undefined;
        return swapped;
      })();
      return reloading;
    },
    summary: () => stats.summary(),
    async stop() {
      stopped = true;
      unwatch?.();
      unwatch = undefined;
      await reloading;
      await host.close();
      return stats.summary();
    },
  };
  return server;
}
