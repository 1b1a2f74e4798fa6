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

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/**
 * Every secret found so far in one cassette (or one request, on replay), with what replaces it.
 * Once a value is known to be secret anywhere, every other occurrence — in this interaction or a
 * later one, in any of its encodings — gets the same replacement. Holds raw secrets in memory
 * only; it is never written anywhere.
 */
export class SecretRegistry {
  private readonly replacements = new Map<string, string>();
  private readonly forms = new Map<string, string>();
  private matcher: RegExp | undefined;

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
        if (form.length >= MIN_TRACKED_LENGTH && !this.forms.has(form))
          this.forms.set(form, replaced);
      }
      this.matcher = undefined;
    }
    return replacement;
  }

  private pattern(): RegExp | undefined {
    if (this.forms.size === 0) return undefined;
    // Longest first, so a secret that contains another is replaced whole.
    this.matcher ??= new RegExp(
      [...this.forms.keys()]
        .sort((a, b) => b.length - a.length)
        .map(escapeRegExp)
        .join('|'),
      'g',
    );
    return this.matcher;
  }

  /** Replaces every tracked secret, in every tracked encoding, inside `text`. */
  replaceIn(text: string): string {
    const pattern = this.pattern();
    if (pattern === undefined || text.length < MIN_TRACKED_LENGTH) return text;
    pattern.lastIndex = 0;
    return text.replace(pattern, (form) => this.forms.get(form) ?? form);
  }

  /** Does `text` still contain a tracked secret in any tracked encoding? */
  foundIn(text: string): boolean {
    const pattern = this.pattern();
    if (pattern === undefined || text.length < MIN_TRACKED_LENGTH) return false;
    pattern.lastIndex = 0;
    return pattern.test(text);
  }
}
