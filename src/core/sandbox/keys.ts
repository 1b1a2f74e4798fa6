/**
 * The sandbox's test keys (docs/sandbox.md, "Keys"): `<prefix><22 base62 random><6 base62 CRC32>`.
 * 22 base62 characters carry 131 bits; the checksum, CRC32 (IEEE, the same as zlib's) over
 * prefix + random, lets a mistyped key be refused without a lookup, as GitHub's tokens do.
 * Pure: the randomness and the hash are app/sandbox/keys.ts's.
 */

export const KEY_RANDOM_LENGTH = 22;
export const KEY_CHECKSUM_LENGTH = 6;

/** The base62 alphabet, in this order: digits, upper case, lower case. */
export const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

const CRC_TABLE = (() => {
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    table[n] = c >>> 0;
  }
  return table;
})();

/**
 * CRC32 (IEEE 802.3, reflected, as zlib.crc32) of `text`'s UTF-8 bytes. Keys are ASCII; other
 * characters are encoded so that the function agrees with zlib on any string.
 */
export function crc32(text: string): number {
  let crc = 0xffffffff;
  const step = (byte: number) => {
    crc = CRC_TABLE[(crc ^ byte) & 0xff]! ^ (crc >>> 8);
  };
  for (const char of text) {
    const c = char.codePointAt(0)!;
    if (c < 0x80) step(c);
    else if (c < 0x800) {
      step(0xc0 | (c >> 6));
      step(0x80 | (c & 0x3f));
    } else if (c < 0x10000) {
      step(0xe0 | (c >> 12));
      step(0x80 | ((c >> 6) & 0x3f));
      step(0x80 | (c & 0x3f));
    } else {
      step(0xf0 | (c >> 18));
      step(0x80 | ((c >> 12) & 0x3f));
      step(0x80 | ((c >> 6) & 0x3f));
      step(0x80 | (c & 0x3f));
    }
  }
  return (crc ^ 0xffffffff) >>> 0;
}

/** `n` in base62, left-padded with `0` to `width` characters (longer when it does not fit). */
export function base62(n: number | bigint, width: number): string {
  let value = BigInt(n);
  if (value < 0n) throw new RangeError('base62 takes a non-negative number');
  let out = '';
  while (value > 0n) {
    out = BASE62[Number(value % 62n)]! + out;
    value /= 62n;
  }
  return out.padStart(width, '0');
}

/** The key of `prefix` and `random` (KEY_RANDOM_LENGTH base62 characters): the checksum appended. */
export function formatKey(prefix: string, random: string): string {
  return `${prefix}${random}${base62(crc32(prefix + random), KEY_CHECKSUM_LENGTH)}`;
}

export type KeyCheck =
  | { readonly ok: true }
  | { readonly ok: false; readonly reason: 'prefix' | 'length' | 'alphabet' | 'checksum' };

const BASE62_ONLY = /^[0-9A-Za-z]*$/;

/** Whether `key` is well formed for `prefix`: shape, alphabet and checksum, without a lookup. */
export function checkKey(prefix: string, key: string): KeyCheck {
  if (!key.startsWith(prefix)) return { ok: false, reason: 'prefix' };
  if (key.length !== prefix.length + KEY_RANDOM_LENGTH + KEY_CHECKSUM_LENGTH)
    return { ok: false, reason: 'length' };
  const body = key.slice(prefix.length);
  if (!BASE62_ONLY.test(body)) return { ok: false, reason: 'alphabet' };
  const random = body.slice(0, KEY_RANDOM_LENGTH);
  const checksum = body.slice(KEY_RANDOM_LENGTH);
  return base62(crc32(prefix + random), KEY_CHECKSUM_LENGTH) === checksum
    ? { ok: true }
    : { ok: false, reason: 'checksum' };
}

/**
 * How a key is named once it is stored (lists, `revoke --key`): the prefix and its last four
 * characters, `tdk_test_…DELp`. Four base62 characters of the checksum say nothing of the rest.
 */
export function keyHint(key: string, prefix: string): string {
  return `${prefix}…${key.slice(-4)}`;
}
