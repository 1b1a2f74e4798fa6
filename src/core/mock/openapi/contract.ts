import type { RecordedRequest, RecordedResponse } from '../../cassette/model.js';
import { valuesOf } from '../../cassette/model.js';
import { firstHeaderValue, isJsonMediaType, mediaType } from '../../http/index.js';
import { escapePointerToken, getOwn } from '../../json.js';
import { responseFor } from './choose.js';
import type { CompiledSpec } from './compiled.js';
import type { SpecOperation, SpecResponse } from './operations.js';
import { matchMedia, type ValueCheckOptions } from './validate.js';

/**
 * Contract checks: does a recorded (or live) exchange agree with the spec? Each contradiction
 * is a JSON pointer into the checked object plus a message; values are never quoted, so a
 * recording's data cannot leak through a report.
 */
export interface ContractProblem {
  /** RFC 6901 pointer into the response (`/status`, `/headers/x`, `/body/json/…`) or request. */
  readonly pointer: string;
  readonly message: string;
}

/** The request fields routing needs: method and raw path. */
export interface RoutedRequest {
  readonly method: string;
  readonly path: string;
}

export type OperationLookup =
  | {
      readonly ok: true;
      readonly operation: SpecOperation;
      readonly params: Readonly<Record<string, string>>;
    }
  | { readonly ok: false; readonly problem: ContractProblem };

export function findOperation(spec: CompiledSpec, request: RoutedRequest): OperationLookup {
  const route = spec.router.route(request.method, request.path);
  switch (route.kind) {
    case 'operation':
      return { ok: true, operation: route.operation, params: route.params };
    case 'method-not-allowed':
      return {
        ok: false,
        problem: {
          pointer: '/method',
          message: `${request.method.toUpperCase()} is not documented for ${route.template} (documented: ${route.allow.join(', ')})`,
        },
      };
    case 'not-found':
      return {
        ok: false,
        problem: {
          pointer: '/path',
          message: `no path of the spec matches ${request.path}${route.nearest.length > 0 ? ` (nearest: ${route.nearest.join(', ')})` : ''}`,
        },
      };
  }
}

/**
 * Recordings are redacted: a pseudonym or `[REDACTED]` where the spec wants a `pattern`,
 * `format` or length is redaction at work, not a contradiction.
 */
const RECORDED: ValueCheckOptions = { redacted: true };

/**
 * Every way a response contradicts the spec for its request's operation: an undocumented
 * status (and no `default`), an undocumented content type, a body that fails the schema, a
 * required header missing or a header value that fails its schema. Pointers are into the
 * response (`/status`, `/headers/content-type`, `/body/json/data/0/id`). The drift check uses
 * this to say whether the recording or the live answer violates the spec.
 */
export function checkResponseAgainstSpec(
  spec: CompiledSpec,
  request: RoutedRequest,
  response: RecordedResponse,
): ContractProblem[] {
  const found = findOperation(spec, request);
  if (!found.ok)
    return [{ pointer: '', message: `the request has no operation: ${found.problem.message}` }];
  return checkResponseForOperation(spec, found.operation, response);
}

export function checkResponseForOperation(
  spec: CompiledSpec,
  operation: SpecOperation,
  response: RecordedResponse,
): ContractProblem[] {
  const documented: SpecResponse | undefined = responseFor(operation, response.status);
  if (documented === undefined) {
    return [
      {
        pointer: '/status',
        message: `status ${response.status} is not documented for ${operation.id} (documented: ${operation.responses.map((r) => r.status).join(', ') || 'none'})`,
      },
    ];
  }
  const problems: ContractProblem[] = [];
  const validators = spec.validators;
  for (const header of documented.headers) {
    const values = valuesOf(getOwn(response.headers, header.name));
    if (values.length === 0) {
      if (header.required)
        problems.push({
          pointer: `/headers/${escapePointerToken(header.name)}`,
          message: `is required by the spec for status ${documented.status}`,
        });
      continue;
    }
    for (const problem of validators.validateHeaderValue(header, values.join(', '), RECORDED))
      problems.push({
        pointer: `/headers/${escapePointerToken(header.name)}${problem.pointer}`,
        message: problem.message,
      });
  }
  const body = response.body;
  const hasBody =
    body !== undefined &&
    !(body.encoding === 'text' && body.text === '') &&
    response.status !== 204;
  if (!hasBody) return problems;
  if (documented.contents.length === 0) {
    problems.push({
      pointer: '/body',
      message: `the spec documents no body for status ${documented.status} of ${operation.id}`,
    });
    return problems;
  }
  const type = mediaType(firstHeaderValue(response.headers, 'content-type'));
  const media = matchMedia(documented.contents, type);
  if (media === undefined) {
    problems.push({
      pointer: '/headers/content-type',
      message: `${type === '' ? 'a missing content type' : type} is not documented for status ${documented.status} of ${operation.id} (documented: ${documented.contents.map((c) => c.type).join(', ')})`,
    });
    return problems;
  }
  if (!(isJsonMediaType(media.type) || isJsonMediaType(type))) return problems;
  if (body.encoding !== 'json') {
    problems.push({ pointer: '/body', message: `is not JSON, but ${media.type} is documented` });
    return problems;
  }
  for (const problem of validators.validateResponseValue(media, body.json, RECORDED))
    problems.push({ pointer: `/body/json${problem.pointer}`, message: problem.message });
  return problems;
}

/**
 * Every way a recorded request contradicts its operation: parameters and body (security is not
 * checked: recordings hold redacted credentials). Pointers are into the request (`/query/limit`,
 * `/headers/x-id`, `/body/json/name`, `/path` for path parameters).
 */
export function checkRequestForOperation(
  spec: CompiledSpec,
  operation: SpecOperation,
  params: Readonly<Record<string, string>>,
  request: RecordedRequest,
): ContractProblem[] {
  const { violations, unsupportedMediaType } = spec.validators.validateRequest(
    operation,
    request,
    params,
    RECORDED,
  );
  const problems: ContractProblem[] = violations.map((v) => {
    switch (v.in) {
      case 'path':
        return {
          pointer: '/path',
          message: `path parameter "${v.name ?? ''}"${v.pointer ?? ''} ${v.message}`,
        };
      case 'query':
        return {
          pointer: `/query/${escapePointerToken(v.name ?? '')}${v.pointer ?? ''}`,
          message: v.message,
        };
      case 'header':
        return {
          pointer: `/headers/${escapePointerToken(v.name ?? '')}${v.pointer ?? ''}`,
          message: v.message,
        };
      case 'cookie':
        return { pointer: '/headers/cookie', message: `cookie "${v.name ?? ''}" ${v.message}` };
      case 'body':
        return {
          pointer: request.body?.encoding === 'json' ? `/body/json${v.pointer ?? ''}` : '/body',
          message: v.message,
        };
    }
  });
  if (unsupportedMediaType !== undefined) {
    problems.push({
      pointer: '/headers/content-type',
      message: `${unsupportedMediaType} is not a documented request body type of ${operation.id} (documented: ${operation.body?.contents.map((c) => c.type).join(', ') ?? 'none'})`,
    });
  }
  return problems;
}
