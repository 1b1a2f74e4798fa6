import { kMaxLength } from 'node:buffer';
import {
  brotliCompressSync,
  brotliDecompressSync,
  deflateSync,
  gzipSync,
  inflateRawSync,
  inflateSync,
  gunzipSync,
} from 'node:zlib';
import { jsonTextTooDeep } from '../../core/cassette/load-checks.js';
import type { Body, HeaderMap } from '../../core/cassette/model.js';
import type { JsonValue } from '../../core/json.js';
import {
  combinedHeaderValue,
  firstHeaderValue,
  isJsonMediaType,
  isTextualMediaType,
  mediaType,
} from '../../core/http/index.js';
import type { BodyCodec } from '../../core/ports/index.js';
import { codingLabel, MAX_CONTENT_CODINGS } from '../../core/http/framing.js';
import { TapedeckError } from '../../core/errors.js';

const utf8 = new TextDecoder('utf-8', { fatal: true });
const EMPTY = new Uint8Array(0);

/** Content codings tapedeck can remove; anything else is stored as binary, still encoded. */
export type ContentCoding = 'gzip' | 'deflate' | 'br';

export function parseContentEncoding(headers: HeaderMap): ContentCoding[] | undefined {
  // A list header: `gzip` and `br` on two lines mean `gzip, br`.
  const raw = combinedHeaderValue(headers, 'content-encoding');
  if (raw === undefined) return [];
  const codings: ContentCoding[] = [];
  for (const token of raw.split(',')) {
    const c = token.trim().toLowerCase();
    if (c === '' || c === 'identity') continue;
    if (c === 'gzip' || c === 'x-gzip') codings.push('gzip');
    else if (c === 'deflate') codings.push('deflate');
    else if (c === 'br') codings.push('br');
    else return undefined;
  }
  return codings;
}

/** What zlib throws when `maxOutputLength` is reached: it stops inflating there. */
function isOverLimit(error: unknown): boolean {
  return (error as { code?: unknown }).code === 'ERR_BUFFER_TOO_LARGE';
}

function inflate(bytes: Buffer, maxOutputLength: number): Buffer {
  // Some servers send raw DEFLATE for "deflate" instead of the zlib wrapper RFC 9110 asks for.
  try {
    return inflateSync(bytes, { maxOutputLength });
  } catch (error) {
    // Over the limit is an answer, not a wrong guess of the wrapper.
    if (isOverLimit(error)) throw error;
    return inflateRawSync(bytes, { maxOutputLength });
  }
}

/**
 * The decoded body would be larger than the limit: decoding stopped there. `budget` says the
 * stages' shared budget ran out (twice the limit) rather than one stage's output.
 */
export function decodedTooLarge(
  codings: readonly string[],
  limit: number,
  budget = false,
): TapedeckError {
  const label = codingLabel(codings);
  return new TapedeckError(
    'TD_BODY_TOO_LARGE',
    budget
      ? `The ${label} body's codings decode to more than ${DECODE_BUDGET_FACTOR * limit} bytes together (${DECODE_BUDGET_FACTOR} × maxBodyBytes).`
      : `The ${label} body decodes to more than ${limit} bytes (maxBodyBytes).`,
    {
      details: { codings: label, limit },
      hint: 'Raise maxBodyBytes in tapedeck.config.json if this is expected.',
    },
  );
}

/** More content codings than MAX_CONTENT_CODINGS: none is removed. */
export function tooManyCodings(codings: readonly string[]): TapedeckError {
  return new TapedeckError(
    'TD_BODY_TOO_LARGE',
    `The body has ${codings.length} content codings; tapedeck removes at most ${MAX_CONTENT_CODINGS}.`,
    {
      details: { codings: codingLabel(codings), limit: MAX_CONTENT_CODINGS },
      hint: 'Send the body with one content coding (gzip, deflate or br), or none.',
    },
  );
}

/** All stages together may write at most this many times `maxBytes`. */
export const DECODE_BUDGET_FACTOR = 2;

