import { Pool, errors as undiciErrors } from 'undici';
import { appendValue, type HeaderMap, valuesOf } from '../../core/cassette/model.js';
import { TapedeckError } from '../../core/errors.js';
import type { EgressPolicy } from '../../core/http/egress.js';
import type { Upstream, UpstreamRequest, UpstreamResponse } from '../../core/ports/index.js';
import {
  egressConnector,
  EgressRefusedError,
  type EgressConnectOptions,
} from './egress-connect.js';

export interface UndiciUpstreamOptions {
  /** Absolute http(s) URL; a path in it is a base path prepended to every request. */
  readonly target: string;
  /** Time allowed for the response headers, and between body chunks. */
  readonly timeoutMs: number;
  readonly connections?: number;
  /**
   * The egress policy checked on every connection (adapters/http/egress-connect.ts); without
   * it, or with empty host lists, connections go wherever the target resolves.
   */
  readonly egress?: EgressConnectOptions<EgressPolicy>;
}

/**
 * The upstream, reached through an undici Pool bound to the target origin: whatever a request's
 * Host header or path says, no other host can be contacted. Redirects are returned to the
 * client as they are, never followed. Measured against http-proxy-3 in bench/ (see README).
 */
export class UndiciUpstream implements Upstream {
  readonly origin: string;
  private readonly basePath: string;
  private readonly pool: Pool;

  constructor(options: UndiciUpstreamOptions) {
    const url = new URL(options.target);
    this.origin = url.origin;
    this.basePath = url.pathname.replace(/\/+$/, '');
    this.pool = new Pool(url.origin, {
      connections: options.connections ?? 128,
      headersTimeout: options.timeoutMs,
      bodyTimeout: options.timeoutMs,
      keepAliveTimeout: 4_000,
      ...(options.egress === undefined || options.egress.policy.open
        ? {}
        : { connect: egressConnector(options.egress) }),
    });
  }

  async send(request: UpstreamRequest, signal?: AbortSignal): Promise<UpstreamResponse> {
    const headers: string[] = [];
    for (const [name, value] of request.headers) headers.push(name, value);
    try {
      const response = await this.pool.request({
        method: request.method,
        path: `${this.basePath}${request.target}`,
        headers,
        body: request.body === undefined || request.body.byteLength === 0 ? null : request.body,
        signal: signal ?? null,
      });
      return {
        status: response.statusCode,
        headers: toHeaderMap(response.headers),
        body: response.body,
      };
    } catch (error) {
      throw describeUpstreamError(error, this.origin);
    }
  }

  async close(): Promise<void> {
    await this.pool.close();
  }
}

function toHeaderMap(headers: Record<string, string | string[] | undefined>): HeaderMap {
  const map: HeaderMap = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined) continue;
    for (const v of valuesOf(value)) appendValue(map, name.toLowerCase(), v);
  }
  return map;
}

export function describeUpstreamError(error: unknown, origin: string): TapedeckError {
  if (error instanceof TapedeckError) return error;
  const refused = egressRefusal(error);
  if (refused !== undefined) {
    return new TapedeckError(
      'TD_UPSTREAM_UNREACHABLE',
      `The upstream ${origin} was not contacted: tapedeck ${refused.message}.`,
      {
        cause: error,
        hint: 'Its DNS answer is outside upstream.forbiddenHosts/allowedHosts (see docs/egress.md); fix the DNS or the lists and restart.',
      },
    );
  }
  if (
    error instanceof undiciErrors.HeadersTimeoutError ||
    error instanceof undiciErrors.BodyTimeoutError
  ) {
    return new TapedeckError(
      'TD_UPSTREAM_TIMEOUT',
      `The upstream ${origin} did not answer in time.`,
      {
        cause: error,
        hint: 'Raise upstream.timeoutMs in tapedeck.config.json, or check the upstream.',
      },
    );
  }
  const code = (error as { code?: string }).code ?? '';
  if (unreadableAnswer(error, code)) {
    // It was reached: what came back is not HTTP tapedeck can pass on.
    return new TapedeckError(
      'TD_UPSTREAM_UNREACHABLE',
      `The upstream ${origin} sent an answer that is not valid HTTP (${code || (error as Error).message}).`,
      {
        cause: error,
        hint: 'Check the upstream: its status line or headers break HTTP/1.1 (RFC 9112).',
      },
    );
  }
  return new TapedeckError(
    'TD_UPSTREAM_UNREACHABLE',
    `The upstream ${origin} could not be reached (${code || (error as Error).message}).`,
    {
      cause: error,
      hint: 'Check --target and that the upstream is running.',
    },
  );
}

/**
 * A broken answer rather than a broken connection: llhttp's parse errors (`HPE_…`), headers past
 * undici's size, a status undici's own checks refuse (status 0 reaches us as ERR_ASSERTION), and
 * undici's "bad response" / "bad upgrade".
 */
function unreadableAnswer(error: unknown, code: string): boolean {
  if (error instanceof undiciErrors.HTTPParserError) return true;
  if (code.startsWith('HPE_') || code === 'UND_ERR_HEADERS_OVERFLOW' || code === 'ERR_ASSERTION')
    return true;
  const message = (error as Error).message ?? '';
  return code === 'UND_ERR_SOCKET' && (message === 'bad response' || message === 'bad upgrade');
}

function egressRefusal(error: unknown): EgressRefusedError | undefined {
  let e: unknown = error;
  for (let depth = 0; depth < 4 && e !== undefined && e !== null; depth++) {
    if (e instanceof EgressRefusedError) return e;
    e = (e as { cause?: unknown }).cause;
  }
  return undefined;
}
