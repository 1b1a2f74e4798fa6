/**
 * The signature schemes (docs/design/issue-15-plan.md §2 "Signing"): Standard Webhooks (default),
 * Stripe's `Stripe-Signature`, GitHub's `X-Hub-Signature-256`. Each signs as its real senders do,
 * so the receiver's own library verifies the delivery, and verifies as their libraries do
 * (`record --webhooks` checks staging's deliveries with it). HMAC comes through the Signer port.
 */
import type { Signer } from '../ports/signer.js';
import type { SchemeName, SignatureScheme, SigningInput, VerifyResult } from './types.js';

const BASE64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
const SECRET_PREFIX = 'whsec_';
const utf8 = new TextEncoder();

/** Standard base64 with padding (what Standard Webhooks signs and its secrets are written in). */
export function base64Encode(bytes: Uint8Array): string {
  let out = '';
  let i = 0;
  for (; i + 2 < bytes.length; i += 3) {
    const n = (bytes[i]! << 16) | (bytes[i + 1]! << 8) | bytes[i + 2]!;
    out += BASE64[(n >> 18) & 63]! + BASE64[(n >> 12) & 63]! + BASE64[(n >> 6) & 63]!;
    out += BASE64[n & 63]!;
  }
  const rest = bytes.length - i;
  if (rest === 1) {
    const n = bytes[i]! << 16;
    out += `${BASE64[(n >> 18) & 63]!}${BASE64[(n >> 12) & 63]!}==`;
  } else if (rest === 2) {
    const n = (bytes[i]! << 16) | (bytes[i + 1]! << 8);
    out += `${BASE64[(n >> 18) & 63]!}${BASE64[(n >> 12) & 63]!}${BASE64[(n >> 6) & 63]!}=`;
  }
  return out;
}

/** Strict standard base64 (padding optional): undefined for anything else. */
export function base64Decode(text: string): Uint8Array | undefined {
  const clean = text.replace(/={1,2}$/, '');
  if (!/^[A-Za-z0-9+/]*$/.test(clean) || clean.length % 4 === 1) return undefined;
  const out = new Uint8Array(Math.floor((clean.length * 3) / 4));
  let bits = 0;
  let value = 0;
  let at = 0;
  for (const char of clean) {
    value = (value << 6) | BASE64.indexOf(char);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out[at++] = (value >> bits) & 0xff;
    }
  }
  return out;
}

export function hexEncode(bytes: Uint8Array): string {
  let out = '';
  for (const byte of bytes) out += byte.toString(16).padStart(2, '0');
  return out;
}

/** Equal texts compared in time that depends on the length only (a signature check's habit). */
function sameText(a: string, b: string): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a.charCodeAt(i) ^ b.charCodeAt(i);
  return diff === 0;
}

/** A header's value by its name in any case (senders and proxies spell them differently). */
function header(headers: Readonly<Record<string, string>>, name: string): string | undefined {
  for (const [key, value] of Object.entries(headers)) if (key.toLowerCase() === name) return value;
  return undefined;
}

function concat(...parts: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.byteLength, 0));
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.byteLength;
  }
  return out;
}

/** `n` base62 characters from random bytes, read as one big number (no modulo bias per byte). */
function base62(random: Uint8Array, n: number): string {
  let value = 0n;
  for (const byte of random) value = (value << 8n) | BigInt(byte);
  let out = '';
  for (let i = 0; i < n; i++) {
    out += BASE62[Number(value % 62n)]!;
    value /= 62n;
  }
  return out;
}

/** The Standard Webhooks key: the bytes the base64 after `whsec_` stands for. */
function standardKey(secret: string): Uint8Array | undefined {
  if (!secret.startsWith(SECRET_PREFIX)) return undefined;
  return base64Decode(secret.slice(SECRET_PREFIX.length));
}

const standard: SignatureScheme = {
  name: 'standard',
  signatureHeaders: ['webhook-signature'],
  sign(input, signer) {
    const signed = signedContent(input.messageId, String(input.timestampS), input.body);
    const signatures = input.secrets.flatMap((secret) => {
      const key = standardKey(secret);
      return key === undefined ? [] : [`v1,${base64Encode(signer.hmacSha256(key, signed))}`];
    });
    return [
      ['webhook-id', input.messageId],
      ['webhook-timestamp', String(input.timestampS)],
      ['webhook-signature', signatures.join(' ')],
    ];
  },
  verify(headers, body, secrets, at, signer) {
    const id = header(headers, 'webhook-id');
    const timestamp = header(headers, 'webhook-timestamp');
    const signature = header(headers, 'webhook-signature');
    if (id === undefined || timestamp === undefined || signature === undefined)
      return { ok: false, reason: 'missing' };
    if (!/^\d{1,12}$/.test(timestamp)) return { ok: false, reason: 'mismatch' };
    // Both directions, as the standard's libraries check: a replay, or a clock far ahead.
    const ts = Number(timestamp);
    if (at.nowS - ts > at.toleranceS) return { ok: false, reason: 'too-old' };
    if (ts - at.nowS > at.toleranceS) return { ok: false, reason: 'too-new' };
    const signed = signedContent(id, timestamp, body);
    const expected = secrets.flatMap((secret) => {
      const key = standardKey(secret);
      return key === undefined ? [] : [base64Encode(signer.hmacSha256(key, signed))];
    });
    const sent = signature
      .split(' ')
      .filter((part) => part.startsWith('v1,'))
      .map((part) => part.slice(3));
    return matches(sent, expected);
  },
  newSecret(random) {
    return `${SECRET_PREFIX}${base64Encode(random)}`;
  },
  checkSecret(secret) {
    if (!secret.startsWith(SECRET_PREFIX))
      return 'A Standard Webhooks secret starts with whsec_ followed by base64.';
    const key = standardKey(secret);
    if (key === undefined) return 'The part after whsec_ must be standard base64.';
    if (key.byteLength < 24 || key.byteLength > 64)
      return `The secret must stand for 24 to 64 bytes; it has ${String(key.byteLength)}.`;
    return undefined;
  },
};

