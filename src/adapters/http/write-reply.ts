/**
 * Writing a pipeline reply to a node:http response: a recorded response (prepared once and
 * cached, with its content coding re-applied when the client accepts it), a simple answer, a
 * stream with backpressure, or a wire fault (faults.ts) around one of these.
 */
import { STATUS_CODES, type IncomingMessage, type ServerResponse } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import type { RecordedResponse } from '../../core/cassette/model.js';
import { valuesOf } from '../../core/cassette/model.js';
import { firstHeaderValue, HEADER_MISS, HOP_BY_HOP } from '../../core/http/index.js';
import type { RecordedReply, Reply } from '../../core/ports/index.js';
import {
  applyContentEncoding,
  bodyBytes,
  parseContentEncoding,
  type ContentCoding,
} from './body-codec.js';
import { bodyless, writeFault, WireFaults, type ReplyWriter, type WireAnswer } from './faults.js';

/**
 * Recorded headers that are not replayed: the framing the server computes itself from the bytes
 * it sends, and the hop-by-hop headers, which described the recorded connection, not this one
 * (a recording never keeps them; a hand-written cassette may).
 */
const COMPUTED: ReadonlySet<string> = new Set([
  'content-length',
  'content-encoding',
  ...HOP_BY_HOP,
]);

interface PreparedResponse {
  readonly status: number;
  /** Flat [name, value, name, value, …] without computed headers. */
  readonly headers: readonly string[];
  /** The recorded content coding that replay re-applies when the client accepts it. */
  readonly coding: ContentCoding | undefined;
  readonly identity: Buffer;
  encoded?: Buffer;
  /** Content-Length recorded for a HEAD answer, which has no body of its own. */
  readonly headLength: string | undefined;
  /** Complete header lists for the extra headers last seen (a layer passes the same array each time). */
  lists?: HeaderLists;
}

interface HeaderLists {
  readonly extra: readonly (readonly [string, string])[];
  readonly identity: readonly string[];
  readonly bodyless: readonly string[];
  readonly head: readonly string[];
  encoded?: readonly string[];
}

/**
 * Serializing a recorded response (JSON to bytes, header list) happens once per response and is
 * cached here, so the replay hot path is a lookup plus one socket write.
 */
const prepared = new WeakMap<RecordedResponse, PreparedResponse>();

function prepare(response: RecordedResponse): PreparedResponse {
  const cached = prepared.get(response);
  if (cached) return cached;
  const headers: string[] = [];
  const codings = parseContentEncoding(response.headers);
  for (const [name, value] of Object.entries(response.headers)) {
    // An unknown coding was stored still encoded: its header must travel with the bytes.
    if (COMPUTED.has(name) && !(name === 'content-encoding' && codings === undefined)) continue;
    for (const v of valuesOf(value)) headers.push(name, v);
  }
  const result: PreparedResponse = {
    status: response.status,
    headers,
    coding: codings?.length === 1 ? codings[0] : undefined,
    identity: bodyBytes(response.body),
    headLength: firstHeaderValue(response.headers, 'content-length'),
  };
  prepared.set(response, result);
  return result;
}

function accepts(acceptEncoding: string | undefined, coding: ContentCoding): boolean {
  if (acceptEncoding === undefined) return false;
  return acceptEncoding.split(',').some((part) => {
    const [name, ...params] = part.trim().toLowerCase().split(';');
    return name === coding && !params.some((p) => /^\s*q=0(\.0*)?\s*$/.test(p));
  });
}

/** The reason phrase of a miss whose status node has no phrase for (the default, 599). */
export const MISS_REASON = 'Tapedeck No Match';

const CLASS_REASONS = ['Informational', 'Success', 'Redirection', 'Client Error', 'Server Error'];

/**
 * The reason phrase of a status line. Node writes "unknown" for a status it has no phrase for
 * (599, tapedeck's miss status, or a recorded 599 or 520); a miss says what it is instead, any
 * other such status its class (RFC 9110 §15). Known statuses keep node's standard phrase. A
 * recording does not keep the upstream's phrase (HTTP/2 has none), so this is all replay has.
 */
export function reasonPhrase(status: number, miss: boolean): string {
  const standard = STATUS_CODES[status];
  if (standard !== undefined) return standard;
  if (miss) return MISS_REASON;
  return CLASS_REASONS[Math.floor(status / 100) - 1] ?? 'Unknown';
}

const isMiss = (headers: readonly (readonly [string, string])[]): boolean =>
  headers.some(([name]) => name === HEADER_MISS);

/** The header lists of a prepared response with a layer's extra headers, built once. */
function headerLists(
  p: PreparedResponse,
  extra: readonly (readonly [string, string])[],
): HeaderLists {
  if (p.lists?.extra === extra) return p.lists;
  const base = [...p.headers, ...extra.flat()];
  const lists: HeaderLists = {
    extra,
    identity: [...base, 'content-length', String(p.identity.byteLength)],
    bodyless: base,
    head: p.headLength === undefined ? base : [...base, 'content-length', p.headLength],
  };
  p.lists = lists;
  return lists;
}

