import { bestAccepted, parseAccept } from '../../http/media-type.js';
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
   * `dynamic=yes`), by name only and once each (`code`, `dynamic`): the value sent is never
   * echoed. Unknown preferences (`respond-async`, `wait=5`) are ignored as
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
  const bad = (name: string) => {
    if (!malformed.includes(name)) malformed.push(name);
  };
  for (const value of values) {
    for (const part of value.split(/[,;]/)) {
      const eq = part.indexOf('=');
      if (eq === -1) continue;
      const key = part.slice(0, eq).trim().toLowerCase();
      const raw = part.slice(eq + 1).trim();
      const text = raw.startsWith('"') && raw.endsWith('"') ? raw.slice(1, -1) : raw;
      if (key === 'code') {
        if (/^[1-5]\d\d$/.test(text)) code = Number(text);
        else bad('code');
      } else if (key === 'example') {
        if (text !== '') example = text;
        else bad('example');
      } else if (key === 'dynamic') {
        const flag = text.toLowerCase();
        if (flag === 'true' || flag === 'false') dynamic = flag === 'true';
        else bad('dynamic');
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

export function isJsonLike(mediaType: string): boolean {
  return mediaType === 'application/json' || mediaType.endsWith('+json') || mediaType === '*/*';
}

/**
 * Content negotiation (RFC 9110 §12.5.1, through core/http/media-type.ts): the documented media
 * type the client accepts most. Vendor suffixes count as their base type both ways
 * (`application/vnd.github.v3+json` takes a documented `application/json`), parameters are
 * ignored, `q=0` excludes, and a tie only wildcards decided goes to JSON. Without `Accept`, JSON
 * first. `'none'` when the client accepts nothing documented (406).
 */
export function negotiate(
  contents: readonly SpecMedia[],
  accept: string | undefined,
): SpecMedia | undefined | 'none' {
  if (contents.length === 0) return undefined;
  if (accept === undefined || accept.trim() === '')
    return contents.find((c) => isJsonLike(c.type)) ?? contents[0];
  // An Accept with no readable member at all (`Accept: nonsense`) says nothing: RFC 9110 lets a
  // server disregard a header it cannot parse rather than refuse the request.
  if (parseAccept(accept).length === 0)
    return contents.find((c) => isJsonLike(c.type)) ?? contents[0];
  return (
    bestAccepted(
      contents,
      (c) => c.type,
      accept,
      (c) => isJsonLike(c.type),
    ) ?? 'none'
  );
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
