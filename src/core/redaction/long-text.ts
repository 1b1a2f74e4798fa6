/**
 * Text of any length for the scanner: the detectors and the whole-value patterns, over text
 * that may be as long as a body (`maxBodyBytes`, 50 MiB by default) without a RangeError from
 * a pattern's backtracking or a time that grows with the square of a run.
 */
import { BASE64ISH } from './bodies.js';
import { detect, type Detection } from './detectors.js';
import { isPseudonym } from './pseudonym.js';

/**
 * Text longer than this is searched piece by piece: the detectors' regular expressions run in
 * time and backtracking memory that grow with the text (V8 throws RangeError on one pattern
 * over a 50 MiB run), and a piece bounds both. Pieces overlap by SCAN_OVERLAP, more than the
 * longest secret a detector finds across a cut (a 4096-bit PEM key is about 3.3 KiB).
 */
export const SCAN_PIECE = 1 << 18;
export const SCAN_OVERLAP = 1 << 13;

/** A character a token never holds: pieces are cut there, so no token is cut in two. */
function isBreak(c: number): boolean {
  return !(
    (c >= 0x30 && c <= 0x39) ||
    (c >= 0x41 && c <= 0x5a) ||
    (c >= 0x61 && c <= 0x7a) ||
    c === 0x2b ||
    c === 0x2d ||
    c === 0x2e ||
    c === 0x2f ||
    c === 0x3d ||
    c === 0x5f ||
    c === 0x25
  );
}

/** `detect` over text of any length: over each piece when it is longer than one. */
export function detectIn(
  text: string,
  disabled: ReadonlySet<string>,
  name?: string,
  binary = false,
): Detection[] {
  if (text.length <= SCAN_PIECE) return detect(text, disabled, name, binary);
  const found: Detection[] = [];
  let start = 0;
  while (start < text.length) {
    let end = Math.min(text.length, start + SCAN_PIECE);
    if (end < text.length) {
      // End the piece at a break when one is near; a run without any is cut where it is.
      let cut = end;
      while (cut > end - SCAN_OVERLAP && !isBreak(text.charCodeAt(cut - 1))) cut--;
      if (cut > end - SCAN_OVERLAP) end = cut;
    }
    for (const d of detect(text.slice(start, end), disabled, name, binary)) found.push(d);
    if (end === text.length) break;
    // The next piece starts at least SCAN_OVERLAP back, so a secret shorter than that which
    // the cut went through lies whole in one of the two pieces; it starts at a break when one is
    // near (searched backwards: forwards, it could pass the start of that very secret), so no
    // piece starts inside a token.
    const back = Math.max(start + 1, end - SCAN_OVERLAP);
    let at = back;
    while (at > Math.max(start + 1, back - SCAN_OVERLAP) && !isBreak(text.charCodeAt(at))) at--;
    start = isBreak(text.charCodeAt(at)) ? at : back;
  }
  return found;
}

/** Whole-value checks (a secret field's value) look at most at one piece of it. */
export function headOf(text: string): string {
  return text.length <= SCAN_PIECE ? text : text.slice(0, SCAN_PIECE);
}

/**
 * `isPseudonym` for text of any length: its pattern (one or more pseudonyms, to the end)
 * backtracks per pseudonym and throws RangeError on a very long run; no value that long is a
 * pseudonym the redactor wrote, so it is searched like any other text instead.
 */
export function isPseudonymText(text: string): boolean {
  return text.length <= SCAN_PIECE && isPseudonym(text);
}

/** A character that is neither printable ASCII nor white space: decoded bytes, not text. */
export const NOT_PRINTABLE = /[^\x20-\x7e\s]/;

/**
 * `BASE64ISH` for text of any length: base64url or base64 characters, 24 or more, and at most
 * two `=` at the end, tested without a pattern that backtracks per character.
 */
export function isBase64ish(text: string): boolean {
  if (text.length <= SCAN_PIECE) return BASE64ISH.test(text);
  if (/[^A-Za-z0-9+/_=-]/.test(text)) return false;
  const eq = text.indexOf('=');
  return eq === -1 || (eq >= text.length - 2 && (eq === text.length - 1 || text.endsWith('==')));
}
