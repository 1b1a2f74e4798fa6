import type { HeaderMap, RecordedResponse } from '../../cassette/model.js';
import { valuesOf } from '../../cassette/model.js';
import { isTapedeckError } from '../../errors.js';
import {
  combinedHeaderValue,
  firstHeaderValue,
  HEADER_LAYER,
  parseQuery,
} from '../../http/index.js';
import { echoOriginPreflightHeaders } from '../../http/cors.js';
import type { BodyCodec, IncomingRequest, Reply } from '../../ports/index.js';
import type { Body } from '../../cassette/model.js';
import type { GenerateIssue } from '../generate/generate.js';
import { seededRng } from '../generate/random.js';
import {
  chooseExample,
  chooseResponse,
  negotiate,
  parsePrefer,
  type Preference,
} from './choose.js';
import type { CompiledSpec } from './compiled.js';
import type { SpecOperation, SpecResponse } from './operations.js';
import { mockOrigin, specServers } from './links.js';
import { refusal, SpecRefusals } from './refusals.js';
import { checkSecurity, type RequestParts } from './validate.js';
import { headerText, requestLabel, SpecValues } from './values.js';

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

const SPEC_LAYER = [HEADER_LAYER, 'spec'] as const;
const LAYER_HEADER = [SPEC_LAYER] as const;

/** On a generated answer that could not be made valid: where and why (the first issue). */
export const HEADER_SPEC_ISSUE = 'x-tapedeck-spec-issue';

/** How many generated answers are kept (per distinct request); oldest go first. */
const CACHE_LIMIT = 10_000;

/** Methods a refusal may name: RFC 9110's and PATCH. Any other is the client's text, not named. */
const NAMED_METHODS = new Set([
  'GET',
  'HEAD',
  'POST',
  'PUT',
  'DELETE',
  'CONNECT',
  'OPTIONS',
  'TRACE',
  'PATCH',
]);

/** The request's method for a message: a standard one by name, else undefined. */
function methodName(method: string): string | undefined {
  const upper = method.toUpperCase();
  return NAMED_METHODS.has(upper) ? upper : undefined;
}

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
  /** The documented path template that answered (`/pets/{petId}`): request text never shows. */
  readonly path?: string;
}

export { invalidRequestStatus } from './refusals.js';

export class SpecMock {
  private readonly cache = new Map<string, RecordedResponse>();
  private readonly values: SpecValues;
  private readonly refusals: SpecRefusals;

