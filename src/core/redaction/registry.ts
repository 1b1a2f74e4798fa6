import { latin1OfUtf8 } from './pseudonym.js';

/** Secrets shorter than this are replaced where a rule finds them, but not tracked everywhere. */
export const MIN_TRACKED_LENGTH = 6;

function base64(text: string): string {
  return btoa(latin1OfUtf8(text));
}

function hexOf(text: string): string {
  let out = '';
  for (const c of latin1OfUtf8(text)) out += c.charCodeAt(0).toString(16).padStart(2, '0');
  return out;
}

/**
 * The encodings a secret is tracked in, each paired with the same encoding of its replacement:
 * raw, URL-encoded (path and form style), base64 (standard and URL-safe, padded or not), hex
 * (lower and upper case) and JSON-escaped.
 */
export function encodedForms(secret: string, replacement: string): [string, string][] {
  const forms: [string, string][] = [[secret, replacement]];
  const add = (encode: (s: string) => string) => forms.push([encode(secret), encode(replacement)]);
  add(encodeURIComponent);
  add((s) => encodeURIComponent(s).replace(/%20/g, '+'));
  add(base64);
  add((s) => base64(s).replace(/=+$/, ''));
  add((s) => base64(s).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, ''));
  add(hexOf);
  add((s) => hexOf(s).toUpperCase());
  add((s) => JSON.stringify(s).slice(1, -1));
  add((s) => JSON.stringify(s).slice(1, -1).replace(/\//g, '\\/'));
  return forms;
}

/**
 * Every secret found so far in one cassette (or one request, on replay), with what replaces it.
 * Once a value is known to be secret anywhere, every other occurrence — in this interaction or a
 * later one, in any of its encodings — gets the same replacement. Holds raw secrets in memory
 * only; it is never written anywhere.
 */
/** Bits in the prefix filter: 2^16, one 8 KB table per registry. */
const PREFIX_BITS = 0xffff;

/**
 * A 16-bit hash of the first three UTF-16 units of a string at `i`: no string is made, and the
 * result is a small integer (a number above 2^31 would be a heap number, allocated per position).
 */
function prefixAt(text: string, i: number): number {
  return (
    (text.charCodeAt(i) * 961 + text.charCodeAt(i + 1) * 31 + text.charCodeAt(i + 2)) & PREFIX_BITS
  );
}

/**
 * Every secret found so far in one cassette (or one request, on replay), with what replaces it.
 * Once a value is known to be secret anywhere, every other occurrence — in this interaction or a
 * later one, in any of its encodings — gets the same replacement. Holds raw secrets in memory
 * only; it is never written anywhere.
 *
 * Matching indexes the tracked forms by their first characters and scans the text once: per
 * character, one bit test (a six-character key only where three characters may match),
 * whatever the number of secrets. (A compiled alternation of
 * all forms had to be rebuilt for each new secret and slowed with every form it held: a long
 * recording session with a fresh token per response spent 125 ms per interaction at 5,000.)
 * At each position the longest form wins, as an alternation sorted longest first would choose.
 */
export class SecretRegistry {
  private readonly replacements = new Map<string, string>();
  private readonly forms = new Map<string, string>();
  /**
   * A bit per hash of the first three characters of every form (`prefixAt`): most positions
   * stop at this one table read. A set bit only means "maybe"; `byStart` and `startsWith` decide.
   */
  private readonly prefixes = new Uint32Array((PREFIX_BITS + 1) / 32);
  /** Forms by their first six characters (the shortest tracked length). */
  private readonly byStart = new Map<string, string[]>();

  get size(): number {
    return this.replacements.size;
  }

  /** The replacement already chosen for a secret, if it is known. */
  replacementOf(secret: string): string | undefined {
    return this.replacements.get(secret);
  }

  /** Registers a secret; the first replacement chosen for it wins. Returns that replacement. */
  remember(secret: string, replacement: string): string {
    const existing = this.replacements.get(secret);
    if (existing !== undefined) return existing;
    this.replacements.set(secret, replacement);
    if (secret.length >= MIN_TRACKED_LENGTH) {
      for (const [form, replaced] of encodedForms(secret, replacement)) {
        if (form.length < MIN_TRACKED_LENGTH || this.forms.has(form)) continue;
        this.forms.set(form, replaced);
        const h = prefixAt(form, 0);
        this.prefixes[h >>> 5] = (this.prefixes[h >>> 5] ?? 0) | (1 << (h & 31));
        const start = form.slice(0, MIN_TRACKED_LENGTH);
        const list = this.byStart.get(start);
        if (list === undefined) this.byStart.set(start, [form]);
        else list.push(form);
      }
    }
    return replacement;
  }

  /** The longest tracked form starting at `i`, if any. */
  private formAt(text: string, i: number): string | undefined {
    const h = prefixAt(text, i);
    if (((this.prefixes[h >>> 5] ?? 0) & (1 << (h & 31))) === 0) return undefined;
    const list = this.byStart.get(text.slice(i, i + MIN_TRACKED_LENGTH));
    if (list === undefined) return undefined;
    let longest: string | undefined;
    for (const form of list) {
      if ((longest === undefined || form.length > longest.length) && text.startsWith(form, i))
        longest = form;
    }
    return longest;
  }

  /** Replaces every tracked secret, in every tracked encoding, inside `text`. */
  replaceIn(text: string): string {
    if (this.forms.size === 0 || text.length < MIN_TRACKED_LENGTH) return text;
    let out = '';
    let end = 0;
    for (let i = 0; i <= text.length - MIN_TRACKED_LENGTH; i++) {
      const form = this.formAt(text, i);
      if (form === undefined) continue;
      out += text.slice(end, i) + this.forms.get(form)!;
      end = i + form.length;
      i = end - 1;
    }
    return end === 0 ? text : out + text.slice(end);
  }

  /** Does `text` still contain a tracked secret in any tracked encoding? */
  foundIn(text: string): boolean {
    if (this.forms.size === 0 || text.length < MIN_TRACKED_LENGTH) return false;
    for (let i = 0; i <= text.length - MIN_TRACKED_LENGTH; i++) {
      if (this.formAt(text, i) !== undefined) return true;
    }
    return false;
  }
}
