import { combinedHeaderValue, HEADER_LAYER, isJsonMediaType } from '../../http/index.js';
import { problemReply, problemType, type Problem } from '../../http/problem.js';
import type { IncomingRequest, SimpleReply } from '../../ports/index.js';
import { setOwn, type JsonValue } from '../../json.js';
import { generateValue } from '../generate/generate.js';
import { conforms } from './conforms.js';
import { seededRng } from '../generate/random.js';
import { negotiate } from './choose.js';
import { shapeError, type ErrorFacts, type ErrorItem, type ErrorKind } from './error-shape.js';
import type { SpecMedia, SpecModel, SpecOperation, SpecResponse } from './operations.js';
import type { MockAnswer, MockOutcome } from './responder.js';
import type { Violation } from './validate.js';
import type { SpecValues } from './values.js';

const SPEC_LAYER = [HEADER_LAYER, 'spec'] as const;

/**
 * One of the spec responder's own refusals (no such path, invalid request, unauthorized…): RFC
 * 9457 problem details whose `type` is the mock reason, marked as the spec layer's answer.
 */
export function specProblem(
  problem: Problem,
  headers: readonly (readonly [string, string])[] = [],
): SimpleReply {
  return problemReply(problem, [SPEC_LAYER, ...headers]);
}

/** A refusal of a request routed to `operation`: the outcome, the operation and its problem. */
export function refusal(
  operation: SpecOperation,
  outcome: MockOutcome,
  problem: Problem,
  headers: readonly (readonly [string, string])[] = [],
): MockAnswer {
  return {
    outcome,
    operation: operation.id,
    path: operation.path,
    reply: specProblem(problem, headers),
  };
}

/** At most this many violations are listed in a 4xx body (the count says how many more). */
const MAX_VIOLATIONS = 100;
/** Request-derived text (pointers, names) in a 4xx body is cut to this many characters. */
const MAX_ECHO = 200;

function clip(text: string): string {
  return text.length <= MAX_ECHO ? text : `${text.slice(0, MAX_ECHO)}…`;
}

/** The status for an invalid request: 400 if documented, else 422 if documented, else 400. */
export function invalidRequestStatus(operation: SpecOperation): number {
  const has = (status: string) => operation.responses.some((r) => r.status === status);
  if (has('400')) return 400;
  if (has('422')) return 422;
  return 400;
}

/** The problem of a request that breaks the spec: every violation, clipped. */
export function invalidProblem(operation: SpecOperation, all: readonly Violation[]): Problem {
  const status = invalidRequestStatus(operation);
  const violations = clipViolations(all);
  const listed = violations
    .slice(0, 5)
    .map(
      (v) =>
        `${v.in}${v.name === undefined ? '' : ` ${v.name}`}${v.pointer ? ` ${v.pointer}` : ''} ${v.message}`,
    )
    .join('; ');
  return {
    code: 'invalid-request',
    title: 'Invalid request',
    status,
    detail: `${all.length} problem(s) with the request to ${operation.id}: ${listed}${all.length > 5 ? '; …' : ''}`,
    extra: {
      operation: operation.id,
      errors: violations,
      ...(all.length > MAX_VIOLATIONS ? { omitted: all.length - MAX_VIOLATIONS } : {}),
    },
  };
}

/** Pointers and names come from the request: a 3 MB form field name must not come back twice. */
function clipViolations(all: readonly Violation[]): Violation[] {
  return all.slice(0, MAX_VIOLATIONS).map((v): Violation => ({
    ...v,
    ...(v.name === undefined ? {} : { name: clip(v.name) }),
    ...(v.pointer === undefined ? {} : { pointer: clip(v.pointer) }),
  }));
}

/** The name a client sent a value under: the parameter's, else the body path (`a.b[0]`). */
function paramOf(v: Violation): string | undefined {
  if (v.name !== undefined && v.name !== '') return v.name;
  if (v.pointer === undefined || v.pointer === '') return undefined;
  const tokens = v.pointer
    .split('/')
    .slice(1)
    .map((t) => t.replace(/~1/g, '/').replace(/~0/g, '~'));
  return tokens.map((t, i) => (/^\d+$/.test(t) ? `[${t}]` : i === 0 ? t : `.${t}`)).join('');
}

