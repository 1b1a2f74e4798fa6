import { connect } from 'node:net';
import { brotliDecompressSync, gunzipSync, inflateSync } from 'node:zlib';
import { Agent, request } from 'undici';
import { defer } from './cleanup.js';

export interface SendOptions {
  readonly method?: string;
  readonly headers?: Record<string, string | string[]>;
  readonly body?: string | Buffer;
  /** Remove content-encoding from `body` (default true; off for codings this helper lacks). */
  readonly decode?: boolean;
}

export interface Received {
  readonly status: number;
  readonly headers: Record<string, string | string[] | undefined>;
  /** The bytes on the wire (still content-encoded). */
  readonly raw: Buffer;
  /** The bytes with content-encoding removed. */
  readonly body: Buffer;
  text(): string;
  json(): unknown;
}

let agent: Agent | undefined;

/** One undici Agent per test (keep-alive on), closed after it. */
function dispatcher(): Agent {
  if (agent === undefined) {
    const created = new Agent({ keepAliveTimeout: 1_000 });
    agent = created;
    defer(async () => {
      agent = undefined;
      await created.destroy();
    });
  }
  return agent;
}

export function header(
  headers: Record<string, string | string[] | undefined>,
  name: string,
): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value.join(', ') : value;
}

/** Removes the content codings named in `content-encoding`, last applied first. */
export function decodeBody(raw: Buffer, contentEncoding: string | undefined): Buffer {
  let out = raw;
  const codings = (contentEncoding ?? '')
    .split(',')
    .map((c) => c.trim().toLowerCase())
    .filter((c) => c !== '' && c !== 'identity');
  for (const coding of codings.reverse()) {
    if (coding === 'gzip') out = gunzipSync(out);
    else if (coding === 'br') out = brotliDecompressSync(out);
    else if (coding === 'deflate') out = inflateSync(out);
    else throw new Error(`unexpected content-encoding ${coding}`);
  }
  return out;
}

/** An HTTP request with undici (no automatic decompression, no redirects followed). */
export async function send(
  base: string,
  path: string,
  options: SendOptions = {},
): Promise<Received> {
  const response = await request(`${base}${path}`, {
    method: (options.method ?? 'GET') as 'GET',
    headers: options.headers ?? {},
    body: options.body ?? null,
    dispatcher: dispatcher(),
  });
  const raw = Buffer.from(await response.body.arrayBuffer());
  const headers = response.headers;
  const body =
    options.decode === false ? raw : decodeBody(raw, header(headers, 'content-encoding'));
  return {
    status: response.statusCode,
    headers,
    raw,
    body,
    text: () => body.toString('utf8'),
    json: () => JSON.parse(body.toString('utf8')) as unknown,
  };
}

/**
 * Writes raw bytes to 127.0.0.1:port and collects everything until the server closes the
 * connection (or `timeoutMs` passes).
 */
export function rawExchange(port: number, bytes: string, timeoutMs = 5_000): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port });
    const chunks: Buffer[] = [];
    const timer = setTimeout(() => socket.destroy(), timeoutMs);
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    socket.on('error', reject);
    socket.on('close', () => {
      clearTimeout(timer);
      resolve(Buffer.concat(chunks).toString('latin1'));
    });
    socket.write(bytes);
  });
}
