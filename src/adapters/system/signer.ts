/**
 * The Signer port (core/ports/signer.ts) on node:crypto: HMAC-SHA256 for webhook signatures and
 * random bytes for their secrets and GUIDs.
 */
import { createHmac, randomBytes } from 'node:crypto';
import type { Signer } from '../../core/ports/signer.js';

export function nodeSigner(): Signer {
  return {
    hmacSha256(key, message) {
      const digest = createHmac('sha256', key).update(message).digest();
      return new Uint8Array(digest.buffer, digest.byteOffset, digest.byteLength);
    },
    randomBytes(n) {
      const bytes = randomBytes(n);
      return new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    },
  };
}

/** The process's signer (stateless: one is enough). */
export const systemSigner: Signer = nodeSigner();
