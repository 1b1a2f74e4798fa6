import type { Body, HeaderMap, Interaction, QueryMap } from '../cassette/model.js';
import { appendValue } from '../cassette/model.js';
import { TapedeckError } from '../errors.js';
import { parseQuery } from '../http/index.js';
import type { BodyCodec } from '../ports/index.js';
import { compileValidator, describePointer, type SchemaProblem } from '../validation.js';
import type { HarEntry, HarLog, HarNameValue } from './model.js';
import { harImportSchema } from './schema.js';

const validateHar = compileValidator<HarLog>(harImportSchema);

/** A header name the cassette schema accepts (RFC 9110 token, lower-case). */
const TOKEN = /^[!#$%&'*+.^_`|~0-9a-z-]+$/;
const ISO_INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;

function invalid(file: string, problems: readonly SchemaProblem[]): TapedeckError {
  const shown = problems.slice(0, 5);
  return new TapedeckError(
    'TD_HAR_INVALID',
    `HAR file ${file} is not valid HAR 1.2: ${shown.map((p) => `${describePointer(p.pointer)}: ${p.message}`).join('; ')}${problems.length > shown.length ? ` (and ${problems.length - shown.length} more)` : ''}.`,
    {
      details: { file, pointer: shown[0]?.pointer ?? '' },
      hint: 'Export the HAR again from the browser devtools or proxy ("Save all as HAR with content"), or fix the member named above.',
    },
  );
}

/**
 * Where JSON text first goes wrong, as a UTF-16 offset: the scanner follows RFC 8259 far enough
 * to find the first byte JSON.parse refuses. Only the position is ever reported — never the
 * engine's message, which quotes the text around it (a HAR is full of tokens and cookies). -1
 * when it finds no error, or the nesting is too deep to follow.
 */
export function jsonErrorOffset(text: string): number {
  const stop = new Error('not JSON');
  let i = 0;
  const ws = () => {
    while (i < text.length && ' \t\n\r'.includes(text[i]!)) i++;
  };
  const fail = (): never => {
    throw stop;
  };
  const literal = (word: string) => {
    for (const c of word) {
      if (text[i] !== c) fail();
      i++;
    }
  };
  const string = () => {
    if (text[i] !== '"') fail();
    i++;
    for (;;) {
      if (i >= text.length) fail();
      const c = text.charCodeAt(i);
      if (c === 0x22) {
        i++;
        return;
      }
      if (c < 0x20) fail();
      if (c === 0x5c) {
        i++;
        const e = text[i];
        if (e === 'u') {
          for (let k = 1; k <= 4; k++) {
            if (!/[0-9a-fA-F]/.test(text[i + k] ?? '')) {
              i += k;
              fail();
            }
          }
          i += 5;
        } else if (e !== undefined && '"\\/bfnrt'.includes(e)) i++;
        else fail();
      } else i++;
    }
  };
  const digits = () => {
    if (!/[0-9]/.test(text[i] ?? '')) fail();
    while (/[0-9]/.test(text[i] ?? '')) i++;
  };
  const number = () => {
    if (text[i] === '-') i++;
    if (text[i] === '0') i++;
    else digits();
    if (text[i] === '.') {
      i++;
      digits();
    }
    if (text[i] === 'e' || text[i] === 'E') {
      i++;
      if (text[i] === '+' || text[i] === '-') i++;
      digits();
    }
  };
  const value = (depth: number): void => {
    // Deeper than any HAR: give up on a position rather than on the stack.
    if (depth > 500) throw new RangeError('too deep');
    ws();
    const c = text[i];
    if (c === '{') {
      i++;
      ws();
      if (text[i] === '}') {
        i++;
        return;
      }
      for (;;) {
        ws();
        string();
        ws();
        if (text[i] !== ':') fail();
        i++;
        value(depth + 1);
        ws();
        if (text[i] === ',') i++;
        else if (text[i] === '}') {
          i++;
          return;
        } else fail();
      }
    }
    if (c === '[') {
      i++;
      ws();
      if (text[i] === ']') {
        i++;
        return;
      }
      for (;;) {
        value(depth + 1);
        ws();
        if (text[i] === ',') i++;
        else if (text[i] === ']') {
          i++;
          return;
        } else fail();
      }
    }
    if (c === '"') return string();
    if (c === 't') return literal('true');
    if (c === 'f') return literal('false');
    if (c === 'n') return literal('null');
    if (c === '-' || (c !== undefined && c >= '0' && c <= '9')) return number();
    fail();
  };
  try {
    value(0);
    ws();
    return i < text.length ? i : -1;
  } catch (error) {
    // A RangeError (nesting too deep): no position, rather than a wrong one.
    return error === stop ? Math.min(i, text.length) : -1;
  }
}

/** `line 3, column 17` (both from 1) of a UTF-16 offset into `text`. */
function lineColumn(text: string, offset: number): string {
  const before = text.slice(0, offset);
  const line = before.split(/\r\n|\r|\n/).length;
  const lastBreak = Math.max(before.lastIndexOf('\n'), before.lastIndexOf('\r'));
  return `line ${line}, column ${offset - lastBreak}`;
}

/** Parses and validates the text of a HAR file; TD_HAR_INVALID names the file and the JSON pointer. */
export function parseHar(text: string, file: string): HarLog {
  // A BOM is common in HAR files saved by Windows tools (Charles, Fiddler).
  const json = text.startsWith('\uFEFF') ? text.slice(1) : text;
  let doc: unknown;
  try {
    doc = JSON.parse(json);
  } catch {
    // No `cause` and nothing of the engine's message: both quote the HAR text, secrets included.
    const offset = jsonErrorOffset(json);
    const where =
      offset < 0
        ? ''
        : offset >= json.length
          ? ' at the end of the file (it is cut short)'
          : ` at ${lineColumn(json, offset)} (offset ${offset})`;
    throw new TapedeckError('TD_HAR_INVALID', `HAR file ${file} is not valid JSON${where}.`, {
      details: { file, pointer: '', ...(offset < 0 ? {} : { offset }) },
      hint: 'Export the HAR again; a truncated download is the usual cause.',
    });
  }
  const result = validateHar(doc);
  if (!result.ok) throw invalid(file, result.problems);
  return result.value;
}

/** One HAR entry as an interaction, before redaction (exactly what the recorder gets raw). */
export interface HarImported {
  /** Position in `log.entries`. */
  readonly index: number;
  /**
   * The cassette's target: scheme://host[:port] of the request, or the target a tapedeck export
   * named (with its base path, which `interaction.request.path` is then below).
   */
  readonly origin: string;
  /** The cassette named by a tapedeck export (`_tapedeck.cassette`), if any. */
  readonly cassette?: string;
  readonly interaction: Interaction;
}

export type HarSkipReason =
  'websocket' | 'connect' | 'not-http' | 'no-response' | 'no-body-content' | 'too-large';

export interface HarSkipped {
  readonly index: number;
  readonly method: string;
  /** The request URL as in the HAR: show it only after redaction (see app/har). */
  readonly url: string;
  readonly reason: HarSkipReason;
  /** Why, for a person. */
  readonly detail: string;
}

export interface HarConversion {
  readonly imported: readonly HarImported[];
  readonly skipped: readonly HarSkipped[];
}

/** HAR headers as a header map: names lower-cased, HTTP/2 pseudo-headers (`:authority`) dropped. */
export function harHeaders(list: readonly HarNameValue[]): HeaderMap {
  const headers: HeaderMap = {};
  for (const { name, value } of list) {
    const lower = name.toLowerCase();
    // Pseudo-headers describe the request line, already in method and url; names that are not
    // tokens cannot be sent on HTTP/1.1 and the cassette schema refuses them.
    if (!TOKEN.test(lower)) continue;
    appendValue(headers, lower, value);
  }
  return headers;
}

function withoutContentEncoding(headers: HeaderMap): HeaderMap {
  const { ['content-encoding']: _removed, ...rest } = headers;
  return rest;
}

/** atob to bytes; undefined when the text is not base64. */
function base64Bytes(text: string): Uint8Array | undefined {
  let binary: string;
  try {
    binary = atob(text.replace(/\s+/g, ''));
  } catch {
    return undefined;
  }
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}

const utf8 = new TextEncoder();

function formBody(params: readonly { readonly name: string; readonly value?: string }[]): string {
  return params
    .map((p) => `${encodeURIComponent(p.name)}=${encodeURIComponent(p.value ?? '')}`)
    .join('&');
}

interface Converted {
  readonly body?: Body;
  readonly bytes: number;
}

/**
 * A HAR body (text, base64 or absent) as a stored body. HAR text is already decoded (the
 * browser removed gzip or br), while the headers still name the coding: the codec classifies
 * the bytes without it, and the header stays, as record keeps it.
 */
function convertBody(
  codec: BodyCodec,
  text: string | undefined,
  base64: boolean,
  headers: HeaderMap,
  file: string,
  pointer: string,
): Converted {
  if (text === undefined || text === '') return { bytes: 0 };
  const bytes = base64 ? base64Bytes(text) : utf8.encode(text);
  if (bytes === undefined)
    throw invalid(file, [{ pointer, message: 'is not base64 although its encoding says so' }]);
  const body = codec.decode(bytes, withoutContentEncoding(headers));
  return { bytes: bytes.byteLength, ...(body === undefined ? {} : { body }) };
}

function recordedAtOf(entry: HarEntry, file: string, index: number): string {
  const extra = entry._tapedeck?.recordedAt;
  if (extra !== undefined && ISO_INSTANT.test(extra)) return extra;
  const start = Date.parse(entry.startedDateTime);
  if (Number.isNaN(start)) {
    throw invalid(file, [
      {
        pointer: `/log/entries/${index}/startedDateTime`,
        message: 'must be an ISO 8601 date and time',
      },
    ]);
  }
  return new Date(start + Math.max(0, entry.time)).toISOString();
}

function skipReason(entry: HarEntry, url: URL | undefined): [HarSkipReason, string] | undefined {
  if (
    entry._webSocketMessages !== undefined ||
    entry._resourceType?.toLowerCase() === 'websocket'
  ) {
    return ['websocket', 'WebSocket: its frames are not HTTP exchanges'];
  }
  if (entry.request.method.toUpperCase() === 'CONNECT')
    return ['connect', 'CONNECT: a proxy tunnel, not an API call'];
  if (url === undefined) return ['not-http', 'the URL does not parse'];
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    return ['not-http', `a ${url.protocol} URL is not an HTTP exchange`];
  const response = entry.response;
  if (response === undefined || response === null) return ['no-response', 'no response in the HAR'];
  if (response.status === 101) return ['websocket', 'a protocol upgrade (101), not an HTTP answer'];
  if (!Number.isInteger(response.status) || response.status < 100 || response.status > 599) {
    return [
      'no-response',
      `status ${response.status}: the request failed, was blocked or was aborted`,
    ];
  }
  const content = response.content;
  if (content !== undefined && content.text === undefined && content.size > 0) {
    return ['no-body-content', 'the response body is not in the HAR (export it "with content")'];
  }
  return undefined;
}

/**
 * Record keeps paths below the target's base path (a target `https://api.example.com/v1`
 * records `/customers`); an export says which target it was, and the path goes back below it.
 */
function targetAndPath(url: URL, exported: string | undefined): { target: string; path: string } {
  const whole = url.pathname === '' ? '/' : url.pathname;
  const base = exported === undefined ? undefined : parseUrl(exported);
  if (base === undefined || base.origin !== url.origin) return { target: url.origin, path: whole };
  const prefix = base.pathname.replace(/\/+$/, '');
  if (prefix === '') return { target: url.origin, path: whole };
  if (!whole.startsWith(`${prefix}/`)) return { target: url.origin, path: whole };
  return { target: `${url.origin}${prefix}`, path: whole.slice(prefix.length) };
}

function parseUrl(raw: string): URL | undefined {
  try {
    return new URL(raw);
  } catch {
    return undefined;
  }
}

/**
 * The entries of a HAR as raw interactions, in the HAR's order, and the entries that are not
 * HTTP exchanges tapedeck can replay, each with its reason. `maxBodyBytes` applies to each
 * body as record applies it.
 */
export function harToInteractions(
  har: HarLog,
  codec: BodyCodec,
  options: { readonly file: string; readonly maxBodyBytes: number },
): HarConversion {
  const imported: HarImported[] = [];
  const skipped: HarSkipped[] = [];
  const { file, maxBodyBytes } = options;
  har.log.entries.forEach((entry, index) => {
    const at = `/log/entries/${index}`;
    const url = parseUrl(entry.request.url);
    const method = entry.request.method.toUpperCase();
    const skip = (reason: HarSkipReason, detail: string) =>
      skipped.push({ index, method, url: entry.request.url, reason, detail });
    const why = skipReason(entry, url);
    if (why !== undefined || url === undefined || entry.response == null) {
      const [reason, detail] = why ?? ['no-response', 'no response in the HAR'];
      skip(reason, detail);
      return;
    }
    if (!/^[A-Z][A-Z0-9_-]*$/.test(method)) {
      throw invalid(file, [{ pointer: `${at}/request/method`, message: 'must be an HTTP method' }]);
    }
    const response = entry.response;
    const requestHeaders = harHeaders(entry.request.headers);
    const responseHeaders = harHeaders(response.headers);
    const postData = entry.request.postData;
    const requestText =
      postData?.text ?? (postData?.params !== undefined ? formBody(postData.params) : undefined);
    const request = convertBody(
      codec,
      requestText,
      postData?._encoding === 'base64',
      requestHeaders,
      file,
      `${at}/request/postData/text`,
    );
    const content = response.content;
    const reply = convertBody(
      codec,
      content?.text,
      content?.encoding === 'base64',
      responseHeaders,
      file,
      `${at}/response/content/text`,
    );
    const over = Math.max(request.bytes, reply.bytes);
    if (over > maxBodyBytes) {
      skip('too-large', `a body of ${over} bytes is over maxBodyBytes (${maxBodyBytes})`);
      return;
    }
    const query: QueryMap = parseQuery(url.search.slice(1));
    const extra = entry._tapedeck;
    const { target, path } = targetAndPath(url, extra?.target);
    imported.push({
      index,
      origin: target,
      ...(extra?.cassette === undefined ? {} : { cassette: extra.cassette }),
      interaction: {
        request: {
          method,
          path,
          query,
          headers: requestHeaders,
          ...(request.body === undefined ? {} : { body: request.body }),
        },
        response: {
          status: response.status,
          headers: responseHeaders,
          ...(reply.body === undefined ? {} : { body: reply.body }),
        },
        latencyMs: Math.round(Math.max(0, entry.time) * 100) / 100,
        recordedAt: recordedAtOf(entry, file, index),
        ...(extra?.replayable === true ? { replayable: true } : {}),
      },
    });
  });
  return { imported, skipped };
}
