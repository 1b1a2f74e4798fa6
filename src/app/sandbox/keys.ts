import { createHash, randomInt } from 'node:crypto';
import { BASE62, formatKey, KEY_RANDOM_LENGTH } from '../../core/sandbox/keys.js';

/** What makes and hashes keys: real randomness here, a seeded one in tests. */
export interface KeyMaker {
  newKey(prefix: string): string;
  hashKey(key: string): string;
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

export const CRYPTO_KEYS: KeyMaker = { newKey, hashKey };
