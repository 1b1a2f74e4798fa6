import type { Body, HeaderMap } from '../../cassette/model.js';
import { isJsonMediaType } from '../../http/index.js';
import type { JsonValue } from '../../json.js';
import { generateValue, type GenerateIssue } from '../generate/generate.js';
import { fnv1a, type seededRng } from '../generate/random.js';
import type { IncomingRequest } from '../../ports/index.js';
import { conforms } from './conforms.js';
import {
  paginationLinks,
  rewriteJsonUrls,
  rewriteUrl,
  type LinkRequest,
  type SpecServer,
} from './links.js';
import { resolvePointer, type SpecHeader, type SpecMedia } from './operations.js';
import { resolveLocalRef } from './schema.js';
import { toXml } from './xml.js';

/**
 * The values of a spec's answers: bodies and headers from examples or generated from the
 * schemas, serialized for their media type. Apart from the responder (responder.ts), which
 * decides which response answers; this only makes its bytes.
 */

export function headerText(value: JsonValue): string {
  if (Array.isArray(value)) return value.map((v) => headerText(v)).join(',');
  if (value !== null && typeof value === 'object') return JSON.stringify(value);
  // Header values cannot carry line breaks.
  return String(value).replace(/[\r\n]+/g, ' ');
}

function isXmlMediaType(type: string): boolean {
  return type === 'application/xml' || type === 'text/xml' || type.endsWith('+xml');
}

/** Error envelopes name their status under one of these (RFC 9457 `status`, and common ones). */
const STATUS_FIELDS = ['status', 'statusCode', 'status_code', 'code'] as const;

/** The label every generated value of one request derives from: method, target and body. */
export function requestLabel(incoming: IncomingRequest): string {
  const method = incoming.method.toUpperCase();
  // HEAD is GET without the body: the same seed gives it the same headers.
  let label = `${method === 'HEAD' ? 'GET' : method} ${incoming.target}`;
  if (incoming.rawBody !== undefined && incoming.rawBody.length > 0) {
    let hash = 0x811c9dc5;
    // FNV over the bytes (latin1 view), chunked so a large body builds no large string.
    for (let i = 0; i < incoming.rawBody.length; i += 8192)
      hash = fnv1a(String.fromCharCode(...incoming.rawBody.subarray(i, i + 8192)), hash);
    label += ` #${hash.toString(16)}`;
  }
  return label;
}

export type SpecRng = ReturnType<typeof seededRng>;

export class SpecValues {
  /**
   * `document`: the spec's response document (CompiledSpec.responseDocument); `servers`: its
   * server URLs (links.ts specServers), which answers' links are moved off onto the mock.
   */
  constructor(
    private readonly document: unknown,
    private readonly servers: readonly SpecServer[] = [],
  ) {}

  /**
   * Keeps an answer's links on the mock (links.ts): `Link` (paging included) and `Location`
   * headers, and URL strings of a JSON body, that point at a spec server get `origin`.
   */
  onMock(
    headers: HeaderMap,
    body: Body | undefined,
    request: LinkRequest,
    origin: string,
  ): Body | undefined {
    if (this.servers.length === 0) return body;
    const link = headers['link'];
    if (typeof link === 'string')
      headers['link'] = paginationLinks(link, request, this.servers, origin);
    const location = headers['location'];
    if (typeof location === 'string')
      headers['location'] = rewriteUrl(location, this.servers, origin) ?? location;
    if (body?.encoding !== 'json') return body;
    return { ...body, json: rewriteJsonUrls(body.json, this.servers, origin) };
  }

  readonly resolve = (ref: string): unknown =>
    resolveLocalRef(this.document, ref.replace(/^spec(?=#)/, ''));

  bodyFor(media: SpecMedia, value: unknown): { body: Body; contentType: string } {
    const wildcard = media.type.includes('*');
    const contentType = wildcard
      ? media.type === '*/*' || media.type.startsWith('application/')
        ? 'application/json'
        : media.type.replace('*', 'plain')
      : media.type;
    if (isJsonMediaType(contentType))
      return { body: { encoding: 'json', json: (value ?? null) as JsonValue }, contentType };
    if (typeof value === 'string') return { body: { encoding: 'text', text: value }, contentType };
    if (isXmlMediaType(contentType)) {
      const xml = toXml((value ?? null) as JsonValue, this.schemaOf(media), this.resolve);
      return { body: { encoding: 'text', text: xml }, contentType };
    }
    // Another documented non-JSON type (CSV, plain text) with a structured value: JSON text.
    return { body: { encoding: 'text', text: JSON.stringify(value ?? null) }, contentType };
  }

  /**
   * A generated error body says the status it is sent with (`status: 404` in a 404, not a
   * random 579), and a problem+json `type` is RFC 9457's `about:blank`, whenever the schema
   * allows it. Examples are the author's and are sent as written.
   */
  agreeWithStatus(value: JsonValue, media: SpecMedia, status: number): JsonValue {
    if (value === null || typeof value !== 'object' || Array.isArray(value)) return value;
    const problemJson = media.type.endsWith('problem+json');
    if (status < 400 && !problemJson) return value;
    const schema = this.schemaOf(media);
    let out: Record<string, JsonValue> = value;
    const replace = (key: string, replacement: JsonValue) => {
      const candidate = { ...out };
      candidate[key] = replacement;
      if (conforms(candidate, schema, this.resolve)) out = candidate;
    };
    for (const key of STATUS_FIELDS) if (typeof out[key] === 'number') replace(key, status);
    if (problemJson && typeof out['type'] === 'string') replace('type', 'about:blank');
    return out;
  }

  schemaOf(source: { schemaPointer?: string; schema?: object }): unknown {
    if (source.schemaPointer !== undefined)
      return resolvePointer(this.document, source.schemaPointer);
    return source.schema;
  }

  /** `example` / first of `examples` on the media's schema (after following its `$ref`). */
  schemaExample(media: SpecMedia): unknown {
    let schema = this.schemaOf(media);
    for (let i = 0; i < 8 && typeof schema === 'object' && schema !== null; i++) {
      const record = schema as Record<string, unknown>;
      if (Array.isArray(record['examples']) && record['examples'].length > 0)
        return record['examples'][0];
      if ('example' in record) return record['example'];
      if (typeof record['$ref'] !== 'string') return undefined;
      schema = resolveLocalRef(this.document, record['$ref']);
    }
    return undefined;
  }

  generate(
    source: { schemaPointer?: string; schema?: object },
    rng: SpecRng,
    onIssue?: (issue: GenerateIssue) => void,
  ): JsonValue {
    const schema = this.schemaOf(source);
    if (schema === undefined) return null;
    return generateValue(schema, {
      rng,
      resolve: this.resolve,
      ...(onIssue === undefined ? {} : { onIssue }),
    });
  }

  /** The value a documented response header gets: its example, else one generated from its schema. */
  responseHeader(header: SpecHeader, rng: SpecRng): string {
    if (header.example !== undefined) return headerText(header.example as JsonValue);
    return headerText(this.generate(header, rng));
  }
}
