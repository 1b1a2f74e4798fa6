import {
  brotliCompressSync,
  brotliDecompressSync,
  deflateSync,
  gzipSync,
  inflateRawSync,
  inflateSync,
  gunzipSync,
} from 'node:zlib';
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

function inflate(bytes: Buffer): Buffer {
  // Some servers send raw DEFLATE for "deflate" instead of the zlib wrapper RFC 9110 asks for.
  try {
    return inflateSync(bytes);
  } catch {
    return inflateRawSync(bytes);
  }
}

/** Removes content codings, last applied first. Throws when the bytes are not what they claim. */
export function removeContentEncoding(
  bytes: Uint8Array,
  codings: readonly ContentCoding[],
): Buffer {
  let out = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  for (const coding of [...codings].reverse()) {
    if (coding === 'gzip') out = gunzipSync(out);
    else if (coding === 'deflate') out = inflate(out);
    else out = brotliDecompressSync(out);
  }
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
 * JSON, or JSON indented by two spaces. Anything else (other indents, big integers, `1.0`,
 * duplicate keys, numeric keys that JSON.parse reorders) is stored as text, byte for byte.
 */
function classifyText(text: string, type: string): Body {
  const first = text.trimStart()[0];
  if (isJsonMediaType(type) || first === '{' || first === '[') {
    let parsed: JsonValue | undefined;
    try {
      parsed = JSON.parse(text) as JsonValue;
    } catch {
      parsed = undefined;
    }
    if (parsed !== undefined && typeof parsed === 'object' && parsed !== null) {
      // Compact JSON never holds a raw line feed (one in a string is escaped) and pretty JSON
      // always does (but for `{}` and `[]`, which are both): one stringify decides.
      const multiline = text.includes('\n');
      if (!multiline && JSON.stringify(parsed) === text) return { encoding: 'json', json: parsed };
      if (multiline && JSON.stringify(parsed, null, 2) === text)
        return { encoding: 'json', json: parsed, format: 'pretty' };
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
  if (text !== undefined && (isTextualMediaType(type) || !hasControlCharacters(text))) {
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
    case 'json':
      return Buffer.from(
        body.format === 'pretty' ? JSON.stringify(body.json, null, 2) : JSON.stringify(body.json),
      );
    case 'text':
      return Buffer.from(body.text, 'utf8');
    case 'base64':
      return Buffer.from(body.base64, 'base64');
  }
}

export class NodeBodyCodec implements BodyCodec {
  decode(bytes: Uint8Array, headers: HeaderMap): Body | undefined {
    const codings = parseContentEncoding(headers);
    if (codings === undefined) {
      // An unknown coding: keep the bytes exactly, as binary.
      return bytes.byteLength === 0
        ? undefined
        : {
            encoding: 'base64',
            base64: Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString(
              'base64',
            ),
          };
    }
    const decoded = codings.length === 0 ? bytes : removeContentEncoding(bytes, codings);
    return classifyBytes(decoded, headers);
  }

  encode(body: Body | undefined): Uint8Array {
    return bodyBytes(body);
  }
}
