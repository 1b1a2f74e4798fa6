/**
 * Pseudonyms: what a secret becomes in a cassette. Keyed (HMAC through the KeyedHash port, the key
 * never stored), so the same secret always becomes the same pseudonym and nobody without the key
 * can brute-force one back. Shape-preserving where it helps clients: an email stays an email, a
 * UUID a UUID, a card number a Luhn-valid test number, a JWT JWT-shaped. Every shape is
 * recognisable as tapedeck's, so the secret scanner never flags a pseudonym.
 */

/** Written in place of a masked or removed value. */
export const REDACTED = '[REDACTED]';

/**
 * Every shape is recognisable as a pseudonym (prefix, domain, version nibble, JWT header), which
 * keeps redaction idempotent: a second pass never re-pseudonymizes a pseudonym.
 */
export type Shape = 'token' | 'email' | 'uuid' | 'card' | 'jwt' | 'phone';
export const SHAPES: readonly Shape[] = ['token', 'email', 'uuid', 'card', 'jwt', 'phone'];

/** HMAC-SHA256 of the input under the redaction key (at least 16 bytes out). */
export type KeyedHash = (input: string) => Uint8Array;

const BASE32 = 'abcdefghijklmnopqrstuvwxyz234567';
const HEX = '0123456789abcdef';

function base32(bytes: Uint8Array, length: number): string {
  let out = '';
  let buffer = 0;
  let bits = 0;
  for (let i = 0; out.length < length; i = (i + 1) % bytes.length) {
    buffer = (buffer << 8) | bytes[i]!;
    bits += 8;
    while (bits >= 5 && out.length < length) {
      out += BASE32[(buffer >> (bits - 5)) & 31];
      bits -= 5;
    }
    buffer &= 0xff;
  }
  return out;
}

function hex(bytes: Uint8Array, length: number): string {
  let out = '';
  for (let i = 0; out.length < length; i++) {
    const b = bytes[i % bytes.length]!;
    out += HEX[b >> 4]! + HEX[b & 15]!;
  }
  return out.slice(0, length);
}

function digitString(bytes: Uint8Array, length: number, offset = 0): string {
  let out = '';
  for (let i = 0; out.length < length; i++) out += String(bytes[(i + offset) % bytes.length]! % 10);
  return out;
}

/** Luhn check digit for a string of digits. */
export function luhnCheckDigit(digits: string): string {
  let sum = 0;
  for (let i = 0; i < digits.length; i++) {
    let d = Number(digits[digits.length - 1 - i]);
    if (i % 2 === 0) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
  }
  return String((10 - (sum % 10)) % 10);
}

export function luhnValid(digits: string): boolean {
  return digits.length > 1 && luhnCheckDigit(digits.slice(0, -1)) === digits.slice(-1);
}