const KINDS: Partial<Record<MockOutcome, ErrorKind>> = {
  invalid: 'invalid',
  unauthorized: 'unauthorized',
  'not-found': 'not-found',
  'method-not-allowed': 'method-not-allowed',
  'not-acceptable': 'not-acceptable',
  'unsupported-media-type': 'unsupported-media-type',
};

/**
 * A documented problem+json body with tapedeck's extension members (`errors`, `nearest`, …)
 * added where the schema admits them (RFC 9457 allows extensions), in RFC 9457's member order.
 */
function withExtensions(
  body: JsonValue,
  problem: Problem,
  schema: unknown,
  resolve: (ref: string) => unknown,
): JsonValue {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) return body;
  let out: Record<string, JsonValue> = body;
  for (const [name, value] of Object.entries(problem.extra ?? {})) {
    if (Object.hasOwn(out, name)) continue;
    const candidate = { ...out };
    setOwn(candidate, name, value as JsonValue);
    if (conforms(candidate, schema, resolve)) out = candidate;
  }
  const ordered: Record<string, JsonValue> = {};
  for (const name of ['type', 'title', 'status', 'detail'])
    if (Object.hasOwn(out, name)) ordered[name] = out[name]!;
  for (const [name, value] of Object.entries(out))
    if (!Object.hasOwn(ordered, name)) setOwn(ordered, name, value);
  return ordered;
}

/** Which documented responses may carry the error: one operation's, a path's, or the spec's. */
export type RefusalScope =
  | { readonly operation: SpecOperation }
  | { readonly path: string; readonly operations: readonly SpecOperation[] }
  | { readonly spec: true };

/**
 * The documented error for a status among some responses: the status's own, else its class
 * (`4XX`), else `default` — OpenAPI's own precedence (an explicit code wins over a range, and
 * `default` covers what neither does) — with a JSON media type that has a schema.
 */
export function documentedError(
  responses: readonly SpecResponse[],
  status: number,
): SpecResponse | undefined {
  const text = String(status);
  for (const key of [text, `${text[0]}XX`, 'default']) {
    const response = responses.find((r) => r.status === key);
    if (response !== undefined && response.contents.some(hasJsonSchema)) return response;
  }
  return undefined;
}

export function hasJsonSchema(media: SpecMedia): boolean {
  return (
    (media.schemaPointer !== undefined || media.schema !== undefined) &&
    (isJsonMediaType(media.type) || media.type === '*/*' || media.type === 'application/*')
  );
}

/**
 * The error response most operations of a spec document for a status (counted by where it is
 * defined, so a shared `#/components/responses/Error` wins): the shape an answer that belongs
 * to no one operation takes. Not cached; callers that ask per request keep the result.
 */
export function documentedErrorFor(model: SpecModel, status: number): SpecResponse | undefined {
  const counts = new Map<string, { response: SpecResponse; count: number }>();
  for (const operation of model.operations) {
    const response = documentedError(operation.responses, status);
    if (response === undefined) continue;
    const entry = counts.get(response.pointer);
    if (entry) entry.count++;
    else counts.set(response.pointer, { response, count: 1 });
  }
  let best: { response: SpecResponse; count: number } | undefined;
  for (const entry of counts.values())
    if (best === undefined || entry.count > best.count) best = entry;
  return best?.response;
}

/**
 * The spec's refusals (invalid request, missing credential, no such path, 405, 406, 415): in the
 * error shape the spec documents for the status when it documents one (see error-shape.ts),
 * else problem+json. Never a value the client sent: messages name places and rules.
 */
export class SpecRefusals {
  /** Per status: the response the spec most often documents for it (for unrouted requests). */
  private readonly specWide = new Map<number, SpecResponse | null>();

  constructor(
    private readonly model: SpecModel,
    private readonly values: SpecValues,
    private readonly seed: string,
  ) {}

