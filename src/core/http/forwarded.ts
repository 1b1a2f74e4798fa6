/**
 * What tapedeck sends upstream, decided once for every sender: the recording proxy (and
 * passthrough) forwards a client's request, `tapedeck drift` re-sends a recorded one, and both
 * go through `upstreamHeaders`. If they sent different headers, every API that echoes its
 * request (httpbin's `/headers`, a debug endpoint, a signature over headers) would drift on an
 * unchanged upstream.
 *
 * The forwarded family (`Forwarded`, `X-Forwarded-*`, the client-address headers such as
 * `X-Real-IP` and `CF-Connecting-IP`, and `Via`) belongs to tapedeck, not to the client:
 * whatever a client sent under those names is dropped, and only the fixed values configured in
 * `upstream.forwardedHeaders` are added — none by default, so the default changes nothing in an
 * upstream's answer, and neither the proxy's own port (which changes with `--port 0`) nor a
 * client-supplied authority (`Host: evil.example@127.0.0.1`) can reach the upstream or a
 * recording through them.
 */
import { valuesOf, type HeaderMap } from '../cassette/model.js';
import { decodableAcceptEncoding, stripHopByHop } from './index.js';

/** The forwarded headers a provider may ask tapedeck to add, each with a fixed value. */
export const FORWARDED_HEADER_NAMES = [
  'x-forwarded-host',
  'x-forwarded-proto',
  'x-forwarded-port',
  'x-forwarded-prefix',
] as const;
export type ForwardedHeaderName = (typeof FORWARDED_HEADER_NAMES)[number];

/** `upstream.forwardedHeaders`: fixed values, never derived from a request. */
export interface ForwardedHeaders {
  readonly 'x-forwarded-host'?: string;
  readonly 'x-forwarded-proto'?: 'http' | 'https';
  readonly 'x-forwarded-port'?: number;
  readonly 'x-forwarded-prefix'?: string;
}

/**
 * `uri-host [ ":" port ]` (RFC 9110 §7.2, RFC 3986 §3.2.2): an IP literal in brackets, or a
 * reg-name (which covers IPv4) of unreserved, sub-delims and percent-encoded characters. No
 * user info (`@`), path, query, space or second authority: such a value is junk to a server
 * (RFC 9112 §3.2 requires a 400) and an injection to anything that builds URLs from it.
 */
export const AUTHORITY_PATTERN =
  "^(?:\\[[0-9A-Fa-f:.]+\\]|\\[v[0-9A-Fa-f]+\\.[A-Za-z0-9._~!$&'()*+,;=:-]+\\]|(?:[A-Za-z0-9._~!$&'()*+,;=-]|%[0-9A-Fa-f]{2})+)(?::[0-9]{0,5})?$";
const AUTHORITY = new RegExp(AUTHORITY_PATTERN);

/** Is `value` a well-formed Host header value? The empty value is allowed (RFC 9112 §3.2). */
export function isValidHostHeader(value: string): boolean {
  return value === '' || (value.length <= 1024 && AUTHORITY.test(value));
}

/** `/api`, `/v1/base`: a path prefix with no query, fragment, space or control character. */
export const PREFIX_PATTERN = "^/[A-Za-z0-9._~!$&'()*+,;=:@%/-]*$";

/** Request headers that describe the hop to tapedeck, never the call: not sent upstream. */
const NOT_FORWARDED = new Set(['host', 'content-length', 'expect']);

/**
 * The rest of the forwarded family: the client-address headers proxies and CDNs set
 * (`X-Real-IP`, Akamai's `True-Client-IP`, Cloudflare's `CF-Connecting-IP`, Fastly's
 * `Fastly-Client-IP`, ...) and `Via`. They say who the hop to tapedeck was, never what the call
 * is, and an upstream that trusts them (rate limits, allow lists, logs, echoes) would otherwise
 * see whatever a client chose to claim, or a value that differs between `record` and `drift`.
 */
const CLIENT_ADDRESS_HEADERS: ReadonlySet<string> = new Set([
  'x-real-ip',
  'true-client-ip',
  'cf-connecting-ip',
  'x-client-ip',
  'x-cluster-client-ip',
  'fastly-client-ip',
  'via',
]);

/** The forwarded family: only tapedeck's configuration decides what travels under these names. */
function isForwardedFamily(name: string): boolean {
  return (
    name === 'forwarded' || name.startsWith('x-forwarded-') || CLIENT_ADDRESS_HEADERS.has(name)
  );
}

/**
 * The header list sent upstream for a request carrying `headers` (a client's, or a recorded
 * one with drift's credentials in place): hop-by-hop, `x-tapedeck-*`, `host`, `content-length`,
 * `expect` and the forwarded family removed, `accept-encoding` limited to codings tapedeck can
 * remove (so an answer can be redacted before it is recorded or compared), then the configured
 * forwarded headers, in their fixed order.
 */
export function upstreamHeaders(
  headers: HeaderMap,
  forwarded: ForwardedHeaders = {},
): [string, string][] {
  const out: [string, string][] = [];
  for (const [name, value] of Object.entries(stripHopByHop(headers, NOT_FORWARDED))) {
    if (isForwardedFamily(name)) continue;
    for (const v of valuesOf(value))
      out.push([name, name === 'accept-encoding' ? decodableAcceptEncoding(v) : v]);
  }
  for (const name of FORWARDED_HEADER_NAMES) {
    const value = forwarded[name];
    if (value !== undefined) out.push([name, String(value)]);
  }
  return out;
}
