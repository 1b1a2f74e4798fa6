import type { SpecMedia, SpecOperation, SpecResponse } from './operations.js';

/**
 * Response choice: what a client asks for with `Prefer` (the form Prism and other mock servers
 * accept: `code=404`, `example=name`, `dynamic=true`, separated by commas or semicolons), the
 * documented responses, and `Accept`.
 */
export interface Preference {
  readonly code?: number;
  readonly example?: string;
  readonly dynamic?: boolean;
  /**
   * Preferences the mock knows, with a value it cannot use (`code=4O4`, `code=999`,
   * `dynamic=yes`), as written. Unknown preferences (`respond-async`, `wait=5`) are ignored as
   * RFC 7240 asks; a known one with a broken value is a client's typo and gets a 400, not a
   * silent default answer.
   */
  readonly malformed?: readonly string[];
}

export function parsePrefer(values: readonly string[]): Preference {
  let code: number | undefined;
  let example: string | undefined;
  let dynamic: boolean | undefined;
  const malformed: string[] = [];
  for (const value of values) {
    for (const part of value.split(/[,;]/)) {
      const eq = part.indexOf('=');
      if (eq === -1) continue;
      const key = part.slice(0, eq).trim().toLowerCase();
      const raw = part.slice(eq + 1).trim();
      const text = raw.startsWith('"') && raw.endsWith('"') ? raw.slice(1, -1) : raw;
      if (key === 'code') {
        if (/^[1-5]\d\d$/.test(text)) code = Number(text);
        else malformed.push(`code=${text}`);
      } else if (key === 'example') {
        if (text !== '') example = text;
        else malformed.push('example=');
      } else if (key === 'dynamic') {
        const flag = text.toLowerCase();
        if (flag === 'true' || flag === 'false') dynamic = flag === 'true';
        else malformed.push(`dynamic=${text}`);
      }
    }
  }
  return {
    ...(code === undefined ? {} : { code }),
    ...(example === undefined ? {} : { example }),
    ...(dynamic === undefined ? {} : { dynamic }),
    ...(malformed.length === 0 ? {} : { malformed }),
  };
}

/** Does a documented status (`200`, `4XX`, `default`) cover a concrete status? */
export function statusCovers(documented: string, status: number): boolean {
  if (documented === 'default') return true;
  if (documented.endsWith('XX')) return documented[0] === String(status)[0];
  return Number(documented) === status;
}

/** The documented response for a status: exact first, then `4XX`, then `default`. */
export function responseFor(operation: SpecOperation, status: number): SpecResponse | undefined {
  const text = String(status);
  return (
    operation.responses.find((r) => r.status === text) ??
    operation.responses.find((r) => r.status === `${text[0]}XX`) ??
    operation.responses.find((r) => r.status === 'default')
  );
}

export type ResponseChoice =
  | { readonly ok: true; readonly response: SpecResponse; readonly status: number }
  | { readonly ok: false; readonly documented: readonly string[] };

function concreteStatus(documented: string): number {
  if (documented === 'default') return 200;
  if (documented.endsWith('XX')) return Number(documented[0]) * 100;
  return Number(documented);
}

/**
 * The response to send: `Prefer: code=` when it is documented (exactly, by class, or by
 * `default`), else the first documented 2xx, else `default` (as 200), else the first one.
 */
export function chooseResponse(operation: SpecOperation, prefer: Preference): ResponseChoice {
  const documented = operation.responses.map((r) => r.status);
  if (prefer.code !== undefined) {
    const response = responseFor(operation, prefer.code);
    return response ? { ok: true, response, status: prefer.code } : { ok: false, documented };
  }
  const success =
    operation.responses.find((r) => /^2\d\d$/.test(r.status)) ??
    operation.responses.find((r) => r.status === '2XX') ??
    operation.responses.find((r) => r.status === 'default') ??
    operation.responses[0];
  if (!success) return { ok: false, documented };
  return { ok: true, response: success, status: concreteStatus(success.status) };
}

interface AcceptRange {
  readonly type: string;
  readonly subtype: string;
  readonly q: number;
  readonly order: number;
}

function parseAccept(accept: string): AcceptRange[] {
  const ranges: AcceptRange[] = [];
  accept.split(',').forEach((part, order) => {
    const [range = '', ...params] = part.split(';');
    const [type = '', subtype = '*'] = range.trim().toLowerCase().split('/');
    if (type === '') return;
    let q = 1;
    for (const p of params) {
      const m = /^\s*q\s*=\s*([\d.]+)\s*$/i.exec(p);
      if (m) q = Number(m[1]);
    }
    if (q > 0) ranges.push({ type, subtype, q, order });
  });
  return ranges.sort((a, b) => b.q - a.q || a.order - b.order);
}

function mediaMatches(range: AcceptRange, mediaType: string): boolean {
  const [type = '', subtype = ''] = mediaType.split('/');
  if (range.type === '*') return true;
  if (range.type !== type && type !== '*') return false;
  return range.subtype === '*' || subtype === '*' || range.subtype === subtype;
}

export function isJsonLike(mediaType: string): boolean {
  return mediaType === 'application/json' || mediaType.endsWith('+json') || mediaType === '*/*';
}

/**
 * Content negotiation: the documented media type the client accepts most; without `Accept`
 * (or with `*` only) JSON first. `undefined` when the client accepts none of them (406).
 */
export function negotiate(
  contents: readonly SpecMedia[],
  accept: string | undefined,
): SpecMedia | undefined | 'none' {
  if (contents.length === 0) return undefined;
  const preferJson = () => contents.find((c) => isJsonLike(c.type)) ?? contents[0];
  if (accept === undefined || accept.trim() === '') return preferJson();
  const ranges = parseAccept(accept);
  // Only `q=0` ranges: the client refused everything it named.
  if (ranges.length === 0)
    return /;\s*q\s*=\s*0(\.0*)?\s*(,|$)/i.test(accept) ? 'none' : preferJson();
  for (const range of ranges) {
    if (range.type === '*' && range.subtype === '*') return preferJson();
    const media = contents.find((c) => mediaMatches(range, c.type));
    if (media) return media;
  }
  return 'none';
}

/** The example to answer with: the named one, else the first documented. */
export function chooseExample(
  media: SpecMedia,
  name: string | undefined,
): { found: true; value: unknown; name: string } | { found: false } {
  if (name !== undefined) {
    const example = media.examples.find((e) => e.name === name);
    return example ? { found: true, value: example.value, name } : { found: false };
  }
  const first = media.examples[0];
  return first ? { found: true, value: first.value, name: first.name } : { found: false };
}
