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
 * CRC32 (IEEE 802.3, reflected, as zlib.crc32) of `text`'s UTF-8 bytes. Keys are ASCII (the
 * fast loop); other text is encoded first, so the function agrees with zlib on any string.
 */
export function crc32(text: string): number {
  let crc = 0xffffffff;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c >= 0x80) return crc32Bytes(crc, utf8(text.slice(i)));
    crc = CRC_TABLE[(crc ^ c) & 0xff]! ^ (crc >>> 8);
  }
  return (crc ^ 0xffffffff) >>> 0;
}

function crc32Bytes(start: number, bytes: readonly number[]): number {
  let crc = start;
  for (const byte of bytes) crc = CRC_TABLE[(crc ^ byte) & 0xff]! ^ (crc >>> 8);
  return (crc ^ 0xffffffff) >>> 0;
}

/** UTF-8 of `text`, a lone surrogate as U+FFFD (what TextEncoder and zlib's callers send). */
function utf8(text: string): number[] {
  const out: number[] = [];
  for (const char of text) {
    let c = char.codePointAt(0)!;
    if (c >= 0xd800 && c <= 0xdfff) c = 0xfffd;
    if (c < 0x80) out.push(c);
    else if (c < 0x800) out.push(0xc0 | (c >> 6), 0x80 | (c & 0x3f));
    else if (c < 0x10000) out.push(0xe0 | (c >> 12), 0x80 | ((c >> 6) & 0x3f), 0x80 | (c & 0x3f));
    else
      out.push(
        0xf0 | (c >> 18),
        0x80 | ((c >> 12) & 0x3f),
        0x80 | ((c >> 6) & 0x3f),
        0x80 | (c & 0x3f),
      );
  }
  return out;
}

/** `n` in base62, left-padded with `0` to `width` characters (longer when it does not fit). */
export function base62(n: number | bigint, width: number): string {
  if (typeof n === 'number' && Number.isSafeInteger(n) && n >= 0) {
    let out = '';
    for (let v = n; v > 0; v = Math.floor(v / 62)) out = BASE62[v % 62]! + out;
    return out.padStart(width, '0');
  }
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

/** The value of a base62 character code, or -1. */
function digitOf(c: number): number {
  if (c >= 0x30 && c <= 0x39) return c - 0x30;
  if (c >= 0x41 && c <= 0x5a) return c - 0x41 + 10;
  if (c >= 0x61 && c <= 0x7a) return c - 0x61 + 36;
  return -1;
}

/**
 * Whether `key` is well formed for `prefix`: shape, alphabet and checksum, without a lookup.
 * One pass over the characters and no allocation: it runs on every sandbox request.
 */
export function checkKey(prefix: string, key: string): KeyCheck {
  if (!key.startsWith(prefix)) return { ok: false, reason: 'prefix' };
  const end = prefix.length + KEY_RANDOM_LENGTH;
  if (key.length !== end + KEY_CHECKSUM_LENGTH) return { ok: false, reason: 'length' };
  let crc = 0xffffffff;
  for (let i = 0; i < end; i++) {
    const c = key.charCodeAt(i);
    if (i >= prefix.length && digitOf(c) < 0) return { ok: false, reason: 'alphabet' };
    if (c >= 0x80) return { ok: false, reason: 'prefix' }; // keys are ASCII; so are prefixes
    crc = CRC_TABLE[(crc ^ c) & 0xff]! ^ (crc >>> 8);
  }
  let checksum = 0;
  for (let i = end; i < key.length; i++) {
    const d = digitOf(key.charCodeAt(i));
    if (d < 0) return { ok: false, reason: 'alphabet' };
    checksum = checksum * 62 + d;
  }
  return checksum === (crc ^ 0xffffffff) >>> 0 ? { ok: true } : { ok: false, reason: 'checksum' };
}

/**
 * How a key is named once it is stored (lists, `revoke --key`): the prefix and its last four
 * characters, `tdk_test_…DELp`. Four base62 characters of the checksum say nothing of the rest.
 */
export function keyHint(key: string, prefix: string): string {
  return `${prefix}…${key.slice(-4)}`;
}
