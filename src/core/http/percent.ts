/**
 * Percent-decoding that never throws. `decodeURIComponent` throws a URIError on a malformed
 * escape (`%zz`, a lone `%`, a truncated UTF-8 sequence); text from a client or a spec must get
 * an answer instead. Each function says what it gives back for malformed text, because the
 * callers need different things.
 */

/**
 * The decoded text, or the text exactly as it was when an escape is malformed: for paths and
 * pointer tokens, where a literal `%` is more likely a character than a broken escape.
 */
export function decodePercent(text: string): string {
  if (!text.includes('%')) return text;
  return tryDecode(text) ?? text;
}

/** The decoded text, or undefined when an escape is malformed: for input that must be valid. */
export function decodePercentStrict(text: string): string | undefined {
  if (!text.includes('%')) return text;
  return tryDecode(text);
}

/**
 * One `application/x-www-form-urlencoded` component (`+` is a space) decoded, or, when an
 * escape is malformed, the component exactly as it was on the wire (`+` kept). Redaction takes
 * form bodies apart with this: a field it cannot decode is matched against rules as written.
 */
export function decodeFormComponent(text: string): string {
  if (!text.includes('%') && !text.includes('+')) return text;
  return tryDecode(text.replace(/\+/g, ' ')) ?? text;
}

/**
 * One query component decoded exactly as URLSearchParams decodes it: `+` is a space, and a
 * malformed escape becomes U+FFFD where it stands. Matching keys requests on this, so a key is
 * what any WHATWG URL parser would read from the same query.
 */
export function decodeQueryComponent(text: string): string {
  if (!text.includes('%') && !text.includes('+')) return text;
  const spaced = text.replace(/\+/g, ' ');
  return (
    tryDecode(spaced) ?? new URLSearchParams(`x=${text.replace(/&/g, '%26')}`).get('x') ?? text
  );
}

/** `decodeURIComponent`, or undefined where it would throw. */
function tryDecode(text: string): string | undefined {
  try {
    return decodeURIComponent(text);
  } catch {
    return undefined;
  }
}