/**
 * Removes content codings, last applied first. Throws when the bytes are not what they claim,
 * and TD_BODY_TOO_LARGE as soon as any stage would produce more than `maxBytes`: a 64 KiB gzip
 * body can inflate to 64 MiB (and `gzip, gzip` multiplies that), so each stage is decoded with
 * zlib's `maxOutputLength`, which stops inflating at the limit instead of checking afterwards.
 * Every intermediate result is bounded by the same limit, so the peak memory is too. The work
 * is bounded as well: at most MAX_CONTENT_CODINGS stages, whose outputs together may not pass
 * DECODE_BUDGET_FACTOR × `maxBytes` (sixty stacked level-0 gzip layers each re-inflated the whole
 * body: 172 KB on the wire froze the server for seconds).
 */
export function removeContentEncoding(
  bytes: Uint8Array,
  codings: readonly ContentCoding[],
  maxBytes = Number.MAX_SAFE_INTEGER,
): Buffer {
  if (codings.length > MAX_CONTENT_CODINGS) throw tooManyCodings(codings);
  // zlib refuses a maxOutputLength above buffer.kMaxLength.
  const stageMax = Math.max(1, Math.min(maxBytes, kMaxLength));
  let budget = Math.min(Number.MAX_SAFE_INTEGER, DECODE_BUDGET_FACTOR * maxBytes);
  let out = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  for (const coding of [...codings].reverse()) {
    // The budget left bounds this stage when it is the tighter of the two.
    const byBudget = budget < stageMax;
    const maxOutputLength = Math.max(1, Math.min(stageMax, budget));
    try {
      if (coding === 'gzip') out = gunzipSync(out, { maxOutputLength });
      else if (coding === 'deflate') out = inflate(out, maxOutputLength);
      else out = brotliDecompressSync(out, { maxOutputLength });
    } catch (error) {
      if (isOverLimit(error)) throw decodedTooLarge(codings, maxBytes, byBudget);
      throw error;
    }
    if (out.byteLength > budget) throw decodedTooLarge(codings, maxBytes, true);
    budget -= out.byteLength;
  }
  // No coding: the bytes as they came, which the caller has bounded (the server's read, the
  // upstream layer's tee, HAR import's skip, drift's read), each with its own message.
  return out;
}

export function applyContentEncoding(bytes: Uint8Array, coding: ContentCoding): Buffer {
  switch (coding) {
    case 'gzip':
      return gzipSync(bytes);
    case 'deflate':
      return deflateSync(bytes);
    case 'br':
      return brotliCompressSync(bytes);
  }
}

/**
 * Stores JSON as JSON only when replaying it gives back the very bytes that were sent: compact
 * JSON, or JSON indented by 1–10 spaces per level (what JSON.stringify writes, and Python's
 * json.dumps with `indent`), either one optionally followed by a single line feed (Flask's
 * jsonify, Express's `json spaces`, many frameworks). Anything else (tabs, `", "` separators,
 * big integers, `1.0`, duplicate keys, numeric keys that JSON.parse reorders, `\\u00e9` escapes)
 * is stored as text, byte for byte: the length and any digest of the body stay what they were.
 */