function signedContent(id: string, timestamp: string, body: Uint8Array): Uint8Array {
  return concat(utf8.encode(`${id}.${timestamp}.`), body);
}

function matches(sent: readonly string[], expected: readonly string[]): VerifyResult {
  if (sent.length === 0) return { ok: false, reason: 'missing' };
  for (const s of sent) for (const e of expected) if (sameText(s, e)) return { ok: true };
  return { ok: false, reason: 'mismatch' };
}

/** Stripe's and GitHub's secrets: `whsec_` and 32 base62 characters (what `stripe listen` shows). */
function base62Secret(random: Uint8Array): string {
  return `${SECRET_PREFIX}${base62(random, 32)}`;
}

const stripe: SignatureScheme = {
  name: 'stripe',
  signatureHeaders: ['stripe-signature'],
  sign(input, signer) {
    const t = String(input.timestampS);
    const signed = concat(utf8.encode(`${t}.`), input.body);
    // stripe-node keys the HMAC with the secret string itself, prefix and all.
    const parts = input.secrets.map(
      (secret) => `v1=${hexEncode(signer.hmacSha256(utf8.encode(secret), signed))}`,
    );
    return [['stripe-signature', [`t=${t}`, ...parts].join(',')]];
  },
  verify(headers, body, secrets, at, signer) {
    const value = header(headers, 'stripe-signature');
    if (value === undefined) return { ok: false, reason: 'missing' };
    let t: string | undefined;
    const sent: string[] = [];
    for (const item of value.split(',')) {
      const eq = item.indexOf('=');
      if (eq < 0) continue;
      const key = item.slice(0, eq).trim();
      const v = item.slice(eq + 1).trim();
      if (key === 't') t = v;
      else if (key === 'v1') sent.push(v);
    }
    if (t === undefined || !/^\d{1,12}$/.test(t) || sent.length === 0)
      return { ok: false, reason: 'missing' };
    const signed = concat(utf8.encode(`${t}.`), body);
    const expected = secrets.map((s) => hexEncode(signer.hmacSha256(utf8.encode(s), signed)));
    const result = matches(sent, expected);
    if (!result.ok) return result;
    // As stripe-node: the signature first, then only a timestamp too far in the past fails.
    if (at.toleranceS > 0 && Number(t) < at.nowS - at.toleranceS)
      return { ok: false, reason: 'too-old' };
    return result;
  },
  newSecret: base62Secret,
  checkSecret(secret) {
    if (!/^whsec_[A-Za-z0-9]{24,128}$/.test(secret))
      return 'A Stripe webhook secret is whsec_ followed by 24 to 128 letters and digits.';
    return undefined;
  },
};

/**
 * GitHub's `X-GitHub-Delivery`: a GUID named by the endpoint and the event, so a redelivery
 * carries the one the first attempt had (GitHub keeps it). Version 5's layout over an HMAC.
 */
export function githubDeliveryGuid(endpointId: string, eventId: string, signer: Signer): string {
  const digest = signer.hmacSha256(
    utf8.encode('tapedeck github delivery'),
    utf8.encode(`${endpointId}\u0000${eventId}`),
  );
  const bytes = digest.slice(0, 16);
  bytes[6] = (bytes[6]! & 0x0f) | 0x50;
  bytes[8] = (bytes[8]! & 0x3f) | 0x80;
  const hex = hexEncode(bytes);
  return [
    hex.slice(0, 8),
    hex.slice(8, 12),
    hex.slice(12, 16),
    hex.slice(16, 20),
    hex.slice(20, 32),
  ].join('-');
}

const github: SignatureScheme = {
  name: 'github',
  // GitHub also sends the SHA-1 `X-Hub-Signature`; a recorded one is dropped as well.
  signatureHeaders: ['x-hub-signature-256', 'x-hub-signature'],
  sign(input: SigningInput, signer: Signer) {
    // GitHub has one secret per hook: the newest signs, there is no overlap (docs/webhooks.md).
    const newest = input.secrets[0];
    const out: [string, string][] = [
      ['x-github-delivery', githubDeliveryGuid(input.endpointId, input.messageId, signer)],
      ['x-github-hook-id', input.endpointId],
    ];
    if (newest !== undefined)
      out.push([
        'x-hub-signature-256',
        `sha256=${hexEncode(signer.hmacSha256(utf8.encode(newest), input.body))}`,
      ]);
    return out;
  },
  verify(headers, body, secrets, _at, signer) {
    // No timestamp is signed: GitHub deliveries have no replay window to check.
    const value = header(headers, 'x-hub-signature-256');
    if (value === undefined || !value.startsWith('sha256='))
      return { ok: false, reason: 'missing' };
    const expected = secrets.map((s) => hexEncode(signer.hmacSha256(utf8.encode(s), body)));
    return matches([value.slice('sha256='.length)], expected);
  },
  newSecret: base62Secret,
  checkSecret(secret) {
    // eslint-disable-next-line no-control-regex
    if (secret.length < 16 || secret.length > 256 || /[\u0000-\u001f\u007f]/.test(secret))
      return 'A GitHub webhook secret is 16 to 256 printable characters.';
    return undefined;
  },
};

export const SCHEMES: Readonly<Record<SchemeName, SignatureScheme>> = { standard, stripe, github };