export function writeRecorded(
  req: IncomingMessage,
  res: ServerResponse,
  reply: RecordedReply,
): void {
  const p = prepare(reply.response);
  const lists = headerLists(p, reply.extraHeaders);
  const method = req.method ?? 'GET';
  const reason = reasonPhrase(p.status, false);
  if (bodyless(p.status, method)) {
    res.writeHead(p.status, reason, (method === 'HEAD' ? lists.head : lists.bodyless) as string[]);
    res.end();
    return;
  }
  if (
    p.coding !== undefined &&
    p.identity.byteLength > 0 &&
    accepts(req.headers['accept-encoding'], p.coding)
  ) {
    const encoded = (p.encoded ??= applyContentEncoding(p.identity, p.coding));
    lists.encoded ??= [
      ...lists.bodyless,
      'content-encoding',
      p.coding,
      'content-length',
      String(encoded.byteLength),
    ];
    res.writeHead(p.status, reason, lists.encoded as string[]);
    res.end(encoded);
    return;
  }
  res.writeHead(p.status, reason, lists.identity as string[]);
  res.end(p.identity);
}

/**
 * Streams a body chunk by chunk with backpressure, bounded: a client that takes no byte for the
 * faults' `drainTimeoutMs` has its response destroyed. Leaving the loop early (client gone)
 * ends the source iterator, which releases the upstream connection.
 */
async function writeStream(
  res: ServerResponse,
  body: AsyncIterable<Uint8Array>,
  faults: WireFaults,
): Promise<void> {
  for await (const chunk of body) {
    if (res.destroyed) throw new Error('the client closed the connection');
    if (!res.write(chunk) && !(await faults.drained(res)))
      throw new Error('the client closed the connection or stopped reading');
  }
  if (res.destroyed) throw new Error('the client closed the connection');
  res.end();
}

/** Headers a fault sets itself from the bytes it sends, dropped from a streamed answer's. */
const FRAMING: ReadonlySet<string> = new Set(['content-length', 'transfer-encoding']);

/**
 * An answer as status, headers and body bytes, for the faults that cut or slow it: a recorded
 * response's identity bytes (a fault sends no content coding), a simple body, a stream read to
 * its end, the answer inside a fault.
 */
export async function answerOf(req: IncomingMessage, reply: Reply): Promise<WireAnswer> {
  switch (reply.kind) {
    case 'recorded': {
      const p = prepare(reply.response);
      const lists = headerLists(p, reply.extraHeaders);
      return {
        status: p.status,
        reason: reasonPhrase(p.status, false),
        headers: lists.bodyless,
        body: p.identity,
      };
    }
    case 'simple':
      return {
        status: reply.status,
        reason: reasonPhrase(reply.status, isMiss(reply.headers)),
        headers: reply.headers.flat(),
        body: Buffer.from(reply.body, 'utf8'),
      };
    case 'stream': {
      const chunks: Uint8Array[] = [];
      for await (const chunk of reply.body) chunks.push(chunk);
      return {
        status: reply.status,
        reason: reasonPhrase(reply.status, isMiss(reply.headers)),
        headers: reply.headers.filter(([name]) => !FRAMING.has(name.toLowerCase())).flat(),
        body: Buffer.concat(chunks),
      };
    }
    case 'fault':
      return answerOf(req, reply.inner);
  }
}

/** Faults written outside a server made by createHttpServer: never ended, timers unref'd. */
const UNOWNED_FAULTS = new WireFaults();

const writer: ReplyWriter = {
  answerOf,
  write: (req, res, reply, faults) => writeReply(req, res, reply, faults),
};

/** Writes a reply; `faults` are the server's (closeGracefully ends their waits). */
export async function writeReply(
  req: IncomingMessage,
  res: ServerResponse,
  reply: Reply,
  faults: WireFaults = UNOWNED_FAULTS,
): Promise<void> {
  switch (reply.kind) {
    case 'recorded':
      if (reply.delayMs > 0) await sleep(reply.delayMs);
      writeRecorded(req, res, reply);
      return;
    case 'simple': {
      const body = Buffer.from(reply.body, 'utf8');
      res.writeHead(reply.status, reasonPhrase(reply.status, isMiss(reply.headers)), [
        ...reply.headers.flat(),
        'content-length',
        String(body.byteLength),
      ]);
      res.end(req.method === 'HEAD' ? undefined : body);
      return;
    }
    case 'stream':
      res.writeHead(
        reply.status,
        reasonPhrase(reply.status, isMiss(reply.headers)),
        reply.headers.flat(),
      );
      await writeStream(res, reply.body, faults);
      return;
    case 'fault':
      await writeFault(req, res, reply, faults, writer);
      return;
  }
}
