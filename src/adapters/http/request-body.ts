/** Reading a request's body in the HTTP adapter: whether there is one, and all of it up to a limit. */
import type { IncomingMessage } from 'node:http';
import type { HeaderMap } from '../../core/cassette/model.js';
import { firstHeaderValue } from '../../core/http/index.js';

/** From our own header map: touching `req.headers` would make Node build a second one. */
export function hasBody(headers: HeaderMap): boolean {
  const length = firstHeaderValue(headers, 'content-length');
  return headers['transfer-encoding'] !== undefined || (length !== undefined && length !== '0');
}

/** What `readBody` resolves with when the body grew past `maxBodyBytes` while it was read. */
export const OVER_LIMIT = Symbol('over the limit');

/**
 * Reads the whole body, or stops (and pauses the stream) as soon as it passes `limit`: a chunked
 * body has no length to check first. Listeners, not `for await`: leaving that loop early
 * destroys the request, and with it the socket the 413 must still go out on. Rejects when the
 * body is cut short (the client left, or its framing broke and `clientError` answered).
 */
export function readBody(
  req: IncomingMessage,
  limit: number,
): Promise<Uint8Array | typeof OVER_LIMIT> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const done = () => {
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('error', onFail);
      req.off('close', onFail);
    };
    const onData = (chunk: Buffer) => {
      size += chunk.byteLength;
      if (size > limit) {
        done();
        req.pause();
        resolve(OVER_LIMIT);
        return;
      }
      chunks.push(chunk);
    };
    const onEnd = () => {
      done();
      resolve(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks));
    };
    const onFail = () => {
      done();
      reject(new Error('the request body was cut short'));
    };
    req.on('data', onData);
    req.on('end', onEnd);
    req.on('error', onFail);
    req.on('close', onFail);
  });
}
