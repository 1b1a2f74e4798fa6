import { createHash, randomBytes, randomInt } from 'node:crypto';
import { BASE62, formatKey, KEY_RANDOM_LENGTH } from '../../core/sandbox/keys.js';

/** What makes and hashes keys: real randomness here, a seeded one in tests. */
export interface KeyMaker {
  newKey(prefix: string): string;
  hashKey(key: string): string;
  /** A request id of `prefix` (issue 16); `newRequestId` below when absent. */
  newRequestId?(prefix: string): string;
}

/** The random characters of a request id: 24 base62, as Stripe's `req_…` ids have. */
export const REQUEST_ID_RANDOM_LENGTH = 24;

/**
 * A fresh request id: `prefix` and 24 uniform base62 characters. No checksum: nothing is looked
 * up by it but the journal, which finds it or not. One `randomBytes` call per id rather than 24
 * `randomInt`s (it runs on every request): a byte below 248 (4 × 62) gives `byte % 62`, unbiased;
 * the rest are drawn again.
 */
export function newRequestId(prefix: string): string {
  let random = '';
  while (random.length < REQUEST_ID_RANDOM_LENGTH) {
    for (const byte of randomBytes(32)) {
      if (byte >= 248) continue;
      random += BASE62[byte % 62]!;
      if (random.length === REQUEST_ID_RANDOM_LENGTH) break;
    }
  }
  return prefix + random;
}

/** A fresh key of `prefix`: each of the 22 random characters drawn with `crypto.randomInt(62)`. */
export function newKey(prefix: string): string {
  let random = '';
  for (let i = 0; i < KEY_RANDOM_LENGTH; i++) random += BASE62[randomInt(62)]!;
  return formatKey(prefix, random);
}

/** What is stored of a key (`tenant_keys.hash`): its SHA-256, hex. The key itself never is. */
export function hashKey(key: string): string {
  return createHash('sha256').update(key, 'utf8').digest('hex');
}

export const CRYPTO_KEYS: KeyMaker = { newKey, hashKey, newRequestId };