  /** A refusal: `problem` in the documented shape, or as problem+json. */
  answer(
    incoming: IncomingRequest,
    scope: RefusalScope,
    outcome: MockOutcome,
    problem: Problem,
    headers: readonly (readonly [string, string])[] = [],
    violations: readonly Violation[] = [],
  ): MockAnswer {
    const where =
      'operation' in scope
        ? { operation: scope.operation.id, path: scope.operation.path }
        : 'path' in scope
          ? { path: scope.path }
          : {};
    const shaped = this.shaped(incoming, scope, outcome, problem, headers, violations);
    return { outcome, ...where, reply: shaped ?? specProblem(problem, headers) };
  }

  /** A request that breaks the spec: every violation, in the documented shape when there is one. */
  invalid(
    incoming: IncomingRequest,
    operation: SpecOperation,
    violations: readonly Violation[],
  ): MockAnswer {
    return this.answer(
      incoming,
      { operation },
      'invalid',
      invalidProblem(operation, violations),
      [],
      violations,
    );
  }

  private responseFor(scope: RefusalScope, status: number): SpecResponse | undefined {
    if ('operation' in scope) return documentedError(scope.operation.responses, status);
    if ('path' in scope) {
      for (const operation of scope.operations) {
        const response = documentedError(operation.responses, status);
        if (response !== undefined) return response;
      }
    }
    return this.mostDocumented(status);
  }

  /** The error response most operations document for a status (by where it is defined). */
  private mostDocumented(status: number): SpecResponse | undefined {
    const cached = this.specWide.get(status);
    if (cached !== undefined) return cached ?? undefined;
    const best = documentedErrorFor(this.model, status);
    this.specWide.set(status, best ?? null);
    return best;
  }

  private shaped(
    incoming: IncomingRequest,
    scope: RefusalScope,
    outcome: MockOutcome,
    problem: Problem,
    headers: readonly (readonly [string, string])[],
    violations: readonly Violation[],
  ): SimpleReply | undefined {
    const kind = KINDS[outcome];
    if (kind === undefined) return undefined;
    const response = this.responseFor(scope, problem.status);
    if (response === undefined) return undefined;
    const candidates = response.contents.filter(hasJsonSchema);
    // The documented error the client accepts; when it accepts none (a 406, or an `Accept` the
    // documented types do not meet), the documented error all the same: RFC 9110 lets an error
    // disregard `Accept`, and problem+json would not meet it either.
    let negotiated = negotiate(candidates, combinedHeaderValue(incoming.headers, 'accept'));
    if (negotiated === 'none') negotiated = negotiate(candidates, undefined);
    if (negotiated === undefined || negotiated === 'none') return undefined;
    const schema = this.values.schemaOf(negotiated);
    const base = generateValue(schema, {
      rng: seededRng(this.seed, `error\u0000${problem.status}\u0000${response.pointer}`),
      resolve: this.values.resolve,
      // Required members only: an error body with a made-up `charge` or `decline_code` misleads.
      maxDepth: 0,
    });
    const clipped = clipViolations(violations);
    const items: ErrorItem[] = clipped.map((v) => {
      const param = paramOf(v);
      return {
        message: `${param === undefined ? (v.in === 'body' ? 'body' : v.in) : param} ${v.message}`,
        ...(param === undefined ? {} : { param }),
        ...(v.pointer === undefined ? {} : { pointer: v.pointer }),
      };
    });
    const first = clipped[0];
    const firstParam = first === undefined ? undefined : paramOf(first);
    const facts: ErrorFacts = {
      kind,
      status: problem.status,
      code: problem.code,
      title: problem.title,
      message: problem.detail ?? problem.title,
      documentation: problemType(problem.code),
      ...(firstParam === undefined ? {} : { param: firstParam }),
      ...(first?.pointer === undefined ? {} : { pointer: first.pointer }),
      ...(items.length === 0 ? {} : { items }),
    };
    let body = shapeError(schema, base, facts, this.values.resolve);
    if (negotiated.type.endsWith('problem+json'))
      body = withExtensions(body, problem, schema, this.values.resolve);
    const type = negotiated.type.includes('*') ? 'application/json' : negotiated.type;
    return {
      kind: 'simple',
      status: problem.status,
      headers: [['content-type', type], SPEC_LAYER, ...headers],
      body: `${JSON.stringify(body)}\n`,
    };
  }
}