/** base64url without padding, of a UTF-8 string (btoa is a pure global, no Buffer needed). */
export function base64UrlOfText(text: string): string {
  return btoa(latin1OfUtf8(text)).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

/** The UTF-8 bytes of a string as a binary (latin-1) string, the form atob/btoa work on. */
export function latin1OfUtf8(text: string): string {
  const bytes = new TextEncoder().encode(text);
  let out = '';
  for (let i = 0; i < bytes.length; i += 0x8000)
    out += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return out;
}

function decodeBase64UrlJson(segment: string): Record<string, unknown> | undefined {
  try {
    const binary = atob(segment.replace(/-/g, '+').replace(/_/g, '/'));
    const bytes = Uint8Array.from(binary, (c) => c.charCodeAt(0));
    const value: unknown = JSON.parse(new TextDecoder().decode(bytes));
    return typeof value === 'object' && value !== null && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}

/** The header every pseudonym JWT carries: `{"alg":"none","kid":"tapedeck","typ":"JWT"}`. */
export const PSEUDONYM_JWT_HEADER = base64UrlOfText('{"alg":"none","kid":"tapedeck","typ":"JWT"}');
/** Card pseudonyms start with this test prefix. */
export const PSEUDONYM_CARD_PREFIX = '400000';
/** Phone pseudonyms are +1 555 numbers, a fictional range. */
export const PSEUDONYM_PHONE_PREFIX = '+1555';

const TOKEN_RE = 'tdp_[a-z2-7]{24}';
const EMAIL_RE = 'td-[0-9a-f]{10}@example\\.com';
const UUID_RE =
  '[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-8[0-9a-fA-F]{3}-[89abAB][0-9a-fA-F]{3}-[0-9a-fA-F]{12}';
const JWT_RE = `${PSEUDONYM_JWT_HEADER}\\.[A-Za-z0-9_-]+\\.[A-Za-z0-9_-]{43}`;
/** The test prefix 400000 and 7–13 more digits, with the original's spaces or dashes anywhere. */
const CARD_RE = '4(?:[ -]?0){5}(?:[ -]?\\d){7,13}';
const PHONE_RE = '\\+1555\\d{7}';

/** Finds tapedeck pseudonyms and the mask inside any text. */
export const PSEUDONYM_PATTERN = new RegExp(
  `${JWT_RE}|${TOKEN_RE}|${EMAIL_RE}|${UUID_RE}|${CARD_RE}|${PHONE_RE}|\\[REDACTED\\]`,
  'g',
);
/**
 * One pseudonym, or several run together: value tracking can put a pseudonym right after
 * another (a tracked secret next to a redacted one), and that is no secret either.
 */
const WHOLE = new RegExp(
  `^(?:${JWT_RE}|${TOKEN_RE}|${EMAIL_RE}|${UUID_RE}|${CARD_RE}|${PHONE_RE}|\\[REDACTED\\])+$`,
);

/** Is the whole value a tapedeck pseudonym or the mask? */
export function isPseudonym(value: string): boolean {
  return WHOLE.test(value);
}

/** Does the value contain a pseudonym or the mask anywhere? Cheap pre-check first. */
export function containsPseudonym(value: string): boolean {
  if (
    !value.includes('tdp_') &&
    !value.includes('td-') &&
    !value.includes('[REDACTED]') &&
    !value.includes('-8') &&
    !value.includes('4000') &&
    !value.includes('+1555') &&
    !value.includes('eyJ')
  ) {
    return false;
  }
  PSEUDONYM_PATTERN.lastIndex = 0;
  return PSEUDONYM_PATTERN.test(value);
}

const SHAPE_TESTS: readonly [Shape, RegExp][] = [
  ['jwt', /^eyJ[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$/],
  ['email', /^[^\s@]+@[^\s@]+\.[^\s@]+$/],
  ['uuid', /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/],
  ['phone', /^\+\d[\d ().-]{6,20}\d$/],
];

/** The shape a value most looks like; `token` when nothing more specific fits. */
export function inferShape(value: string): Shape {
  for (const [shape, test] of SHAPE_TESTS) if (test.test(value)) return shape;
  const digits = value.replace(/[ -]/g, '');
  if (/^\d{13,19}$/.test(digits) && /^[\d -]+$/.test(value) && luhnValid(digits)) return 'card';
  return 'token';
}

/**
 * The pseudonym of `value`. The shape is inferred from the value unless a rule names one, so a
 * secret met in two places gets the same pseudonym in both.
 */
export function pseudonymize(
  value: string,
  hash: KeyedHash,
  shape: Shape = inferShape(value),
): string {
  return pseudonymOfHash(value, hash(value), shape);
}

/** The text whose pseudonym identifies a key (`meta.keyId`): fixed, and no secret. */
export const KEY_ID_TEXT = 'tapedeck redaction key id v1';

/** The pseudonym of `value` in one shape, from its keyed hash `h` (one HMAC for every shape). */
export function pseudonymOfHash(value: string, h: Uint8Array, shape: Shape): string {
  switch (shape) {
    case 'token':
      return `tdp_${base32(h, 24)}`;
    case 'email':
      return `td-${hex(h, 10)}@example.com`;
    case 'uuid': {
      const x = hex(h, 32).split('');
      x[12] = '8';
      x[16] = '89ab'[parseInt(x[16]!, 16) & 3]!;
      const s = x.join('');
      const uuid = `${s.slice(0, 8)}-${s.slice(8, 12)}-${s.slice(12, 16)}-${s.slice(16, 20)}-${s.slice(20, 32)}`;
      return value === value.toUpperCase() && /[A-F]/.test(value) ? uuid.toUpperCase() : uuid;
    }
    case 'card': {
      const length = Math.min(19, Math.max(13, value.replace(/\D/g, '').length || 16));
      const body =
        PSEUDONYM_CARD_PREFIX + digitString(h, length - PSEUDONYM_CARD_PREFIX.length - 1);
      const number = body + luhnCheckDigit(body);
      // Keep the original grouping: put the new digits where the old ones were.
      if (/^[\d -]+$/.test(value) && value.replace(/\D/g, '').length === length) {
        let i = 0;
        return value.replace(/\d/g, () => number[i++]!);
      }
      return number;
    }
    case 'jwt': {
      const original = decodeBase64UrlJson(value.split('.')[1] ?? '');
      const claims: Record<string, unknown> = { sub: `tdp_${base32(h, 24)}` };
      // Time claims are kept so clients that check expiry behave as they did when recording.
      for (const claim of ['exp', 'iat', 'nbf']) {
        if (typeof original?.[claim] === 'number') claims[claim] = original[claim];
      }
      const signature = btoa(String.fromCharCode(...h.subarray(0, 32)))
        .replace(/\+/g, '-')
        .replace(/\//g, '_')
        .replace(/=+$/, '');
      return `${PSEUDONYM_JWT_HEADER}.${base64UrlOfText(JSON.stringify(claims))}.${signature.padEnd(43, 'A').slice(0, 43)}`;
    }
    case 'phone':
      return `${PSEUDONYM_PHONE_PREFIX}${digitString(h, 7)}`;
  }
}