  constructor(
    readonly spec: CompiledSpec,
    private readonly options: SpecMockOptions,
  ) {
    this.values = new SpecValues(spec.responseDocument, specServers(spec.source.document));
    this.refusals = new SpecRefusals(spec.model, this.values, options.seed);
  }

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
      return this.refusals.answer(incoming, { spec: true }, 'not-found', {
        code: 'no-such-path',
        title: 'No such path in the spec',
        status: 404,
        // The path is not echoed: a client may carry a key in it, and the mock has no rules.
        detail: `The ${methodName(incoming.method)?.concat(' ') ?? ''}request's path matches no path of the spec.${route.nearest.length > 0 ? ` Nearest documented paths: ${route.nearest.join(', ')}.` : ''}`,
        extra: { nearest: route.nearest },
      });
    }
    if (route.kind === 'method-not-allowed') {
      if (!standalone) return undefined;
      const preflight = echoOriginPreflightHeaders(incoming.method, incoming.headers, route.allow);
      if (preflight !== undefined) {
        return {
          outcome: 'preflight',
          path: route.template,
          reply: { kind: 'simple', status: 204, headers: [SPEC_LAYER, ...preflight], body: '' },
        };
      }
      const template = route.template;
      return this.refusals.answer(
        incoming,
        {
          path: template,
          operations: this.spec.model.operations.filter((o) => o.path === template),
        },
        'method-not-allowed',
        {
          code: 'method-not-allowed',
          title: 'Method not allowed',
          status: 405,
          detail: `${methodName(incoming.method) ?? "The request's method"} is not documented for ${template}; documented: ${route.allow.join(', ')}.`,
          extra: { allow: route.allow },
        },
        [['allow', route.allow.join(', ')]],
      );
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
      // Decoded past maxBodyBytes: the server answers 413, as for a body too large on the wire.
      if (isTapedeckError(error, 'TD_BODY_TOO_LARGE')) throw error;
      const errors = [{ in: 'body', pointer: '', message: 'cannot be decoded' }] as const;
      return this.refusals.answer(
        incoming,
        { operation },
        'invalid',
        {
          code: 'invalid-request',
          title: 'Invalid request',
          status: 400,
          detail: 'The request body does not match its Content-Encoding.',
          extra: { operation: operation.id, errors },
        },
        [],
        errors,
      );
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
        return this.refusals.answer(incoming, { operation }, 'unsupported-media-type', {
          code: 'unsupported-media-type',
          title: 'Unsupported media type',
          status: 415,
          detail: `${operation.id} takes ${operation.body?.contents.map((c) => c.type).join(', ') || 'no request body'}; the request's Content-Type is not one of them.`,
          extra: { operation: operation.id },
        });
      }
      if (violations.length > 0) return this.refusals.invalid(incoming, operation, violations);
    }
    return this.respond(incoming, operation, prefer);
  }

  private unauthorized(
    incoming: IncomingRequest,
    operation: SpecOperation,
    accepted: readonly string[],
    challenges: readonly string[],
  ): MockAnswer {
    const extra: [string, string][] = challenges.map((c) => ['www-authenticate', c]);
    return this.refusals.answer(
      incoming,
      { operation },
      'unauthorized',
      {
        code: 'unauthorized',
        title: 'Unauthorized',
        status: 401,
        detail: `${operation.id} needs credentials (${accepted.join(' or ')}); the request carries none of them. Any value is accepted by the mock.`,
        extra: { operation: operation.id, security: accepted },
      },
      extra,
    );
  }

  private respond(
    incoming: IncomingRequest,
    operation: SpecOperation,
    prefer: Preference,
  ): MockAnswer {
    if (prefer.malformed !== undefined) {
      // The preferences by name only (`code`, `dynamic`, `example`): never the value sent.
      const malformed = prefer.malformed;
      return refusal(operation, 'bad-prefer', {
        code: 'bad-prefer',
        title: 'Prefer header not understood',
        status: 400,
        detail: `Prefer: the value of ${malformed.join(', ')} cannot be used: code= takes a status from 100 to 599, dynamic= takes true or false, example= a documented example's name.`,
        extra: { operation: operation.id, malformed },
      });
    }
    const choice = chooseResponse(operation, prefer);
    if (!choice.ok) {
      return refusal(operation, 'bad-prefer', {
        code: 'undocumented-status',
        title: 'Status not documented',
        status: 400,
        detail:
          prefer.code === undefined
            ? `${operation.id} documents no response.`
            : `The status the Prefer header asks for is not documented for ${operation.id}; documented: ${choice.documented.join(', ')}.`,
        extra: { operation: operation.id, documented: choice.documented },
      });
    }
    const answer = this.build(incoming, operation, choice.response, choice.status, prefer, []);
    if (answer) return answer;
    const media = choice.response.contents;
    if (prefer.example !== undefined) {
      return refusal(operation, 'bad-prefer', {
        code: 'unknown-example',
        title: 'Example not documented',
        status: 400,
        detail: `The example the Prefer header names is not one of ${operation.id} (status ${choice.status}); documented: ${[...new Set(media.flatMap((m) => m.examples.map((e) => e.name)))].join(', ') || 'none'}.`,
        extra: { operation: operation.id },
      });
    }
    return this.refusals.answer(incoming, { operation }, 'not-acceptable', {
      code: 'not-acceptable',
      title: 'Not acceptable',
      status: 406,
      detail: `${operation.id} answers ${media.map((m) => m.type).join(', ')}; the request's Accept allows none of them.`,
      extra: { operation: operation.id, available: media.map((m) => m.type) },
    });
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
    const negotiated = negotiate(
      response.contents,
      combinedHeaderValue(incoming.headers, 'accept'),
    );
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
        const schemaExample = this.values.schemaExample(media);
        if (schemaExample !== undefined) {
          exampleName = '(schema)';
          exampleValue = schemaExample;
        }
      }
    }
    const label = requestLabel(incoming);
    // Links are written for the origin the client reached the mock on: part of the key, so one
    // client's Host never shapes another's answer.
    const origin = mockOrigin(firstHeaderValue(incoming.headers, 'host'));
    const key = `${operation.pointer}\u0000${status}\u0000${media?.type ?? ''}\u0000${exampleName ?? (prefer.dynamic === true ? '(dynamic)' : '')}\u0000${origin}\u0000${label}`;
    let recorded = this.cache.get(key);
    if (recorded === undefined) {
      const rng = seededRng(this.options.seed, `${label}\u0000${operation.pointer}\u0000${status}`);
      const headers: HeaderMap = {};
      for (const header of response.headers)
        headers[header.name] = this.values.responseHeader(
          header,
          rng.fork(`header:${header.name}`),
        );
      let body: Body | undefined;
      if (media) {
        let issue: GenerateIssue | undefined;
        const value =
          exampleName !== undefined
            ? exampleValue
            : this.values.agreeWithStatus(
                this.values.generate(media, rng.fork(`body:${media.type}`), (i) => (issue ??= i)),
                media,
                status,
              );
        // The schema has no valid value here (a contradiction, a recursion with no end): say
        // so on the answer, or a client developer hunts a bug in their own code.
        if (issue !== undefined)
          headers[HEADER_SPEC_ISSUE] = headerText(
            `${issue.pointer === '' ? '(body)' : issue.pointer}: ${issue.message}`.slice(0, 300),
          );
        const built = this.values.bodyFor(media, value);
        body = built.body;
        headers['content-type'] = built.contentType;
      }
      body = this.values.onMock(headers, body, incoming, origin);
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
      path: operation.path,
    };
  }
}