function classifyText(text: string, type: string): Body {
  const first = text.trimStart()[0];
  if (isJsonMediaType(type) || first === '{' || first === '[') {
    // One line feed after the JSON is kept as a flag; more, or `\r\n`, is text.
    const trailingNewline = text.endsWith('\n') && !text.endsWith('\n\n') && !text.endsWith('\r\n');
    const json = trailingNewline ? text.slice(0, -1) : text;
    let parsed: JsonValue | undefined;
    try {
      parsed = JSON.parse(json) as JsonValue;
    } catch {
      parsed = undefined;
    }
    if (parsed !== undefined && typeof parsed === 'object' && parsed !== null) {
      const suffix = trailingNewline ? { trailingNewline: true } : {};
      // Compact JSON never holds a raw line feed (one in a string is escaped) and indented JSON
      // always does (but for `{}` and `[]`, which are both): one stringify decides.
      if (!json.includes('\n')) {
        if (JSON.stringify(parsed) === json) return { encoding: 'json', json: parsed, ...suffix };
      } else {
        // The indent is the leading spaces of the second line (the first member).
        const indent = /^[[{]\n( {1,10})[^ ]/.exec(json)?.[1]?.length;
        if (indent !== undefined && JSON.stringify(parsed, null, indent) === json)
          return {
            encoding: 'json',
            json: parsed,
            format: 'pretty',
            ...(indent === 2 ? {} : { indent }),
            ...suffix,
          };
      }
    }
  }
  return { encoding: 'text', text };
}

/** C0 control characters other than tab, line feed, form feed and carriage return. */
function hasControlCharacters(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x20 && c !== 0x09 && c !== 0x0a && c !== 0x0c && c !== 0x0d) return true;
  }
  return false;
}

export function classifyBytes(bytes: Uint8Array, headers: HeaderMap): Body | undefined {
  if (bytes.byteLength === 0) return undefined;
  const type = mediaType(firstHeaderValue(headers, 'content-type'));
  let text: string | undefined;
  try {
    text = utf8.decode(bytes);
  } catch {
    text = undefined;
  }
  // Valid UTF-8 is text unless the media type says otherwise and control bytes agree.
  // JSON nested deeper than a cassette may hold (MAX_JSON_DEPTH, refused at load) is kept as
  // its bytes: replayed the same, never parsed by matching or the scanner.
  if (
    text !== undefined &&
    (isTextualMediaType(type) || !hasControlCharacters(text)) &&
    jsonTextTooDeep(text) === undefined
  ) {
    return classifyText(text, type);
  }
  return {
    encoding: 'base64',
    base64: Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64'),
  };
}

export function bodyBytes(body: Body | undefined): Buffer {
  if (body === undefined) return Buffer.from(EMPTY);
  switch (body.encoding) {
    case 'json': {
      const json =
        body.format === 'pretty'
          ? JSON.stringify(body.json, null, body.indent ?? 2)
          : JSON.stringify(body.json);
      return Buffer.from(body.trailingNewline === true ? `${json}\n` : json);
    }
    case 'text':
      return Buffer.from(body.text, 'utf8');
    case 'base64':
      return Buffer.from(body.base64, 'base64');
  }
}

export interface NodeBodyCodecOptions {
  /**
   * The largest body a content coding may decode to, in bytes (`maxBodyBytes`): past it `decode`
   * throws TD_BODY_TOO_LARGE, having decoded no further than the limit. Bytes with no coding (or
   * an unknown one) are kept as they are: their size is the caller's limit on the wire.
   */
  readonly maxDecodedBytes: number;
}

export class NodeBodyCodec implements BodyCodec {
  private readonly maxDecodedBytes: number;

  /**
   * Every composition passes `maxBodyBytes` (app/compose/); without options nothing bounds the
   * decoded size, which is only for tools and tests that decode bytes they made themselves.
   */
  constructor(options?: NodeBodyCodecOptions) {
    this.maxDecodedBytes = options?.maxDecodedBytes ?? Number.MAX_SAFE_INTEGER;
  }

  decode(bytes: Uint8Array, headers: HeaderMap): Body | undefined {
    const codings = parseContentEncoding(headers);
    if (codings === undefined) {
      // An unknown coding: keep the bytes exactly, as binary (the caller bounds their size).
      return bytes.byteLength === 0
        ? undefined
        : {
            encoding: 'base64',
            base64: Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString(
              'base64',
            ),
          };
    }
    const decoded = removeContentEncoding(bytes, codings, this.maxDecodedBytes);
    return classifyBytes(decoded, headers);
  }

  encode(body: Body | undefined): Uint8Array {
    return bodyBytes(body);
  }
}
