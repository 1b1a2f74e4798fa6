/**
 * The front door: what every tapedeck server (record, replay, mock) decides about a request's
 * head before any layer sees it. Node's parser (llhttp) refuses most malformed framing itself
 * (obs-fold, bare CR or LF, whitespace before the colon, bad chunk sizes, a signed or listed
 * Content-Length, Content-Length with Transfer-Encoding); what it lets through, and the limits it
 * does not know, are decided here, purely, from the head Node parsed; what the parser refused is
 * answered by node-parser.ts. The HTTP adapter (adapters/http/node-server.ts) only feeds these
 * functions and writes their answers.
 *
 * Every refusal is a small problem+json with a fixed title (never the client's bytes), the
 * reason as a member, `x-tapedeck-error` and `connection: close`: after a framing error nothing
 * on the connection can be trusted, so it is never reused. None of them goes through the
 * pipeline, so none can pass for a recorded answer or a miss (whose status is `missStatus`).
 */
import type { ErrorCode } from '../errors.js';
import { isValidHostHeader } from './forwarded.js';

/** The limits of the `server` config section, with `maxBodyBytes`. */
export interface FrontDoorLimits {
  /** Most header fields in a request (each repeated line counts). */
  readonly maxHeaderCount: number;
  /** Most bytes of header names and values together (as node counts them: no separators). */
  readonly maxHeaderBytes: number;
  /** Longest request target, in bytes. */
  readonly maxUrlBytes: number;
  /** Largest request body; a larger declared Content-Length is refused before it is read. */
  readonly maxBodyBytes: number;
}

/** The front door's settings: the `server` config section without host and port. */
export interface FrontDoorSettings {
  /** Most header fields a request may carry (431 past it). */
  readonly maxHeaderCount: number;
  /** Most bytes of header names and values together (431 past it). */
  readonly maxHeaderBytes: number;
  /** Longest request target in bytes (414 past it). */
  readonly maxUrlBytes: number;
  /** Time for a request's head to arrive, from its first byte or from the connection (408). */
  readonly headersTimeoutMs: number;
  /** Time for a whole request, head and body, to arrive (408). */
  readonly requestTimeoutMs: number;
  /** An idle keep-alive connection is closed after this long. */
  readonly keepAliveTimeoutMs: number;
}

/** Their defaults (app/config/config.ts's DEFAULTS.server takes them from here). */
export const FRONT_DOOR_DEFAULTS: FrontDoorSettings = Object.freeze({
  maxHeaderCount: 100,
  maxHeaderBytes: 16 * 1024,
  maxUrlBytes: 8 * 1024,
  headersTimeoutMs: 10_000,
  requestTimeoutMs: 30_000,
  keepAliveTimeoutMs: 5_000,
});

/** Why the front door answered a request itself: the `reason` member of its problem body. */
export const FRONT_DOOR_REASONS = [
  'malformed',
  'request-line-invalid',
  'target-invalid',
  'target-form',
  'method-unknown',
  'connect-refused',
  'http-version',
  'header-invalid',
  'header-count',
  'header-bytes',
  'url-bytes',
  'host-missing',
  'host-repeated',
  'host-invalid',
  'content-length-invalid',
  'transfer-coding-invalid',
  'transfer-coding-http10',
  'transfer-coding-unsupported',
  'chunk-invalid',
  'content-codings',
  'expectation-unsupported',
  'body-too-large',
  'headers-timeout',
  'body-timeout',
  'server-options',
] as const;
export type FrontDoorReason = (typeof FRONT_DOOR_REASONS)[number];

/** An answer the front door gives itself, without the pipeline. */
export interface FrontDoorAnswer {
  readonly status: number;
  readonly reason: FrontDoorReason;
  /** A fixed sentence naming the problem; never holds request bytes. */
  readonly title: string;
  readonly hint?: string;
  /** `undefined` for a success (`OPTIONS *`), which has no problem body. */
  readonly code?: ErrorCode;
  /** Close the connection after the answer (every refusal does). */
  readonly close: boolean;
}

