import { createHash, randomFillSync, randomInt } from 'node:crypto';
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

/** Random bytes drawn ahead for request ids: one `randomFillSync` per 4 KiB, not one per request. */
const POOL = new Uint8Array(4096);
let poolAt = POOL.length;

/**
 * A fresh request id: `prefix` and 24 uniform base62 characters. No checksum: nothing is looked
 * up by it but the journal, which finds it or not. It runs on every request, so the bytes come
 * from a pool refilled by the system CSPRNG; a byte below 248 (4 × 62) gives `byte % 62`,
 * unbiased; the rest are skipped. Each byte is used once.
 */
export function newRequestId(prefix: string): string {
  let random = '';
  while (random.length < REQUEST_ID_RANDOM_LENGTH) {
    if (poolAt === POOL.length) {
      randomFillSync(POOL);
      poolAt = 0;
    }
    const byte = POOL[poolAt++]!;
    if (byte < 248) random += BASE62[byte % 62]!;
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
