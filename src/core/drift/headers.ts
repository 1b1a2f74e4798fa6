/**
 * The headers drift compares (DEFAULT_DRIFT_HEADERS or the configured list) and how: a changed
 * media type breaks a client, parameters and token lists are compared by meaning, and a
 * change is noise when it is learned, built-in (`date`, rate-limit counters) or only a redaction.
 */
import { combinedHeaderValue } from '../http/index.js';
import type { RecordedResponse } from '../cassette/model.js';
import type { CompareOptions } from './compare.js';
import { short, withNoise } from './findings.js';
import type { Finding } from './model.js';
import { BUILTIN_NOISE_HEADERS, differOnlyInRedaction } from './noise.js';

/** The prefix of learned-volatile entries that name a header rather than a body pointer. */
export const VOLATILE_HEADER_PREFIX = 'header:';

function selectedHeaders(
  recorded: RecordedResponse['headers'],
  live: RecordedResponse['headers'],
  wanted: readonly string[],
): string[] {
  const present = [...Object.keys(recorded), ...Object.keys(live)].map((n) => n.toLowerCase());
  const out = new Set<string>();
  for (const pattern of wanted.map((w) => w.toLowerCase())) {
    if (pattern.endsWith('*')) {
      const prefix = pattern.slice(0, -1);
      for (const name of present) if (name.startsWith(prefix)) out.add(name);
    } else {
      out.add(pattern);
    }
  }
  return [...out].sort();
}

/** `Application/JSON; Charset="UTF-8"` → media type `application/json`, params `charset=utf-8`. */
export function parseContentType(value: string): { type: string; params: string } {
  const [type = '', ...rest] = value.split(';');
  const params = rest
    .map((p) => {
      const eq = p.indexOf('=');
      if (eq === -1) return p.trim().toLowerCase();
      const name = p.slice(0, eq).trim().toLowerCase();
      let v = p.slice(eq + 1).trim();
      if (v.startsWith('"') && v.endsWith('"') && v.length >= 2) v = v.slice(1, -1);
      // charset values are case-insensitive; boundary values are not, but they change per call.
      return name === 'boundary'
        ? 'boundary'
        : `${name}=${name === 'charset' ? v.toLowerCase() : v}`;
    })
    .filter((p) => p !== '')
    .sort();
  return { type: type.trim().toLowerCase(), params: params.join('; ') };
}

/** Comma-separated token lists whose order and case carry no meaning. */
const TOKEN_LIST_HEADERS = new Set(['vary', 'cache-control']);

function normalizeTokens(value: string): string {
  return value
    .split(',')
    .map((t) => t.trim().toLowerCase())
    .filter((t) => t !== '')
    .sort()
    .join(', ');
}

export function compareHeaders(
  recorded: RecordedResponse['headers'],
  live: RecordedResponse['headers'],
  options: CompareOptions,
): Finding[] {
  const findings: Finding[] = [];
  for (const name of selectedHeaders(recorded, live, options.headers)) {
    const r = combinedHeaderValue(recorded, name);
    const l = combinedHeaderValue(live, name);
    if (r === undefined && l === undefined) continue;
    const base = { place: 'header' as const, path: name };
    if (l === undefined) {
      findings.push({ ...base, kind: 'header-removed', severity: 'breaking', recorded: short(r!) });
      continue;
    }
    if (r === undefined) {
      findings.push({ ...base, kind: 'header-added', severity: 'non-breaking', live: short(l) });
      continue;
    }
    if (r === l) continue;
    if (name === 'content-type') {
      const a = parseContentType(r);
      const b = parseContentType(l);
      if (a.type !== b.type) {
        findings.push({
          ...base,
          kind: 'content-type-changed',
          severity: 'breaking',
          recorded: short(r),
          live: short(l),
        });
        continue;
      }
      if (a.params === b.params) continue;
    } else if (TOKEN_LIST_HEADERS.has(name) && normalizeTokens(r) === normalizeTokens(l)) {
      continue;
    }
    const noiseReason = options.volatile.has(VOLATILE_HEADER_PREFIX + name)
      ? ('learned' as const)
      : BUILTIN_NOISE_HEADERS.has(name) || differOnlyInRedaction(r, l)
        ? ('builtin' as const)
        : undefined;
    findings.push({
      ...base,
      ...withNoise('header-changed', 'non-breaking', noiseReason, {
        recorded: short(r),
        live: short(l),
      }),
    });
  }
  return findings;
}
