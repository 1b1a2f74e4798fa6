/**
 * Building blocks for fake values: dates around a fixed epoch, identifiers, words. Everything is
 * drawn from a seeded `Rng` and from documentation-only namespaces (example.com, 192.0.2.0/24,
 * 2001:db8::/32, +1-555-01xx, test card 4242...), so generated data never looks like a real
 * person's data or a real secret.
 */
import type { Rng } from './random.js';

/** Generated dates sit around 2026-01-01T00:00:00Z, never around "now": core has no clock. */
export const FAKE_EPOCH_SECONDS = Date.UTC(2026, 0, 1) / 1000;
const DAY = 86_400;

/** Unix seconds within ±180 days of the fixed epoch. */
export function fakeUnixSeconds(rng: Rng): number {
  return FAKE_EPOCH_SECONDS + rng.int(-180 * DAY, 180 * DAY);
}

/** RFC 3339 date-time in UTC without fractions: `2026-03-14T09:26:53Z`. */
export function fakeDateTime(rng: Rng): string {
  return `${new Date(fakeUnixSeconds(rng) * 1000).toISOString().slice(0, 19)}Z`;
}

/** RFC 3339 full-date: `2026-03-14`. */
export function fakeDate(rng: Rng): string {
  return new Date(fakeUnixSeconds(rng) * 1000).toISOString().slice(0, 10);
}

/** RFC 3339 full-time with a zone: `09:26:53Z`. */
export function fakeTime(rng: Rng): string {
  return `${new Date(fakeUnixSeconds(rng) * 1000).toISOString().slice(11, 19)}Z`;
}

const HEX = '0123456789abcdef';
const ALNUM = 'abcdefghijklmnopqrstuvwxyz0123456789';

export function fakeHex(rng: Rng, length: number): string {
  let out = '';
  for (let i = 0; i < length; i++) out += HEX[rng.int(0, 15)]!;
  return out;
}

export function fakeAlnum(rng: Rng, length: number): string {
  let out = '';
  for (let i = 0; i < length; i++) out += ALNUM[rng.int(0, ALNUM.length - 1)]!;
  return out;
}

/** A version-4-shaped UUID. */
export function fakeUuid(rng: Rng): string {
  const variant = HEX[8 + rng.int(0, 3)]!;
  return `${fakeHex(rng, 8)}-${fakeHex(rng, 4)}-4${fakeHex(rng, 3)}-${variant}${fakeHex(rng, 3)}-${fakeHex(rng, 12)}`;
}

/** An address in TEST-NET-1 (RFC 5737), reserved for documentation. */
export function fakeIpv4(rng: Rng): string {
  return `192.0.2.${rng.int(1, 254)}`;
}

/** An address in 2001:db8::/32 (RFC 3849), reserved for documentation. */
export function fakeIpv6(rng: Rng): string {
  return `2001:db8::${rng.int(1, 0xfffe).toString(16)}`;
}

export const WORDS: readonly string[] = [
  'alpha',
  'amber',
  'anchor',
  'basil',
  'beacon',
  'cedar',
  'cobalt',
  'coral',
  'delta',
  'ember',
  'falcon',
  'fern',
  'garnet',
  'harbor',
  'indigo',
  'juniper',
  'kestrel',
  'lagoon',
  'maple',
  'meadow',
  'nimbus',
  'orchid',
  'pebble',
  'quartz',
  'raven',
  'saffron',
  'sierra',
  'tango',
  'timber',
  'umber',
  'velvet',
  'willow',
  'yarrow',
  'zephyr',
];

export function fakeWord(rng: Rng): string {
  return rng.pick(WORDS);
}

/** A URL under example.com (RFC 2606: never anyone's real site). */
export function fakeUrl(rng: Rng): string {
  return `https://example.com/${fakeWord(rng)}/${fakeAlnum(rng, 8)}`;
}

/** A sentence of `count` words, capitalised, ending with a full stop. */
export function fakeSentence(rng: Rng, count: number): string {
  const words: string[] = [];
  for (let i = 0; i < count; i++) words.push(fakeWord(rng));
  const text = words.join(' ');
  return `${text.charAt(0).toUpperCase()}${text.slice(1)}.`;
}

/** Standard base64 of an ASCII string (core has no Buffer). */
export function base64Ascii(text: string): string {
  const table = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
  let out = '';
  for (let i = 0; i < text.length; i += 3) {
    const a = text.charCodeAt(i) & 0xff;
    const b = i + 1 < text.length ? text.charCodeAt(i + 1) & 0xff : -1;
    const c = i + 2 < text.length ? text.charCodeAt(i + 2) & 0xff : -1;
    out += table[a >> 2]!;
    out += table[((a & 3) << 4) | (b < 0 ? 0 : b >> 4)]!;
    out += b < 0 ? '=' : table[((b & 15) << 2) | (c < 0 ? 0 : c >> 6)]!;
    out += c < 0 ? '=' : table[c & 63]!;
  }
  return out;
}