/** A refusal: problem+json (TD_BAD_REQUEST unless said), connection closed. */
export const refuse = (
  status: number,
  reason: FrontDoorReason,
  title: string,
  hint?: string,
  code: ErrorCode = 'TD_BAD_REQUEST',
): FrontDoorAnswer => ({
  status,
  reason,
  title,
  ...(hint === undefined ? {} : { hint }),
  code,
  close: true,
});

/**
 * Most content codings a body may carry (Content-Encoding list elements, `identity` included).
 * Real clients send one; each coding is one more full decode of the body, and a 16 KiB head
 * holds some 3,000 `gzip,` entries: past this the request is refused (415) before its body is
 * read, and the codec (adapters/http/body-codec.ts) refuses an answer's the same way.
 */
export const MAX_CONTENT_CODINGS = 3;

/** How a list of content codings is shown: the names when few, else only how many. */
export function codingLabel(codings: readonly string[]): string {
  return codings.length <= MAX_CONTENT_CODINGS && codings.every((c) => /^[\w.-]{1,20}$/.test(c))
    ? codings.join(', ')
    : `${codings.length} codings`;
}

/** The head of a request as node:http parsed it. */
export interface RequestHead {
  readonly method: string;
  readonly target: string;
  /** `1.1`, `1.0`; node also parses `0.9` (no version) and `2.0`. */
  readonly httpVersion: string;
  /** Flat [name, value, …]; node stops at its `maxHeadersCount`, see `nodeHeadersCount`. */
  readonly rawHeaders: readonly string[];
}

/** Elements of a comma-separated list (RFC 9110 §5.6.1), empty ones dropped, lower-cased. */
function listElements(values: readonly string[]): string[] {
  const out: string[] = [];
  for (const value of values) {
    for (const part of value.split(',')) {
      const element = part.trim().toLowerCase();
      if (element !== '') out.push(element);
    }
  }
  return out;
}

/**
 * RFC 9112 §6.1 and §6.3 for a request's Transfer-Encoding lines. tapedeck decodes only
 * `chunked`, once, last: node's parser also accepts `gzip, chunked` or `identity, chunked`
 * (it only checks that chunked is last), and it reads a chunked body on HTTP/1.0, where
 * Transfer-Encoding is not defined. A coding tapedeck does not know is a 501; chunked applied
 * twice or with parameters, an empty value, or any Transfer-Encoding on HTTP/1.0 is faulty
 * framing: 400.
 */
export function transferEncodingAnswer(
  values: readonly string[],
  httpVersion: string,
): FrontDoorAnswer | undefined {
  if (values.length === 0) return undefined;
  if (httpVersion === '1.0') {
    return refuse(
      400,
      'transfer-coding-http10',
      'Transfer-Encoding is not defined for HTTP/1.0 (RFC 9112 §6.1): the body framing is faulty.',
      'Send HTTP/1.1, or a Content-Length instead.',
    );
  }
  const codings = listElements(values);
  const last = codings[codings.length - 1];
  if (codings.length === 1 && last === 'chunked') return undefined;
  const names = codings.map((coding) => coding.split(';')[0]!.trim());
  if (last === 'chunked' && names.some((name) => name !== 'chunked')) {
    return refuse(
      501,
      'transfer-coding-unsupported',
      'The request uses a transfer coding tapedeck does not implement; only "chunked" is (RFC 9112 §6.1).',
      'Send the body with Transfer-Encoding: chunked alone, or with a Content-Length.',
    );
  }
  return refuse(
    400,
    'transfer-coding-invalid',
    'The Transfer-Encoding header is invalid: chunked must be the one and final coding (RFC 9112 §6.3).',
    'Send Transfer-Encoding: chunked, or a Content-Length.',
  );
}

/**
 * RFC 9112 §3.2: one Host line, `host[:port]` (no user info, path or spaces), required on
 * HTTP/1.1. Node lets a repeat through, whatever its case; the value is never echoed.
 */
