import type { IncomingMessage } from 'node:http';

/** How long a refused upload is still read and thrown away before the connection is cut. */
export const LINGER_MS = 2_000;
/** How many bytes of a refused upload are read and thrown away at most. */
export const LINGER_BYTES = 4 * 1024 * 1024;
/** How often the bytes read while lingering are counted. */
const LINGER_CHECK_MS = 20;

/**
 * Lingering close (nginx's `lingering_close`) for a request refused while its body is still
 * arriving (413, 415). Node ends a `connection: close` answer with `socket.destroySoon()`: it
 * closes the socket as soon as the answer is flushed, with the client's upload unread, and the
 * kernel then answers the upload with a reset, which most clients report (ECONNRESET, EPIPE)
 * instead of the 413 they were sent. So: half-close after the answer, read and discard what the
 * client still sends, and close once it has sent it all (or closed its side), or after
 * LINGER_MS or LINGER_BYTES, whichever comes first.
 */
export function lingerAfterAnswer(req: IncomingMessage): void {
  const socket = req.socket;
  // Gone already: its 'close' has fired, and timers set now would never be cleared.
  if (socket.destroyed) return;
  // Node's own call when the answer is finished: only the half-close.
  socket.destroySoon = () => {
    if (socket.writable) socket.end();
  };
  const timer = setTimeout(() => socket.destroy(), LINGER_MS);
  timer.unref();
  // Counted on the socket: once the answer is out, node's parser drops the rest of the body
  // without handing it to the request, so no 'data' event tells how much came.
  const start = socket.bytesRead;
  const meter = setInterval(() => {
    if (socket.bytesRead - start > LINGER_BYTES) socket.destroy();
  }, LINGER_CHECK_MS);
  meter.unref();
  socket.once('close', () => {
    clearTimeout(timer);
    clearInterval(meter);
  });
  // Closed only once the answer is flushed: destroying earlier could cut it off.
  const close = () => {
    if (socket.writableFinished) socket.destroy();
    else socket.once('finish', () => socket.destroy());
  };
  // The client has sent all it will (its FIN), or the whole body has arrived.
  socket.once('end', close);
  req.once('end', close);
  // After a pause (the body passed maxBodyBytes while it was read), so that it is read on.
  req.resume();
}
