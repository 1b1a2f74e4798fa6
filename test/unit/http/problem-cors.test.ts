import { describe, expect, it } from 'vitest';
import { PROBLEM_TYPE_BASE } from '../../../src/core/errors.js';
import {
  anyOriginHeaders,
  anyOriginPreflightHeaders,
  echoOriginPreflightHeaders,
  withEchoedOrigin,
} from '../../../src/core/http/cors.js';
import { combinedHeaderValue, firstHeaderValue } from '../../../src/core/http/index.js';
import {
  PROBLEM_CONTENT_TYPE,
  problemMembers,
  problemReply,
  problemType,
} from '../../../src/core/http/problem.js';
import type { RecordedReply, SimpleReply } from '../../../src/core/ports/index.js';

describe('problem details', () => {
  it('writes RFC 9457 members in order under the one type base, extensions last', () => {
    const reply = problemReply(
      {
        code: 'TD_NO_MATCH',
        title: 'No match',
        status: 404,
        detail: 'Nothing recorded.',
        extra: { code: 'TD_NO_MATCH', nearest: [] },
      },
      [['x-tapedeck-layer', 'miss']],
    );
    expect(reply.kind).toBe('simple');
    expect(reply.status).toBe(404);
    expect(reply.headers).toEqual([
      ['content-type', 'application/problem+json'],
      ['x-tapedeck-layer', 'miss'],
    ]);
    expect(reply.body).toBe(
      `{"type":"${PROBLEM_TYPE_BASE}TD_NO_MATCH","title":"No match","status":404,"detail":"Nothing recorded.","code":"TD_NO_MATCH","nearest":[]}\n`,
    );
    expect(PROBLEM_CONTENT_TYPE).toBe('application/problem+json');
  });

  it('leaves detail out when there is none', () => {
    expect(problemMembers({ code: 'X', title: 't', status: 400 })).toEqual({
      type: problemType('X'),
      title: 't',
      status: 400,
    });
    expect(Object.keys(problemMembers({ code: 'X', title: 't', status: 400 }))).toEqual([
      'type',
      'title',
      'status',
    ]);
  });
});

describe('CORS: echo the origin (credentialed)', () => {
  const preflight = {
    origin: 'https://app.example',
    'access-control-request-method': 'POST',
    'access-control-request-headers': 'authorization',
  };

  it('answers a preflight with the page origin, the allowed methods and credentials', () => {
    expect(echoOriginPreflightHeaders('options', preflight, ['GET', 'POST'])).toEqual([
      ['access-control-allow-origin', 'https://app.example'],
      ['access-control-allow-methods', 'GET, POST'],
      ['access-control-allow-headers', 'authorization'],
      ['access-control-allow-credentials', 'true'],
      ['access-control-max-age', '600'],
      ['vary', 'Origin'],
    ]);
    const { 'access-control-request-headers': _, ...noHeaders } = preflight;
    expect(
      echoOriginPreflightHeaders('OPTIONS', noHeaders, ['GET'])?.map(([name]) => name),
    ).not.toContain('access-control-allow-headers');
  });

  it('is no preflight without OPTIONS, Origin or a requested method', () => {
    expect(echoOriginPreflightHeaders('GET', preflight, ['GET'])).toBeUndefined();
    expect(
      echoOriginPreflightHeaders('OPTIONS', { 'access-control-request-method': 'GET' }, ['GET']),
    ).toBeUndefined();
    expect(
      echoOriginPreflightHeaders('OPTIONS', { origin: 'https://app.example' }, ['GET']),
    ).toBeUndefined();
  });

  it('lets the requesting page read an answer, never with *', () => {
    const simple: SimpleReply = { kind: 'simple', status: 200, headers: [['a', '1']], body: '' };
    const decorated = withEchoedOrigin(simple, 'https://app.example') as SimpleReply;
    expect(decorated.headers).toEqual([
      ['a', '1'],
      ['access-control-allow-origin', 'https://app.example'],
      ['access-control-allow-credentials', 'true'],
      ['access-control-expose-headers', '*'],
      ['vary', 'Origin'],
    ]);
    expect(withEchoedOrigin(simple, undefined)).toBe(simple);
    // A preflight answer already carries its own CORS headers.
    expect(withEchoedOrigin(decorated, 'https://other.example')).toBe(decorated);
    const recorded = {
      kind: 'recorded',
      response: { status: 200, headers: {} },
      extraHeaders: [],
      delayMs: 0,
    } as unknown as RecordedReply;
    const recordedOut = withEchoedOrigin(recorded, 'https://app.example') as RecordedReply;
    expect(recordedOut.extraHeaders[0]).toEqual([
      'access-control-allow-origin',
      'https://app.example',
    ]);
  });
});

describe('CORS: any origin (no credentials)', () => {
  it('allows * and exposes the named headers', () => {
    expect(anyOriginHeaders('x-tapedeck-layer')).toEqual([
      ['access-control-allow-origin', '*'],
      ['access-control-expose-headers', 'x-tapedeck-layer'],
    ]);
  });

  it('answers a preflight with the requested headers, or the fallback', () => {
    expect(
      anyOriginPreflightHeaders({ 'access-control-request-headers': 'x-a' }, 'GET', 'content-type'),
    ).toEqual([
      ['access-control-allow-origin', '*'],
      ['access-control-allow-methods', 'GET'],
      ['access-control-allow-headers', 'x-a'],
      ['access-control-max-age', '600'],
    ]);
    expect(anyOriginPreflightHeaders({}, 'GET', 'content-type')[2]).toEqual([
      'access-control-allow-headers',
      'content-type',
    ]);
  });
});

describe('the two header readers', () => {
  const headers = { accept: ['text/html', 'application/json'], 'Content-Type': 'text/plain' };

  it('firstHeaderValue reads one value by stored name', () => {
    expect(firstHeaderValue(headers, 'accept')).toBe('text/html');
    expect(firstHeaderValue(headers, 'content-type')).toBeUndefined();
    expect(firstHeaderValue(headers, 'constructor')).toBeUndefined();
  });

  it('combinedHeaderValue joins every value and matches the name in any case', () => {
    expect(combinedHeaderValue(headers, 'accept')).toBe('text/html, application/json');
    expect(combinedHeaderValue(headers, 'content-type')).toBe('text/plain');
    expect(combinedHeaderValue({ a: [] }, 'a')).toBeUndefined();
    expect(combinedHeaderValue(headers, 'constructor')).toBeUndefined();
  });
});