function hostAnswer(hosts: readonly string[], httpVersion: string): FrontDoorAnswer | undefined {
  if (hosts.length === 0) {
    return httpVersion === '1.1'
      ? refuse(
          400,
          'host-missing',
          'An HTTP/1.1 request must carry a Host header (RFC 9112 §3.2).',
          'Send one Host header naming the server, such as 127.0.0.1:8080.',
        )
      : undefined;
  }
  if (hosts.length > 1) {
    return refuse(
      400,
      'host-repeated',
      'The request has more than one Host header (RFC 9112 §3.2).',
      'Send one Host header naming the server, such as 127.0.0.1:8080.',
    );
  }
  if (!isValidHostHeader(hosts[0]!)) {
    return refuse(
      400,
      'host-invalid',
      'The Host header is not a valid host[:port] (RFC 9110 §7.2): no user info, path or spaces.',
      'Send one Host header naming the server, such as 127.0.0.1:8080.',
    );
  }
  return undefined;
}

/**
 * The request target: tapedeck serves origin-form paths only. An absolute-form target
 * (`GET http://other.host/`) would let a client aim the proxy elsewhere; asterisk-form is for
 * `OPTIONS *` alone (RFC 9112 §3.2.4), which the front door answers itself: it asks about the
 * server, not about any recorded resource.
 */
function targetAnswer(method: string, target: string): FrontDoorAnswer | undefined {
  if (method === 'TRACE') {
    // A TRACE answer echoes the request as the upstream received it: with the real
    // credentials record sends, into a body that would be recorded. Never sent on.
    return refuse(
      501,
      'method-unknown',
      'tapedeck does not implement TRACE (its answer would echo the credentials sent upstream).',
      'Use another method; TRACE is a diagnostic that tapedeck never forwards or replays.',
    );
  }
  if (target.startsWith('/')) {
    if (!target.includes('#')) return undefined;
    // A fragment is the client's own (RFC 9110 §4.2.5): no client sends one on the wire.
    return refuse(
      400,
      'target-invalid',
      'The request target holds a fragment ("#…"), which never belongs on the wire.',
      'Drop the fragment, or percent-encode "#" as %23 if it is part of a path or query value.',
    );
  }
  if (target === '*' && method === 'OPTIONS') {
    return {
      status: 204,
      reason: 'server-options',
      title: 'OPTIONS * is answered by tapedeck itself.',
      close: false,
    };
  }
  return refuse(
    400,
    'target-form',
    'The request target must be a path starting with "/".',
    'Send the path only (origin-form, RFC 9112 §3.2.1); tapedeck never forwards to a URL a client names.',
  );
}

/**
 * Everything about a parsed head that node let through and tapedeck refuses, in order: the
 * version, the limits (count, target, size), the Host, the body framing, the target form and the
 * declared body size. `undefined` means the request goes on to the pipeline.
 */
