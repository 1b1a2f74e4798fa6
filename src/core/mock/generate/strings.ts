/**
 * Strings: a value for the `format` first, then a name-aware one, then a sample of the
 * `pattern`, fitted to the length limits; every candidate is checked against all of them.
 */
import { checkFormat, codePointLength, patternRegex } from '../openapi/conforms.js';
import type { Ctx, GeneratorHost } from './context.js';
import {
  base64Ascii,
  fakeAlnum,
  fakeDate,
  fakeDateTime,
  fakeIpv4,
  fakeIpv6,
  fakeTime,
  fakeUnixSeconds,
  fakeUrl,
  fakeUuid,
  fakeWord,
} from './fake.js';
import type { Flat } from './flat.js';
import { fakeForName } from './names.js';
import type { Rng } from './random.js';
import { sampleRegex } from './regex-sample.js';

function stringOk(g: GeneratorHost, flat: Flat, text: string, checkFormatToo: boolean): boolean {
  const length = codePointLength(text);
  if (flat.minLength !== undefined && length < flat.minLength) return false;
  if (flat.maxLength !== undefined && length > flat.maxLength) return false;
  for (const p of flat.patterns) {
    const regex = patternRegex(p);
    if (regex !== null && !regex.test(text)) return false;
  }
  if (checkFormatToo && flat.format !== undefined && !checkFormat(flat.format, text)) return false;
  return flat.enumValues === undefined && g.passesNots(text, flat);
}

export function generateString(g: GeneratorHost, flat: Flat, ctx: Ctx): string {
  const rng = ctx.rng;
  const fromFormat = flat.format !== undefined ? formatValue(flat.format, ctx) : undefined;
  if (fromFormat !== undefined && stringOk(g, flat, fromFormat, true)) return fromFormat;
  const named = ctx.name !== undefined ? fakeForName(ctx.name, 'string', rng) : undefined;
  if (flat.patterns.length > 0) {
    if (typeof named === 'string' && stringOk(g, flat, named, true)) return named;
    const pattern = flat.patterns[0]!;
    const lengths = {
      ...(flat.minLength !== undefined ? { minLength: flat.minLength } : {}),
      ...(flat.maxLength !== undefined ? { maxLength: flat.maxLength } : {}),
    };
    // Several patterns (allOf): draw from each in turn; a sample must satisfy them all.
    for (let attempt = 0; attempt < 4 * flat.patterns.length; attempt++) {
      const source = flat.patterns[attempt % flat.patterns.length]!;
      const sample = sampleRegex(
        source,
        attempt === 0 ? rng : rng.fork(`pattern${attempt}`),
        lengths,
      );
      if (sample !== undefined && stringOk(g, flat, sample, true)) return sample;
    }
    g.issue(ctx, `could not produce a string matching /${pattern}/ within the length limits`);
    return sampleRegex(pattern, rng) ?? '';
  }
  if (fromFormat === undefined && typeof named === 'string' && stringOk(g, flat, named, true)) {
    return named;
  }
  const min = flat.minLength ?? 0;
  const max = flat.maxLength ?? Infinity;
  // Too long or too short: fit the name-aware or formatted text, or words, to the limits.
  const base = fromFormat ?? (typeof named === 'string' ? named : wordsText(rng));
  for (const candidate of [base, wordsText(rng), fakeAlnum(rng, 12)]) {
    const fitted = fitLength(candidate, min, max);
    if (stringOk(g, flat, fitted, true)) return fitted;
  }
  const plain = fitLength(fakeAlnum(rng, Math.min(Math.max(min, 8), 64)), min, max);
  if (!stringOk(g, flat, plain, true))
    g.issue(ctx, 'could not produce a string that satisfies every constraint');
  return plain;
}

function wordsText(rng: Rng): string {
  return `${fakeWord(rng)} ${fakeWord(rng)}`;
}

/** Cuts or pads `text` to a code-point length within [min, max]. */
function fitLength(text: string, min: number, max: number): string {
  let chars = [...text];
  if (chars.length > max) chars = chars.slice(0, max);
  let out = chars.join('').trimEnd();
  if ([...out].length < min || out.length === 0) out = chars.join('');
  const length = [...out].length;
  if (length < min) out += 'x'.repeat(min - length);
  return out;
}

/** A value for a string `format`, or undefined when the format says nothing useful. */
function formatValue(format: string, ctx: Ctx): string | undefined {
  const rng = ctx.rng;
  switch (format) {
    case 'date-time':
    case 'iso-date-time':
      return fakeDateTime(rng);
    case 'date':
      return fakeDate(rng);
    case 'time':
    case 'iso-time':
      return fakeTime(rng);
    case 'email':
    case 'idn-email': {
      const named = ctx.name !== undefined ? fakeForName(ctx.name, 'string', rng) : undefined;
      if (typeof named === 'string' && named.endsWith('@example.com')) return named;
      return `${fakeWord(rng)}.${fakeWord(rng)}@example.com`;
    }
    case 'uri':
    case 'url':
    case 'iri':
    case 'uri-reference':
    case 'iri-reference': {
      const named = ctx.name !== undefined ? fakeForName(ctx.name, 'string', rng) : undefined;
      if (typeof named === 'string' && named.startsWith('https://example.com/')) return named;
      return fakeUrl(rng);
    }
    case 'uri-template':
      return `https://example.com/${fakeWord(rng)}/{id}`;
    case 'uuid':
      return fakeUuid(rng);
    case 'hostname':
    case 'idn-hostname':
      return `${fakeWord(rng)}.example.com`;
    case 'ipv4':
      return fakeIpv4(rng);
    case 'ipv6':
      return fakeIpv6(rng);
    case 'byte':
      return base64Ascii(`${fakeWord(rng)} ${fakeWord(rng)}`);
    case 'binary':
      return `${fakeWord(rng)}-${fakeAlnum(rng, 8)}`;
    case 'password':
      return `example-password-${fakeAlnum(rng, 6)}`;
    case 'duration':
      return `P${rng.int(1, 30)}D`;
    case 'json-pointer':
      return `/${fakeWord(rng)}/${rng.int(0, 9)}`;
    case 'relative-json-pointer':
      return `${rng.int(0, 3)}/${fakeWord(rng)}`;
    case 'regex':
      return '^[a-z0-9_-]+$';
    case 'int32':
    case 'int64':
      return String(rng.int(1, 100_000));
    case 'float':
    case 'double':
    case 'decimal':
      return (rng.int(100, 100_000) / 100).toFixed(2);
    case 'unix-time':
      return String(fakeUnixSeconds(rng));
    default:
      return undefined;
  }
}
