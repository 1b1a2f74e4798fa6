import type { Body, HeaderMap, NamedCassette } from '../cassette/model.js';
import { valuesOf } from '../cassette/model.js';
import { firstHeaderValue, formatQuery } from '../http/index.js';
import type { BodyCodec } from '../ports/index.js';
import type { HarEntry, HarLog, HarNameValue } from './model.js';

/**
 * A cassette without a recorded target still needs an absolute URL in HAR. `.invalid` is
 * reserved (RFC 2606): the host can never resolve, so nothing replays it against a real site.
 */
export const NO_TARGET_ORIGIN = 'http://tapedeck.invalid';

function nameValues(headers: HeaderMap): HarNameValue[] {
  const out: HarNameValue[] = [];
  for (const name of Object.keys(headers)) {
    for (const value of valuesOf(headers[name])) out.push({ name, value });
  }
  return out;
}

/** `a=1; b=2` as HAR cookies (values as stored: redacted). */
function requestCookies(headers: HeaderMap): HarNameValue[] {
  const out: HarNameValue[] = [];
  for (const header of valuesOf(headers['cookie'])) {
    for (const pair of header.split(';')) {
      const eq = pair.indexOf('=');
      if (eq <= 0) continue;
      out.push({ name: pair.slice(0, eq).trim(), value: pair.slice(eq + 1).trim() });
    }
  }
  return out;
}

function responseCookies(headers: HeaderMap): HarNameValue[] {
  const out: HarNameValue[] = [];
  for (const header of valuesOf(headers['set-cookie'])) {
    const first = header.split(';')[0] ?? '';
    const eq = first.indexOf('=');
    if (eq <= 0) continue;
    out.push({ name: first.slice(0, eq).trim(), value: first.slice(eq + 1).trim() });
  }
  return out;
}

const utf8 = new TextDecoder('utf-8');

/** A stored body as HAR text: the very bytes replay sends, as UTF-8 text or base64. */
function bodyText(
  body: Body | undefined,
  codec: BodyCodec,
): { text: string; base64: boolean; size: number } | undefined {
  if (body === undefined) return undefined;
  if (body.encoding === 'base64') {
    // Three base64 characters in four are whole bytes; the padding says how many the tail has.
    const padding = body.base64.endsWith('==') ? 2 : body.base64.endsWith('=') ? 1 : 0;
    return { text: body.base64, base64: true, size: (body.base64.length / 4) * 3 - padding };
  }
  const bytes = codec.encode(body);
  return { text: utf8.decode(bytes), base64: false, size: bytes.byteLength };
}

function mimeTypeOf(headers: HeaderMap): string {
  return firstHeaderValue(headers, 'content-type') ?? '';
}

function hasBasePath(target: string): boolean {
  return /^[a-z][a-z0-9+.-]*:\/\/[^/]+\/./i.test(target);
}

/** Milliseconds as ISO 8601; `recordedAt` is when the response ended, HAR wants the start. */
function startOf(recordedAt: string, latencyMs: number): string {
  const end = Date.parse(recordedAt);
  return new Date(Math.round(end - latencyMs)).toISOString();
}

/**
 * Cassettes as one HAR 1.2 log, cassette by cassette, interactions in order. Chromium's
 * devtools import it (every member HAR 1.2 requires is present); `_tapedeck` on each entry
 * carries what HAR has no place for (the cassette, the exact recordedAt, replayable), so an
 * import gives back the same interactions.
 */
export function cassettesToHar(
  cassettes: readonly NamedCassette[],
  codec: BodyCodec,
  creatorVersion: string,
): HarLog {
  const entries: HarEntry[] = [];
  for (const { name, cassette } of cassettes) {
    const origin = (cassette.meta?.target ?? NO_TARGET_ORIGIN).replace(/\/+$/, '');
    for (const interaction of cassette.interactions) {
      const { request, response } = interaction;
      const query = formatQuery(request.query);
      const requestBody = bodyText(request.body, codec);
      const responseBody = bodyText(response.body, codec);
      const location = firstHeaderValue(response.headers, 'location');
      const replayable = interaction.replayable;
      entries.push({
        startedDateTime: startOf(interaction.recordedAt, interaction.latencyMs),
        time: interaction.latencyMs,
        request: {
          method: request.method,
          url: `${origin}${request.path}${query === '' ? '' : `?${query}`}`,
          httpVersion: 'HTTP/1.1',
          headers: nameValues(request.headers),
          queryString: nameValues(request.query),
          cookies: requestCookies(request.headers),
          headersSize: -1,
          bodySize: requestBody?.size ?? 0,
          ...(requestBody === undefined
            ? {}
            : {
                postData: {
                  mimeType: mimeTypeOf(request.headers),
                  text: requestBody.text,
                  ...(requestBody.base64 ? { _encoding: 'base64' } : {}),
                },
              }),
        },
        response: {
          status: response.status,
          statusText: '',
          httpVersion: 'HTTP/1.1',
          headers: nameValues(response.headers),
          cookies: responseCookies(response.headers),
          content: {
            size: responseBody?.size ?? 0,
            mimeType: mimeTypeOf(response.headers),
            ...(responseBody === undefined ? {} : { text: responseBody.text }),
            ...(responseBody?.base64 === true ? { encoding: 'base64' } : {}),
          },
          redirectURL: location ?? '',
          headersSize: -1,
          bodySize: responseBody?.size ?? 0,
        },
        cache: {},
        timings: {
          blocked: -1,
          dns: -1,
          connect: -1,
          ssl: -1,
          send: 0,
          wait: interaction.latencyMs,
          receive: 0,
        },
        _tapedeck: {
          cassette: name,
          ...(hasBasePath(origin) ? { target: origin } : {}),
          recordedAt: interaction.recordedAt,
          ...(replayable === true ? { replayable: true } : {}),
        },
      });
    }
  }
  return {
    log: {
      version: '1.2',
      creator: { name: 'tapedeck', version: creatorVersion },
      pages: [],
      entries,
    },
  };
}
