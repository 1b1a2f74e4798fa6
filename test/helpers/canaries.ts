/**
 * The encodings a leaked canary is searched in. A secret that reaches a file, a log or a body in
 * any of them counts as leaked.
 */

const utf8 = (s: string) => Buffer.from(s, 'utf8');
const base64 = (s: string) => utf8(s).toString('base64');
const urlSafe = (s: string) => s.replace(/\+/g, '-').replace(/\//g, '_');
const unpadded = (s: string) => s.replace(/=+$/, '');

/** The forms every search covers: raw, URL-encoded, base64 (standard, URL-safe, ± padding), hex. */
export const BASIC_FORMS = 8;

/**
 * Base64 of a value embedded in a longer string (`user:<canary>` in a Basic header, a canary in
 * a binary body stored as base64) depends on where the value starts modulo 3. These are the
 * characters that depend on the value alone, for each of the three alignments.
 */
export function embeddedBase64(value: string): string[] {
  const bytes = utf8(value);
  const out: string[] = [];
  for (let shift = 0; shift < 3; shift++) {
    const encoded = Buffer.concat([Buffer.alloc(shift), bytes]).toString('base64');
    const complete = Math.floor((shift + bytes.length) / 3) * 4;
    out.push(encoded.slice(shift === 0 ? 0 : 4, complete));
  }
  return out;
}

/**
 * Every form of `value` searched for, named: the {@link BASIC_FORMS} basic ones first, then
 * base64 at the three alignments (standard and URL-safe) unless `basicOnly`.
 */
export function formsOf(value: string, basicOnly = false): [string, string][] {
  const hex = utf8(value).toString('hex');
  const forms: [string, string][] = [
    ['raw', value],
    ['url-encoded', encodeURIComponent(value)],
    ['base64', base64(value)],
    ['base64-unpadded', unpadded(base64(value))],
    ['base64url', urlSafe(base64(value))],
    ['base64url-unpadded', unpadded(urlSafe(base64(value)))],
    ['hex', hex],
    ['HEX', hex.toUpperCase()],
  ];
  if (basicOnly) return forms;
  embeddedBase64(value).forEach((s, shift) => {
    forms.push([`base64-embedded+${shift}`, s]);
    forms.push([`base64url-embedded+${shift}`, urlSafe(s)]);
  });
  return forms;
}

/** The names of the forms of `value` found in `haystack` (empty: no leak). */
export function leakedForms(haystack: string, value: string, basicOnly = false): string[] {
  return formsOf(value, basicOnly)
    .filter(([, needle]) => needle.length > 0 && haystack.includes(needle))
    .map(([name]) => name);
}