export function checkHead(head: RequestHead, limits: FrontDoorLimits): FrontDoorAnswer | undefined {
  const { httpVersion, rawHeaders } = head;
  if (httpVersion !== '1.1' && httpVersion !== '1.0') {
    return refuse(
      505,
      'http-version',
      'tapedeck serves HTTP/1.1 and HTTP/1.0 only.',
      'Send the request as HTTP/1.1 (an HTTP/2 client: disable prior knowledge).',
    );
  }
  if (rawHeaders.length / 2 > limits.maxHeaderCount) {
    return refuse(
      431,
      'header-count',
      `The request has more than ${limits.maxHeaderCount} header fields.`,
      'Send fewer headers, or raise server.maxHeaderCount in tapedeck.config.json.',
    );
  }
  if (head.target.length > limits.maxUrlBytes) {
    return refuse(
      414,
      'url-bytes',
      `The request target is longer than ${limits.maxUrlBytes} bytes.`,
      'Send a shorter URL (move data to the body), or raise server.maxUrlBytes in tapedeck.config.json.',
    );
  }
  let headerBytes = 0;
  const hosts: string[] = [];
  const codings: string[] = [];
  const contentCodings: string[] = [];
  let contentLength: string | undefined;
  for (let i = 0; i + 1 < rawHeaders.length; i += 2) {
    const name = rawHeaders[i]!;
    const value = rawHeaders[i + 1]!;
    headerBytes += name.length + value.length;
    // Lower-casing every name costs; the three names compared here differ in length first.
    if (name.length === 4 && name.toLowerCase() === 'host') hosts.push(value);
    else if (name.length === 17 && name.toLowerCase() === 'transfer-encoding') codings.push(value);
    else if (name.length === 14 && name.toLowerCase() === 'content-length') contentLength = value;
    else if (name.length === 16 && name.toLowerCase() === 'content-encoding')
      contentCodings.push(value);
  }
  if (headerBytes > limits.maxHeaderBytes) {
    return refuse(
      431,
      'header-bytes',
      `The request's header fields are larger than ${limits.maxHeaderBytes} bytes.`,
      'Send smaller headers, or raise server.maxHeaderBytes in tapedeck.config.json.',
    );
  }
  const problem =
    hostAnswer(hosts, httpVersion) ??
    transferEncodingAnswer(codings, httpVersion) ??
    targetAnswer(head.method, head.target);
  if (problem !== undefined) return problem;
  // `identity` is no coding (the codec drops it too): only real stages count.
  if (
    contentCodings.length > 0 &&
    listElements(contentCodings).filter((c) => c !== 'identity').length > MAX_CONTENT_CODINGS
  )
    return tooManyCodings();
  // Node has checked the digits (no sign, no list, no second line); only the size is left.
  if (contentLength !== undefined && Number(contentLength) > limits.maxBodyBytes)
    return bodyTooLarge(limits.maxBodyBytes);
  return undefined;
}

/**
 * CONNECT asks for a tunnel to the host:port it names (authority-form): tapedeck records and
 * answers requests, it never tunnels, so this is the same refusal as any other target form.
 */
export function connectAnswer(): FrontDoorAnswer {
  return refuse(
    400,
    'connect-refused',
    'tapedeck does not open tunnels: CONNECT is refused.',
    'Send the requests themselves to tapedeck (it is the server, not a forward proxy).',
  );
}

/** 413 before a byte of the body is read, or as soon as a chunked body passes the limit. */
export function bodyTooLarge(maxBodyBytes: number): FrontDoorAnswer {
  return refuse(
    413,
    'body-too-large',
    `The request body is larger than ${maxBodyBytes} bytes.`,
    'Raise maxBodyBytes in tapedeck.config.json if this is expected.',
    'TD_BODY_TOO_LARGE',
  );
}

/**
 * RFC 9110 §15.5.16: 415 is the status for a content coding the server does not accept. A stack
 * of codings costs one full decode each (a CPU denial of service): refused before the body is
 * read. The header's value is never shown.
 */
export function tooManyCodings(): FrontDoorAnswer {
  return refuse(
    415,
    'content-codings',
    `The request body has more than ${MAX_CONTENT_CODINGS} content codings; tapedeck removes at most ${MAX_CONTENT_CODINGS}.`,
    'Send the body with one content coding (gzip, deflate or br), or none.',
  );
}

/**
 * RFC 9110 §10.1.1: `100-continue` is the only expectation; an HTTP/1.0 request's is ignored,
 * any other is a 417. Node only asks (its `checkContinue` and `checkExpectation` events) when
 * an Expect header is present.
 */
export function expectationAnswer(
  value: string | readonly string[] | undefined,
  httpVersion: string,
): 'continue' | 'ignore' | FrontDoorAnswer {
  const values = value === undefined ? [] : typeof value === 'string' ? [value] : value;
  const elements = listElements(values);
  if (elements.length === 1 && elements[0] === '100-continue')
    return httpVersion === '1.1' ? 'continue' : 'ignore';
  return refuse(
    417,
    'expectation-unsupported',
    'The only expectation tapedeck meets is 100-continue (RFC 9110 §10.1.1).',
    'Remove the Expect header, or send Expect: 100-continue.',
  );
}

// The answers written out: front-door-reply.ts (kept apart to keep this file to the decisions).
export { frontDoorBytes, frontDoorReply } from './front-door-reply.js';
